//! A template's ELF bytes, as anyone may upload them: the chain's check at upload
//! (`pallet-topics` parses the file and checks its placement in RAM) and the slot's load
//! and run (`concerto_exec::execute`) must agree on which files are templates, and a run
//! must be deterministic, stay within its cycle budget and never fail on the host's side,
//! whatever the bytes.
#![no_main]

use concerto_exec::{execute, Template};
use concerto_machine::elf;
use concerto_primitives::{batch_inputs, BatchHeader, EventEnvelope, Input, MachineLimits, Stage};
use libfuzzer_sys::fuzz_target;
// The bounded allocator.
use concerto_fuzz as _;

/// A small machine with a small cycle budget: enough to run a few thousand guest
/// instructions of whatever the bytes decode to.
const LIMITS: MachineLimits = MachineLimits {
    ram_size: 1 << 20,
    max_cycles_per_input: 20_000,
    max_cycles_per_batch: 50_000,
    max_output_bytes: 4096,
};

fuzz_target!(|bytes: &[u8]| {
    let accepted = elf::parse(bytes)
        .and_then(|image| image.check_placement(LIMITS.ram_size, &[]))
        .is_ok();
    let header = BatchHeader {
        topic_id: 1,
        batch_number: 0,
        window: (1, 2),
        config: vec![1, 2, 3],
    };
    let event = EventEnvelope {
        stream_id: 7,
        publisher: [9; 32],
        sequence: 0,
        block_number: 1,
        payload: vec![0xAB; 40],
    };
    let inputs: Vec<Vec<u8>> = batch_inputs(header, [event])
        .iter()
        .map(Input::to_bytes)
        .collect();
    let template = Template::new(bytes.to_vec());
    let result = match execute(&template, LIMITS, &inputs) {
        Ok(result) => result,
        Err(e) => panic!("a template caused a host fault: {e}"),
    };
    let refused_at_load = result
        .rejection
        .as_ref()
        .is_some_and(|r| r.stage == Stage::Load);
    assert_eq!(
        accepted, !refused_at_load,
        "the chain's upload check and the slot's load disagree: {:?}",
        result.rejection
    );
    assert!(
        result.cycles <= LIMITS.max_cycles_per_batch,
        "{} cycles, beyond the batch budget",
        result.cycles
    );
    // Every validator runs the same bytes to the same result.
    let again = execute(&template, LIMITS, &inputs).expect("ran once");
    assert_eq!(result, again, "two runs of one template differ");
});
