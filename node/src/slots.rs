//! The node's execution slots: a [`SlotPool`] of sandboxed worker processes (this binary
//! re-executed with the hidden `slot-worker` subcommand), the template cache, and the host
//! side of `concerto_slots_interface`, registered for offchain workers only.

use codec::DecodeAll;
use concerto_primitives::{
    batch_commitment, batch_inputs, domain, EventEnvelope, Input, MachineBounds, OutputsPayload,
};
use concerto_slots::{
    blake2_256, Job, JobResult, Shortfall, SlotConfig, SlotError, SlotPool, TemplateCache,
    TemplateSource, WorkerCommand,
};
use concerto_slots_interface::{
    BatchJob, BatchOutcome, Hash32, HostFault, SlotsBackend, SlotsError,
};
use polkadot_sdk::sp_core::offchain::{OffchainStorage, STORAGE_PREFIX};
use polkadot_sdk::substrate_prometheus_endpoint::Registry;
use std::{path::Path, time::Instant};

/// Log target of the node's slots.
const LOG_TARGET: &str = "concerto::slots";

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

    /// Most guest RAM, in MiB, a slot gives one template (default 4096). A validator
    /// refuses to start when the chain lets templates ask for more (its `MachineBounds`).
    #[arg(long, value_name = "MiB", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) slot_max_ram: Option<u64>,

    /// Most CPU time, in seconds, a slot grants one job (default 600). A validator refuses
    /// to start when a batch at the chain's cycle bound would need more.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) slot_max_cpu: Option<u64>,

    /// Fault injection for the network tests: this validator attests a corrupted state
    /// root for every batch, as a faulty or dishonest validator would. Only debug builds
    /// have the flag; an optimized (release) node cannot be told to deviate.
    #[cfg(debug_assertions)]
    #[arg(long, hide = true)]
    pub(crate) dev_deviate: bool,
}

impl SlotParams {
    /// Whether this node was told to corrupt its results (debug builds only).
    pub(crate) fn deviates(&self) -> bool {
        #[cfg(debug_assertions)]
        {
            self.dev_deviate
        }
        #[cfg(not(debug_assertions))]
        {
            false
        }
    }
}

/// Why the node's slots could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    /// The node's own binary, which slot workers re-execute, cannot be located.
    #[error("cannot locate the node binary to start slot workers: {0}")]
    NodeBinary(std::io::Error),
    /// The template cache directory cannot be opened.
    #[error("opening the template cache: {0}")]
    Cache(SlotError),
    /// The pool refused to start (e.g. the sandbox is missing and `--insecure-slots` was
    /// not given).
    #[error("{0}")]
    Pool(SlotError),
    /// The first workers could not be started.
    #[error("starting slot workers: {0}")]
    Workers(SlotError),
    /// The slots' Prometheus metrics could not be registered.
    #[error("registering the slots' metrics: {0}")]
    Metrics(SlotError),
    /// The chain's machine bounds could not be read from the runtime.
    #[error("reading the chain's machine bounds (TopicsApi_machine_bounds): {0}")]
    Bounds(polkadot_sdk::sp_api::ApiError),
    /// The chain lets templates ask for more than this node's slots give: the validator
    /// would fail batches it is held to.
    #[error(
        "this validator cannot honour the chain's machine bounds: {0}. Give its slots more \
         (--slot-max-ram <MiB>, --slot-max-cpu <SECONDS>) or run the node without \
         --validator"
    )]
    CannotHonour(Shortfall),
}

/// Creates the pool for this node: checks that its settings honour the chain's machine
/// `bounds`, probes the sandbox (refusing to start without it unless `--insecure-slots`)
/// and starts the workers.
pub(crate) fn start_pool(
    params: &SlotParams,
    bounds: &MachineBounds,
    data_dir: &Path,
    registry: Option<&Registry>,
) -> Result<(SlotPool, TemplateCache), StartError> {
    let exe = std::env::current_exe().map_err(StartError::NodeBinary)?;
    let cache_dir = data_dir.join("slots").join("templates");
    let cache = TemplateCache::open(&cache_dir).map_err(StartError::Cache)?;
    let mut config = SlotConfig::new(WorkerCommand::new(exe).arg(WORKER_SUBCOMMAND));
    if let Some(n) = params.slots {
        config.slots = n as usize;
    }
    config.allow_insecure = params.insecure_slots;
    config.cache_dir = Some(cache_dir);
    if let Some(mib) = params.slot_max_ram {
        config.max_ram_size = mib.saturating_mul(1 << 20);
    }
    if let Some(secs) = params.slot_max_cpu {
        config.max_cpu_time = std::time::Duration::from_secs(secs);
    }
    config.honours(bounds).map_err(StartError::CannotHonour)?;
    log::info!(
        "🎼 slots honour the chain's machine bounds: {} MiB of guest RAM, {} cycles per batch",
        bounds.max_ram_size >> 20,
        bounds.max_cycles_per_batch
    );
    let pool = SlotPool::new(config).map_err(StartError::Pool)?;
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
    if let Some(registry) = registry {
        pool.register_metrics(registry)
            .map_err(StartError::Metrics)?;
    }
    pool.warm_up().map_err(StartError::Workers)?;
    Ok((pool, cache))
}

