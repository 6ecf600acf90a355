//! Genesis presets: `development` (Alice alone) and `local_testnet` (Alice, Bob, Charlie,
//! Dave: four GRANDPA voters, the fewest that tolerate one faulty or offline voter).

use crate::{
    configs::validator_set::MinBond, keys::crypto::Public as ConcertoId, AccountId, BalancesConfig,
    BlockNumber, RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, ValidatorSetConfig,
    MINUTES,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use polkadot_sdk::*;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Balance given to each endowed development account: 2^60 plancks (~1.15M UNIT).
pub const ENDOWMENT: u128 = 1u128 << 60;

/// One validator's keys at genesis.
#[derive(Clone, Debug)]
pub struct ValidatorKeys {
    /// Aura block-production key.
    pub aura: AuraId,
    /// GRANDPA finality key.
    pub grandpa: GrandpaId,
    /// Concerto attestation key.
    pub concerto: ConcertoId,
}

impl ValidatorKeys {
    /// The keys a well-known development account derives (`//Alice` and so on): sr25519
    /// for aura and attestations, ed25519 for GRANDPA, as `--alice` puts in the keystore.
    pub fn dev(sr: Sr25519Keyring, ed: Ed25519Keyring) -> Self {
        ValidatorKeys {
            aura: sr.public().into(),
            grandpa: ed.public().into(),
            concerto: sr.public().into(),
        }
    }

    /// The session keys struct for these keys.
    pub fn session_keys(&self) -> SessionKeys {
        SessionKeys {
            aura: self.aura.clone(),
            grandpa: self.grandpa.clone(),
            concerto: self.concerto.clone(),
        }
    }
}

fn testnet_genesis(
    validators: Vec<(AccountId, ValidatorKeys)>,
    endowed: Vec<AccountId>,
    root: AccountId,
    session_length: BlockNumber,
) -> Value {
    // Aura and GRANDPA take their authorities from the session pallet's genesis session,
    // so their own genesis lists stay empty.
    build_struct_json_patch!(RuntimeGenesisConfig {
        balances: BalancesConfig {
            balances: endowed
                .iter()
                .cloned()
                .map(|k| (k, ENDOWMENT))
                .collect::<Vec<_>>(),
        },
        session: SessionConfig {
            keys: validators
                .iter()
                .map(|(account, keys)| (account.clone(), account.clone(), keys.session_keys()))
                .collect::<Vec<_>>(),
        },
        sudo: SudoConfig { key: Some(root) },
        // Each genesis validator bonds twice the minimum from its endowment, so that a few
        // slashes do not take it below the minimum (and out of the set).
        validator_set: ValidatorSetConfig {
            validators: validators
                .iter()
                .map(|(account, _)| (account.clone(), 2 * MinBond::get()))
                .collect::<Vec<_>>(),
            session_length,
        },
    })
}

/// A well-known development validator: its account and keys.
fn dev_validator(sr: Sr25519Keyring, ed: Ed25519Keyring) -> (AccountId, ValidatorKeys) {
    (sr.to_account_id(), ValidatorKeys::dev(sr, ed))
}

/// The `development` preset: Alice validates alone and is sudo.
pub fn development_config_genesis() -> Value {
    testnet_genesis(
        vec![dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
        Sr25519Keyring::well_known()
            .map(|k| k.to_account_id())
            .collect(),
        Sr25519Keyring::Alice.to_account_id(),
        10 * MINUTES,
    )
}

/// Blocks per session on the local testnet: short, so that validator set changes and
/// removals for faults (effective at the session after next) show within a minute.
pub const LOCAL_SESSION_LENGTH: BlockNumber = 20;

/// The `local_testnet` preset: Alice, Bob, Charlie and Dave validate (GRANDPA and the
/// default topic quorum, more than two thirds, both need 3 of the 4); Alice is sudo.
pub fn local_config_genesis() -> Value {
    testnet_genesis(
        vec![
            dev_validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
            dev_validator(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
            dev_validator(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
            dev_validator(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
        ],
        Sr25519Keyring::well_known()
            .map(|k| k.to_account_id())
            .collect(),
        Sr25519Keyring::Alice.to_account_id(),
        LOCAL_SESSION_LENGTH,
    )
}

/// The JSON patch of a named preset, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
    let patch = match id.as_ref() {
        sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
        sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
        _ => return None,
    };
    Some(
        serde_json::to_string(&patch)
            .expect("serialization to json is expected to work. qed.")
            .into_bytes(),
    )
}

/// The names of the presets this runtime has.
pub fn preset_names() -> Vec<PresetId> {
    vec![
        PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
        PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
    ]
}
