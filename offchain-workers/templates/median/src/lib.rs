//! # Median price aggregator (Concerto template)
//!
//! Inputs per batch: a [`BatchHeader`] whose config is a SCALE [`MedianConfig`], events
//! whose payload is one SCALE [`PriceTick`] (or a [`LabelledTick`], a tick with its source's
//! label), then `End`. At `End`, for each asset (in
//! ascending id order):
//! 1. each publisher's latest tick counts (highest `observed_at`, then highest sequence);
//! 2. the reference time is the lower median of those observation times, so a minority
//!    of publishers cannot drag it with clocks in the past or the future;
//! 3. ticks older than `reference − max_age_ms` are dropped;
//! 4. with at least `min_publishers` left, output a SCALE [`MedianOutput`] (median, min,
//!    max, publisher count), else report that the asset was skipped and why.
//!
//! With an honest majority, the median lies within the honest publishers' range (see
//! [`median`] and the property tests).
#![no_std]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;

use codec::Encode;
use concerto_primitives::codec::DecodeAll;
use concerto_primitives::price::{LabelledTick, MedianConfig, MedianOutput, PriceTick};
use concerto_primitives::{Input, PublisherId};
use concerto_template_sdk::{Sink, Template, Verdict};

/// The median of `values` (sorted in place): the middle one, or the mean of the two
/// middle ones rounded down. `None` when empty.
pub fn median(values: &mut [u128]) -> Option<u128> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => {
            let (a, b) = (values[n / 2 - 1], values[n / 2]);
            // Overflow-free floor((a + b) / 2).
            Some(a / 2 + b / 2 + (a % 2 + b % 2) / 2)
        }
    }
}

/// An event payload as a tick: exactly one SCALE [`PriceTick`], or one [`LabelledTick`]
/// (whose label is ignored).
pub fn decode_tick(payload: &[u8]) -> Result<PriceTick, codec::Error> {
    PriceTick::decode_all(&mut &payload[..])
        .or_else(|_| LabelledTick::decode_all(&mut &payload[..]).map(|labelled| labelled.tick))
}

/// Per asset, per publisher: `(observed_at, sequence, price)` of its latest tick.
pub type LatestTicks = BTreeMap<u32, BTreeMap<PublisherId, (u64, u64, u128)>>;

/// Records `tick` as `publisher`'s latest for its asset unless a later one (by
/// observation time, then sequence) is already there.
pub fn record_latest(
    ticks: &mut LatestTicks,
    publisher: PublisherId,
    sequence: u64,
    tick: &PriceTick,
) {
    let slot = ticks
        .entry(tick.asset_id)
        .or_default()
        .entry(publisher)
        .or_insert((0, 0, 0));
    if (tick.observed_at, sequence) >= (slot.0, slot.1) {
        *slot = (tick.observed_at, sequence, tick.price);
    }
}

/// Aggregate of one asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Median price.
    pub median: u128,
    /// Lowest price counted.
    pub min: u128,
    /// Highest price counted.
    pub max: u128,
    /// Publishers counted.
    pub publishers: u32,
    /// Reference time the ages were measured from.
    pub reference_time: u64,
}

/// Why an asset produced no output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooFewPublishers {
    /// Publishers with a fresh tick.
    pub fresh: u32,
    /// Publishers that sent a tick at all.
    pub total: u32,
    /// Required.
    pub required: u32,
}

/// Aggregates one asset from each publisher's latest `(observed_at, price)`.
pub fn aggregate(latest: &[(u64, u128)], config: &MedianConfig) -> Result<Stats, TooFewPublishers> {
    let mut times: Vec<u64> = latest.iter().map(|t| t.0).collect();
    times.sort_unstable();
    let reference_time = times
        .get(times.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0);
    let oldest = reference_time.saturating_sub(config.max_age_ms);
    let mut prices: Vec<u128> = latest
        .iter()
        .filter(|t| t.0 >= oldest)
        .map(|t| t.1)
        .collect();
    let fresh = prices.len() as u32;
    if fresh == 0 || fresh < config.min_publishers {
        return Err(TooFewPublishers {
            fresh,
            total: latest.len() as u32,
            required: config.min_publishers,
        });
    }
    let median = median(&mut prices).unwrap_or(0);
    Ok(Stats {
        median,
        min: prices[0],
        max: prices[prices.len() - 1],
        publishers: fresh,
        reference_time,
    })
}

#[derive(Debug)]
struct Batch {
    number: u64,
    config: MedianConfig,
    ticks: LatestTicks,
}

/// The aggregator's state.
#[derive(Debug, Default)]
pub struct MedianAggregator {
    batch: Option<Batch>,
}

impl MedianAggregator {
    fn end(&mut self, batch_number: u64, sink: &mut dyn Sink) -> Verdict {
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
        for (asset_id, by_publisher) in &batch.ticks {
            let latest: Vec<(u64, u128)> = by_publisher.values().map(|&(t, _, p)| (t, p)).collect();
            match aggregate(&latest, &batch.config) {
                Ok(s) => sink.output(
                    &MedianOutput {
                        batch_number,
                        asset_id: *asset_id,
                        median: s.median,
                        min: s.min,
                        max: s.max,
                        publishers: s.publishers,
                        reference_time: s.reference_time,
                    }
                    .encode(),
                ),
                Err(e) => sink.report(
                    format!(
                        "batch {batch_number} asset {asset_id}: no output, {} fresh publishers of {} ({} required)",
                        e.fresh, e.total, e.required
                    )
                    .as_bytes(),
                ),
            }
        }
        Verdict::Accept
    }
}

impl Template for MedianAggregator {
    fn on_input(&mut self, input: Input, sink: &mut dyn Sink) -> Verdict {
        match input {
            Input::Header(h) => {
                self.batch = None;
                match MedianConfig::decode_all(&mut &h.config[..]) {
                    Ok(config) => {
                        self.batch = Some(Batch {
                            number: h.batch_number,
                            config,
                            ticks: BTreeMap::new(),
                        });
                        Verdict::Accept
                    }
                    Err(e) => {
                        sink.report(
                            format!("config is not a SCALE MedianConfig ({e:?}); batch ignored")
                                .as_bytes(),
                        );
                        Verdict::Reject
                    }
                }
            }
            Input::Event(e) => {
                let Some(batch) = self.batch.as_mut() else {
                    sink.report(b"event outside a valid batch: ignored");
                    return Verdict::Reject;
                };
                let tick = match decode_tick(&e.payload) {
                    Ok(t) => t,
                    Err(err) => {
                        sink.report(
                            format!(
                                "payload is not a SCALE PriceTick ({err:?}), sequence {}",
                                e.sequence
                            )
                            .as_bytes(),
                        );
                        return Verdict::Reject;
                    }
                };
                record_latest(&mut batch.ticks, e.publisher, e.sequence, &tick);
                Verdict::Accept
            }
            Input::End { batch_number } => self.end(batch_number, sink),
        }
    }
}

#[cfg(test)]
mod tests;
