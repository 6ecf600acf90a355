//! Tests of the feed's arithmetic and of the template over many windows (run natively).

use super::wide::{scale, weighted_mean, U192};
use super::*;
use alloc::vec;
use concerto_primitives::price::PriceTick;
use concerto_primitives::{BatchHeader, EventEnvelope};
use concerto_template_sdk::testing::run_inputs;
use proptest::prelude::*;

fn config(twap_windows: u32, ema_alpha_ppm: u32) -> PriceFeedConfig {
    PriceFeedConfig {
        max_age_ms: 10_000,
        min_publishers: 2,
        twap_windows,
        ema_alpha_ppm,
        max_assets: 8,
    }
}

fn tick(publisher: u8, sequence: u64, asset_id: u32, price: u128, observed_at: u64) -> Input {
    Input::Event(EventEnvelope {
        stream_id: 1,
        publisher: [publisher; 32],
        sequence,
        block_number: 1,
        payload: PriceTick {
            asset_id,
            price,
            observed_at,
        }
        .encode(),
    })
}

/// One window's inputs: header, events, end.
fn window(number: u64, blocks: u32, config: &PriceFeedConfig, events: Vec<Input>) -> Vec<Input> {
    let start = number as u32 * 100;
    let mut inputs = vec![Input::Header(BatchHeader {
        topic_id: 1,
        batch_number: number,
        window: (start, start + blocks - 1),
        config: config.encode(),
    })];
    inputs.extend(events);
    inputs.push(Input::End {
        batch_number: number,
    });
    inputs
}

fn outputs(sink: &concerto_template_sdk::testing::Collect) -> Vec<PriceFeedOutput> {
    sink.outputs
        .iter()
        .map(|o| PriceFeedOutput::decode_all(&mut &o[..]).expect("an output decodes"))
        .collect()
}

/// The host-side model: plain `u128` arithmetic, fine for the small prices it is used with.
#[derive(Default)]
struct Model {
    history: Vec<(u128, u128)>,
    ema: Option<u128>,
}

impl Model {
    fn push(&mut self, median: u128, blocks: u128, config: &PriceFeedConfig) {
        self.history.push((median, blocks));
        let keep = config.twap_windows as usize;
        if self.history.len() > keep {
            self.history.drain(..self.history.len() - keep);
        }
        let alpha = u128::from(config.ema_alpha_ppm);
        self.ema = Some(match self.ema {
            None => median,
            Some(e) if median >= e => e + (median - e) * alpha / 1_000_000,
            Some(e) => e - (e - median) * alpha / 1_000_000,
        });
    }

    fn twap(&self) -> Option<u128> {
        let weights: u128 = self.history.iter().map(|h| h.1).sum();
        (weights > 0).then(|| self.history.iter().map(|(p, b)| p * b).sum::<u128>() / weights)
    }
}

