//! A host-side model of the `price-feed` template, independent of its code: plain `u128`
//! arithmetic, for tests that run the template (in this harness, or on the node) and
//! check what it computed.

use concerto_primitives::price::{HeldBack, PriceFeedConfig, PriceFeedOutput};
use std::collections::BTreeMap;

/// The model's state across windows. It assumes what the tests feed: every tick fresh
/// (within `max_age_ms`), one tick per publisher and asset per window, small prices (no
/// overflow in `u128`), and windows of equal length (so the block-weighted TWAP is the
/// plain mean).
#[derive(Debug, Clone)]
pub struct PriceFeedModel {
    config: PriceFeedConfig,
    history: BTreeMap<u32, Vec<u128>>,
    ema: BTreeMap<u32, u128>,
}

impl PriceFeedModel {
    /// A model of a topic with `config`, before its first window.
    pub fn new(config: PriceFeedConfig) -> PriceFeedModel {
        PriceFeedModel {
            config,
            history: BTreeMap::new(),
            ema: BTreeMap::new(),
        }
    }

    /// Window (batch) `n`, whose ticks were `ticked` (per asset, every publisher's
    /// price): the outputs the template must emit, in asset order.
    pub fn window(&mut self, n: u64, ticked: &BTreeMap<u32, Vec<u128>>) -> Vec<PriceFeedOutput> {
        let c = &self.config;
        let mut out = Vec::new();
        for (&asset, prices) in ticked {
            let mut sorted = prices.clone();
            sorted.sort_unstable();
            let k = sorted.len();
            let enough = k as u32 >= c.min_publishers;
            let median = enough.then(|| {
                if k % 2 == 1 {
                    sorted[k / 2]
                } else {
                    (sorted[k / 2 - 1] + sorted[k / 2]) / 2
                }
            });
            if let Some(median) = median {
                let h = self.history.entry(asset).or_default();
                h.push(median);
                if h.len() > c.twap_windows as usize {
                    h.remove(0);
                }
                let alpha = u128::from(c.ema_alpha_ppm);
                let e = self.ema.entry(asset).or_insert(median);
                *e = if median >= *e {
                    *e + (median - *e) * alpha / 1_000_000
                } else {
                    *e - (*e - median) * alpha / 1_000_000
                };
            }
            let h = self.history.get(&asset).cloned().unwrap_or_default();
            let twap = (!h.is_empty()).then(|| h.iter().sum::<u128>() / h.len() as u128);
            out.push(PriceFeedOutput {
                batch_number: n,
                asset_id: asset,
                median,
                held_back: (!enough).then_some(HeldBack::TooFewPublishers {
                    fresh: k as u32,
                    total: k as u32,
                    required: c.min_publishers,
                }),
                publishers: if enough { k as u32 } else { 0 },
                twap,
                windows: h.len() as u32,
                ema: self.ema.get(&asset).copied(),
            });
        }
        out
    }
}
