//! Concerto's success test: on a dev chain, a real Ethereum mainnet event (a log of a
//! block in `../shared/data/eth/`) is published with its receipt proof, the block hash is
//! published by two relayer keys, the eth-verifier template runs in a slot on the
//! validator, and the finalized output on chain is the verified log. The same event with a
//! tampered receipt is finalized as rejected.
//!
//! `scripts/eth-success.sh` runs this test and prints what it saw.

use crate::common::{
    chain::Chain,
    concerto::{
        as_alice, finalized_output, fund_topics, inline_outputs, open_stream, publish,
        register_stream, stream_registered, template, topic, topic_registered, upload, Publisher,
        SDK_MACHINE, WAIT,
    },
    Node,
};
use crate::harness_support::eth;
use codec::Encode;
use concerto_primitives::eth::{EthPayload, ReceiptClaim, VerifierConfig};
use pallet_topics::Verdict;
use polkadot_sdk::sp_core::bytes::to_hex;
use std::time::{Duration, Instant};

/// The mainnet block the claim is about.
const BLOCK: u64 = 17034870;

#[test]
fn a_real_ethereum_event_is_verified_and_a_tampered_one_rejected() {
    let Some(dir) = eth::data_dir() else {
        return;
    };
    let block = eth::load(&dir, BLOCK);
    assert_eq!(
        block.trie.root(),
        block.receipts_root,
        "receipts trie rebuilt"
    );
    // The first log with short data (so the verified log is served inline).
    let (tx, log) = block
        .receipts
        .iter()
        .enumerate()
        .find_map(|(tx, r)| {
            r.logs
                .iter()
                .position(|l| l.data.len() <= 256)
                .map(|log| (tx, log as u32))
        })
        .expect("a block with logs");

    let node = Node::start(&["--dev", "--tmp"]);
    let mut chain = Chain::connect(&node);
    let (relayer_a, relayer_b, claimer) =
        (Publisher::new(11), Publisher::new(12), Publisher::new(13));

    // Streams: 0 = relayers' block hashes, 1 = claims.
    as_alice(
        &mut chain,
        vec![register_stream(), register_stream()],
        |e| stream_registered(e).filter(|&s| s == 1),
    );
    let (upload_call, verifier) = upload(template("eth-verifier"), SDK_MACHINE);
    let config = VerifierConfig {
        min_confirmations: 2,
        relayer_stream_id: 0,
    };
    let mut calls = open_stream(0, &[&relayer_a, &relayer_b]);
    calls.extend(open_stream(1, &[&claimer]));
    calls.push(upload_call);
    calls.push(topic(vec![0, 1], verifier, config.encode(), 2));
    let topic_id = as_alice(&mut chain, calls, topic_registered);
    fund_topics(&mut chain, &[topic_id]);

    let observation = EthPayload::Observation {
        block_number: block.number,
        block_hash: block.hash,
    }
    .encode();
    let claim = ReceiptClaim {
        header_rlp: block.header_rlp.clone(),
        tx_index: tx as u32,
        proof: block.trie.proof(tx),
        log_index: log,
    };
    let submit = |sequence: u64, claim: &ReceiptClaim| {
        publish(
            &chain,
            vec![
                relayer_a.event(&chain, 0, sequence, &observation),
                relayer_b.event(&chain, 0, sequence, &observation),
                claimer.event(
                    &chain,
                    1,
                    sequence,
                    &EthPayload::Claim(claim.clone()).encode(),
                ),
            ],
        );
        Instant::now()
    };

    // The genuine event.
    let sent = submit(0, &claim);
    let (at, verdict, view) = finalized_output(&chain, topic_id, 0, WAIT);
    let latency = sent.elapsed();
    assert_eq!(verdict, Verdict::Accepted, "log:\n{}", node.log());
    let outputs = inline_outputs(&view);
    let l = &block.receipts[tx].logs[log as usize];
    let expected = eth::verified_log(&block, tx, log);
    assert_eq!(
        outputs,
        vec![expected.encode()],
        "the verified log on chain"
    );
    eprintln!(
        "VERIFIED mainnet block {} ({}) tx {tx} log {log} from {}: finalized in Concerto \
         block {at}, {} cycles, {:.1} s after publishing",
        block.number,
        to_hex(&block.hash, false),
        to_hex(&l.address, false),
        view.cycles,
        latency.as_secs_f64()
    );

    // The same claim with one byte of the receipt (the proof's leaf) flipped.
    let mut tampered = claim.clone();
    let leaf = tampered.proof.last_mut().expect("proof has a leaf");
    let at_byte = leaf.len() - 1;
    leaf[at_byte] ^= 0x01;
    let sent = submit(1, &tampered);
    let (at, verdict, view) = finalized_output(&chain, topic_id, 1, WAIT);
    assert_eq!(verdict, Verdict::Rejected, "log:\n{}", node.log());
    assert!(inline_outputs(&view).is_empty(), "nothing verified");
    eprintln!(
        "REJECTED the tampered claim: finalized in Concerto block {at}, {:.1} s after publishing",
        sent.elapsed().as_secs_f64()
    );
    assert!(
        node.stop(Duration::from_secs(30)),
        "node did not stop cleanly"
    );
}
