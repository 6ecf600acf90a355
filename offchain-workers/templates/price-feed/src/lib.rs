//! # Stateful price feed (Concerto template)
//!
//! A stateful topic's template: the machine that ends batch n is the machine that starts
//! batch n + 1, so what it keeps in memory carries over. Per batch (one window):
//! - inputs: a [`BatchHeader`] whose config is a SCALE [`PriceFeedConfig`], events whose
//!   payload is one SCALE [`PriceTick`] (or a [`LabelledTick`]), then `End`;
//! - per asset, the window's median over the publishers' latest fresh ticks, by the median
//!   template's rules ([`median::aggregate`]: the latest tick of each publisher counts,
//!   ticks older than `max_age_ms` before the lower median of their observation times are
//!   dropped, at least `min_publishers` distinct publishers must remain);
//! - kept in state per asset: the medians of its last `twap_windows` windows that had one,
//!   each with the window's length in blocks, and an exponential moving average;
//! - at `End`, for every tracked asset in ascending id order, one SCALE
//!   [`PriceFeedOutput`]: the median (or the rule that held it back), the TWAP over the
//!   kept windows weighted by their lengths, the EMA, and the publisher counts.
//!
//! All arithmetic is on integers: prices are fixed-point `u128` at whatever scale the
//! topic's publishers agreed (e.g. 10^18 per unit); the EMA's smoothing factor is in
//! parts per million ([`ALPHA_SCALE`]). Weighted sums use a 192-bit accumulator
//! ([`wide`]), so no price overflows, and every result is a floor.
#![no_std]

extern crate alloc;

use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::vec::Vec;

use codec::Encode;
use concerto_primitives::codec::DecodeAll;
use concerto_primitives::price::MedianConfig;
pub use concerto_primitives::price::{
    ConfigError, HeldBack, PriceFeedConfig, PriceFeedOutput, ALPHA_SCALE, MAX_ASSETS,
    MAX_TWAP_WINDOWS,
};
use concerto_primitives::{Input, PublisherId};
use concerto_template_sdk::{Sink, Template, Verdict};

pub mod wide;

/// The median rules of a feed's configuration.
fn median_rules(config: &PriceFeedConfig) -> MedianConfig {
    MedianConfig {
        max_age_ms: config.max_age_ms,
        min_publishers: config.min_publishers,
    }
}

/// What the feed keeps of one asset across windows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssetState {
    /// The latest medians with their windows' lengths in blocks, oldest first.
    pub history: VecDeque<(u128, u64)>,
    /// The EMA, once a median started it.
    pub ema: Option<u128>,
}

impl AssetState {
    /// Takes a window's median: appends it (dropping the oldest beyond `config`'s
    /// `twap_windows`) and moves the EMA.
    pub fn push(&mut self, median: u128, blocks: u64, config: &PriceFeedConfig) {
        self.history.push_back((median, blocks));
        while self.history.len() > config.twap_windows as usize {
            self.history.pop_front();
        }
        self.ema = Some(match self.ema {
            None => median,
            Some(ema) => next_ema(ema, median, config.ema_alpha_ppm),
        });
    }

    /// The TWAP over the kept windows.
    pub fn twap(&self) -> Option<u128> {
        wide::weighted_mean(self.history.iter().copied())
    }
}

/// `ema + alpha × (price − ema)` with `alpha = alpha_ppm / ALPHA_SCALE`, the step rounded
/// toward the old EMA (so the EMA always stays between the old EMA and the price).
pub fn next_ema(ema: u128, price: u128, alpha_ppm: u32) -> u128 {
    let alpha = u64::from(alpha_ppm.min(ALPHA_SCALE));
    let scale = u64::from(ALPHA_SCALE);
    // `scale` never fails for alpha ≤ ALPHA_SCALE; 0 is the (unreachable) fallback step.
    if price >= ema {
        ema + wide::scale(price - ema, alpha, scale).unwrap_or(0)
    } else {
        ema - wide::scale(ema - price, alpha, scale).unwrap_or(0)
    }
}

#[derive(Debug)]
struct Window {
    number: u64,
    config: PriceFeedConfig,
    blocks: u64,
    ticks: median::LatestTicks,
}

/// The feed: the open window and, per asset, what carries over to the next ones.
#[derive(Debug, Default)]
pub struct PriceFeed {
    window: Option<Window>,
    assets: BTreeMap<u32, AssetState>,
}

