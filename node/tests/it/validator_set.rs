//! Validator set management on a running chain, as an operator does it: a second node
//! generates its session keys (`author_rotateKeysWithOwner`), its account sets them and
//! bonds, and sudo adds it. At the session after next it validates: Aura and GRANDPA count
//! it, pallet-topics takes its `conc` key, and it authors blocks that GRANDPA finalizes
//! with both voters. Sudo removes it again and at the session after next the set is Alice
//! alone; its bond is then released. No node restarts.

use crate::common::{chain::Chain, heavy, Node};
use codec::Decode;
use concerto_runtime::{RuntimeCall, RuntimeEvent, SessionKeys, UNIT};
use jsonrpsee_core::rpc_params;
use pallet_validator_set::{Call as SetCall, Event as SetEvent};
use polkadot_sdk::{
    pallet_session, pallet_sudo,
    sp_core::{crypto::AccountId32, Bytes},
    sp_keyring::Sr25519Keyring,
};
use serde_json::Value;
use std::time::Duration;

/// The session validators (`Session::Validators`) at the best block.
fn session_validators(chain: &Chain<'_>) -> Vec<AccountId32> {
    let best = chain
        .block_hash(chain.node().best_number().expect("best"))
        .expect("best hash");
    chain
        .storage_value("Session", "Validators", best)
        .unwrap_or_default()
}

/// Submits `call` signed by `who` and waits for `done` to pick an event.
fn submit<T>(
    chain: &mut Chain<'_>,
    who: Sr25519Keyring,
    call: RuntimeCall,
    done: impl FnMut(&RuntimeEvent) -> Option<T>,
) -> T {
    chain.submit_calls(who, vec![call], Duration::from_secs(120), done)
}

fn sudo(call: RuntimeCall) -> RuntimeCall {
    RuntimeCall::Sudo(pallet_sudo::Call::sudo {
        call: Box::new(call),
    })
}

