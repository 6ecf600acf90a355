//! # Ethereum event verifier (Concerto template)
//!
//! Verifies that a log really happened on Ethereum. Inputs per batch (see
//! `concerto_primitives`): a [`BatchHeader`] whose config is a SCALE [`VerifierConfig`]
//! (`k`, the relayer stream), then events whose payload is a SCALE [`EthPayload`]:
//! - `Observation { block_number, block_hash }` on the relayer stream: one confirmation
//!   per distinct publisher (relayer) and (number, hash);
//! - `Claim { header_rlp, tx_index, proof, log_index }` from any stream: checked at once
//!   ([`claim::verify`]: header, receipt proof under receiptsRoot at key rlp(txIndex),
//!   receipt, log); a failing claim is reported with the reason and the input rejected;
//!
//! and at `End` each claim that passed is output as a SCALE [`VerifiedLog`] only if
//! keccak(header) was observed for its number by at least `k` distinct relayers of the
//! batch (observations anywhere in the batch count, before or after the claim); otherwise
//! it is reported as unconfirmed. No output is ever produced for a claim that failed.
#![no_std]

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::vec::Vec;

use codec::Encode;
use concerto_primitives::codec::DecodeAll;
use concerto_primitives::eth::{EthPayload, VerifiedLog, VerifierConfig};
use concerto_primitives::{BatchHeader, EventEnvelope, Input, PublisherId};
use concerto_template_sdk::{Sink, Template, Verdict};

pub mod claim;
pub mod header;
pub mod receipt;
pub mod rlp;
pub mod trie;

#[cfg(test)]
mod tests;

use claim::{to_hex, ClaimError};

/// A claim that passed every check but the confirmations.
#[derive(Debug)]
struct Pending {
    origin: (u32, PublisherId, u64),
    log: VerifiedLog,
}

/// The current batch.
#[derive(Debug)]
struct Batch {
    number: u64,
    config: VerifierConfig,
    /// (block number, block hash) → relayers that observed it.
    confirmations: BTreeMap<(u64, [u8; 32]), BTreeSet<PublisherId>>,
    pending: Vec<Pending>,
}

/// The verifier's state.
#[derive(Debug, Default)]
pub struct EthVerifier {
    batch: Option<Batch>,
}

fn origin_text(e: &EventEnvelope) -> alloc::string::String {
    format!(
        "stream {} publisher {} sequence {}",
        e.stream_id,
        to_hex(&e.publisher),
        e.sequence
    )
}

impl EthVerifier {
    fn on_header(&mut self, header: BatchHeader, sink: &mut dyn Sink) -> Verdict {
        if let Some(old) = self.batch.take() {
            if !old.pending.is_empty() {
                sink.report(
                    format!(
                        "batch {} had no End: {} pending claims dropped",
                        old.number,
                        old.pending.len()
                    )
                    .as_bytes(),
                );
            }
        }
        let config = match VerifierConfig::decode_all(&mut &header.config[..]) {
            Ok(c) if c.min_confirmations >= 1 => c,
            Ok(_) => {
                sink.report(b"config: min_confirmations must be at least 1; batch ignored");
                return Verdict::Reject;
            }
            Err(e) => {
                sink.report(
                    format!("config is not a SCALE VerifierConfig ({e:?}); batch ignored")
                        .as_bytes(),
                );
                return Verdict::Reject;
            }
        };
        self.batch = Some(Batch {
            number: header.batch_number,
            config,
            confirmations: BTreeMap::new(),
            pending: Vec::new(),
        });
        Verdict::Accept
    }

    fn on_event(&mut self, event: EventEnvelope, sink: &mut dyn Sink) -> Verdict {
        let Some(batch) = self.batch.as_mut() else {
            sink.report(
                format!(
                    "event outside a valid batch ({}): ignored",
                    origin_text(&event)
                )
                .as_bytes(),
            );
            return Verdict::Reject;
        };
        let payload = match EthPayload::decode_all(&mut &event.payload[..]) {
            Ok(p) => p,
            Err(e) => {
                sink.report(
                    format!(
                        "payload is not a SCALE EthPayload ({e:?}) ({})",
                        origin_text(&event)
                    )
                    .as_bytes(),
                );
                return Verdict::Reject;
            }
        };
        match payload {
            EthPayload::Observation {
                block_number,
                block_hash,
            } => {
                if event.stream_id != batch.config.relayer_stream_id {
                    sink.report(
                        format!(
                            "observation not on the relayer stream {} ({}): ignored",
                            batch.config.relayer_stream_id,
                            origin_text(&event)
                        )
                        .as_bytes(),
                    );
                    return Verdict::Reject;
                }
                batch
                    .confirmations
                    .entry((block_number, block_hash))
                    .or_default()
                    .insert(event.publisher);
                Verdict::Accept
            }
            EthPayload::Claim(c) => match claim::verify(&c) {
                Ok(log) => {
                    batch.pending.push(Pending {
                        origin: (event.stream_id, event.publisher, event.sequence),
                        log,
                    });
                    Verdict::Accept
                }
                Err(e) => {
                    sink.report(
                        claim_report(&origin_text(&event), c.tx_index, c.log_index, &e).as_bytes(),
                    );
                    Verdict::Reject
                }
            },
        }
    }

    fn on_end(&mut self, batch_number: u64, sink: &mut dyn Sink) -> Verdict {
        let batch = match self.batch.take() {
            Some(b) if b.number == batch_number => b,
            other => {
                self.batch = other;
                sink.report(
                    format!("End of batch {batch_number} does not match the open batch").as_bytes(),
                );
                return Verdict::Reject;
            }
        };
        for p in batch.pending {
            let seen = batch
                .confirmations
                .get(&(p.log.block_number, p.log.block_hash))
                .map_or(0, BTreeSet::len);
            if seen >= batch.config.min_confirmations as usize {
                sink.output(&p.log.encode());
            } else {
                let (stream, publisher, seq) = p.origin;
                let origin = format!(
                    "stream {stream} publisher {} sequence {seq}",
                    to_hex(&publisher)
                );
                let err = ClaimError::Unconfirmed {
                    confirmations: seen,
                    required: batch.config.min_confirmations,
                };
                let text = format!(
                    "{} (block {} hash {})",
                    claim_report(&origin, p.log.tx_index, p.log.log_index, &err),
                    p.log.block_number,
                    to_hex(&p.log.block_hash)
                );
                sink.report(text.as_bytes());
            }
        }
        Verdict::Accept
    }
}

/// The report text for a refused claim: `claim rejected (origin, tx i log j): reason`.
pub fn claim_report(
    origin: &str,
    tx_index: u32,
    log_index: u32,
    e: &ClaimError,
) -> alloc::string::String {
    format!("claim rejected ({origin}, tx {tx_index} log {log_index}): {e}")
}

impl Template for EthVerifier {
    fn on_input(&mut self, input: Input, sink: &mut dyn Sink) -> Verdict {
        match input {
            Input::Header(h) => self.on_header(h, sink),
            Input::Event(e) => self.on_event(e, sink),
            Input::End { batch_number } => self.on_end(batch_number, sink),
        }
    }
}
