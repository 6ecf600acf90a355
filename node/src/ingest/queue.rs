//! The durable ingestion queue: events the RPC accepted and the chain has not finalized
//! yet, in arrival order, in their own RocksDB database beside the chain's.
//!
//! An event is written (RocksDB write-ahead log) before the RPC answers "accepted", so a
//! node that is killed (`kill -9` included) finds it again at start. It leaves the queue
//! only when the chain's *finalized* state shows it included (the publisher's next
//! sequence number is past it), or when it can never be included any more (its stream was
//! closed or its key removed: the event is dropped with a log line and a metric). Until
//! then it is offered to every block this node authors; the runtime includes it at most
//! once (sequence numbers), so offering it again after a reorg or a restart never doubles
//! it.

use super::IngestError;
use pallet_topics::{runtime_api::PublisherState, PublisherKey, StreamId};
use std::{
    collections::{BTreeMap, VecDeque},
    io,
    path::Path,
    sync::Mutex,
};

/// (stream, publisher): whose sequence numbers an event continues.
pub(crate) type Key = (StreamId, PublisherKey);

/// Column of the queued events: key = arrival number (u64 big-endian), value = SCALE
/// `SignedEvent`.
const EVENTS: u32 = 0;

/// An event checked by the RPC, ready to be queued.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    /// Whose sequence it continues.
    pub key: Key,
    /// Its sequence number.
    pub sequence: u64,
    /// Its SCALE encoding.
    pub bytes: Vec<u8>,
}

/// What happened to one submitted event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Queued now.
    Accepted,
    /// The same event was accepted before (it is queued or on chain): nothing changed.
    Duplicate,
}

#[derive(Debug)]
struct Queued {
    key: Key,
    sequence: u64,
    bytes: Vec<u8>,
}

#[derive(Debug, Default)]
struct PerKey {
    /// Queued sequence numbers → arrival numbers.
    queued: BTreeMap<u64, u64>,
    /// The next sequence number on the best chain (events below it are in a best block).
    best_next: u64,
}

impl PerKey {
    /// The sequence number the key's next event must carry: after its last queued event,
    /// or the best chain's next when none is queued.
    fn next(&self) -> u64 {
        self.queued
            .last_key_value()
            .map_or(self.best_next, |(last, _)| {
                last.saturating_add(1).max(self.best_next)
            })
    }
}

#[derive(Debug, Default)]
struct State {
    next_arrival: u64,
    /// Arrival number → event, oldest first.
    events: BTreeMap<u64, Queued>,
    keys: BTreeMap<Key, PerKey>,
}

