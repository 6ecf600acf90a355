//! Machine snapshots as a node reads them from its state store or from a peer: restoring
//! any bytes ends in a machine or a named `SnapshotError`, never a panic, and without
//! allocating for more memory than the caller allows. A snapshot that restores is one a
//! machine wrote: its restored machine snapshots to bytes that restore to the same root,
//! and it runs on.
#![no_main]

use concerto_machine::Machine;
// The bounded allocator.
use concerto_fuzz as _;
use libfuzzer_sys::fuzz_target;

/// The largest RAM (plus flash) a restored machine may have here.
const MAX_MEMORY: u64 = 1 << 20;

fuzz_target!(|bytes: &[u8]| {
    let Ok(mut machine) = Machine::restore(bytes, MAX_MEMORY) else {
        return;
    };
    let root = machine.root_hash();
    let again = machine.snapshot();
    let mut back = Machine::restore(&again, MAX_MEMORY).expect("a machine's own snapshot restores");
    assert_eq!(back.root_hash(), root);
    let end = machine.mcycle().saturating_add(2_000);
    machine.run(end).expect("runs on");
});
