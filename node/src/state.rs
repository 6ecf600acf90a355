//! The stateful-topic state store: the machine state each stateful batch this validator
//! ran left, so that the next batch continues it (RocksDB through `kvdb-rocksdb`, at
//! `<base>/chains/<id>/concerto-state`).
//!
//! - **Keyed by topic and root.** An entry is `topic (4 bytes, big-endian) ++ root` →
//!   the machine snapshot (`Machine::snapshot`) whose root hash is `root`. The chain's
//!   `TopicState` names the root the next batch starts from, so the lookup is exact: the
//!   node never runs a batch from a state with any other root. An empty value marks the
//!   template's fresh machine (a topic's first batch, or a first batch that faulted and
//!   was rolled back): it is rebuilt by loading the template, not stored.
//! - **Pruned.** Per topic the store keeps the states of the last [`KEEP_STATES`]
//!   batches it ran (in the order it ran them, so the states of a batch re-run after a
//!   reorg count too) and deletes older ones in the same write that adds the new one.
//! - **Checked.** A snapshot is stored only when its recorded root is the root the run
//!   reported, and read back only when it still is; an entry that is not (a corrupt disk)
//!   is deleted and treated as missing, so the node rebuilds it by replaying batches.
//!   The job child's restore rehashes every page against that root as well.

use codec::{Decode, Encode};
use concerto_primitives::{BatchNumber, Hash32, TopicId};
use kvdb::{DBTransaction, KeyValueDB};
use polkadot_sdk::substrate_prometheus_endpoint::{
    register, Counter, Gauge, PrometheusError, Registry, U64,
};
use std::path::{Path, PathBuf};

/// Log target of the state store.
const LOG_TARGET: &str = "concerto::state";

/// Column of the states: `topic ++ root` → snapshot (empty: the fresh machine).
const STATES: u32 = 0;
/// Column of the per-topic run order: `topic` → SCALE `Vec<(BatchNumber, Hash32)>`,
/// oldest first.
const RECENT: u32 = 1;
/// Column of the schema version.
const META: u32 = 2;
const COLUMNS: u32 = 3;
const SCHEMA_KEY: &[u8] = b"schema";
/// The layout this build writes and reads.
const SCHEMA_VERSION: u32 = 1;

/// States kept per stateful topic (the latest batches this node ran).
pub(crate) const KEEP_STATES: usize = 4;

/// Where a stored stateful batch starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stored {
    /// The template's fresh machine.
    Fresh,
    /// A machine snapshot.
    Snapshot(Vec<u8>),
}

/// What went wrong in the state store.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StateStoreError {
    /// The database could not be opened, read or written.
    #[error("state store at {path}: {source}")]
    Io {
        /// The database directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The database was written by another schema version.
    #[error(
        "the state store at {path} has schema version {found}, this node uses \
         {SCHEMA_VERSION}; move the directory away (states are rebuilt by replaying batches)"
    )]
    Schema {
        /// The database directory.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// The node is shutting down and the store is closed.
    #[error("the state store is closed (the node is shutting down)")]
    Closed,
    /// A run reported a state root its snapshot does not record (a host bug).
    #[error("a snapshot records root 0x{}, the run reported 0x{}", hex::encode(.recorded), hex::encode(.reported))]
    RootMismatch {
        /// The root in the snapshot's header.
        recorded: Hash32,
        /// The root the run reported.
        reported: Hash32,
    },
}

/// What an operator watches of the state store.
struct Metrics {
    stored: Counter<U64>,
    pruned: Counter<U64>,
    corrupt: Counter<U64>,
    last_bytes: Gauge<U64>,
}

impl Metrics {
    fn register(registry: &Registry) -> Result<Metrics, PrometheusError> {
        Ok(Metrics {
            stored: register(
                Counter::new(
                    "concerto_state_stored_total",
                    "Stateful-topic machine states written to the state store",
                )?,
                registry,
            )?,
            pruned: register(
                Counter::new(
                    "concerto_state_pruned_total",
                    "Stateful-topic machine states pruned from the state store",
                )?,
                registry,
            )?,
            corrupt: register(
                Counter::new(
                    "concerto_state_corrupt_total",
                    "Stored states that no longer record their root (deleted; rebuilt by replay)",
                )?,
                registry,
            )?,
            last_bytes: register(
                Gauge::new(
                    "concerto_state_last_snapshot_bytes",
                    "Size of the last machine state written to the state store",
                )?,
                registry,
            )?,
        })
    }
}

