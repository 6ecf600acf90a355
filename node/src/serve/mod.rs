//! Serving finalized outputs: the node's output index and its JSON-RPC (`rpc`).
//!
//! The index follows GRANDPA finality: for every newly finalized block, in order, it reads
//! the block's `topics.OutputFinalized` events and, through `TopicsApi_latest_outputs`
//! at that block, the outputs, roots, cycles and verdict of each, and writes them with
//! the block number and hash into its own RocksDB (`<base>/chains/<id>/concerto-index`,
//! `kvdb-rocksdb`), together with the last indexed block, in one write. Outputs are kept
//! (no pruning). On start it catches up from the last indexed block to the finalized
//! head; a block whose state the node no longer holds (pruned while the node was down;
//! run an archive node, `--state-pruning archive`, to index a whole history) is skipped
//! with a warning naming it.
//!
//! With each output it keeps the batch's events as the machine saw them (the envelopes,
//! in batch order, from the node's offchain storage, where offchain indexing put them at
//! import), for `concerto_batchEvents`. Events are ephemeral: those of batches finalized
//! more than `--event-retention` blocks ago are pruned as the index moves on.
//!
//! Every indexed output is also broadcast to subscribers (`concerto_subscribeOutputs`).

pub(crate) mod rpc;

use codec::{Decode, Encode};
use concerto_runtime::{
    keys::crypto::Public as ConcertoId, opaque::Block, AccountId, RuntimeEvent,
};
use futures::StreamExt;
use kvdb::KeyValueDB;
use pallet_topics::{
    runtime_api::{OutputView, TopicsApi},
    BatchNumber, TopicId,
};
use polkadot_sdk::{
    frame_system::EventRecord,
    sc_client_api::{Backend, BlockchainEvents, StorageProvider},
    sp_api::ProvideRuntimeApi,
    sp_blockchain::HeaderBackend,
    sp_core::{storage::StorageKey, H256},
    substrate_prometheus_endpoint::{register, Counter, Gauge, PrometheusError, Registry, U64},
};
use std::{marker::PhantomData, path::Path, sync::Arc};
use tokio::sync::broadcast;

const LOG_TARGET: &str = "concerto-index";
/// Columns: outputs by (topic, batch), and the index's own bookkeeping.
const OUTPUTS: u32 = 0;
const META: u32 = 1;
/// Batch events by (finalization block, topic, batch): pruning drops a block's prefix.
const EVENTS: u32 = 2;
const COLUMNS: u32 = 3;
const LAST_INDEXED: &[u8] = b"last-indexed";
/// The layout of the records; an index of another version is rebuilt from the chain.
const SCHEMA: &[u8] = b"schema";
const SCHEMA_VERSION: u32 = 2;
/// Outputs a slow subscriber may fall behind before it is told it lagged.
const BROADCAST_CAPACITY: usize = 4096;

/// A finalized output as the index keeps and serves it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub(crate) struct IndexedOutput {
    /// The topic.
    pub topic: TopicId,
    /// The output as the chain lists it (batch, roots, payload, cycles, verdict, block).
    pub output: OutputView<u32>,
    /// The hash of the (GRANDPA-finalized) block whose `OutputFinalized` announced it.
    pub block_hash: H256,
    /// The batch's window (first and last block), as the chain sealed it.
    pub window: Option<(u32, u32)>,
    /// The validators whose attestations made the quorum by that block (`conc` keys, in
    /// key order); later matching attestations are not counted here.
    pub attesters: Vec<[u8; 32]>,
}