#[test]
fn governance_adds_and_removes_a_bonded_validator_without_a_restart() {
    let _heavy = heavy();
    let alice = Node::start(&["--dev", "--node-key", &format!("{:064x}", 1)]);
    let mut chain = Chain::connect(&alice);
    let peer: String = alice
        .call("system_localPeerId", rpc_params![])
        .expect("peer id");
    let boot = format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", alice.p2p_port);
    let eve = Node::start(&[
        "--chain",
        "dev",
        "--validator",
        "--tmp",
        "--node-key",
        &format!("{:064x}", 5),
        "--bootnodes",
        &boot,
    ]);
    eve.wait_for(Duration::from_secs(180), |n| {
        n.best_number().filter(|b| *b >= 1)
    })
    .unwrap_or_else(|| panic!("eve did not sync; log:\n{}", eve.log()));

    // Sessions of 10 blocks, so that the change shows quickly.
    let alice_key = Sr25519Keyring::Alice;
    submit(
        &mut chain,
        alice_key,
        sudo(RuntimeCall::ValidatorSet(SetCall::set_session_length {
            blocks: 10,
        })),
        |e| {
            matches!(
                e,
                RuntimeEvent::ValidatorSet(SetEvent::SessionLengthSet { .. })
            )
            .then_some(())
        },
    );

    // Eve's node generates its keys, with the proof that Eve's account owns them.
    let eve_key = Sr25519Keyring::Eve;
    let eve_account = eve_key.to_account_id();
    let generated: Value = eve
        .call(
            "author_rotateKeysWithOwner",
            rpc_params![Bytes(codec::Encode::encode(&eve_account))],
        )
        .expect("rotated keys");
    let hex = |v: &Value| {
        hex::decode(v.as_str().expect("hex").trim_start_matches("0x")).expect("hex bytes")
    };
    let keys = SessionKeys::decode(&mut &hex(&generated["keys"])[..]).expect("session keys");
    let proof = hex(&generated["proof"]);

    // Not yet: it has neither keys on chain nor a bond.
    let refused = chain.submit(&chain.signed(
        alice_key,
        chain.nonce(alice_key),
        sudo(RuntimeCall::ValidatorSet(SetCall::add_validator {
            who: eve_account.clone(),
        })),
    ));
    assert!(refused.is_ok(), "sudo itself is valid: {refused:?}");
    // (The cursor may still be on the block of the successful `set_session_length`.)
    chain
        .wait_event(Duration::from_secs(60), |e| match e {
            RuntimeEvent::Sudo(pallet_sudo::Event::Sudid {
                sudo_result: Err(error),
            }) => Some(*error),
            _ => None,
        })
        .expect("a validator without a bond or keys is refused");

    // `set_keys` emits no event: the bond (the next nonce) is waited for, and a failed
    // `set_keys` shows as `NoSessionKeys` below.
    let set_keys = chain.signed(
        eve_key,
        chain.nonce(eve_key),
        RuntimeCall::Session(pallet_session::Call::set_keys {
            keys: keys.clone(),
            proof,
        }),
    );
    chain
        .submit(&set_keys)
        .expect("set_keys accepted by the pool");
    submit(
        &mut chain,
        eve_key,
        RuntimeCall::ValidatorSet(SetCall::bond {
            amount: 1_000 * UNIT,
        }),
        |e| matches!(e, RuntimeEvent::ValidatorSet(SetEvent::Bonded { .. })).then_some(()),
    );
    submit(
        &mut chain,
        alice_key,
        sudo(RuntimeCall::ValidatorSet(SetCall::add_validator {
            who: eve_account.clone(),
        })),
        |e| {
            matches!(
                e,
                RuntimeEvent::ValidatorSet(SetEvent::ValidatorAdded { .. })
            )
            .then_some(())
        },
    );
    let added_at = alice.best_number().expect("best");

    // At the session after next: in the session set, with its conc key in pallet-topics.
    let joined = alice
        .wait_for(Duration::from_secs(120), |_| {
            session_validators(&chain)
                .contains(&eve_account)
                .then(|| alice.best_number())
                .flatten()
        })
        .unwrap_or_else(|| panic!("eve never joined; log:\n{}", alice.log()));
    let conc: Vec<concerto_runtime::keys::crypto::Public> =
        chain.runtime_api("TopicsApi_validators", ());
    assert!(conc.contains(&keys.concerto), "{conc:?}");
    // Eve authors blocks, and GRANDPA (Alice and Eve, both needed) finalizes past them.
    let eve_authored = eve
        .wait_for(Duration::from_secs(120), |n| {
            n.log()
                .contains("Prepared block for proposing")
                .then_some(())
        })
        .is_some();
    assert!(eve_authored, "eve never authored; log:\n{}", eve.log());
    let target = alice.best_number().expect("best") + 3;
    alice
        .wait_for(Duration::from_secs(120), |n| {
            n.finalized_number().filter(|f| *f >= target)
        })
        .unwrap_or_else(|| panic!("no finality with two voters; eve's log:\n{}", eve.log()));
    eprintln!("validator_set: eve added at block {added_at}, validating from block {joined}");

    // Removed the same way; its bond stays until it no longer validates.
    submit(
        &mut chain,
        alice_key,
        sudo(RuntimeCall::ValidatorSet(SetCall::remove_validator {
            who: eve_account.clone(),
        })),
        |e| {
            matches!(
                e,
                RuntimeEvent::ValidatorSet(SetEvent::ValidatorRemoved { .. })
            )
            .then_some(())
        },
    );
    alice
        .wait_for(Duration::from_secs(120), |_| {
            (!session_validators(&chain).contains(&eve_account)).then_some(())
        })
        .unwrap_or_else(|| panic!("eve was never removed; log:\n{}", alice.log()));
    let released = submit(
        &mut chain,
        eve_key,
        RuntimeCall::ValidatorSet(SetCall::unbond {}),
        |e| match e {
            RuntimeEvent::ValidatorSet(SetEvent::Unbonded { amount, .. }) => Some(*amount),
            _ => None,
        },
    );
    assert_eq!(released, 1_000 * UNIT);
    // Alice alone goes on finalizing.
    let target = alice.best_number().expect("best") + 3;
    alice
        .wait_for(Duration::from_secs(60), |n| {
            n.finalized_number().filter(|f| *f >= target)
        })
        .expect("alice alone finalizes");
    assert!(eve.stop(Duration::from_secs(60)), "eve stops cleanly");
    assert!(alice.stop(Duration::from_secs(60)), "alice stops cleanly");
}
