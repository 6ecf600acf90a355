//! The stateful price feed run in the machine over many consecutive windows: after every
//! window the machine is snapshotted and a new machine restored from the snapshot carries
//! on, as a stateful topic's validator does. Outputs are checked against a host-side model
//! of the median, TWAP and EMA, and against one machine that ran every window in a row.

use codec::Encode;
use concerto_machine::Machine;
use concerto_primitives::codec::DecodeAll;
use concerto_primitives::price::{PriceFeedConfig, PriceFeedOutput, PriceTick};
use concerto_primitives::{batch_inputs, codec, BatchHeader, EventEnvelope, Input};
use concerto_template_harness::{
    read_elf, template_elf, InputVerdict, MachineLimits, PriceFeedModel, Runner,
};
use std::collections::BTreeMap;

const WINDOWS: u64 = 60;
const ASSETS: u32 = 3;
const PUBLISHERS: u8 = 5;
const BLOCKS: u32 = 4;

fn config() -> PriceFeedConfig {
    PriceFeedConfig {
        max_age_ms: 30_000,
        min_publishers: 3,
        twap_windows: 8,
        ema_alpha_ppm: 200_000,
        max_assets: 16,
    }
}

/// Window `n`'s inputs: every publisher ticks every asset, except that asset 2 has only
/// two publishers in every seventh window (held back: `min_publishers` is 3).
fn window(n: u64, prices: &mut impl FnMut() -> u128) -> (Vec<Input>, BTreeMap<u32, Vec<u128>>) {
    let mut events = Vec::new();
    let mut ticked: BTreeMap<u32, Vec<u128>> = BTreeMap::new();
    for publisher in 0..PUBLISHERS {
        for asset in 0..ASSETS {
            if asset == 2 && n % 7 == 3 && publisher >= 2 {
                continue;
            }
            let price = u128::from(asset + 1) * 1_000_000_000 + prices();
            ticked.entry(asset).or_default().push(price);
            events.push(EventEnvelope {
                stream_id: 1,
                publisher: [publisher; 32],
                sequence: n * 100 + u64::from(asset),
                block_number: n as u32 * BLOCKS,
                payload: PriceTick {
                    asset_id: asset,
                    price,
                    observed_at: 1_700_000_000_000 + n * 2_000,
                }
                .encode(),
            });
        }
    }
    let start = n as u32 * BLOCKS;
    let header = BatchHeader {
        topic_id: 9,
        batch_number: n,
        window: (start, start + BLOCKS - 1),
        config: config().encode(),
    };
    (batch_inputs(header, events), ticked)
}

/// Feeds one window; returns its outputs, decoded.
fn feed(runner: &mut Runner, inputs: &[Input]) -> Vec<PriceFeedOutput> {
    let mut outputs = Vec::new();
    for input in inputs {
        let r = runner.feed(input).expect("the machine answers");
        assert_eq!(
            r.verdict,
            InputVerdict::Accepted,
            "{input:?}: {:?}",
            r.report_texts()
        );
        outputs.extend(r.outputs);
    }
    outputs
        .iter()
        .map(|o| PriceFeedOutput::decode_all(&mut &o[..]).expect("a PriceFeedOutput"))
        .collect()
}

#[test]
fn sixty_windows_with_a_snapshot_and_restore_between_each() {
    let elf = read_elf(&template_elf("price-feed").expect("template")).expect("elf");
    let limits = MachineLimits::sdk_default();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut prices = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        u128::from(x % 10_000_000)
    };
    let mut model = PriceFeedModel::new(config());
    let mut restored = Runner::new(&elf).expect("boot");
    let mut in_a_row = Runner::new(&elf).expect("boot");
    let (mut snapshot_bytes, mut held_back) = (0, 0);
    for n in 0..WINDOWS {
        let (inputs, ticked) = window(n, &mut prices);
        let outputs = feed(&mut restored, &inputs);
        assert_eq!(outputs, model.window(n, &ticked), "window {n}");
        held_back += outputs.iter().filter(|o| o.held_back.is_some()).count();
        assert_eq!(
            feed(&mut in_a_row, &inputs),
            outputs,
            "window {n}, one machine"
        );
        // Each window's own outputs root: the host's tree started empty at its header.
        assert_eq!(restored.outputs_root(), in_a_row.outputs_root());

        let mut machine = restored.into_machine();
        let root = machine.root_hash();
        let bytes = machine.snapshot();
        snapshot_bytes = bytes.len();
        drop(machine);
        let mut back = Machine::restore(&bytes, limits.ram_size).expect("restore");
        assert_eq!(back.root_hash(), root, "window {n}: the restored root");
        assert_eq!(
            in_a_row.machine_mut().root_hash(),
            root,
            "window {n}: same state"
        );
        restored = Runner::resume(back, limits);
    }
    assert!(
        held_back >= 8,
        "the test holds asset 2 back in every seventh window"
    );
    eprintln!(
        "price feed: {WINDOWS} windows of {} ticks, state snapshot {snapshot_bytes} bytes",
        u32::from(PUBLISHERS) * ASSETS
    );
}