/// The queue (see the module docs).
pub(crate) struct Queue {
    /// `None` once closed: the chain follower closes it when the node shuts down, so that
    /// no RocksDB instance of the queue is open when the process exits.
    db: std::sync::RwLock<Option<kvdb_rocksdb::Database>>,
    state: Mutex<State>,
    capacity: usize,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Queue {
    /// Opens (or creates) the queue at `path` and loads what it holds; at most `capacity`
    /// events are held at once.
    pub(crate) fn open(path: &Path, capacity: usize) -> io::Result<Queue> {
        std::fs::create_dir_all(path)?;
        let config = kvdb_rocksdb::DatabaseConfig::with_columns(1);
        let db = kvdb_rocksdb::Database::open(&config, path)?;
        let mut state = State::default();
        for entry in db.iter(EVENTS) {
            let (key, bytes) = entry?;
            let arrival = <[u8; 8]>::try_from(&key[..])
                .map(u64::from_be_bytes)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "queue key"))?;
            let Some(event) = super::decode_event(&bytes) else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("queued event {arrival} does not decode"),
                ));
            };
            let key = (event.stream, event.publisher);
            state
                .keys
                .entry(key)
                .or_default()
                .queued
                .insert(event.sequence, arrival);
            state.events.insert(
                arrival,
                Queued {
                    key,
                    sequence: event.sequence,
                    bytes: bytes.to_vec(),
                },
            );
            state.next_arrival = state.next_arrival.max(arrival.saturating_add(1));
        }
        Ok(Queue {
            db: std::sync::RwLock::new(Some(db)),
            state: Mutex::new(state),
            capacity,
        })
    }

    /// Writes `tx`; after [`Queue::close`], an error saying so.
    fn write(&self, tx: kvdb::DBTransaction) -> io::Result<()> {
        match self.db.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(db) => db.write(tx),
            None => Err(io::Error::other(
                "the ingest queue is closed (the node is shutting down)",
            )),
        }
    }

    /// Closes the database (at shutdown); later writes fail with an error saying so.
    pub(crate) fn close(&self) {
        let db = self.db.write().unwrap_or_else(|p| p.into_inner()).take();
        drop(db);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Events held.
    pub(crate) fn len(&self) -> usize {
        self.lock().events.len()
    }

    /// How many events of each of `streams` (sorted) this queue holds that are not yet in
    /// a best block (so not yet paid for), in order.
    pub(crate) fn unpaid_on(&self, streams: &[StreamId]) -> Vec<u64> {
        let state = self.lock();
        let mut counts = vec![0u64; streams.len()];
        for ((stream, _), per) in state.keys.iter() {
            if let Ok(i) = streams.binary_search(stream) {
                let unpaid = per.queued.range(per.best_next..).count() as u64;
                counts[i] = counts[i].saturating_add(unpaid);
            }
        }
        counts
    }

    /// The keys with queued events.
    pub(crate) fn keys(&self) -> Vec<Key> {
        self.lock().keys.keys().copied().collect()
    }

    /// The sequence number `key`'s next event must carry, given the best chain's next
    /// (`chain_next`): past every event of the key this queue holds.
    pub(crate) fn next_sequence(&self, key: &Key, chain_next: u64) -> u64 {
        self.lock()
            .keys
            .get(key)
            .map_or(chain_next, |per| per.next().max(chain_next))
    }

    /// Admits checked events in order. `chain_next` gives the best chain's next sequence
    /// number of each key; an event must continue the key's queued events (or the chain,
    /// when none are queued). The accepted ones are written to disk before this returns.
    pub(crate) fn admit(
        &self,
        events: Vec<Checked>,
        chain_next: &BTreeMap<Key, u64>,
    ) -> Result<Vec<Result<Admission, IngestError>>, io::Error> {
        let mut guard = self.lock();
        let State {
            next_arrival,
            events: held,
            keys,
        } = &mut *guard;
        // Decided against the queue plus this call's own admissions, written to disk, and
        // only then applied to the queue: if the write fails, the queue is as it was.
        let mut tx = kvdb::DBTransaction::new();
        let mut answers = Vec::with_capacity(events.len());
        let mut admitted: Vec<(u64, Queued)> = Vec::new();
        // (key, sequence) → index in `admitted`, and each key's last admitted sequence.
        let mut in_call: BTreeMap<(Key, u64), usize> = BTreeMap::new();
        let mut last_in_call: BTreeMap<Key, u64> = BTreeMap::new();
        for event in events {
            let on_chain = chain_next.get(&event.key).copied().unwrap_or(0);
            let per = keys.entry(event.key).or_default();
            per.best_next = per.best_next.max(on_chain);
            let expected = match last_in_call.get(&event.key) {
                Some(last) => last.saturating_add(1),
                None => per.next(),
            };
            if event.sequence < expected {
                // The very same event again is fine (a client retrying, or submitting to
                // several nodes); anything else reuses a sequence number.
                let held_bytes = match in_call.get(&(event.key, event.sequence)) {
                    Some(i) => admitted.get(*i).map(|(_, q)| &q.bytes),
                    None => per
                        .queued
                        .get(&event.sequence)
                        .and_then(|arrival| held.get(arrival))
                        .map(|q| &q.bytes),
                };
                answers.push(if held_bytes == Some(&event.bytes) {
                    Ok(Admission::Duplicate)
                } else {
                    Err(IngestError::SequenceUsed { expected })
                });
                continue;
            }
            if event.sequence > expected {
                answers.push(Err(IngestError::SequenceGap { expected }));
                continue;
            }
            if held.len() + admitted.len() >= self.capacity {
                answers.push(Err(IngestError::QueueFull {
                    capacity: self.capacity,
                }));
                continue;
            }
            let arrival = next_arrival.saturating_add(admitted.len() as u64);
            tx.put(EVENTS, &arrival.to_be_bytes(), &event.bytes);
            in_call.insert((event.key, event.sequence), admitted.len());
            last_in_call.insert(event.key, event.sequence);
            admitted.push((
                arrival,
                Queued {
                    key: event.key,
                    sequence: event.sequence,
                    bytes: event.bytes,
                },
            ));
            answers.push(Ok(Admission::Accepted));
        }
        // Written while the lock is held, so the disk order is the admission order.
        self.write(tx)?;
        *next_arrival = next_arrival.saturating_add(admitted.len() as u64);
        for (arrival, queued) in admitted {
            keys.entry(queued.key)
                .or_default()
                .queued
                .insert(queued.sequence, arrival);
            held.insert(arrival, queued);
        }
        Ok(answers)
    }

    /// Up to `limit` events not yet in a best block, oldest first (SCALE `SignedEvent`s):
    /// what this node offers the block it is authoring.
    pub(crate) fn pending(&self, limit: usize) -> Vec<Vec<u8>> {
        let state = self.lock();
        state
            .events
            .values()
            .filter(|q| {
                state
                    .keys
                    .get(&q.key)
                    .is_none_or(|per| q.sequence >= per.best_next)
            })
            .take(limit)
            .map(|q| q.bytes.clone())
            .collect()
    }

    /// Notes the best chain's publisher states (for the keys in `keys`, in order).
    pub(crate) fn note_best(&self, keys: &[Key], states: &[PublisherState]) {
        let mut state = self.lock();
        for (key, s) in keys.iter().zip(states) {
            if let (
                Some(per),
                PublisherState::Open { next_sequence }
                | PublisherState::BudgetExhausted { next_sequence },
            ) = (state.keys.get_mut(key), s)
            {
                per.best_next = *next_sequence;
            }
        }
    }

    /// Removes what the finalized chain shows included, and what it can never include
    /// (stream closed, key removed). Returns (included, dropped) counts.
    pub(crate) fn note_finalized(
        &self,
        keys: &[Key],
        states: &[PublisherState],
    ) -> io::Result<(usize, usize)> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let mut tx = kvdb::DBTransaction::new();
        let (mut included, mut dropped) = (0, 0);
        for (key, s) in keys.iter().zip(states) {
            let Some(per) = state.keys.get_mut(key) else {
                continue;
            };
            let gone: VecDeque<(u64, u64)> = match s {
                // An exhausted budget is refilled by funding: the queued events wait.
                PublisherState::Open { next_sequence }
                | PublisherState::BudgetExhausted { next_sequence } => {
                    per.best_next = per.best_next.max(*next_sequence);
                    let keep = per.queued.split_off(next_sequence);
                    let gone = std::mem::replace(&mut per.queued, keep);
                    included += gone.len();
                    gone.into_iter().collect()
                }
                refused => {
                    let gone = std::mem::take(&mut per.queued);
                    if !gone.is_empty() {
                        log::warn!(
                            target: super::LOG_TARGET,
                            "dropping {} queued events of stream {} publisher {:?}: {refused:?} \
                             (they can never be included)",
                            gone.len(),
                            key.0,
                            key.1
                        );
                    }
                    dropped += gone.len();
                    gone.into_iter().collect()
                }
            };
            if per.queued.is_empty() {
                state.keys.remove(key);
            }
            for (_, arrival) in gone {
                state.events.remove(&arrival);
                tx.delete(EVENTS, &arrival.to_be_bytes());
            }
        }
        self.write(tx)?;
        Ok((included, dropped))
    }
}