/// The state store (see the module docs).
pub(crate) struct StateStore {
    /// `None` once closed (at shutdown), so no RocksDB instance is open at exit.
    db: std::sync::RwLock<Option<kvdb_rocksdb::Database>>,
    path: PathBuf,
    metrics: Option<Metrics>,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn state_key(topic: TopicId, root: &Hash32) -> [u8; 36] {
    let mut key = [0u8; 36];
    key[..4].copy_from_slice(&topic.to_be_bytes());
    key[4..].copy_from_slice(root);
    key
}

impl StateStore {
    /// Opens (or creates) the store at `path`; registers its metrics in `registry`.
    pub(crate) fn open(
        path: &Path,
        registry: Option<&Registry>,
    ) -> Result<StateStore, StateStoreError> {
        let io = |source| StateStoreError::Io {
            path: path.to_owned(),
            source,
        };
        std::fs::create_dir_all(path).map_err(io)?;
        let config = kvdb_rocksdb::DatabaseConfig::with_columns(COLUMNS);
        let db = kvdb_rocksdb::Database::open(&config, path).map_err(io)?;
        match db.get(META, SCHEMA_KEY).map_err(io)? {
            None => {
                let mut tx = DBTransaction::new();
                tx.put(META, SCHEMA_KEY, &SCHEMA_VERSION.encode());
                db.write(tx).map_err(io)?;
            }
            Some(bytes) => {
                let found = u32::decode(&mut &bytes[..]).unwrap_or(u32::MAX);
                if found != SCHEMA_VERSION {
                    return Err(StateStoreError::Schema {
                        path: path.to_owned(),
                        found,
                    });
                }
            }
        }
        let metrics = match registry.map(Metrics::register).transpose() {
            Ok(metrics) => metrics,
            Err(e) => {
                log::warn!(target: LOG_TARGET, "🎼 state store metrics not registered: {e}");
                None
            }
        };
        Ok(StateStore {
            db: std::sync::RwLock::new(Some(db)),
            path: path.to_owned(),
            metrics,
        })
    }

    /// Closes the database (at shutdown); later calls fail with [`StateStoreError::Closed`].
    pub(crate) fn close(&self) {
        let db = self.db.write().unwrap_or_else(|p| p.into_inner()).take();
        drop(db);
    }