/// The host side of the slots interface.
pub(crate) struct NodeSlots<S> {
    pool: SlotPool,
    cache: TemplateCache,
    storage: S,
    finalized: Box<dyn Fn() -> u32 + Send + Sync>,
    deviate: bool,
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
            deviate: false,
        }
    }

    /// Makes these slots corrupt every result's state root (`--dev-deviate`, the network
    /// tests' deviating validator).
    pub(crate) fn deviating(mut self, deviate: bool) -> Self {
        if deviate {
            log::warn!(
                target: LOG_TARGET,
                "🎼 --dev-deviate: this validator attests corrupted state roots"
            );
        }
        self.deviate = deviate;
        self
    }

    /// Loads the batch's envelopes, checks them against their hashes and the commitment,
    /// and returns the inputs in the batch order (`concerto_primitives::batch_inputs`).
    fn inputs(&self, job: &BatchJob) -> Result<Vec<Vec<u8>>, SlotsError> {
        if batch_commitment(&job.event_hashes, blake2_256) != job.commitment {
            return Err(SlotsError::CommitmentMismatch);
        }
        let mut envelopes = Vec::with_capacity(job.event_hashes.len());
        for hash in &job.event_hashes {
            let bytes = self
                .storage
                .get(STORAGE_PREFIX, &domain::event_offchain_key(hash))
                .ok_or(SlotsError::MissingEvent(*hash))?;
            if blake2_256(&bytes) != *hash {
                return Err(SlotsError::EventMismatch(*hash));
            }
            let envelope = EventEnvelope::decode_all(&mut &bytes[..])
                .map_err(|_| SlotsError::EventMismatch(*hash))?;
            envelopes.push(envelope);
        }
        Ok(batch_inputs(job.header.clone(), envelopes)
            .iter()
            .map(Input::to_bytes)
            .collect())
    }
}

/// The kind of host fault a slots error is, as the runtime sees it (the details stay in
/// the node's log).
pub(crate) fn host_fault(error: &SlotError) -> HostFault {
    use concerto_slots::WorkerFault;
    match error {
        SlotError::SandboxUnavailable { .. } => HostFault::Sandbox,
        SlotError::Spawn { .. } | SlotError::WorkerDied(_) => HostFault::Worker,
        SlotError::WorkerUnresponsive { .. } => HostFault::Timeout,
        SlotError::Worker(fault) => match fault {
            WorkerFault::WallClockTimeout { .. } | WorkerFault::CpuTimeExceeded { .. } => {
                HostFault::Timeout
            }
            WorkerFault::TemplateNotCached(_) | WorkerFault::TemplateCorrupt { .. } => {
                HostFault::TemplateCache
            }
            WorkerFault::SandboxViolation | WorkerFault::SandboxSetup(_) => HostFault::Sandbox,
            WorkerFault::ChildSignaled(_)
            | WorkerFault::ChildExited(_)
            | WorkerFault::BadChildResult(_)
            | WorkerFault::Internal(_) => HostFault::Worker,
        },
        SlotError::Cache(_) => HostFault::TemplateCache,
        SlotError::InvalidJob(_) => HostFault::Refused,
        SlotError::Protocol(_) | SlotError::Exec(_) | SlotError::Metrics(_) | SlotError::Io(_) => {
            HostFault::Internal
        }
    }
}

/// What the chain attests from a slot's result.
pub(crate) fn outcome(result: JobResult, max_inline_outputs: u32) -> BatchOutcome {
    BatchOutcome {
        outputs: OutputsPayload::of(&result.outputs, max_inline_outputs, blake2_256),
        output_count: result.outputs.len() as u32,
        rejection: result.rejection,
        rejected_inputs: result.rejected_inputs,
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
        self.cache.insert(code).map_err(|e| {
            log::warn!(target: LOG_TARGET, "🎼 caching a template failed: {e}");
            SlotsError::Host(host_fault(&e))
        })
    }

    fn execute_batch(&self, job: BatchJob) -> Result<BatchOutcome, SlotsError> {
        if !self.cache.contains(&job.template) {
            return Err(SlotsError::MissingTemplate(job.template));
        }
        let started = Instant::now();
        let inputs = self.inputs(&job)?;
        let loaded = started.elapsed();
        let result = self
            .pool
            .execute(Job {
                template: TemplateSource::Cached(job.template),
                limits: job.limits,
                inputs,
            })
            .map_err(|e| {
                log::warn!(
                    target: LOG_TARGET,
                    "🎼 topic {} batch {}: host fault: {e}",
                    job.header.topic_id,
                    job.header.batch_number
                );
                SlotsError::Host(host_fault(&e))
            })?;
        for report in result.reports.iter().take(8) {
            log::debug!(
                target: LOG_TARGET,
                "topic {} batch {} report: {}",
                job.header.topic_id,
                job.header.batch_number,
                String::from_utf8_lossy(report)
            );
        }
        let mut outcome = outcome(result, job.max_inline_outputs);
        if self.deviate {
            outcome.state_root[0] ^= 0xff;
        }
        log::info!(
            target: LOG_TARGET,
            "🎼 topic {} batch {}: {} events, {} output(s), {} rejected input(s), {}, {} cycles, \
             {:.1} ms ({:.1} ms loading events)",
            job.header.topic_id,
            job.header.batch_number,
            job.event_hashes.len(),
            outcome.output_count,
            outcome.rejected_inputs.len(),
            outcome
                .rejection
                .as_ref()
                .map_or_else(|| "no fault".to_string(), ToString::to_string),
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