impl PriceFeed {
    /// What the feed keeps of `asset`, if it tracks it.
    pub fn asset(&self, asset: u32) -> Option<&AssetState> {
        self.assets.get(&asset)
    }

    fn header(
        &mut self,
        number: u64,
        window: (u32, u32),
        config: &[u8],
        sink: &mut dyn Sink,
    ) -> Verdict {
        self.window = None;
        let config = match PriceFeedConfig::decode_all(&mut &config[..]) {
            Ok(c) => c,
            Err(e) => {
                sink.report(
                    format!("batch {number}: config is not a SCALE PriceFeedConfig ({e:?}); batch ignored")
                        .as_bytes(),
                );
                return Verdict::Reject;
            }
        };
        if let Err(e) = config.validate() {
            sink.report(format!("batch {number}: invalid config: {e}; batch ignored").as_bytes());
            return Verdict::Reject;
        }
        self.window = Some(Window {
            number,
            config,
            blocks: u64::from(window.1.saturating_sub(window.0)) + 1,
            ticks: BTreeMap::new(),
        });
        Verdict::Accept
    }

    fn tick(
        &mut self,
        publisher: PublisherId,
        sequence: u64,
        payload: &[u8],
        sink: &mut dyn Sink,
    ) -> Verdict {
        let Some(window) = self.window.as_mut() else {
            sink.report(b"event outside a valid batch: ignored");
            return Verdict::Reject;
        };
        let tick = match median::decode_tick(payload) {
            Ok(t) => t,
            Err(e) => {
                sink.report(
                    format!("payload is not a SCALE PriceTick ({e:?}), sequence {sequence}")
                        .as_bytes(),
                );
                return Verdict::Reject;
            }
        };
        let known =
            self.assets.contains_key(&tick.asset_id) || window.ticks.contains_key(&tick.asset_id);
        if !known {
            let new = window.ticks.keys().filter(|a| !self.assets.contains_key(a));
            let tracked = self.assets.len() + new.count();
            if tracked >= window.config.max_assets as usize {
                sink.report(
                    format!(
                        "asset {} not tracked: the feed already tracks max_assets ({}), sequence {sequence}",
                        tick.asset_id, window.config.max_assets
                    )
                    .as_bytes(),
                );
                return Verdict::Reject;
            }
        }
        median::record_latest(&mut window.ticks, publisher, sequence, &tick);
        Verdict::Accept
    }

    fn end(&mut self, batch_number: u64, sink: &mut dyn Sink) -> Verdict {
        let window = match self.window.take() {
            Some(w) if w.number == batch_number => w,
            other => {
                self.window = other;
                sink.report(
                    format!("End of batch {batch_number} does not match the open batch").as_bytes(),
                );
                return Verdict::Reject;
            }
        };
        for &asset_id in window.ticks.keys() {
            self.assets.entry(asset_id).or_default();
        }
        let rules = median_rules(&window.config);
        for (&asset_id, state) in self.assets.iter_mut() {
            let latest: Vec<(u64, u128)> = window
                .ticks
                .get(&asset_id)
                .map(|by| by.values().map(|&(t, _, p)| (t, p)).collect())
                .unwrap_or_default();
            let (median, held_back, publishers) = match median::aggregate(&latest, &rules) {
                Ok(stats) => {
                    state.push(stats.median, window.blocks, &window.config);
                    (Some(stats.median), None, stats.publishers)
                }
                Err(e) => (
                    None,
                    Some(HeldBack::TooFewPublishers {
                        fresh: e.fresh,
                        total: e.total,
                        required: e.required,
                    }),
                    0,
                ),
            };
            sink.output(
                &PriceFeedOutput {
                    batch_number,
                    asset_id,
                    median,
                    held_back,
                    publishers,
                    twap: state.twap(),
                    windows: state.history.len() as u32,
                    ema: state.ema,
                }
                .encode(),
            );
        }
        Verdict::Accept
    }
}

impl Template for PriceFeed {
    fn on_input(&mut self, input: Input, sink: &mut dyn Sink) -> Verdict {
        match input {
            Input::Header(h) => self.header(h.batch_number, h.window, &h.config, sink),
            Input::Event(e) => self.tick(e.publisher, e.sequence, &e.payload, sink),
            Input::End { batch_number } => self.end(batch_number, sink),
        }
    }
}

#[cfg(test)]
mod tests;