/// Why the index failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IndexError {
    /// Its database could not be opened.
    #[error(
        "opening the output index at {path}: {source} (is another node using this base path?)"
    )]
    Open {
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A read or write of its database failed.
    #[error("the output index's database: {0}")]
    Db(#[from] std::io::Error),
    /// A stored record does not decode (a corrupt or foreign database).
    #[error("the output index holds a record that does not decode: {0}")]
    Corrupt(#[from] codec::Error),
    /// The node is shutting down and the index is closed.
    #[error("the output index is closed (the node is shutting down)")]
    Closed,
    /// The metrics could not be registered.
    #[error("registering the output index's metrics: {0}")]
    Metrics(#[from] PrometheusError),
}

/// Command-line options of the output index.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ServeParams {
    /// Blocks for which the node keeps the events of a finalized batch (served by
    /// `concerto_batchEvents`); older ones are pruned. Outputs are always kept.
    #[arg(long, value_name = "BLOCKS", default_value_t = 14_400)]
    pub(crate) event_retention: u32,
}

/// The events of a batch as the index serves them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BatchEvents {
    /// The envelopes (SCALE `EventEnvelope`), in the order the machine saw them.
    Held(Vec<Vec<u8>>),
    /// The batch was finalized at `finalized_at`; its events are pruned.
    Pruned {
        /// The block whose `OutputFinalized` announced the batch.
        finalized_at: u32,
        /// The retention the node runs with.
        retention: u32,
    },
    /// The output is indexed, but this node never held the batch's events (it was not
    /// running or lacked the payloads when the batch was finalized).
    Missing,
}

/// What an operator watches of the index.
struct Metrics {
    /// The last finalized block indexed (compare with the finalized head).
    last_block: Gauge<U64>,
    /// Outputs indexed.
    outputs: Counter<U64>,
    /// Outputs indexed without their batch's events.
    missing_events: Counter<U64>,
}

impl Metrics {
    fn register(registry: &Registry) -> Result<Metrics, PrometheusError> {
        Ok(Metrics {
            last_block: register(
                Gauge::new(
                    "concerto_index_last_block",
                    "The last finalized block the output index has indexed",
                )?,
                registry,
            )?,
            outputs: register(
                Counter::new("concerto_index_outputs_total", "Finalized outputs indexed")?,
                registry,
            )?,
            missing_events: register(
                Counter::new(
                    "concerto_index_missing_events_total",
                    "Outputs indexed without their batch's events (this node lacked them)",
                )?,
                registry,
            )?,
        })
    }
}

fn events_key(block: u32, topic: TopicId, batch: BatchNumber) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..4].copy_from_slice(&block.to_be_bytes());
    key[4..].copy_from_slice(&output_key(topic, batch));
    key
}

fn output_key(topic: TopicId, batch: BatchNumber) -> [u8; 12] {
    let mut key = [0u8; 12];
    key[..4].copy_from_slice(&topic.to_be_bytes());
    key[4..].copy_from_slice(&batch.to_be_bytes());
    key
}

/// The output index: its database and the subscribers' channel.
pub(crate) struct Index<C, B: Backend<Block>> {
    client: Arc<C>,
    offchain: Option<B::OffchainStorage>,
    /// `None` once closed: the follower closes it when the node shuts down, so that no
    /// RocksDB instance of the index is open when the process exits.
    db: std::sync::RwLock<Option<kvdb_rocksdb::Database>>,
    retention: u32,
    metrics: Option<Metrics>,
    new_outputs: broadcast::Sender<IndexedOutput>,
    _backend: PhantomData<B>,
}

impl<C, B: Backend<Block>> std::fmt::Debug for Index<C, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").finish_non_exhaustive()
    }
}

/// What the serving and certificate services need of the client: the best and finalized
/// chain, block notifications and Concerto's `TopicsApi`.
pub(crate) trait TopicsClient:
    ProvideRuntimeApi<Block, Api: TopicsApi<Block, AccountId, H256, u32, ConcertoId>>
    + HeaderBackend<Block>
    + BlockchainEvents<Block>
    + Send
    + Sync
    + 'static
{
}

impl<C> TopicsClient for C where
    C: ProvideRuntimeApi<Block, Api: TopicsApi<Block, AccountId, H256, u32, ConcertoId>>
        + HeaderBackend<Block>
        + BlockchainEvents<Block>
        + Send
        + Sync
        + 'static
{
}

/// What the index (and its RPC) needs of the client: a [`TopicsClient`] that also reads
/// storage (the blocks' events).
pub(crate) trait IndexClient<B: Backend<Block>>:
    TopicsClient + StorageProvider<Block, B>
{
}

impl<B: Backend<Block>, C: TopicsClient + StorageProvider<Block, B>> IndexClient<B> for C {}

