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
//! elsewhere they answer [`SlotsError::Unavailable`] / `false`, never panic. Every node
//! must still register [`slots::HostFunctions`] in its executor, because the runtime
//! imports them.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
pub use concerto_primitives::BatchHeader;
#[cfg(not(substrate_runtime))]
use sp_externalities::ExternalitiesExt;
use sp_runtime_interface::{
    pass_by::{AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead},
    runtime_interface,
};

/// A 32-byte hash.
pub type Hash32 = [u8; 32];

/// A template's machine configuration, as the topic's template records it on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MachineSpec {
    /// RAM size in bytes.
    pub ram_size: u64,
    /// Cycle budget of the boot and of each input.
    pub max_cycles_per_input: u64,
    /// Cycle budget of the whole batch, boot included.
    pub max_cycles_per_batch: u64,
    /// Longest output or report in bytes.
    pub max_output_bytes: u32,
}

/// One sealed batch to run.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BatchJob {
    /// BLAKE2b-256 of the template ELF (its on-chain content hash).
    pub template: Hash32,
    /// The template's machine configuration.
    pub machine: MachineSpec,
    /// The first input of the batch.
    pub header: BatchHeader,
    /// The batch's event hashes in block order (each envelope is in offchain storage
    /// under `EVENT_OFFCHAIN_PREFIX ++ hash`).
    pub event_hashes: Vec<Hash32>,
    /// The batch's on-chain commitment over `event_hashes`.
    pub commitment: Hash32,
    /// Outputs whose SCALE encoding (`Vec<Vec<u8>>`) is at most this long come back
    /// inline; longer ones come back as their BLAKE2b-256 hash.
    pub max_inline_outputs: u32,
}

/// The batch's outputs as the attestation carries them.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum OutputsData {
    /// The SCALE encoding of the outputs (`Vec<Vec<u8>>`).
    Inline(Vec<u8>),
    /// BLAKE2b-256 of that encoding.
    Hash(Hash32),
}

/// What a slot computed for a batch (deterministic on every honest node).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BatchOutcome {
    /// `None` when every input was answered within the limits; otherwise the guest fault
    /// that ended the run (cycle limit, exception, illegal instruction, oversized output...).
    pub fault: Option<String>,
    /// Indices (0-based, among the batch's inputs: 0 is the header) of the inputs the
    /// template answered with rx-rejected.
    pub rejected_inputs: Vec<u32>,
    /// The outputs of the accepted inputs.
    pub outputs: OutputsData,
    /// Number of outputs.
    pub output_count: u32,
    /// Root of the outputs Merkle tree (Cartesi / libcmt layout).
    pub outputs_root: Hash32,
    /// Machine root hash before the first input (the template's initial machine).
    pub start_root: Hash32,
    /// Machine root hash when the run ended.
    pub state_root: Hash32,
    /// Cycles used, boot included.
    pub cycles: u64,
}

impl BatchOutcome {
    /// True when the run ended without a fault and no input was rejected.
    pub fn is_clean(&self) -> bool {
        self.fault.is_none() && self.rejected_inputs.is_empty()
    }
}

/// Why a batch could not be run here. None of these is a verdict: a validator that gets
/// one must not attest (and may retry later).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum SlotsError {
    /// This execution context has no slots (not an offchain worker of a node with slots).
    Unavailable,
    /// The template is not in the node's cache; add it with `slots::add_template`.
    MissingTemplate(Hash32),
    /// An event envelope is not in this node's offchain storage (the node did not import
    /// the block that carried it with offchain indexing on).
    MissingEvent(Hash32),
    /// The stored envelope does not hash to the event hash the chain lists.
    EventMismatch(Hash32),
    /// The event hashes do not chain to the on-chain commitment.
    CommitmentMismatch,
    /// A host fault (worker died, timeout, sandbox failure, cache I/O) with its message.
    Host(String),
}

impl core::fmt::Display for SlotsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let hex = |h: &Hash32| -> String {
            h.iter()
                .map(|b| alloc::format!("{b:02x}"))
                .collect::<String>()
        };
        match self {
            SlotsError::Unavailable => f.write_str("no execution slots in this context"),
            SlotsError::MissingTemplate(h) => write!(f, "template 0x{} is not cached", hex(h)),
            SlotsError::MissingEvent(h) => {
                write!(f, "event 0x{} is missing from offchain storage", hex(h))
            }
            SlotsError::EventMismatch(h) => {
                write!(f, "stored envelope of event 0x{} has another hash", hex(h))
            }
            SlotsError::CommitmentMismatch => {
                f.write_str("event hashes do not match the batch commitment")
            }
            SlotsError::Host(msg) => write!(f, "host fault: {msg}"),
        }
    }
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
