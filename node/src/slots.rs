//! The node's execution slots: a [`SlotPool`] of sandboxed worker processes (this binary
//! re-executed with the hidden `slot-worker` subcommand), the template cache, and the host
//! side of `concerto_slots_interface`, registered for offchain workers only.

use codec::Encode;
use concerto_primitives::{batch_commitment, EventEnvelope, Input, EVENT_OFFCHAIN_PREFIX};
use concerto_slots::{
    blake2_256, ExecConfig, Job, JobResult, SlotConfig, SlotPool, TemplateCache, TemplateSource,
    Verdict, WorkerCommand,
};
use concerto_slots_interface::{
    BatchJob, BatchOutcome, Hash32, OutputsData, SlotsBackend, SlotsError,
};
use polkadot_sdk::sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};
use std::{path::Path, time::Instant};

/// The hidden subcommand that turns this binary into a slot worker.
pub(crate) const WORKER_SUBCOMMAND: &str = "slot-worker";

/// Command-line options of the slots.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SlotParams {
    /// Number of execution slots (concurrent template jobs). Default: available cores − 1,
    /// at least 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub(crate) slots: Option<u32>,

    /// Run template jobs even when the kernel lacks a sandbox feature (seccomp or
    /// Landlock). Never use this on a validator that runs untrusted templates.
    #[arg(long)]
    pub(crate) insecure_slots: bool,
}

/// Creates the pool for this node: probes the sandbox (refusing to start without it unless
/// `--insecure-slots`) and starts the workers.
pub(crate) fn start_pool(
    params: &SlotParams,
    data_dir: &Path,
) -> Result<(SlotPool, TemplateCache), String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot locate the node binary to start slot workers: {e}"))?;
    let cache_dir = data_dir.join("slots").join("templates");
    let cache = TemplateCache::open(&cache_dir).map_err(|e| e.to_string())?;
    let mut config = SlotConfig::new(WorkerCommand::new(exe).arg(WORKER_SUBCOMMAND));
    if let Some(n) = params.slots {
        config.slots = n as usize;
    }
    config.allow_insecure = params.insecure_slots;
    config.cache_dir = Some(cache_dir);
    let pool = SlotPool::new(config).map_err(|e| e.to_string())?;
    let missing = pool.sandbox_report().missing();
    if missing.is_empty() {
        log::info!(
            "🎼 {} execution slot(s), sandbox: seccomp + Landlock",
            pool.config().slots
        );
    } else {
        log::warn!(
            "🎼 {} execution slot(s) WITHOUT a full sandbox (--insecure-slots): {:?}",
            pool.config().slots,
            missing
        );
    }
    pool.warm_up()
        .map_err(|e| format!("starting slot workers: {e}"))?;
    Ok((pool, cache))
}

/// The host side of the slots interface.
pub(crate) struct NodeSlots<S> {
    pool: SlotPool,
    cache: TemplateCache,
    storage: S,
    finalized: Box<dyn Fn() -> u32 + Send + Sync>,
}

impl<S: OffchainStorage> NodeSlots<S> {
    /// Slots over `pool`, reading event envelopes from `storage` (the node's offchain
    /// database) and the finalized block number from `finalized`.
    pub(crate) fn new(
        pool: SlotPool,
        cache: TemplateCache,
        storage: S,
        finalized: impl Fn() -> u32 + Send + Sync + 'static,
    ) -> Self {
        NodeSlots {
            pool,
            cache,
            storage,
            finalized: Box::new(finalized),
        }
    }

