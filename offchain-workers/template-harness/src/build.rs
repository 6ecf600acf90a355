//! Finding (or building) the template ELFs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::{Error, Result};

/// The templates `scripts/build-templates.sh` builds (`hostile` and `sdk-probe` are test
/// templates).
pub const TEMPLATE_NAMES: [&str; 5] = [
    "eth-verifier",
    "median",
    "price-feed",
    "hostile",
    "sdk-probe",
];

/// The repository root: the nearest directory holding `scripts/build-templates.sh` above
/// the crate whose tests run (cargo sets `CARGO_MANIFEST_DIR` when it runs them; callers
/// sit in `offchain-workers/*` and `node/`), so test binaries reused from a shared target
/// dir by another checkout find their own tree.
fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(
        &*std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    );
    manifest
        .ancestors()
        .find(|dir| dir.join("scripts/build-templates.sh").is_file())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.join("../.."))
}

fn build_all() -> std::result::Result<BTreeMap<String, PathBuf>, String> {
    let root = repo_root();
    let target = std::env::var_os("CONCERTO_TEMPLATES_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("offchain-workers/templates/target"));
    let out = Command::new("bash")
        .arg(root.join("scripts/build-templates.sh"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .map_err(|e| format!("running scripts/build-templates.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/build-templates.sh failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut map = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if let ["TEMPLATE", name, path, ..] = parts[..] {
            map.insert(name.to_string(), PathBuf::from(path));
        }
    }
    Ok(map)
}

/// The ELF path of template `name`: `$CONCERTO_TEMPLATES_DIR/<name>` when that variable
/// is set, else built once per process by `scripts/build-templates.sh`.
pub fn template_elf(name: &str) -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CONCERTO_TEMPLATES_DIR") {
        let path = PathBuf::from(dir).join(name);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::Build(format!("{} does not exist", path.display())))
        };
    }
    static BUILT: OnceLock<std::result::Result<BTreeMap<String, PathBuf>, String>> =
        OnceLock::new();
    match BUILT.get_or_init(build_all) {
        Ok(map) => map
            .get(name)
            .cloned()
            .ok_or_else(|| Error::Build(format!("no template named {name}"))),
        Err(e) => Err(Error::Build(e.clone())),
    }
}