/// The `conc` keys as 32-byte sr25519 public keys.
pub(crate) fn key_bytes(keys: &[ConcertoId]) -> Vec<[u8; 32]> {
    keys.iter()
        .filter_map(|k| <[u8; 32]>::try_from(AsRef::<[u8]>::as_ref(k)).ok())
        .collect()
}

impl<C: IndexClient<B>, B: Backend<Block> + 'static> Index<C, B> {
    /// Opens (or creates) the index at `path`; batch events come from `offchain`.
    pub(crate) fn open(
        client: Arc<C>,
        offchain: Option<B::OffchainStorage>,
        path: &Path,
        params: &ServeParams,
        registry: Option<&Registry>,
    ) -> Result<Arc<Self>, IndexError> {
        let open = || -> std::io::Result<kvdb_rocksdb::Database> {
            std::fs::create_dir_all(path)?;
            kvdb_rocksdb::Database::open(&kvdb_rocksdb::DatabaseConfig::with_columns(COLUMNS), path)
        };
        let db = open().map_err(|source| IndexError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Self::check_schema(&db, path)?;
        let (new_outputs, _) = broadcast::channel(BROADCAST_CAPACITY);
        Ok(Arc::new(Index {
            client,
            offchain,
            db: std::sync::RwLock::new(Some(db)),
            retention: params.event_retention,
            metrics: registry.map(Metrics::register).transpose()?,
            new_outputs,
            _backend: PhantomData,
        }))
    }

    /// Rebuilds an index written in another layout (by an older node): it is emptied and
    /// indexed again from the chain as the follower catches up.
    fn check_schema(db: &kvdb_rocksdb::Database, path: &Path) -> Result<(), IndexError> {
        let version = match db.get(META, SCHEMA)? {
            Some(bytes) => Some(u32::decode(&mut &bytes[..])?),
            None => None,
        };
        if version == Some(SCHEMA_VERSION) {
            return Ok(());
        }
        let mut tx = db.transaction();
        if version.is_some() || db.get(META, LAST_INDEXED)?.is_some() {
            log::warn!(target: LOG_TARGET, "the output index at {} has layout {} (this node writes {SCHEMA_VERSION}): rebuilding it from the chain", path.display(), version.map_or("1".to_string(), |v| v.to_string()));
            for column in [OUTPUTS, META, EVENTS] {
                tx.delete_prefix(column, &[]);
            }
        }
        tx.put_vec(META, SCHEMA, SCHEMA_VERSION.encode());
        Ok(db.write(tx)?)
    }

    /// Runs `f` on the open database.
    fn with_db<R>(
        &self,
        f: impl FnOnce(&kvdb_rocksdb::Database) -> Result<R, IndexError>,
    ) -> Result<R, IndexError> {
        let guard = self.db.read().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(db) => f(db),
            None => Err(IndexError::Closed),
        }
    }

    /// Closes the database (at shutdown); later calls get [`IndexError::Closed`].
    fn close(&self) {
        let db = self.db.write().unwrap_or_else(|p| p.into_inner()).take();
        drop(db);
    }

    /// The last block indexed (number), if any.
    pub(crate) fn last_indexed(&self) -> Result<Option<u32>, IndexError> {
        self.with_db(|db| {
            Ok(match db.get(META, LAST_INDEXED)? {
                Some(bytes) => Some(<(u32, H256)>::decode(&mut &bytes[..])?.0),
                None => None,
            })
        })
    }

    /// One indexed output.
    pub(crate) fn output(
        &self,
        topic: TopicId,
        batch: BatchNumber,
    ) -> Result<Option<IndexedOutput>, IndexError> {
        self.with_db(|db| {
            Ok(match db.get(OUTPUTS, &output_key(topic, batch))? {
                Some(bytes) => Some(IndexedOutput::decode(&mut &bytes[..])?),
                None => None,
            })
        })
    }

    /// Up to `limit` indexed outputs of `topic` from batch `from` on, in batch order.
    pub(crate) fn outputs(
        &self,
        topic: TopicId,
        from: BatchNumber,
        limit: usize,
    ) -> Result<Vec<IndexedOutput>, IndexError> {
        let start = output_key(topic, from);
        self.with_db(|db| {
            let mut found = Vec::new();
            for entry in db.iter_with_prefix(OUTPUTS, &topic.to_be_bytes()) {
                let (key, bytes) = entry?;
                if key[..] < start[..] {
                    continue;
                }
                if found.len() == limit {
                    break;
                }
                found.push(IndexedOutput::decode(&mut &bytes[..])?);
            }
            Ok(found)
        })
    }

    /// The events of an indexed batch; `None` if its output is not indexed.
    pub(crate) fn batch_events(
        &self,
        topic: TopicId,
        batch: BatchNumber,
    ) -> Result<Option<BatchEvents>, IndexError> {
        let Some(o) = self.output(topic, batch)? else {
            return Ok(None);
        };
        let at = o.output.finalized_at;
        let held = self.with_db(|db| Ok(db.get(EVENTS, &events_key(at, topic, batch))?))?;
        Ok(Some(match held {
            Some(bytes) => BatchEvents::Held(Vec::<Vec<u8>>::decode(&mut &bytes[..])?),
            None if self.is_pruned(at) => BatchEvents::Pruned {
                finalized_at: at,
                retention: self.retention,
            },
            None => BatchEvents::Missing,
        }))
    }

    /// Whether the events of batches finalized at block `at` are pruned by now (when
    /// block `at + retention` was indexed).
    fn is_pruned(&self, at: u32) -> bool {
        let last = self.last_indexed().ok().flatten().unwrap_or(0);
        at.saturating_add(self.retention) <= last
    }

    /// The envelopes of a batch, in batch order, read at the block before the one that
    /// finalized it (the batch is still sealed there); `None` if any is missing.
    fn envelopes(&self, parent: H256, topic: TopicId, batch: BatchNumber) -> Option<Vec<Vec<u8>>> {
        use polkadot_sdk::sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};
        let offchain = self.offchain.as_ref()?;
        let hashes = self
            .client
            .runtime_api()
            .batch_events(parent, topic, batch)
            .ok()?;
        hashes
            .iter()
            .map(|h| {
                offchain.get(
                    STORAGE_PREFIX,
                    &concerto_primitives::domain::event_offchain_key(h),
                )
            })
            .collect()
    }

    /// A receiver of every output indexed from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<IndexedOutput> {
        self.new_outputs.subscribe()
    }

    /// The outputs announced in block `number` (hash `hash`), read from its state.
    fn outputs_in(&self, number: u32, hash: H256) -> Option<Vec<IndexedOutput>> {
        let key = StorageKey(
            polkadot_sdk::frame_support::storage::storage_prefix(b"System", b"Events").to_vec(),
        );
        let events = match self.client.storage(hash, &key) {
            Ok(Some(data)) => data.0,
            Ok(None) => Vec::new(),
            Err(e) => {
                log::warn!(target: LOG_TARGET, "block {number} ({hash:?}): its state is not available ({e}); outputs finalized there are not indexed (an archive node, --state-pruning archive, keeps every block's state)");
                return None;
            }
        };
        let records = match Vec::<EventRecord<RuntimeEvent, H256>>::decode(&mut &events[..]) {
            Ok(r) => r,
            Err(e) => {
                log::error!(target: LOG_TARGET, "block {number}: its events do not decode ({e}); a node older than its runtime? skipped");
                return None;
            }
        };
        let api = self.client.runtime_api();
        // A block may finalize several batches of one topic: its outputs are read once.
        let mut latest: std::collections::BTreeMap<TopicId, Vec<OutputView<u32>>> =
            Default::default();
        let mut found = Vec::new();
        for record in records {
            let RuntimeEvent::Topics(pallet_topics::Event::OutputFinalized {
                topic, batch, ..
            }) = record.event
            else {
                continue;
            };
            let list = match latest.entry(topic) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    match api.latest_outputs(hash, topic) {
                        Ok(list) => v.insert(list),
                        Err(e) => {
                            log::warn!(target: LOG_TARGET, "block {number}: reading topic {topic}'s outputs failed ({e}); not indexed");
                            continue;
                        }
                    }
                }
            };
            match list.iter().find(|o| o.batch == batch) {
                Some(output) => found.push(IndexedOutput {
                    topic,
                    output: output.clone(),
                    block_hash: hash,
                    window: api
                        .batch(hash, topic, batch)
                        .ok()
                        .flatten()
                        .map(|b| b.window),
                    attesters: key_bytes(&api.attesters(hash, topic, batch).unwrap_or_default()),
                }),
                None => {
                    log::error!(target: LOG_TARGET, "block {number}: topic {topic} batch {batch} finalized but not among its latest outputs; not indexed")
                }
            }
        }
        Some(found)
    }

    /// Indexes every finalized block after the last indexed one up to `to`.
    fn index_to(&self, to: u32) -> Result<(), IndexError> {
        let mut next = self.last_indexed()?.map_or(1, |n| n + 1);
        while next <= to {
            let Ok(Some(hash)) = self.client.hash(next) else {
                break;
            };
            let found = self.outputs_in(next, hash).unwrap_or_default();
            let parent = self
                .client
                .header(hash)
                .ok()
                .flatten()
                .map(|h| h.parent_hash);
            let mut tx = kvdb::DBTransaction::new();
            for o in &found {
                tx.put_vec(OUTPUTS, &output_key(o.topic, o.output.batch), o.encode());
                match parent.and_then(|p| self.envelopes(p, o.topic, o.output.batch)) {
                    Some(events) => tx.put_vec(
                        EVENTS,
                        &events_key(next, o.topic, o.output.batch),
                        events.encode(),
                    ),
                    None => {
                        log::warn!(target: LOG_TARGET, "topic {} batch {}: this node does not hold all its events; concerto_batchEvents will say so", o.topic, o.output.batch);
                        if let Some(m) = &self.metrics {
                            m.missing_events.inc();
                        }
                    }
                }
            }
            if let Some(old) = next.checked_sub(self.retention).filter(|b| *b > 0) {
                tx.delete_prefix(EVENTS, &old.to_be_bytes());
            }
            tx.put_vec(META, LAST_INDEXED, (next, hash).encode());
            self.with_db(|db| Ok(db.write(tx)?))?;
            if let Some(m) = &self.metrics {
                m.last_block.set(u64::from(next));
                m.outputs.inc_by(found.len() as u64);
            }
            for o in found {
                // No receiver is not an error: nobody subscribed.
                let _ = self.new_outputs.send(o);
            }
            next += 1;
        }
        Ok(())
    }

    /// Drops every batch's events that are past the retention now (the per-block pruning
    /// in `index_to` keeps it so; this sweep covers a retention shortened since the last
    /// run).
    fn prune_all(&self) -> Result<(), IndexError> {
        let Some(last) = self.last_indexed()? else {
            return Ok(());
        };
        self.with_db(|db| {
            let mut tx = db.transaction();
            for entry in db.iter(EVENTS) {
                let (key, _) = entry?;
                let block = key
                    .get(..4)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(u32::from_be_bytes)
                    .unwrap_or(0);
                if block.saturating_add(self.retention) <= last {
                    tx.delete(EVENTS, &key);
                }
            }
            Ok(db.write(tx)?)
        })
    }

    /// Catches up, then indexes each newly finalized block (a task for the node's life).
    pub(crate) async fn follow_finality(self: Arc<Self>) {
        /// Closes the index when the follower's task ends or is dropped (node shutdown).
        struct CloseOnDrop<'a, C: IndexClient<B>, B: Backend<Block> + 'static>(&'a Index<C, B>);
        impl<C: IndexClient<B>, B: Backend<Block> + 'static> Drop for CloseOnDrop<'_, C, B> {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let _close = CloseOnDrop(&self);
        let mut finality = self.client.finality_notification_stream();
        if let Err(e) = self.prune_all() {
            log::error!(target: LOG_TARGET, "pruning batch events past the retention: {e}");
        }
        let catch_up = self.client.info().finalized_number;
        if let Err(e) = self.index_to(catch_up) {
            log::error!(target: LOG_TARGET, "catching up to block {catch_up}: {e}");
        }
        while let Some(n) = finality.next().await {
            if let Err(e) =
                self.index_to(*polkadot_sdk::sp_runtime::traits::Header::number(&n.header))
            {
                log::error!(target: LOG_TARGET, "indexing finalized blocks: {e}; retried at the next finality");
            }
        }
    }
}
