//! Shared by the integration tests of concerto-slots and concerto-slots-sandbox-tests and
//! by the bench: the hostile test guest (concerto-exec's, built with
//! riscv64-unknown-elf-gcc), real templates, pools. Each includer passes its own worker
//! binary (`env!("CARGO_BIN_EXE_...")` exists only in the crate that builds it).
#![allow(dead_code, unused_imports, unreachable_pub, missing_docs)]

#[path = "../../../exec/tests/support/guest.rs"]
mod guest;

use concerto_slots::{SlotConfig, SlotPool, Template, WorkerCommand};
pub use guest::{commands_guest, inputs};

/// A pool with `slots` slots over `worker`; `tweak` adjusts the config.
pub fn pool_with(
    worker: WorkerCommand,
    slots: usize,
    tweak: impl FnOnce(&mut SlotConfig),
) -> SlotPool {
    let mut config = SlotConfig::new(worker);
    config.slots = slots;
    tweak(&mut config);
    SlotPool::new(config).expect("pool")
}

/// A real template ELF, found or built by the template harness (`$CONCERTO_TEMPLATES_DIR`,
/// else `scripts/build-templates.sh` once per process).
pub fn real_template(name: &str) -> Template {
    let path = concerto_template_harness::template_elf(name).expect("template ELF");
    Template::new(std::fs::read(path).expect("template ELF readable"))
}
