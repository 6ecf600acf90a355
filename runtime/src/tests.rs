//! Runtime unit tests: genesis presets build, and hold what they promise.

use crate::{genesis_config_presets as presets, Runtime, RuntimeGenesisConfig, SessionKeys};
use polkadot_sdk::*;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::Sr25519Keyring;
use sp_runtime::BuildStorage;

fn storage_of(preset: &str) -> sp_io::TestExternalities {
    let patch = presets::get_preset(&preset.into()).expect("preset exists");
    let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("serializes");
    let patch: serde_json::Value = serde_json::from_slice(&patch).expect("preset is JSON");
    json_merge(&mut config, patch);
    let config: RuntimeGenesisConfig =
        serde_json::from_value(config).expect("patched config decodes");
    config.build_storage().expect("genesis builds").into()
}

fn json_merge(a: &mut serde_json::Value, b: serde_json::Value) {
    match (a, b) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                json_merge(a.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (a, b) => *a = b,
    }
}

#[test]
fn preset_names_are_dev_and_local() {
    let names = presets::preset_names();
    assert_eq!(names.len(), 2);
    assert!(names.iter().any(|n| n.as_str() == DEV_RUNTIME_PRESET));
    assert!(names
        .iter()
        .any(|n| n.as_str() == LOCAL_TESTNET_RUNTIME_PRESET));
    assert!(presets::get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn development_preset_has_alice_as_sole_authority_and_sudo() {
    storage_of(DEV_RUNTIME_PRESET).execute_with(|| {
        let aura = pallet_aura::Authorities::<Runtime>::get();
        assert_eq!(aura.len(), 1);
        assert_eq!(aura[0], Sr25519Keyring::Alice.public().into());
        let grandpa = pallet_grandpa::Pallet::<Runtime>::grandpa_authorities();
        assert_eq!(grandpa.len(), 1);
        let conc = pallet_topics::SessionValidators::<Runtime>::get();
        assert_eq!(
            conc.into_inner(),
            vec![Sr25519Keyring::Alice.public().into()]
        );
        assert_eq!(
            pallet_session::Validators::<Runtime>::get(),
            vec![Sr25519Keyring::Alice.to_account_id()]
        );
        assert_eq!(
            pallet_sudo::Key::<Runtime>::get(),
            Some(Sr25519Keyring::Alice.to_account_id())
        );
        // Alice bonds twice the minimum from her endowment, and validates alone.
        let alice = frame_system::Pallet::<Runtime>::account(Sr25519Keyring::Alice.to_account_id());
        let bond = 2 * crate::configs::validator_set::MinBond::get();
        assert_eq!(alice.data.free, presets::ENDOWMENT - bond);
        assert_eq!(alice.data.reserved, bond);
        assert_eq!(
            crate::ValidatorSet::validators(),
            vec![Sr25519Keyring::Alice.to_account_id()]
        );
        assert_eq!(
            pallet_validator_set::SessionLength::<Runtime>::get(),
            10 * crate::MINUTES
        );
        crate::ValidatorSet::do_try_state().expect("validator-set invariants");
    });
}

#[test]
fn local_preset_has_four_validators() {
    storage_of(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
        let aura = pallet_aura::Authorities::<Runtime>::get();
        let expected: Vec<_> = [
            Sr25519Keyring::Alice,
            Sr25519Keyring::Bob,
            Sr25519Keyring::Charlie,
            Sr25519Keyring::Dave,
        ]
        .into_iter()
        .map(|k| k.public().into())
        .collect();
        assert_eq!(aura.into_inner(), expected);
        assert_eq!(
            pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(),
            4
        );
        assert_eq!(pallet_topics::SessionValidators::<Runtime>::get().len(), 4);
    });
}

#[test]
fn session_keys_include_the_concerto_key_type() {
    use sp_runtime::traits::OpaqueKeys;
    let ids = SessionKeys::key_ids();
    assert!(ids.contains(&crate::keys::CONCERTO_KEY_TYPE));
    assert_eq!(ids.len(), 3);
}

#[test]
fn block_time_defaults_to_one_second() {
    if option_env!("CONCERTO_BLOCK_TIME_MS").is_none() {
        assert_eq!(crate::MILLI_SECS_PER_BLOCK, 1000);
    }
    assert_eq!(crate::SLOT_DURATION, crate::MILLI_SECS_PER_BLOCK);
}

#[test]
fn topics_metadata_documents_every_call_event_error_storage_and_constant() {
    use scale_info::{MetaType, TypeDef};
    let ir = Runtime::metadata_ir();
    let topics = ir
        .pallets
        .iter()
        .find(|p| p.name == "Topics")
        .expect("Topics in metadata");
    assert_eq!(topics.index, 9);
    let variants = |what: &str, ty: &MetaType| -> Vec<&'static str> {
        let info = ty.type_info();
        let TypeDef::Variant(def) = info.type_def else {
            panic!("{what} is not an enum")
        };
        for v in def.variants.iter() {
            assert!(!v.docs.is_empty(), "Topics {what} `{}` has no docs", v.name);
        }
        def.variants.iter().map(|v| v.name).collect()
    };
    let calls = variants("call", &topics.calls.as_ref().expect("calls").ty);
    assert_eq!(calls.len(), 15, "{calls:?}");
    assert!(calls.contains(&"publish") && calls.contains(&"ingest") && calls.contains(&"attest"));
    let events = variants("event", &topics.event.as_ref().expect("events").ty);
    assert!(events.contains(&"OutputFinalized") && events.contains(&"ValidatorsFaulted"));
    let errors = variants("error", &topics.error.as_ref().expect("errors").ty);
    assert!(errors.contains(&"BadSignature") && errors.contains(&"StateDiscontinuity"));
    for entry in topics.storage.as_ref().expect("storage").entries.iter() {
        assert!(
            !entry.docs.is_empty(),
            "Topics storage `{}` has no docs",
            entry.name
        );
    }
    assert!(
        topics.constants.iter().any(|c| c.name == "MachineBounds"),
        "the machine bounds are a metadata constant"
    );
    for constant in topics.constants.iter() {
        assert!(
            !constant.docs.is_empty(),
            "Topics constant `{}` has no docs",
            constant.name
        );
    }
}

#[test]
fn every_pallet_passes_its_integrity_test() {
    use frame_support::traits::IntegrityTest;
    storage_of(DEV_RUNTIME_PRESET).execute_with(|| {
        <crate::AllPalletsWithSystem as IntegrityTest>::integrity_test();
    });
}

#[test]
fn a_batch_at_the_cycle_bound_fits_half_the_attestation_period_at_the_reference_speed() {
    let bounds = pallet_topics::Pallet::<Runtime>::machine_bounds();
    let period_secs = u64::from(crate::configs::topics::AttestationPeriod::get())
        * crate::MILLI_SECS_PER_BLOCK
        / 1000;
    assert!(
        bounds.reference_batch_secs() * 2 <= period_secs,
        "{} s at {} M cycles/s does not fit half of {period_secs} s",
        bounds.reference_batch_secs(),
        bounds.reference_mips
    );
    // The SDK's default limits are uploadable as they are.
    assert_eq!(
        concerto_primitives::MachineLimits::sdk_default().check(&bounds),
        Ok(())
    );
}