    fn with_db<R>(
        &self,
        f: impl FnOnce(&kvdb_rocksdb::Database) -> std::io::Result<R>,
    ) -> Result<R, StateStoreError> {
        let guard = self.db.read().unwrap_or_else(|p| p.into_inner());
        let db = guard.as_ref().ok_or(StateStoreError::Closed)?;
        f(db).map_err(|source| StateStoreError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Whether the store holds topic `topic`'s state `root` (without reading it).
    pub(crate) fn contains(&self, topic: TopicId, root: &Hash32) -> Result<bool, StateStoreError> {
        self.with_db(|db| db.has_key(STATES, &state_key(topic, root)))
    }

    /// Topic `topic`'s state `root`, if stored and intact. An entry that does not record
    /// `root` is deleted (and counted) and reads as missing.
    pub(crate) fn get(
        &self,
        topic: TopicId,
        root: &Hash32,
    ) -> Result<Option<Stored>, StateStoreError> {
        let key = state_key(topic, root);
        let Some(bytes) = self.with_db(|db| db.get(STATES, &key))? else {
            return Ok(None);
        };
        if bytes.is_empty() {
            return Ok(Some(Stored::Fresh));
        }
        if concerto_machine::snapshot_root(&bytes).ok().as_ref() == Some(root) {
            return Ok(Some(Stored::Snapshot(bytes)));
        }
        log::error!(
            target: LOG_TARGET,
            "🎼 topic {topic}: stored state 0x{} is corrupt; deleting it (it is rebuilt by \
             replaying batches)",
            hex::encode(root)
        );
        if let Some(m) = &self.metrics {
            m.corrupt.inc();
        }
        self.with_db(|db| {
            let mut tx = DBTransaction::new();
            tx.delete(STATES, &key);
            db.write(tx)
        })?;
        Ok(None)
    }

    /// Records that `root` is topic `topic`'s fresh machine (its template loaded, not run).
    pub(crate) fn put_fresh(&self, topic: TopicId, root: &Hash32) -> Result<(), StateStoreError> {
        self.with_db(|db| {
            let mut tx = DBTransaction::new();
            tx.put(STATES, &state_key(topic, root), &[]);
            db.write(tx)
        })
    }

    /// Stores the state batch `batch` of topic `topic` left (`snapshot`, whose root must be
    /// `root`) and prunes the topic's states beyond the latest [`KEEP_STATES`], in one
    /// write.
    pub(crate) fn put(
        &self,
        topic: TopicId,
        batch: BatchNumber,
        root: &Hash32,
        snapshot: &[u8],
    ) -> Result<(), StateStoreError> {
        let recorded = concerto_machine::snapshot_root(snapshot).unwrap_or([0; 32]);
        if &recorded != root {
            return Err(StateStoreError::RootMismatch {
                recorded,
                reported: *root,
            });
        }
        let topic_key = topic.to_be_bytes();
        let pruned = self.with_db(|db| {
            let mut recent: Vec<(BatchNumber, Hash32)> = db
                .get(RECENT, &topic_key)?
                .and_then(|bytes| Decode::decode(&mut &bytes[..]).ok())
                .unwrap_or_default();
            recent.retain(|(_, r)| r != root);
            recent.push((batch, *root));
            let mut tx = DBTransaction::new();
            tx.put(STATES, &state_key(topic, root), snapshot);
            let excess = recent.len().saturating_sub(KEEP_STATES);
            for (_, old) in recent.drain(..excess) {
                tx.delete(STATES, &state_key(topic, &old));
            }
            tx.put(RECENT, &topic_key, &recent.encode());
            db.write(tx)?;
            Ok(excess)
        })?;
        if let Some(m) = &self.metrics {
            m.stored.inc();
            m.pruned.inc_by(pruned as u64);
            m.last_bytes.set(snapshot.len() as u64);
        }
        log::debug!(
            target: LOG_TARGET,
            "topic {topic} batch {batch}: stored state 0x{} ({} bytes), pruned {pruned}",
            hex::encode(root),
            snapshot.len()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(seed: u8) -> (Hash32, Vec<u8>) {
        let mut machine =
            concerto_machine::Machine::new(concerto_machine::MachineConfig::new(1 << 20))
                .expect("a machine");
        machine
            .write_memory(concerto_machine::constants::addr::RAM, &[seed; 64])
            .expect("RAM");
        let bytes = machine.snapshot();
        (machine.root_hash(), bytes)
    }

    #[test]
    fn states_are_kept_per_topic_pruned_and_checked() {
        let dir = std::env::temp_dir().join(format!("concerto-state-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = StateStore::open(&dir, None).unwrap();
        let states: Vec<_> = (0..6).map(snapshot).collect();
        for (batch, (root, bytes)) in states.iter().enumerate() {
            store.put(7, batch as u64, root, bytes).unwrap();
        }
        // The oldest two of topic 7 are pruned; another topic's key space is separate.
        for (i, (root, bytes)) in states.iter().enumerate() {
            let expected = (i >= 6 - KEEP_STATES).then(|| Stored::Snapshot(bytes.clone()));
            assert_eq!(store.get(7, root).unwrap(), expected, "state {i}");
            assert!(!store.contains(8, root).unwrap());
        }
        // A root the snapshot does not record is refused.
        assert!(matches!(
            store.put(7, 9, &[1; 32], &states[0].1),
            Err(StateStoreError::RootMismatch { .. })
        ));
        store.put_fresh(8, &[5; 32]).unwrap();
        assert_eq!(store.get(8, &[5; 32]).unwrap(), Some(Stored::Fresh));
        drop(store);
        // Reopened, it holds the same; a corrupt entry reads as missing and is deleted.
        let store = StateStore::open(&dir, None).unwrap();
        let (root, _) = &states[5];
        assert!(store.contains(7, root).unwrap());
        store
            .with_db(|db| {
                let mut tx = DBTransaction::new();
                tx.put(STATES, &state_key(7, root), b"not a snapshot");
                db.write(tx)
            })
            .unwrap();
        assert_eq!(store.get(7, root).unwrap(), None);
        assert!(!store.contains(7, root).unwrap());
        store.close();
        assert!(matches!(
            store.contains(7, root),
            Err(StateStoreError::Closed)
        ));
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
