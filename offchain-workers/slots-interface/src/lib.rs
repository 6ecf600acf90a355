//! # concerto-slots-interface
//!
//! The host functions (`sp-runtime-interface`) through which pallet-topics' offchain
//! worker runs a sealed batch in one of the node's isolated execution slots.
//!
//! The runtime decides *what* to run (template, machine configuration, batch header, the
//! batch's event hashes and on-chain commitment); the node does the heavy part outside the
//! wasm heap: it loads each event envelope from its offchain storage, checks it against its
//! hash and the whole list against the commitment, feeds `Header`, the events and `End` to
//! the template in a sandboxed slot, and returns the verdict, roots and outputs (inline up
//! to a limit, else their hash). The runtime then signs and submits the attestation.
//!
//! The functions work only where the node registered a [`SlotsExt`] (its offchain workers);
//! elsewhere they answer [`SlotsError::Unavailable`] / `false`, never panic. Everything
//! that crosses this boundary is a typed SCALE value (`concerto-primitives` types and the
//! enums here); no strings. Every node
//! must still register [`slots::HostFunctions`] in its executor, because the runtime
//! imports them.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};
use concerto_primitives::Verdict;
pub use concerto_primitives::{
    BatchHeader, Hash32, MachineLimits, OutputsPayload, Rejection, TopicId,
};
#[cfg(not(substrate_runtime))]
use sp_externalities::ExternalitiesExt;
use sp_runtime_interface::{
    pass_by::{AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead},
    runtime_interface,
};

/// One sealed batch to run.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BatchJob {
    /// BLAKE2b-256 of the template ELF (its on-chain content hash).
    pub template: Hash32,
    /// The template's machine limits.
    pub limits: MachineLimits,
    /// The first input of the batch.
    pub header: BatchHeader,
    /// The batch's event hashes in block order (each envelope is in offchain storage
    /// under `domain::event_offchain_key(hash)`).
    pub event_hashes: Vec<Hash32>,
    /// The batch's on-chain commitment over `event_hashes`.
    pub commitment: Hash32,
    /// Outputs whose SCALE encoding (`Vec<Vec<u8>>`) is at most this long come back
    /// inline; longer ones come back as their BLAKE2b-256 hash.
    pub max_inline_outputs: u32,
    /// Stateless, or where a stateful topic's machine state starts.
    pub state: BatchState,
}

/// Where a batch's machine state starts.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum BatchState {
    /// A stateless topic: every batch in a fresh machine.
    #[codec(index = 0)]
    Stateless,
    /// A stateful topic: the batch continues the machine its topic's last finalized batch
    /// left.
    #[codec(index = 1)]
    Stateful {
        /// The chain's state root for the topic (`TopicState`), or `None` for the topic's
        /// first batch (a fresh machine). The node starts from the state with exactly this
        /// root, or does not run the batch ([`SlotsError::MissingState`]).
        from: Option<Hash32>,
        /// Finalized batches before this one, oldest first, each ending in the start of
        /// the next and the last in `from`: the node replays them to rebuild `from` when
        /// it lacks it. The runtime sends them only when [`slots::has_state`] says the node
        /// lacks `from`; empty otherwise.
        history: Vec<PastBatch>,
    },
}

/// A finalized batch of a stateful topic, to replay.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PastBatch {
    /// Its first input.
    pub header: BatchHeader,
    /// Its event hashes, in block order.
    pub event_hashes: Vec<Hash32>,
    /// Its on-chain commitment over `event_hashes`.
    pub commitment: Hash32,
    /// The finalized state root it started from.
    pub start_root: Hash32,
    /// The finalized state root it left.
    pub state_root: Hash32,
}

/// What a slot computed for a batch (deterministic on every honest node).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BatchOutcome {
    /// `None` when every input was answered within the limits; otherwise the guest fault
    /// that ended the run (cycle limit, exception, illegal instruction, oversized output...)
    /// and where.
    pub rejection: Option<Rejection>,
    /// Indices (0-based, among the batch's inputs: 0 is the header) of the inputs the
    /// template answered with rx-rejected.
    pub rejected_inputs: Vec<u32>,
    /// The outputs of the accepted inputs, inline or by hash.
    pub outputs: OutputsPayload<Vec<u8>>,
    /// Number of outputs.
    pub output_count: u32,
    /// Root of the outputs Merkle tree (Cartesi / libcmt layout).
    pub outputs_root: Hash32,
    /// Machine root hash before the first input: the template's fresh machine, or for a
    /// stateful topic's later batch the state it continued.
    pub start_root: Hash32,
    /// Machine root hash when the run ended; for a stateful batch that faulted, its
    /// `start_root` (the batch is rolled back).
    pub state_root: Hash32,
    /// Cycles used, boot included.
    pub cycles: u64,
}

impl BatchOutcome {
    /// The verdict validators attest for this run (see [`Verdict::of`]).
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self.rejection.as_ref(), &self.rejected_inputs)
    }
}

