//! The Ethereum event verifier on real mainnet blocks, run in the machine: receipts tries
//! rebuilt host-side from every receipt of each block, proofs checked against the
//! headers' receiptsRoot, claims verified in the guest; tampering and missing relayer
//! confirmations must be rejected with a report.

use crate::support::eth::{self, Block};
use codec::Encode;
use concerto_primitives::eth::{EthPayload, LogData, ReceiptClaim, VerifiedLog, VerifierConfig};
use concerto_primitives::{codec, BatchHeader, EventEnvelope, Input};
use concerto_template_harness::{read_elf, template_elf, InputVerdict, Runner};

const BLOCKS: [u64; 5] = [14764013, 17034870, 19426587, 22162263, 22431084];
const RELAYER_STREAM: u32 = 1;
const CLAIM_STREAM: u32 = 2;
const K: u32 = 2;

fn header(batch: u64) -> Input {
    let config = VerifierConfig {
        min_confirmations: K,
        relayer_stream_id: RELAYER_STREAM,
    }
    .encode();
    Input::Header(BatchHeader {
        topic_id: 1,
        batch_number: batch,
        window: (1, 10),
        config,
    })
}

fn event(stream_id: u32, publisher: u8, sequence: u64, payload: EthPayload) -> Input {
    Input::Event(EventEnvelope {
        stream_id,
        publisher: [publisher; 32],
        sequence,
        block_number: 5,
        payload: payload.encode(),
    })
}

fn observe(relayer: u8, block: &Block) -> Input {
    event(
        RELAYER_STREAM,
        relayer,
        block.number,
        EthPayload::Observation {
            block_number: block.number,
            block_hash: block.hash,
        },
    )
}

fn claim(block: &Block, tx: usize, log: u32) -> ReceiptClaim {
    ReceiptClaim {
        header_rlp: block.header_rlp.clone(),
        tx_index: tx as u32,
        proof: block.trie.proof(tx),
        log_index: log,
    }
}

fn claim_input(seq: u64, c: ReceiptClaim) -> Input {
    event(CLAIM_STREAM, 0xcc, seq, EthPayload::Claim(c))
}

fn expected(block: &Block, tx: usize, log: u32) -> VerifiedLog {
    eth::verified_log(block, tx, log)
}

/// Transactions to claim: first, last, ≥ 128, the first of each type, the first failed.
fn chosen_txs(block: &Block) -> Vec<usize> {
    let n = block.receipts.len();
    let mut txs = vec![0, 1, n / 2, n - 1];
    txs.extend([127, 128, 129, 140].into_iter().filter(|&i| i < n));
    txs.extend((0..n).step_by(17));
    for t in 1..=4u8 {
        txs.extend(block.receipts.iter().position(|r| r.tx_type == t));
    }
    txs.extend(block.receipts.iter().position(|r| !r.success));
    txs.sort();
    txs.dedup();
    txs
}

fn verifier() -> Option<(Vec<Block>, Runner)> {
    let dir = eth::data_dir()?;
    let blocks: Vec<Block> = BLOCKS.iter().map(|&n| eth::load(&dir, n)).collect();
    for b in &blocks {
        assert_eq!(
            b.trie.root(),
            b.receipts_root,
            "rebuilt receipts root of block {}",
            b.number
        );
    }
    let elf = read_elf(&template_elf("eth-verifier").expect("template")).expect("elf");
    Some((blocks, Runner::new(&elf).expect("boot")))
}

