//! Concerto-level helpers for the end-to-end tests: register streams, templates and topics
//! from Alice's account, publish signed events fee-less, and wait for finalized outputs.

use super::chain::Chain;
use concerto_runtime::{RuntimeCall, RuntimeEvent};
use pallet_topics::{
    event_signing_payload, runtime_api::OutputView, Call as TopicsCall, Event as TopicsEvent,
    MachineLimits, PublisherKey, PublisherSignature, SignedEvent, TopicMode, Verdict,
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

/// How long the tests wait for one chain step.
pub(crate) const WAIT: Duration = Duration::from_secs(120);

/// The machine configuration of the SDK's templates (128 MiB RAM, as the SDK requires).
pub(crate) const SDK_MACHINE: MachineLimits = MachineLimits {
    ram_size: 128 << 20,
    max_cycles_per_input: 2_000_000_000,
    max_cycles_per_batch: 4_000_000_000,
    max_output_bytes: 64 << 10,
};

/// The signed event type of the runtime.
pub(crate) type Event =
    SignedEvent<<concerto_runtime::Runtime as pallet_topics::Config>::MaxPayloadLen>;

/// A publisher with its own sr25519 key.
pub(crate) struct Publisher {
    pair: sr25519::Pair,
}

impl Publisher {
    /// A publisher from a seed byte.
    pub(crate) fn new(seed: u8) -> Publisher {
        Publisher {
            pair: sr25519::Pair::from_seed(&[seed; 32]),
        }
    }

    /// Its key as streams list it.
    pub(crate) fn key(&self) -> PublisherKey {
        PublisherKey::Sr25519(self.pair.public().0)
    }

    /// Its raw public key (the envelope's `publisher`).
    pub(crate) fn raw(&self) -> [u8; 32] {
        self.pair.public().0
    }

    /// A signed event on `stream` with `sequence`.
    pub(crate) fn event(
        &self,
        chain: &Chain<'_>,
        stream: u32,
        sequence: u64,
        payload: &[u8],
    ) -> Event {
        let key = self.key();
        let message = event_signing_payload(&chain.genesis, stream, &key, sequence, payload);
        SignedEvent {
            stream,
            publisher: key,
            sequence,
            payload: BoundedVec::truncate_from(payload.to_vec()),
            signature: PublisherSignature::Sr25519(self.pair.sign(&message).0),
        }
    }
}

/// Submits registry calls from Alice (consecutive nonces) and waits until the last one's
/// event `done` appears (and one block more); panics with the node log otherwise.
pub(crate) fn as_alice<T>(
    chain: &mut Chain<'_>,
    calls: Vec<TopicsCall<concerto_runtime::Runtime>>,
    done: impl FnMut(&RuntimeEvent) -> Option<T>,
) -> T {
    let calls = calls.into_iter().map(RuntimeCall::Topics).collect();
    chain.submit_calls(Sr25519Keyring::Alice, calls, WAIT, done)
}

/// `register_stream` (Alice owns it; the id comes with `StreamRegistered`).
pub(crate) fn register_stream() -> TopicsCall<concerto_runtime::Runtime> {
    TopicsCall::register_stream {
        metadata: BoundedVec::truncate_from(b"e2e".to_vec()),
    }
}

/// What the tests put in each stream's and topic's budget: plenty for any of them.
pub(crate) const BUDGET: u128 = 1_000 * concerto_runtime::UNIT;

/// `add_publisher` on `stream` for each of `publishers`, and `fund_stream` with [`BUDGET`]
/// (a stream pays for the events it ingests).
pub(crate) fn open_stream(
    stream: u32,
    publishers: &[&Publisher],
) -> Vec<TopicsCall<concerto_runtime::Runtime>> {
    let mut calls = add_publishers(stream, publishers);
    calls.push(TopicsCall::fund_stream {
        stream,
        amount: BUDGET,
    });
    calls
}

/// Funds each of `topics` with [`BUDGET`] from Alice (a topic pays for the cycles of its
/// batches) and waits for the last one.
pub(crate) fn fund_topics(chain: &mut Chain<'_>, topics: &[u32]) {
    let Some(&last) = topics.last() else {
        return;
    };
    let calls = topics
        .iter()
        .map(|&topic| TopicsCall::fund_topic {
            topic,
            amount: BUDGET,
        })
        .collect();
    as_alice(chain, calls, |e| match e {
        RuntimeEvent::Topics(TopicsEvent::TopicFunded { topic, .. }) if *topic == last => Some(()),
        _ => None,
    });
}

/// `add_publisher` on `stream` for each of `publishers`.
pub(crate) fn add_publishers(
    stream: u32,
    publishers: &[&Publisher],
) -> Vec<TopicsCall<concerto_runtime::Runtime>> {
    publishers
        .iter()
        .map(|p| TopicsCall::add_publisher {
            stream,
            publisher: p.key(),
        })
        .collect()
}

/// One price tick of `asset` at `price` from each publisher (sequence 0), to publish
/// together.
pub(crate) fn ticks(
    chain: &Chain<'_>,
    stream: u32,
    asset: u32,
    quotes: &[(&Publisher, u128)],
) -> Vec<Event> {
    ticks_at(chain, stream, asset, 0, quotes)
}

/// As [`ticks`], each event with `sequence`.
pub(crate) fn ticks_at(
    chain: &Chain<'_>,
    stream: u32,
    asset: u32,
    sequence: u64,
    quotes: &[(&Publisher, u128)],
) -> Vec<Event> {
    use codec::Encode;
    quotes
        .iter()
        .map(|(p, price)| {
            let tick = concerto_primitives::price::PriceTick {
                asset_id: asset,
                price: *price,
                observed_at: 1_700_000_000_000,
            };
            p.event(chain, stream, sequence, &tick.encode())
        })
        .collect()
}

/// `upload_template` for `code` (returns the call and the template's hash).
pub(crate) fn upload(
    code: Vec<u8>,
    machine: MachineLimits,
) -> (TopicsCall<concerto_runtime::Runtime>, H256) {
    let hash = BlakeTwo256::hash(&code);
    (
        TopicsCall::upload_template {
            code: BoundedVec::truncate_from(code),
            machine,
        },
        hash,
    )
}

/// `register_topic` over `streams` (stateless, default quorum).
pub(crate) fn topic(
    streams: Vec<u32>,
    template: H256,
    config: Vec<u8>,
    window: u32,
) -> TopicsCall<concerto_runtime::Runtime> {
    TopicsCall::register_topic {
        streams: BoundedVec::truncate_from(streams),
        template,
        config: BoundedVec::truncate_from(config),
        window,
        quorum: None,
        mode: TopicMode::Stateless,
    }
}

/// Picks `TopicRegistered` events.
pub(crate) fn topic_registered(e: &RuntimeEvent) -> Option<u32> {
    match e {
        RuntimeEvent::Topics(TopicsEvent::TopicRegistered { topic, .. }) => Some(*topic),
        _ => None,
    }
}

/// Picks `StreamRegistered` events.
pub(crate) fn stream_registered(e: &RuntimeEvent) -> Option<u32> {
    match e {
        RuntimeEvent::Topics(TopicsEvent::StreamRegistered { stream, .. }) => Some(*stream),
        _ => None,
    }
}

/// Publishes `events` in one fee-less `publish_batch` (same block).
pub(crate) fn publish(chain: &Chain<'_>, events: Vec<Event>) {
    let call = RuntimeCall::Topics(TopicsCall::publish_batch {
        events: BoundedVec::truncate_from(events),
    });
    chain
        .submit(&chain.authorized(call))
        .unwrap_or_else(|e| panic!("events refused: {e}"));
}

/// Waits until `topic`'s batch `batch` is finalized (polling `TopicsApi_latest_outputs`,
/// so batches may finalize in any order) and returns the block it was finalized in, its
/// verdict and the output as the runtime API serves it.
pub(crate) fn finalized_output(
    chain: &Chain<'_>,
    topic: u32,
    batch: u64,
    timeout: Duration,
) -> (u64, Verdict, OutputView<u32>) {
    let start = std::time::Instant::now();
    while start.elapsed() < timeout {
        let outputs: Vec<OutputView<u32>> = chain.runtime_api("TopicsApi_latest_outputs", topic);
        if let Some(view) = outputs.into_iter().find(|o| o.batch == batch) {
            return (u64::from(view.finalized_at), view.verdict, view);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!(
        "topic {topic} batch {batch} not finalized within {timeout:?}; log:\n{}",
        chain.node().log()
    )
}

/// The outputs of a finalized batch, decoded from the inline payload (SCALE
/// `Vec<Vec<u8>>`).
pub(crate) fn inline_outputs(view: &OutputView<u32>) -> Vec<Vec<u8>> {
    assert!(
        view.outputs.is_some(),
        "outputs inline (under MaxOutputLen)"
    );
    view.inline_outputs()
        .expect("outputs payload is SCALE Vec<Vec<u8>>")
}

/// The template ELF `name`, built from `offchain-workers/templates` by the harness.
pub(crate) fn template(name: &str) -> Vec<u8> {
    let path = concerto_template_harness::template_elf(name).expect("template ELF builds");
    std::fs::read(path).expect("template ELF readable")
}

/// Registers a stream with `publishers`, uploads the median template and registers a
/// topic over the stream with `config` and `window`; returns (stream, topic).
pub(crate) fn median_topic(
    chain: &mut Chain<'_>,
    publishers: &[Publisher],
    config: concerto_primitives::price::MedianConfig,
    window: u32,
) -> (u32, u32) {
    use codec::Encode;
    let stream = as_alice(chain, vec![register_stream()], stream_registered);
    let (upload_call, median) = upload(template("median"), SDK_MACHINE);
    let mut calls = open_stream(stream, &publishers.iter().collect::<Vec<_>>());
    calls.push(upload_call);
    calls.push(topic(vec![stream], median, config.encode(), window));
    let topic = as_alice(chain, calls, topic_registered);
    fund_topics(chain, &[topic]);
    (stream, topic)
}
