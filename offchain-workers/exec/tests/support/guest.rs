//! The hostile test guest `tests/guests/commands.S` of concerto-exec, assembled with
//! riscv64-unknown-elf-gcc once per process. Shared by this crate's tests and by
//! concerto-slots' (which include this file by path).
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use concerto_exec::Template;
use concerto_machine::merkle::OutputsTree;

/// The directory of a crate's sources: the `CARGO_MANIFEST_DIR` cargo sets when it runs
/// the test (binaries in a shared target dir may carry another checkout's path).
fn manifest_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
}

/// concerto-exec's directory, seen from the crate whose test is running.
fn exec_dir() -> PathBuf {
    let dir = manifest_dir();
    if dir.join("tests/guests/commands.S").is_file() {
        dir
    } else {
        dir.join("../exec")
    }
}

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exec-guests");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `tests/guests/commands.S`, assembled once per process.
pub fn commands_guest() -> Template {
    static ELF: OnceLock<Vec<u8>> = OnceLock::new();
    let elf = ELF.get_or_init(|| {
        let src = exec_dir().join("tests/guests");
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

/// Raw inputs from strings.
pub fn inputs(list: &[&[u8]]) -> Vec<Vec<u8>> {
    list.iter().map(|s| s.to_vec()).collect()
}
