//! pallet-topics on the real node: a stream, a template and a topic registered with signed
//! transactions, events published as authorized (fee-less) transactions, the batch sealed,
//! the payload found in the node's offchain storage, bad events refused by the pool, and
//! an attestation signed with Alice's `conc` key finalizing the output.

use crate::common::{chain::Chain, Node};
use concerto_primitives::EventEnvelope;
use concerto_runtime::{RuntimeCall, RuntimeEvent};
use pallet_topics::{
    attestation_signing_payload, event_signing_payload, runtime_api::TopicView, Attestation,
    AttestationResult, BatchInfo, Call as TopicsCall, Event as TopicsEvent, MachineLimits,
    OutputsPayload, PublisherKey, PublisherSignature, SignedEvent, TopicMode, Verdict,
};
use polkadot_sdk::{
    sp_core::{sr25519, Pair, H256},
    sp_keyring::Sr25519Keyring,
    sp_runtime::{
        traits::{BlakeTwo256, Hash},
        BoundedVec,
    },
};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn topics_call(call: TopicsCall<concerto_runtime::Runtime>) -> RuntimeCall {
    RuntimeCall::Topics(call)
}

fn publish(
    chain: &Chain<'_>,
    publisher: &sr25519::Pair,
    sequence: u64,
    payload: &[u8],
) -> RuntimeCall {
    let key = PublisherKey::Sr25519(publisher.public().0);
    let message = event_signing_payload(&chain.genesis, 0, &key, sequence, payload);
    let event = SignedEvent {
        stream: 0,
        publisher: key,
        sequence,
        payload: BoundedVec::truncate_from(payload.to_vec()),
        signature: PublisherSignature::Sr25519(publisher.sign(&message).0),
    };
    topics_call(TopicsCall::publish { event })
}