proptest! {
    #[test]
    fn wide_products_and_quotients_are_exact(x in any::<u64>(), y in any::<u64>(), d in 1u64..) {
        let product = u128::from(x) * u128::from(y);
        prop_assert_eq!(U192::mul(u128::from(x), y).checked_div(d), Some(product / u128::from(d)));
    }

    #[test]
    fn wide_division_undoes_multiplication(x in any::<u128>(), y in 1u64..) {
        prop_assert_eq!(U192::mul(x, y).checked_div(y), Some(x));
    }

    #[test]
    fn weighted_mean_matches_plain_arithmetic_and_stays_in_range(
        values in prop::collection::vec((0u128..1 << 60, 1u64..1 << 20), 1..64),
    ) {
        let weights: u128 = values.iter().map(|v| u128::from(v.1)).sum();
        let plain = values.iter().map(|(p, w)| p * u128::from(*w)).sum::<u128>() / weights;
        prop_assert_eq!(weighted_mean(values.iter().copied()), Some(plain));
    }

    #[test]
    fn weighted_mean_of_any_prices_lies_between_them(
        values in prop::collection::vec((any::<u128>(), 1u64..), 1..64),
    ) {
        let mean = weighted_mean(values.iter().copied());
        // Weights past 2^64 in total are refused, never wrapped.
        let total = values.iter().try_fold(0u64, |s, v| s.checked_add(v.1));
        prop_assert_eq!(mean.is_some(), total.is_some());
        if let Some(mean) = mean {
            let lo = values.iter().map(|v| v.0).min().unwrap();
            let hi = values.iter().map(|v| v.0).max().unwrap();
            prop_assert!(lo <= mean && mean <= hi, "{} outside {}..={}", mean, lo, hi);
        }
    }

    #[test]
    fn scaling_never_exceeds_the_value(x in any::<u128>(), a in 0u64..=1_000_000, b in 1_000_000u64..) {
        let s = scale(x, a, b).unwrap();
        prop_assert!(s <= x);
        if x < 1 << 64 {
            prop_assert_eq!(s, x * u128::from(a) / u128::from(b));
        }
    }

    #[test]
    fn the_ema_moves_toward_the_price_and_never_past_it(
        ema in any::<u128>(), price in any::<u128>(), alpha in 1u32..=ALPHA_SCALE,
    ) {
        let next = next_ema(ema, price, alpha);
        prop_assert!(ema.min(price) <= next && next <= ema.max(price));
        if alpha == ALPHA_SCALE {
            prop_assert_eq!(next, price);
        }
    }

    /// Many windows through the template, each checked against the model: the state
    /// carries the TWAP window and the EMA across batches.
    #[test]
    fn the_feed_over_many_windows_matches_the_model(
        twap_windows in 1u32..8,
        alpha in 1u32..=ALPHA_SCALE,
        windows in prop::collection::vec(
            (1u32..20, prop::collection::vec(1_000u128..1_000_000, 0..5)), 1..40,
        ),
    ) {
        let config = config(twap_windows, alpha);
        let mut feed = PriceFeed::default();
        let mut model = Model::default();
        let mut sequence = 0u64;
        for (n, (blocks, prices)) in windows.iter().enumerate() {
            let events: Vec<Input> = prices
                .iter()
                .enumerate()
                .map(|(i, &p)| {
                    sequence += 1;
                    tick(i as u8, sequence, 7, p, 1_000_000 + n as u64)
                })
                .collect();
            let inputs = window(n as u64, *blocks, &config, events);
            let (verdicts, sink) = run_inputs(&mut feed, &inputs);
            prop_assert!(verdicts.iter().all(|v| *v == Verdict::Accept));
            let out = outputs(&sink);
            if prices.len() >= 2 {
                let median = median::median(&mut prices.clone()).unwrap();
                model.push(median, u128::from(*blocks), &config);
                prop_assert_eq!(out[0].median, Some(median));
                prop_assert_eq!(out[0].publishers, prices.len() as u32);
                prop_assert_eq!(out[0].held_back, None);
            } else if let Some(first) = out.first() {
                // Held back: too few publishers; the carried values stay.
                prop_assert_eq!(first.median, None);
                prop_assert_eq!(
                    first.held_back,
                    Some(HeldBack::TooFewPublishers { fresh: prices.len() as u32, total: prices.len() as u32, required: 2 })
                );
            }
            // An asset is tracked from its first tick on: one output per window after it.
            prop_assert_eq!(out.len(), usize::from(feed.asset(7).is_some()));
            if let Some(o) = out.first() {
                prop_assert_eq!(o.twap, model.twap());
                prop_assert_eq!(o.ema, model.ema);
                prop_assert_eq!(o.windows as usize, model.history.len());
                prop_assert!(o.windows <= twap_windows);
            }
        }
    }
}

#[test]
fn an_invalid_config_is_refused_with_the_rule_it_breaks() {
    let cases = [
        (
            PriceFeedConfig {
                min_publishers: 0,
                ..config(4, 1)
            },
            "min_publishers must be at least 1",
        ),
        (config(0, 1), "twap_windows 0 is outside 1..=256"),
        (
            config(MAX_TWAP_WINDOWS + 1, 1),
            "twap_windows 257 is outside",
        ),
        (config(4, 0), "ema_alpha_ppm 0 is outside"),
        (
            config(4, ALPHA_SCALE + 1),
            "ema_alpha_ppm 1000001 is outside",
        ),
        (
            PriceFeedConfig {
                max_assets: 0,
                ..config(4, 1)
            },
            "max_assets 0 is outside",
        ),
    ];
    for (config, message) in cases {
        let mut feed = PriceFeed::default();
        let inputs = window(0, 5, &config, vec![tick(1, 1, 7, 100, 1)]);
        let (verdicts, sink) = run_inputs(&mut feed, &inputs);
        assert_eq!(verdicts, [Verdict::Reject; 3], "{config:?}");
        let report = core::str::from_utf8(&sink.reports[0]).unwrap();
        assert!(report.contains(message), "{report}");
        assert!(sink.outputs.is_empty());
    }
}

