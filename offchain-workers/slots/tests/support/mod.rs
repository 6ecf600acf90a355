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

/// A real template ELF: `$CONCERTO_TEMPLATES_DIR/<name>`, else built by
/// `scripts/build-templates.sh` (once per process).
pub fn real_template(name: &str) -> Template {
    if let Some(dir) = std::env::var_os("CONCERTO_TEMPLATES_DIR") {
        return Template::new(
            std::fs::read(Path::new(&dir).join(name)).expect("prebuilt template"),
        );
    }
    static BUILT: OnceLock<String> = OnceLock::new();
    let listing = BUILT.get_or_init(|| {
        let root = Path::new(
            &*std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
        )
        .join("../..");
        let target = std::env::var_os("CONCERTO_TEMPLATES_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("offchain-workers/templates/target"));
        let out = Command::new("bash")
            .arg(root.join("scripts/build-templates.sh"))
            .env("CARGO_TARGET_DIR", target)
            .output()
            .expect("scripts/build-templates.sh");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    });
    let path = listing
        .lines()
        .find_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            ["TEMPLATE", n, path, ..] if n == name => Some(path.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no template {name}"));
    Template::new(std::fs::read(path).unwrap())
}

/// Raw inputs from strings.
pub fn inputs(list: &[&[u8]]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.to_vec()).collect()
}