/// The kind of a host fault: the node's own problem running a job. Never a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HostFault {
    /// The sandbox the node requires is not available.
    #[codec(index = 0)]
    Sandbox,
    /// A worker process could not be started, died, or stopped answering.
    #[codec(index = 1)]
    Worker,
    /// The job exceeded the slot's CPU-time limit or wall-clock backstop.
    #[codec(index = 2)]
    Timeout,
    /// The template cache failed (I/O, or a corrupt entry).
    #[codec(index = 3)]
    TemplateCache,
    /// The job asks for more than this node allows (e.g. RAM above the node's limit).
    #[codec(index = 4)]
    Refused,
    /// The worker protocol or the execution loop failed (a host bug).
    #[codec(index = 5)]
    Internal,
    /// The node's stateful-topic state store failed (I/O, or a stored state that does
    /// not restore).
    #[codec(index = 6)]
    StateStore,
}

/// Why a batch could not be run here. None of these is a verdict: a validator that gets
/// one must not attest (and may retry later).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum SlotsError {
    /// This execution context has no slots (not an offchain worker of a node with slots).
    #[codec(index = 0)]
    Unavailable,
    /// The template is not in the node's cache; add it with `slots::add_template`.
    #[codec(index = 1)]
    MissingTemplate(Hash32),
    /// An event envelope is not in this node's offchain storage (the node did not import
    /// the block that carried it with offchain indexing on).
    #[codec(index = 2)]
    MissingEvent(Hash32),
    /// The stored envelope does not hash to the event hash the chain lists.
    #[codec(index = 3)]
    EventMismatch(Hash32),
    /// The event hashes do not chain to the on-chain commitment.
    #[codec(index = 4)]
    CommitmentMismatch,
    /// A host fault of this kind; the node logs the details.
    #[codec(index = 5)]
    Host(HostFault),
    /// A stateful batch starts from a state root this node has not stored and cannot
    /// rebuild from the batches it was given (their events are gone, or the replay does
    /// not reach that root). The node never runs the batch from another state.
    #[codec(index = 6)]
    MissingState(Hash32),
}

/// What the node provides behind the host functions.
#[cfg(not(substrate_runtime))]
pub trait SlotsBackend: Send + Sync {
    /// Whether the template with this hash is cached.
    fn has_template(&self, hash: &Hash32) -> bool;
    /// Caches a template's code and returns its hash.
    fn add_template(&self, code: &[u8]) -> Result<Hash32, SlotsError>;
    /// Runs a batch in a slot (blocking).
    fn execute_batch(&self, job: BatchJob) -> Result<BatchOutcome, SlotsError>;
    /// Whether the node can start topic `topic`'s stateful batch from the machine state
    /// with this root (stored, or the template's fresh machine it recorded) without a
    /// replay.
    fn has_state(&self, topic: TopicId, root: &Hash32) -> bool;
    /// The number of the node's latest finalized block.
    fn finalized_number(&self) -> u32;
}

#[cfg(not(substrate_runtime))]
sp_externalities::decl_extension! {
    /// The node's slots, registered for offchain workers only.
    pub struct SlotsExt(alloc::sync::Arc<dyn SlotsBackend>);
}

/// Execution slots for the runtime's offchain worker.
#[runtime_interface]
pub trait Slots {
    /// Whether this context has slots (an offchain worker of a node that runs them).
    fn available(&mut self) -> bool {
        self.extension::<SlotsExt>().is_some()
    }

    /// The node's latest finalized block number (0 without slots).
    fn finalized_number(&mut self) -> u32 {
        self.extension::<SlotsExt>()
            .map_or(0, |ext| ext.finalized_number())
    }

    /// Whether the template `hash` is in the node's template cache.
    fn has_template(&mut self, hash: PassFatPointerAndRead<&[u8]>) -> bool {
        let Ok(hash) = <Hash32>::try_from(hash) else {
            return false;
        };
        self.extension::<SlotsExt>()
            .is_some_and(|ext| ext.has_template(&hash))
    }

    /// Whether the node holds topic `topic`'s stateful machine state with this root, so a
    /// batch from it needs no replay history.
    fn has_state(&mut self, topic: u32, root: PassFatPointerAndRead<&[u8]>) -> bool {
        let Ok(root) = <Hash32>::try_from(root) else {
            return false;
        };
        self.extension::<SlotsExt>()
            .is_some_and(|ext| ext.has_state(topic, &root))
    }

    /// Puts template code into the node's cache; returns its BLAKE2b-256 hash.
    fn add_template(
        &mut self,
        code: PassFatPointerAndRead<&[u8]>,
    ) -> AllocateAndReturnByCodec<Result<Hash32, SlotsError>> {
        match self.extension::<SlotsExt>() {
            Some(ext) => ext.add_template(code),
            None => Err(SlotsError::Unavailable),
        }
    }

    /// Runs a sealed batch in a slot and returns what it computed. Blocks the calling
    /// offchain worker until the job ends (bounded by the job's CPU budget and the slot's
    /// wall-clock backstop).
    fn execute_batch(
        &mut self,
        job: PassFatPointerAndDecode<BatchJob>,
    ) -> AllocateAndReturnByCodec<Result<BatchOutcome, SlotsError>> {
        match self.extension::<SlotsExt>() {
            Some(ext) => ext.execute_batch(job),
            None => Err(SlotsError::Unavailable),
        }
    }
}