#[test]
fn topics_register_publish_seal_attest_finalize() {
    // The offchain worker would attest this batch itself (a garbage template: rejected); this
    // test drives the attestation by hand. `e2e` covers the offchain worker.
    let node = Node::start(&["--dev", "--tmp", "--offchain-worker", "never"]);
    let mut chain = Chain::connect(&node);
    let alice = Sr25519Keyring::Alice;
    let publisher = sr25519::Pair::from_seed(&[7; 32]);

    // Registry, from Alice's account (signed, fee-paying).
    // A well-formed RV64 executable that is never run (the chain checks its structure).
    let code = pallet_topics::testing::program(256, 0x13);
    let template = BlakeTwo256::hash(&code);
    let machine = MachineLimits {
        ram_size: 128 << 20,
        max_cycles_per_input: 1 << 30,
        max_cycles_per_batch: 1 << 33,
        max_output_bytes: 1 << 16,
    };
    let calls = [
        TopicsCall::register_stream {
            metadata: BoundedVec::truncate_from(b"prices".to_vec()),
        },
        TopicsCall::add_publisher {
            stream: 0,
            publisher: PublisherKey::Sr25519(publisher.public().0),
        },
        TopicsCall::fund_stream {
            stream: 0,
            amount: concerto_runtime::UNIT,
        },
        TopicsCall::upload_template {
            code: BoundedVec::truncate_from(code),
            machine,
        },
        TopicsCall::register_topic {
            streams: BoundedVec::truncate_from(vec![0]),
            template,
            config: Default::default(),
            window: 1,
            quorum: None,
            mode: TopicMode::Stateless,
        },
        // A fresh chain: this is topic 0.
        TopicsCall::fund_topic {
            topic: 0,
            amount: concerto_runtime::UNIT,
        },
    ];
    let nonce = chain.nonce(alice);
    for (i, call) in calls.into_iter().enumerate() {
        let xt = chain.signed(alice, nonce + i as u32, topics_call(call));
        chain
            .submit(&xt)
            .unwrap_or_else(|e| panic!("registry call {i} refused: {e}"));
    }
    let registered = chain.wait_event(WAIT, |e| match e {
        RuntimeEvent::Topics(TopicsEvent::TopicRegistered { topic, .. }) => Some(*topic),
        _ => None,
    });
    assert_eq!(
        registered.map(|r| r.1),
        Some(0),
        "topic not registered; log:\n{}",
        node.log()
    );
    let view: Option<TopicView<concerto_runtime::AccountId, H256, u32>> =
        chain.runtime_api("TopicsApi_topic", 0u32);
    assert_eq!(view.expect("topic over the runtime API").template, template);

    // A bad signature and a gap in the sequence are refused by the pool: never in a block.
    let mut forged = publish(&chain, &publisher, 0, b"tick");
    if let RuntimeCall::Topics(TopicsCall::publish { event }) = &mut forged {
        event.payload = BoundedVec::truncate_from(b"tock".to_vec());
    }
    assert!(
        chain.submit(&chain.authorized(forged)).is_err(),
        "forged event accepted"
    );

    // A good event: fee-less, from an account-less publisher.
    chain
        .submit(&chain.authorized(publish(&chain, &publisher, 0, b"tick")))
        .expect("event accepted");
    let published = chain.wait_event(WAIT, |e| match e {
        RuntimeEvent::Topics(TopicsEvent::EventPublished { event_hash, .. }) => Some(*event_hash),
        _ => None,
    });
    let (block, event_hash) =
        published.unwrap_or_else(|| panic!("event not included; log:\n{}", node.log()));
    // Replaying it is refused.
    let replay = chain.submit(&chain.authorized(publish(&chain, &publisher, 0, b"tick")));
    assert!(replay.is_err(), "replayed event accepted");

    // The payload is in offchain storage under its hash (offchain indexing is on).
    let key = concerto_primitives::domain::event_offchain_key(&event_hash);
    let stored = chain
        .offchain_get(&key)
        .expect("envelope in offchain storage");
    assert_eq!(
        polkadot_sdk::sp_io::hashing::blake2_256(&stored),
        event_hash
    );
    let envelope: EventEnvelope =
        codec::Decode::decode(&mut &stored[..]).expect("envelope decodes");
    assert_eq!(
        (envelope.payload.as_slice(), envelope.block_number as u64),
        (&b"tick"[..], block)
    );

    // The window (one block) is sealed.
    let sealed = chain.wait_event(WAIT, |e| match e {
        RuntimeEvent::Topics(TopicsEvent::BatchSealed {
            topic: 0,
            batch,
            event_count,
            ..
        }) => Some((*batch, *event_count)),
        _ => None,
    });
    assert_eq!(
        sealed.map(|s| s.1),
        Some((0, 1)),
        "batch not sealed; log:\n{}",
        node.log()
    );
    let awaiting: Vec<(u32, u64)> =
        chain.runtime_api("TopicsApi_awaiting_attestation", alice.public());
    assert_eq!(awaiting, vec![(0, 0)]);

    // Alice (the only validator) attests with her `conc` key: quorum 1 of 1.
    let result = AttestationResult {
        start_root: [1; 32],
        outputs_root: [2; 32],
        state_root: [3; 32],
        outputs: OutputsPayload::Inline(BoundedVec::truncate_from(b"out".to_vec())),
        cycles: 1234,
        verdict: Verdict::Accepted,
    };
    let sealed: Option<BatchInfo<u32>> = chain.runtime_api("TopicsApi_batch", (0u32, 0u64));
    let attestation = Attestation {
        topic: 0,
        batch: 0,
        commitment: sealed.expect("batch 0 is sealed").commitment,
        validator: alice.public().into(),
        result,
    };
    let signature = alice
        .sign(&attestation_signing_payload(&chain.genesis, &attestation))
        .into();
    let attest = topics_call(TopicsCall::attest {
        attestation: attestation.clone(),
        signature,
    });
    chain
        .submit(&chain.authorized(attest))
        .expect("attestation accepted");
    let finalized = chain.wait_event(WAIT, |e| match e {
        RuntimeEvent::Topics(TopicsEvent::OutputFinalized {
            topic: 0,
            batch: 0,
            outputs_root,
            verdict,
            ..
        }) => Some((*outputs_root, *verdict)),
        _ => None,
    });
    assert_eq!(
        finalized.map(|f| f.1),
        Some(([2; 32], Verdict::Accepted)),
        "log:\n{}",
        node.log()
    );
    // Attesting twice is refused.
    let again = topics_call(TopicsCall::attest {
        attestation: attestation.clone(),
        signature: alice
            .sign(&attestation_signing_payload(&chain.genesis, &attestation))
            .into(),
    });
    assert!(
        chain.submit(&chain.authorized(again)).is_err(),
        "double attestation accepted"
    );

    let (clean, log) = node.stop_logged(Duration::from_secs(30));
    assert!(
        clean,
        "node did not stop cleanly; its last lines:\n{}",
        crate::common::last_lines(&log, 40)
    );
}
