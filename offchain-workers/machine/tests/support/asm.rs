//! Building the assembly programs under `tests/asm/` with Debian's
//! `riscv64-unknown-elf-gcc`, shared by the conformance suite, the CLI tests and the
//! benchmarks (each includes this file with `#[path]`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cross compiler the programs are built with.
pub(crate) const CROSS_GCC: &str = "riscv64-unknown-elf-gcc";

/// Directory holding `env.h`, `link.ld` and the `*.S` programs.
pub(crate) fn asm_dir() -> PathBuf {
    Path::new(
        &*std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("tests")
    .join("asm")
}

/// A scratch directory for built programs, unique per test binary and name.
pub(crate) fn out_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("concerto-machine-{}-{}", name, std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the build directory for test programs");
    dir
}

/// Panics with install instructions unless the cross compiler runs.
pub(crate) fn require_gcc() {
    let ok = Command::new(CROSS_GCC)
        .arg("--version")
        .output()
        .map(|o| o.status.success());
    if !matches!(ok, Ok(true)) {
        panic!(
            "`{CROSS_GCC}` not found: install gcc-riscv64-unknown-elf \
             (bash .ci/run or scripts/setup.sh does)"
        );
    }
}

/// Compiles one assembly (`.S`) or C source into a static RV64IMAC ELF in `out`.
/// `extra` adds compiler flags (e.g. `-O2` for C programs).
pub(crate) fn build(source: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    require_gcc();
    let stem = source
        .file_stem()
        .expect("source file name")
        .to_string_lossy()
        .into_owned();
    let elf = out.join(format!("{stem}.elf"));
    let dir = asm_dir();
    let output = Command::new(CROSS_GCC)
        .args([
            "-march=rv64imac_zicsr_zifencei",
            "-mabi=lp64",
            "-mcmodel=medany",
            "-nostdlib",
            "-nostartfiles",
            "-static",
            "-ffreestanding",
        ])
        .arg("-T")
        .arg(dir.join("link.ld"))
        .arg("-I")
        .arg(&dir)
        .args(extra)
        .arg(source)
        .arg("-o")
        .arg(&elf)
        .output()
        .unwrap_or_else(|e| panic!("running {CROSS_GCC}: {e}"));
    if !output.status.success() {
        panic!(
            "{CROSS_GCC} failed on {}:\n{}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    elf
}

/// Every `*.S` directly under `dir`, sorted by name.
pub(crate) fn sources_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "S"))
        .collect();
    v.sort();
    v
}