#[test]
fn verifies_real_mainnet_blocks_in_the_machine() {
    let Some((blocks, mut runner)) = verifier() else {
        return;
    };
    assert!(
        !blocks[0].receipts[4].success,
        "block 14764013 tx 4 is the failed one"
    );
    let mut claim_cycles = Vec::new();
    let mut seen_types = std::collections::BTreeSet::new();
    let mut hashed = 0;
    for (batch, block) in blocks.iter().enumerate() {
        let batch = batch as u64;
        assert_eq!(
            runner.feed(&header(batch)).unwrap().verdict,
            InputVerdict::Accepted
        );
        let mut want = Vec::new();
        let mut seq = 0;
        for tx in chosen_txs(block) {
            let r = &block.receipts[tx];
            seen_types.insert(r.tx_type);
            let logs = r.logs.len() as u32;
            let log_indexes = if logs == 0 {
                vec![0]
            } else {
                vec![0, logs / 2, logs - 1]
            };
            for log in log_indexes
                .into_iter()
                .collect::<std::collections::BTreeSet<_>>()
            {
                seq += 1;
                let res = runner
                    .feed(&claim_input(seq, claim(block, tx, log)))
                    .unwrap();
                if logs == 0 {
                    assert_eq!(
                        res.verdict,
                        InputVerdict::Rejected,
                        "block {} tx {tx}",
                        block.number
                    );
                    let text = res.report_texts().join("\n");
                    let why = if r.success {
                        "log index out of range: the receipt has 0 logs"
                    } else {
                        "the transaction failed (status 0)"
                    };
                    assert!(text.contains(why), "block {} tx {tx}: {text}", block.number);
                } else {
                    assert_eq!(
                        res.verdict,
                        InputVerdict::Accepted,
                        "block {} tx {tx}: {:?}",
                        block.number,
                        res.report_texts()
                    );
                    assert!(res.reports.is_empty() && res.outputs.is_empty());
                    claim_cycles.push(res.cycles);
                    let out = expected(block, tx, log);
                    hashed += usize::from(matches!(out.data, LogData::Hashed { .. }));
                    want.push(out.encode());
                }
            }
        }
        // Observations after the claims count too (the batch decides at End).
        for relayer in [1, 2, 3] {
            assert_eq!(
                runner.feed(&observe(relayer, block)).unwrap().verdict,
                InputVerdict::Accepted
            );
        }
        let end = runner
            .feed(&Input::End {
                batch_number: batch,
            })
            .unwrap();
        assert_eq!(end.verdict, InputVerdict::Accepted);
        assert!(end.reports.is_empty(), "{:?}", end.report_texts());
        assert_eq!(end.outputs, want, "outputs of block {}", block.number);
        eprintln!(
            "block {}: {} verified logs, End took {} cycles",
            block.number,
            want.len(),
            end.cycles
        );
    }
    assert!(
        seen_types.is_superset(&[0, 1, 2, 3].into()),
        "types covered: {seen_types:?}"
    );
    let avg = claim_cycles.iter().sum::<u64>() / claim_cycles.len() as u64;
    eprintln!(
        "cycles per verified claim: avg {avg}, min {}, max {} over {} claims",
        claim_cycles.iter().min().unwrap(),
        claim_cycles.iter().max().unwrap(),
        claim_cycles.len()
    );
    eprintln!("claims whose log data (> 1 KiB) was output as its hash: {hashed}");
}

fn flip(bytes: &mut [u8], at: usize) {
    bytes[at] ^= 0x01;
}

