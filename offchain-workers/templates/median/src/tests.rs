//! Property tests of the aggregation (run natively).

use super::*;
use alloc::vec;
use concerto_primitives::{BatchHeader, EventEnvelope};
use concerto_template_sdk::testing::run_inputs;
use proptest::prelude::*;

fn sorted_median(mut v: Vec<u128>) -> u128 {
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

proptest! {
    #[test]
    fn median_is_order_independent(mut v in prop::collection::vec(0u128..1_000_000_000_000, 1..60), seed in any::<u64>()) {
        let expected = sorted_median(v.clone());
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..v.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            v.swap(i, (s % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(median(&mut v), Some(expected));
    }

    #[test]
    fn minority_cannot_leave_honest_range(
        honest in prop::collection::vec(1_000u128..2_000, 1..30),
        liars in prop::collection::vec(any::<u128>(), 0..30),
    ) {
        prop_assume!(liars.len() < honest.len());
        let (lo, hi) = (*honest.iter().min().unwrap(), *honest.iter().max().unwrap());
        let mut all: Vec<u128> = honest.iter().chain(liars.iter()).copied().collect();
        let m = median(&mut all).unwrap();
        prop_assert!(lo <= m && m <= hi, "median {} outside honest range {}..={}", m, lo, hi);
    }

    #[test]
    fn template_output_matches_and_ignores_order(
        prices in prop::collection::vec(1u128..u128::MAX / 2, 3..20), seed in any::<u64>(),
    ) {
        let config = MedianConfig { max_age_ms: 10_000, min_publishers: 3 };
        let mut events: Vec<Input> = prices.iter().enumerate().map(|(i, &p)| tick_event(i as u8, 7, p, 1_000_000)).collect();
        let mut s = seed | 1;
        for i in (1..events.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            events.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let out = run_batch(config, events);
        prop_assert_eq!(out.len(), 1);
        let o = MedianOutput::decode_all(&mut &out[0][..]).unwrap();
        prop_assert_eq!(o.median, median(&mut prices.clone()).unwrap());
        prop_assert_eq!(o.min, *prices.iter().min().unwrap());
        prop_assert_eq!(o.max, *prices.iter().max().unwrap());
        prop_assert_eq!(o.publishers, prices.len() as u32);
    }
}

fn tick_event(publisher: u8, asset_id: u32, price: u128, observed_at: u64) -> Input {
    Input::Event(EventEnvelope {
        stream_id: 1,
        publisher: [publisher; 32],
        sequence: observed_at,
        block_number: 1,
        payload: PriceTick {
            asset_id,
            price,
            observed_at,
        }
        .encode(),
    })
}

fn run_batch(config: MedianConfig, events: Vec<Input>) -> Vec<Vec<u8>> {
    let mut inputs = vec![Input::Header(BatchHeader {
        topic_id: 1,
        batch_number: 4,
        window: (1, 10),
        config: config.encode(),
    })];
    inputs.extend(events);
    inputs.push(Input::End { batch_number: 4 });
    let mut t = MedianAggregator::default();
    let (verdicts, sink) = run_inputs(&mut t, &inputs);
    assert!(verdicts.iter().all(|v| *v == Verdict::Accept));
    sink.outputs
}

#[test]
fn stale_ticks_and_latest_per_publisher() {
    let config = MedianConfig {
        max_age_ms: 1_000,
        min_publishers: 2,
    };
    let events = vec![
        tick_event(1, 1, 100, 10_000),
        tick_event(1, 1, 105, 10_500), // publisher 1's latest counts
        tick_event(2, 1, 110, 10_400),
        tick_event(3, 1, 999, 5_000), // stale: reference is 10_400
        tick_event(4, 2, 50, 10_000), // asset 2: one publisher only
    ];
    let mut inputs = vec![Input::Header(BatchHeader {
        topic_id: 1,
        batch_number: 4,
        window: (1, 10),
        config: config.encode(),
    })];
    inputs.extend(events);
    inputs.push(Input::End { batch_number: 4 });
    let mut t = MedianAggregator::default();
    let (_, sink) = run_inputs(&mut t, &inputs);
    assert_eq!(sink.outputs.len(), 1);
    let o = MedianOutput::decode_all(&mut &sink.outputs[0][..]).unwrap();
    assert_eq!(
        (
            o.asset_id,
            o.median,
            o.min,
            o.max,
            o.publishers,
            o.reference_time
        ),
        (1, 107, 105, 110, 2, 10_400)
    );
    assert_eq!(sink.reports.len(), 1);
    let report = core::str::from_utf8(&sink.reports[0]).unwrap();
    assert!(
        report.contains("asset 2: no output, 1 fresh publishers of 1 (2 required)"),
        "{report}"
    );
}
