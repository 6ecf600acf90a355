//! Shared by the integration tests and the bench: the worker binary, the hostile test
//! guest (built with riscv64-unknown-elf-gcc), real templates, pools.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use concerto_machine::merkle::OutputsTree;
use concerto_slots::{SlotConfig, SlotPool, Template, WorkerCommand};

pub fn worker_command() -> WorkerCommand {
    WorkerCommand::new(env!("CARGO_BIN_EXE_concerto-slot-worker"))
}

/// A pool with `slots` slots over the bundled worker; `tweak` adjusts the config.
pub fn pool(slots: usize, tweak: impl FnOnce(&mut SlotConfig)) -> SlotPool {
    let mut config = SlotConfig::new(worker_command());
    config.slots = slots;
    tweak(&mut config);
    SlotPool::new(config).expect("pool")
}

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("slots-guests");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `tests/guests/commands.S`, assembled once per process.
pub fn commands_guest() -> Template {
    static ELF: OnceLock<Vec<u8>> = OnceLock::new();
    let elf = ELF.get_or_init(|| {
        let src = Path::new(
            &*std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
        )
        .join("tests/guests");
        let out = scratch().join(format!("commands-{}", std::process::id()));
        std::fs::create_dir_all(&out).unwrap();
        let bytes: Vec<String> = OutputsTree::new()
            .root()
            .iter()
            .map(|b| format!("{b:#04x}"))
            .collect();
        std::fs::write(
            out.join("empty_root.h"),
            format!("#define EMPTY_ROOT .byte {}\n", bytes.join(", ")),
        )
        .unwrap();
        let elf = out.join("commands.elf");
        let status = Command::new("riscv64-unknown-elf-gcc")
            .args([
                "-march=rv64imac_zicsr",
                "-mabi=lp64",
                "-nostdlib",
                "-nostartfiles",
                "-static",
            ])
            .arg("-T")
            .arg(src.join("link.ld"))
            .arg("-I")
            .arg(&out)
            .arg("-o")
            .arg(&elf)
            .arg(src.join("commands.S"))
            .status()
            .expect("riscv64-unknown-elf-gcc (scripts/setup.sh installs it)");
        assert!(status.success(), "assembling commands.S failed");
        std::fs::read(&elf).unwrap()
    });
    Template::new(elf.clone())
}

/// A real template ELF, found or built by the template harness (`$CONCERTO_TEMPLATES_DIR`,
/// else `scripts/build-templates.sh` once per process).
pub fn real_template(name: &str) -> Template {
    let path = concerto_template_harness::template_elf(name).expect("template ELF");
    Template::new(std::fs::read(path).expect("template ELF readable"))
}

/// Raw inputs from strings.
pub fn inputs(list: &[&[u8]]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.to_vec()).collect()
}