    /// Loads the batch's envelopes, checks them against their hashes and the commitment,
    /// and returns the inputs: `Header`, one `Event` per envelope, `End`.
    fn inputs(&self, job: &BatchJob) -> Result<Vec<Vec<u8>>, SlotsError> {
        if batch_commitment(&job.event_hashes, blake2_256) != job.commitment {
            return Err(SlotsError::CommitmentMismatch);
        }
        let mut inputs = Vec::with_capacity(job.event_hashes.len() + 2);
        inputs.push(Input::Header(job.header.clone()).to_bytes());
        for hash in &job.event_hashes {
            let key = [EVENT_OFFCHAIN_PREFIX, &hash[..]].concat();
            let bytes = self
                .storage
                .get(STORAGE_PREFIX, &key)
                .ok_or(SlotsError::MissingEvent(*hash))?;
            if blake2_256(&bytes) != *hash {
                return Err(SlotsError::EventMismatch(*hash));
            }
            let envelope = concerto_primitives::decode_all::<EventEnvelope>(&bytes)
                .map_err(|_| SlotsError::EventMismatch(*hash))?;
            inputs.push(Input::Event(envelope).to_bytes());
        }
        inputs.push(
            Input::End {
                batch_number: job.header.batch_number,
            }
            .to_bytes(),
        );
        Ok(inputs)
    }
}

/// What the chain attests from a slot's result.
pub(crate) fn outcome(result: JobResult, max_inline_outputs: u32) -> BatchOutcome {
    let encoded = result.outputs.encode();
    let outputs = if encoded.len() <= max_inline_outputs as usize {
        OutputsData::Inline(encoded)
    } else {
        OutputsData::Hash(blake2_256(&encoded))
    };
    let fault = match &result.verdict {
        Verdict::Accepted => None,
        Verdict::Rejected(r) => Some(format!("{:?}: {}", r.stage, r.fault)),
    };
    BatchOutcome {
        fault,
        rejected_inputs: result.rejected_inputs,
        outputs,
        output_count: result.outputs.len() as u32,
        outputs_root: result.outputs_root,
        start_root: result.start_root_hash,
        state_root: result.final_root_hash,
        cycles: result.cycles,
    }
}

impl<S: OffchainStorage + 'static> SlotsBackend for NodeSlots<S> {
    fn has_template(&self, hash: &Hash32) -> bool {
        self.cache.contains(hash)
    }

    fn add_template(&self, code: &[u8]) -> Result<Hash32, SlotsError> {
        self.cache
            .insert(code)
            .map_err(|e| SlotsError::Host(e.to_string()))
    }

    fn execute_batch(&self, job: BatchJob) -> Result<BatchOutcome, SlotsError> {
        if !self.cache.contains(&job.template) {
            return Err(SlotsError::MissingTemplate(job.template));
        }
        let started = Instant::now();
        let inputs = self.inputs(&job)?;
        let loaded = started.elapsed();
        let config = ExecConfig {
            ram_size: job.machine.ram_size,
            max_cycles_per_input: job.machine.max_cycles_per_input,
            max_cycles_per_batch: job.machine.max_cycles_per_batch,
            max_output_bytes: job.machine.max_output_bytes,
        };
        let result = self
            .pool
            .execute(Job {
                template: TemplateSource::Cached(job.template),
                config,
                inputs,
            })
            .map_err(|e| SlotsError::Host(e.to_string()))?;
        for report in result.reports.iter().take(8) {
            log::debug!(
                target: "concerto::slots",
                "topic {} batch {} report: {}",
                job.header.topic_id,
                job.header.batch_number,
                String::from_utf8_lossy(report)
            );
        }
        let outcome = outcome(result, job.max_inline_outputs);
        log::info!(
            target: "concerto::slots",
            "🎼 topic {} batch {}: {} events, {} output(s), {} rejected input(s), {}, {} cycles, \
             {:.1} ms ({:.1} ms loading events)",
            job.header.topic_id,
            job.header.batch_number,
            job.event_hashes.len(),
            outcome.output_count,
            outcome.rejected_inputs.len(),
            outcome.fault.as_deref().unwrap_or("no fault"),
            outcome.cycles,
            started.elapsed().as_secs_f64() * 1e3,
            loaded.as_secs_f64() * 1e3,
        );
        Ok(outcome)
    }

    fn finalized_number(&self) -> u32 {
        (self.finalized)()
    }
}
