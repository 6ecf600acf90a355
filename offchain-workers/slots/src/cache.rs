//! Templates and the on-disk template cache.
//!
//! A template is named by the BLAKE2b-256 hash of its ELF bytes (the chain's
//! `blake2_256`, `b2sum -l 256`; `scripts/build-templates.sh` prints the same hash). The
//! cache is one flat directory holding `<64 hex digits>.elf` files; every load rehashes
//! the bytes, so a corrupt or tampered file is refused rather than run.

use std::path::{Path, PathBuf};

pub use concerto_exec::{blake2_256, Template};
use concerto_primitives::Hash32;

use crate::error::{Result, SlotError, WorkerFault};

/// A directory of template ELFs stored by hash.
#[derive(Clone, Debug)]
pub struct TemplateCache {
    dir: PathBuf,
}

impl TemplateCache {
    /// Opens (creating if needed) the cache directory `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<TemplateCache> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)
            .map_err(|e| SlotError::Cache(format!("creating {}: {e}", dir.display())))?;
        Ok(TemplateCache { dir })
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the template with `hash` is (or would be) stored.
    pub fn path_of(&self, hash: &Hash32) -> PathBuf {
        self.dir.join(format!("{}.elf", hex::encode(hash)))
    }

    /// Whether a file for `hash` exists (its contents are checked only by [`Self::load`]).
    pub fn contains(&self, hash: &Hash32) -> bool {
        self.path_of(hash).is_file()
    }

    /// Stores `elf` under its hash (written to a temporary file, then renamed, so readers
    /// never see a partial file) and returns the hash. Safe to call from several threads
    /// and processes at once: each call writes its own temporary file.
    pub fn insert(&self, elf: &[u8]) -> Result<Hash32> {
        static NEXT_TMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let hash = blake2_256(elf);
        let path = self.path_of(&hash);
        if path.is_file() {
            return Ok(hash);
        }
        let n = NEXT_TMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self.dir.join(format!(
            ".{}.{}.{n}.tmp",
            hex::encode(hash),
            std::process::id()
        ));
        let io = |e: std::io::Error| SlotError::Cache(format!("writing {}: {e}", path.display()));
        std::fs::write(&tmp, elf).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(hash)
    }

    /// Loads the template named `hash`, refusing bytes that do not hash to it.
    pub fn load(&self, hash: &Hash32) -> std::result::Result<Template, WorkerFault> {
        let path = self.path_of(hash);
        let elf = match std::fs::read(&path) {
            Ok(elf) => elf,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(WorkerFault::TemplateNotCached(*hash))
            }
            Err(e) => {
                return Err(WorkerFault::Internal(format!(
                    "reading {}: {e}",
                    path.display()
                )))
            }
        };
        let template = Template::new(elf);
        if template.hash() != *hash {
            return Err(WorkerFault::TemplateCorrupt {
                expected: *hash,
                actual: template.hash(),
            });
        }
        Ok(template)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_load_and_corruption() {
        let dir = std::env::temp_dir().join(format!("concerto-slots-cache-{}", std::process::id()));
        let cache = TemplateCache::open(&dir).unwrap();
        let hash = cache.insert(b"\x7fELF not really").unwrap();
        assert!(cache.contains(&hash));
        assert_eq!(cache.load(&hash).unwrap().elf(), b"\x7fELF not really");
        let other = blake2_256(b"other");
        assert_eq!(
            cache.load(&other),
            Err(WorkerFault::TemplateNotCached(other))
        );
        std::fs::write(cache.path_of(&hash), b"tampered").unwrap();
        assert!(matches!(
            cache.load(&hash),
            Err(WorkerFault::TemplateCorrupt { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_inserts_of_one_template_all_succeed() {
        let dir = std::env::temp_dir().join(format!(
            "concerto-slots-cache-concurrent-{}",
            std::process::id()
        ));
        let cache = TemplateCache::open(&dir).unwrap();
        let elf = vec![0x5a; 256 << 10];
        let hashes: Vec<_> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..8).map(|_| s.spawn(|| cache.insert(&elf))).collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        for hash in hashes {
            assert_eq!(hash.unwrap(), blake2_256(&elf));
        }
        assert_eq!(cache.load(&blake2_256(&elf)).unwrap().elf(), &elf[..]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
