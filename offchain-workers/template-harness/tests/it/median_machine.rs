//! The median price aggregator run in the machine: outputs checked against a host-side
//! computation, order independence, stale ticks and too few publishers, and cycles per
//! 100 price ticks.

use codec::Encode;
use concerto_primitives::codec::DecodeAll;
use concerto_primitives::price::{MedianConfig, MedianOutput, PriceTick};
use concerto_primitives::{batch_inputs, codec, BatchHeader, EventEnvelope, Input};
use concerto_template_harness::{read_elf, run_template, template_elf, InputVerdict};
use proptest::prelude::*;

fn elf() -> Vec<u8> {
    read_elf(&template_elf("median").expect("template")).expect("elf")
}

fn tick(publisher: u8, seq: u64, asset_id: u32, price: u128, observed_at: u64) -> EventEnvelope {
    EventEnvelope {
        stream_id: 3,
        publisher: [publisher; 32],
        sequence: seq,
        block_number: 2,
        payload: PriceTick {
            asset_id,
            price,
            observed_at,
        }
        .encode(),
    }
}

fn batch(config: MedianConfig, events: Vec<EventEnvelope>) -> Vec<Input> {
    let header = BatchHeader {
        topic_id: 2,
        batch_number: 1,
        window: (1, 3),
        config: config.encode(),
    };
    batch_inputs(header, events)
}

fn host_median(mut v: Vec<u128>) -> u128 {
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        v[n / 2 - 1] / 2 + v[n / 2] / 2 + (v[n / 2 - 1] % 2 + v[n / 2] % 2) / 2
    }
}

#[test]
fn hundred_ticks_in_the_machine() {
    // 5 assets × 20 publishers = 100 ticks, prices from a simple generator.
    let config = MedianConfig {
        max_age_ms: 60_000,
        min_publishers: 3,
    };
    let mut events = Vec::new();
    let mut prices = vec![Vec::new(); 5];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for p in 0..20u8 {
        for asset in 0..5u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let price = 1_000_000_000_000_000_000u128 * u128::from(asset + 1)
                + u128::from(x % 1_000_000_000);
            prices[asset as usize].push(price);
            events.push(tick(
                p,
                u64::from(asset),
                asset,
                price,
                1_700_000_000_000 + u64::from(p),
            ));
        }
    }
    let run = run_template(&elf(), &batch(config, events)).expect("run");
    assert!(
        run.results
            .iter()
            .all(|r| r.verdict == InputVerdict::Accepted),
        "{:?}",
        run.reports
    );
    assert_eq!(run.outputs.len(), 5);
    for (asset, out) in run.outputs.iter().enumerate() {
        let o = MedianOutput::decode_all(&mut &out[..]).unwrap();
        let v = prices[asset].clone();
        assert_eq!(o.asset_id, asset as u32);
        assert_eq!(o.median, host_median(v.clone()));
        assert_eq!(
            (o.min, o.max, o.publishers),
            (*v.iter().min().unwrap(), *v.iter().max().unwrap(), 20)
        );
    }
    let batch_cycles: u64 = run.results.iter().map(|r| r.cycles).sum();
    eprintln!(
        "cycles per 100 price ticks (header + 100 ticks + End with 5 outputs): {batch_cycles}"
    );
}

#[test]
fn stale_ticks_few_publishers_and_bad_payloads() {
    let config = MedianConfig {
        max_age_ms: 1_000,
        min_publishers: 2,
    };
    let mut events = vec![
        tick(1, 1, 1, 100, 10_000),
        tick(1, 2, 1, 104, 10_500), // publisher 1's latest counts
        tick(2, 1, 1, 110, 10_400),
        tick(3, 1, 1, 999_999, 5_000), // stale: the reference time is 10_400
        tick(4, 1, 2, 50, 10_000),     // asset 2: a single publisher
    ];
    events.push(EventEnvelope {
        stream_id: 3,
        publisher: [5; 32],
        sequence: 1,
        block_number: 2,
        payload: vec![1, 2],
    });
    let run = run_template(&elf(), &batch(config, events)).expect("run");
    assert_eq!(
        run.results[6].verdict,
        InputVerdict::Rejected,
        "a payload that is not a tick"
    );
    assert_eq!(run.outputs.len(), 1);
    let o = MedianOutput::decode_all(&mut &run.outputs[0][..]).unwrap();
    assert_eq!(
        (
            o.asset_id,
            o.median,
            o.min,
            o.max,
            o.publishers,
            o.reference_time
        ),
        (1, 107, 104, 110, 2, 10_400)
    );
    assert!(
        run.reports
            .iter()
            .any(|r| r.contains("asset 2: no output, 1 fresh publishers of 1 (2 required)")),
        "{:?}",
        run.reports
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    /// The machine's output does not depend on the order of the ticks, and a minority of
    /// liars cannot move the median outside the honest range.
    #[test]
    fn machine_median_is_order_independent_and_robust(
        honest in prop::collection::vec(1_000u128..2_000, 3..9),
        liars in prop::collection::vec(any::<u128>(), 0..3),
        seed in any::<u64>(),
    ) {
        prop_assume!(liars.len() < honest.len());
        let config = MedianConfig { max_age_ms: 1_000, min_publishers: 1 };
        let all: Vec<u128> = honest.iter().chain(liars.iter()).copied().collect();
        let mut events: Vec<EventEnvelope> = all.iter().enumerate().map(|(i, &p)| tick(i as u8, 1, 9, p, 5_000)).collect();
        let forward = run_template(&elf(), &batch(config, events.clone())).expect("run");
        let mut s = seed | 1;
        for i in (1..events.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            events.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let shuffled = run_template(&elf(), &batch(config, events)).expect("run");
        prop_assert_eq!(&forward.outputs, &shuffled.outputs);
        prop_assert_eq!(forward.outputs_root, shuffled.outputs_root);
        let o = MedianOutput::decode_all(&mut &forward.outputs[0][..]).unwrap();
        prop_assert_eq!(o.median, host_median(all));
        prop_assert!(*honest.iter().min().unwrap() <= o.median && o.median <= *honest.iter().max().unwrap());
    }
}
