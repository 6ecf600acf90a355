//! The Rust client (`clients/rust`, `concerto-client`) against the real node: events
//! signed with each key scheme and published by `Publisher`s are finalized into the
//! median, which a subscription receives; refusals come back by name.

use crate::common::{
    block_on,
    chain::Chain,
    concerto::{as_alice, median_topic, register_stream, stream_registered, Publisher, WAIT},
    Node,
};
use codec::{Decode, Encode};
use concerto_client::{
    CannotPublish, Client, Error, Feed, OutputJson, Publisher as ClientPublisher, PublisherPair,
    RefusalKind, Scheme,
};
use concerto_primitives::price::{MedianConfig, MedianOutput, PriceTick};
use pallet_topics::{Call as TopicsCall, Verdict};

const ASSET: u32 = 3;

fn tick(price: u128) -> Vec<u8> {
    PriceTick {
        asset_id: ASSET,
        price,
        observed_at: 1_700_000_000_000,
    }
    .encode()
}

#[test]
fn the_rust_client_publishes_with_each_scheme_and_follows_the_median() {
    let node = Node::start(&["--dev", "--tmp"]);
    let mut chain = Chain::connect(&node);
    let pairs = [
        PublisherPair::from_uri(Scheme::Sr25519, "//RustSr").expect("sr25519 key"),
        PublisherPair::from_uri(Scheme::Ed25519, "//RustEd").expect("ed25519 key"),
        PublisherPair::from_uri(Scheme::Ethereum, "//RustEth").expect("Ethereum key"),
    ];
    // The median topic over a stream with one test publisher; the client's keys added.
    let config = MedianConfig {
        max_age_ms: u64::MAX / 4,
        min_publishers: 3,
    };
    let (stream, topic) = median_topic(&mut chain, &[Publisher::new(71)], config, 2);
    let calls = pairs
        .iter()
        .map(|p| TopicsCall::add_publisher {
            stream,
            publisher: p.key(),
        })
        .collect();
    let last = pairs[2].key();
    as_alice(&mut chain, calls, |e| match e {
        concerto_runtime::RuntimeEvent::Topics(pallet_topics::Event::PublisherAdded {
            publisher,
            ..
        }) if *publisher == last => Some(()),
        _ => None,
    });

    let url = format!("http://127.0.0.1:{}", node.rpc_port);
    block_on(async {
        let client = Client::connect(&url).await.expect("client connects");
        let mut outputs = client
            .subscribe(Feed::Outputs {
                topic,
                from_batch: None,
            })
            .await
            .expect("subscribed");
        // One event per scheme, in one call so that they share a batch.
        let genesis = client.genesis();
        let mut events = Vec::new();
        for (pair, price) in pairs.iter().zip([200, 204, 202]) {
            let sequence = client
                .next_sequence(stream, pair.key())
                .await
                .expect("may publish");
            events.push(
                concerto_client::sign_event(genesis, pair, stream, sequence, tick(price))
                    .expect("signed"),
            );
        }
        let answers = client.submit_events(&events).await.expect("answered");
        assert!(
            answers
                .iter()
                .all(|a| *a == concerto_client::Answer::Accepted),
            "{answers:?}"
        );
        let median = tokio::time::timeout(WAIT, async {
            loop {
                let output: OutputJson = outputs.next().await.expect("an output");
                let found = output
                    .inline_outputs()
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|o| {
                        MedianOutput::decode(&mut &o[..])
                            .ok()
                            .filter(|m| m.asset_id == ASSET && m.publishers == 3)
                    });
                if let Some(m) = found {
                    assert_eq!(output.verdict, Verdict::Accepted);
                    assert_eq!(
                        client.output(topic, output.batch).await.expect("indexed"),
                        Some(output)
                    );
                    return m;
                }
            }
        })
        .await
        .expect("the median of the three schemes within the timeout");
        assert_eq!((median.median, median.min, median.max), (202, 200, 204));

        // A Publisher continues the sequence; a resent event is a duplicate.
        let mut publisher = ClientPublisher::new(&client, pairs[0].clone(), stream);
        let published = publisher
            .publish_many(vec![tick(1), tick(2)])
            .await
            .expect("published");
        assert_eq!(published.len(), 2);
        assert_eq!(published[1].sequence, published[0].sequence + 1);
        let again =
            concerto_client::sign_event(genesis, &pairs[1], stream, 1, tick(9)).expect("signed");
        let first = client
            .submit_events(std::slice::from_ref(&again))
            .await
            .expect("answered");
        assert_eq!(first, vec![concerto_client::Answer::Accepted]);
        let second = client.submit_events(&[again]).await.expect("answered");
        assert_eq!(second, vec![concerto_client::Answer::Duplicate]);

        // Refusals by name.
        let stranger = PublisherPair::from_uri(Scheme::Sr25519, "//RustStranger").expect("key");
        match client.next_sequence(stream, stranger.key()).await {
            Err(Error::CannotPublish { why, .. }) => assert_eq!(why, CannotPublish::NotPublisher),
            other => panic!("a stranger may publish? {other:?}"),
        }
        publisher.sync().await.expect("synced");
        let gap = concerto_client::sign_event(genesis, &pairs[0], stream, 1_000, tick(1))
            .expect("signed");
        match client.submit_events(&[gap]).await.expect("answered").pop() {
            Some(concerto_client::Answer::Rejected(r)) => {
                assert_eq!(r.kind, RefusalKind::SequenceGap);
                assert_eq!(r.expected, Some(published[1].sequence + 1));
            }
            other => panic!("a gap accepted? {other:?}"),
        }
        let too_long =
            concerto_client::sign_event(genesis, &pairs[0], stream, 0, vec![0; 64 * 1024 + 1]);
        assert!(matches!(too_long, Err(Error::PayloadTooLong { .. })));
    });
    // A closed stream: the Publisher gets its name from the node.
    let closed = as_alice(&mut chain, vec![register_stream()], stream_registered);
    let pair = PublisherPair::from_uri(Scheme::Ed25519, "//RustClosed").expect("key");
    as_alice(
        &mut chain,
        vec![
            TopicsCall::add_publisher {
                stream: closed,
                publisher: pair.key(),
            },
            TopicsCall::close_stream { stream: closed },
        ],
        |e| match e {
            concerto_runtime::RuntimeEvent::Topics(pallet_topics::Event::StreamClosed {
                stream,
            }) => Some(*stream),
            _ => None,
        },
    );
    block_on(async {
        let client = Client::connect(&url).await.expect("client connects");
        let mut publisher = ClientPublisher::new(&client, pair, closed);
        match publisher.publish(tick(1)).await {
            Err(Error::CannotPublish { why, .. }) => assert_eq!(why, CannotPublish::StreamClosed),
            other => panic!("published on a closed stream? {other:?}"),
        }
    });
}