#[test]
fn a_new_asset_beyond_max_assets_is_rejected_and_the_tracked_ones_keep_going() {
    let config = PriceFeedConfig {
        max_assets: 2,
        ..config(4, 500_000)
    };
    let mut feed = PriceFeed::default();
    let events = vec![
        tick(1, 1, 1, 100, 1),
        tick(2, 2, 1, 102, 1),
        tick(1, 3, 2, 200, 1),
        tick(2, 4, 2, 204, 1),
        tick(1, 5, 3, 300, 1),
    ];
    let (verdicts, sink) = run_inputs(&mut feed, &window(0, 5, &config, events));
    assert_eq!(verdicts[5], Verdict::Reject);
    assert!(verdicts.iter().filter(|v| **v == Verdict::Reject).count() == 1);
    let report = core::str::from_utf8(&sink.reports[0]).unwrap();
    assert!(
        report.contains("asset 3 not tracked: the feed already tracks max_assets (2)"),
        "{report}"
    );
    let out = outputs(&sink);
    assert_eq!(
        out.iter()
            .map(|o| (o.asset_id, o.median))
            .collect::<Vec<_>>(),
        [(1, Some(101)), (2, Some(202))]
    );
}

#[test]
fn a_held_back_window_keeps_the_twap_and_ema_of_the_earlier_ones() {
    let config = config(3, 250_000);
    let mut feed = PriceFeed::default();
    let first = window(
        0,
        10,
        &config,
        vec![tick(1, 1, 7, 1_000, 5), tick(2, 2, 7, 1_200, 5)],
    );
    let (_, sink) = run_inputs(&mut feed, &first);
    let o = outputs(&sink)[0];
    assert_eq!(
        (o.median, o.twap, o.ema, o.windows),
        (Some(1_100), Some(1_100), Some(1_100), 1)
    );

    // One publisher only: held back.
    let second = window(1, 10, &config, vec![tick(1, 3, 7, 5_000, 100_000)]);
    let (_, sink) = run_inputs(&mut feed, &second);
    let o = outputs(&sink)[0];
    assert_eq!(o.median, None);
    assert_eq!(
        o.held_back,
        Some(HeldBack::TooFewPublishers {
            fresh: 1,
            total: 1,
            required: 2
        })
    );
    assert_eq!(
        (o.twap, o.ema, o.windows, o.publishers),
        (Some(1_100), Some(1_100), 1, 0)
    );

    // Back: the TWAP weights the windows by their lengths (10 and 30 blocks).
    let third = window(
        2,
        30,
        &config,
        vec![tick(1, 5, 7, 2_000, 200_000), tick(2, 6, 7, 2_000, 200_000)],
    );
    let (_, sink) = run_inputs(&mut feed, &third);
    let o = outputs(&sink)[0];
    assert_eq!(o.twap, Some((1_100 * 10 + 2_000 * 30) / 40));
    assert_eq!(o.ema, Some(1_100 + (2_000 - 1_100) / 4));
    assert_eq!(o.windows, 2);
}

#[test]
fn an_end_for_another_batch_is_rejected() {
    let config = config(3, 1);
    let mut feed = PriceFeed::default();
    let mut inputs = window(4, 5, &config, vec![]);
    inputs[1] = Input::End { batch_number: 5 };
    let (verdicts, sink) = run_inputs(&mut feed, &inputs);
    assert_eq!(verdicts, [Verdict::Accept, Verdict::Reject]);
    let report = core::str::from_utf8(&sink.reports[0]).unwrap();
    assert!(
        report.contains("End of batch 5 does not match the open batch"),
        "{report}"
    );
}