#[test]
fn tampering_and_missing_confirmations_are_rejected() {
    let Some((blocks, mut runner)) = verifier() else {
        return;
    };
    let block = &blocks[3]; // 22162263: tx ≥ 128
    let other = &blocks[2];
    let tx = (128..block.receipts.len())
        .find(|&i| !block.receipts[i].logs.is_empty())
        .unwrap();
    let good = claim(block, tx, 0);
    assert!(good.proof.len() >= 3, "a proof with a middle node");
    assert_eq!(
        runner.feed(&header(7)).unwrap().verdict,
        InputVerdict::Accepted
    );
    for relayer in [1, 2] {
        runner.feed(&observe(relayer, block)).unwrap();
    }
    // `other`: one relayer, twice, plus a non-relayer stream: still one confirmation.
    runner.feed(&observe(1, other)).unwrap();
    runner.feed(&observe(1, other)).unwrap();
    let stray = event(
        CLAIM_STREAM,
        9,
        1,
        EthPayload::Observation {
            block_number: other.number,
            block_hash: other.hash,
        },
    );
    let r = runner.feed(&stray).unwrap();
    assert_eq!(r.verdict, InputVerdict::Rejected);
    assert!(r.report_texts()[0].contains("not on the relayer stream"));

    let receipts_root_at = {
        // header = list prefix (3 bytes) then 5 fields of 33/33/21/33/33 bytes; receiptsRoot's payload follows its 0xa0.
        3 + 33 + 33 + 21 + 33 + 33 + 1
    };
    assert_eq!(
        &block.header_rlp[receipts_root_at..receipts_root_at + 32],
        &block.receipts_root
    );
    let mut bad_root = good.clone();
    flip(&mut bad_root.header_rlp, receipts_root_at + 5);
    let mut bad_header = good.clone();
    flip(&mut bad_header.header_rlp, 4); // parentHash: still decodes, hash changes
    let mut bad_node = good.clone();
    flip(&mut bad_node.proof[1], 40);
    let mut bad_receipt = good.clone();
    let leaf = bad_receipt.proof.last_mut().unwrap();
    let at = leaf.len() - 3;
    flip(leaf, at);
    let mut bad_log = good.clone();
    bad_log.log_index = block.receipts[tx].logs.len() as u32;
    let mut bad_tx = good.clone();
    bad_tx.tx_index += 1;
    let mut extra_node = good.clone();
    extra_node.proof.push(vec![0xc0]);
    let last = good.proof.len() - 1;
    let cases: Vec<(ReceiptClaim, String)> = vec![
        (
            bad_root,
            "receipt proof node 0 does not hash to the header's receiptsRoot".into(),
        ),
        (
            bad_node,
            "receipt proof node 1 does not hash to the reference in node 0".into(),
        ),
        (
            bad_receipt,
            format!(
                "receipt proof node {last} does not hash to the reference in node {}",
                last - 1
            ),
        ),
        (bad_log, "log index out of range".into()),
        (bad_tx, "does not hash".into()),
        (extra_node, "1 unused trailing nodes".into()),
    ];
    for (i, (c, why)) in cases.into_iter().enumerate() {
        let r = runner.feed(&claim_input(100 + i as u64, c)).unwrap();
        assert_eq!(r.verdict, InputVerdict::Rejected, "case {why}");
        assert!(r.outputs.is_empty());
        let text = r.report_texts().join("\n");
        assert!(text.contains(&why), "expected {why:?} in {text:?}");
    }
    // Structurally valid, but their block hashes lack confirmations: rejected at End.
    assert_eq!(
        runner.feed(&claim_input(200, bad_header)).unwrap().verdict,
        InputVerdict::Accepted
    );
    let other_tx = other
        .receipts
        .iter()
        .position(|r| !r.logs.is_empty())
        .unwrap();
    assert_eq!(
        runner
            .feed(&claim_input(201, claim(other, other_tx, 0)))
            .unwrap()
            .verdict,
        InputVerdict::Accepted
    );
    assert_eq!(
        runner
            .feed(&claim_input(202, good.clone()))
            .unwrap()
            .verdict,
        InputVerdict::Accepted
    );
    let end = runner.feed(&Input::End { batch_number: 7 }).unwrap();
    assert_eq!(
        end.outputs,
        vec![expected(block, tx, 0).encode()],
        "only the good claim"
    );
    let reports = end.report_texts();
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(
        reports[0].contains(
            "block hash not confirmed: 0 distinct relayers observed it in this batch, 2 required"
        ),
        "{}",
        reports[0]
    );
    assert!(
        reports[1].contains("block hash not confirmed: 1 distinct relayers"),
        "{}",
        reports[1]
    );
    assert!(reports[1].contains(&format!("block {}", other.number)));

    // Garbage is reported and rejected; the template keeps going.
    let r = runner.feed_raw(b"\xff not scale").unwrap();
    assert_eq!(r.verdict, InputVerdict::Rejected);
    assert!(r.report_texts()[0].starts_with("malformed input"));
    assert_eq!(
        runner.feed(&header(8)).unwrap().verdict,
        InputVerdict::Accepted
    );
}
