//! The node's execution slots: a [`SlotPool`] of sandboxed worker processes (this binary
//! re-executed with the hidden `slot-worker` subcommand), the template cache, and the host
//! side of `concerto_slots_interface`, registered for offchain workers only.

use codec::DecodeAll;
use concerto_primitives::{
    batch_commitment, batch_inputs, domain, EventEnvelope, Input, MachineBounds, OutputsPayload,
};
use concerto_primitives::{BatchHeader, BatchNumber, MachineLimits, TopicId};
use concerto_slots::{
    blake2_256, Job, JobDone, JobResult, JobState, Shortfall, SlotConfig, SlotError, SlotPool,
    TemplateCache, TemplateSource, WorkerCommand,
};
use concerto_slots_interface::{
    BatchJob, BatchOutcome, BatchState, Hash32, HostFault, PastBatch, SlotsBackend, SlotsError,
};

use crate::state::{StateStore, StateStoreError, Stored};
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
    states: std::sync::Arc<StateStore>,
    finalized: Box<dyn Fn() -> u32 + Send + Sync>,
    deviate: bool,
}

/// One batch to run in a slot: the parts of a [`BatchJob`] or a [`PastBatch`] the run
/// needs.
struct Run<'a> {
    template: Hash32,
    limits: MachineLimits,
    header: &'a BatchHeader,
    event_hashes: &'a [Hash32],
    commitment: Hash32,
}

impl<S: OffchainStorage> NodeSlots<S> {
    /// Slots over `pool`, reading event envelopes from `storage` (the node's offchain
    /// database), keeping stateful topics' machine states in `states`, and reading the
    /// finalized block number from `finalized`.
    pub(crate) fn new(
        pool: SlotPool,
        cache: TemplateCache,
        storage: S,
        states: std::sync::Arc<StateStore>,
        finalized: impl Fn() -> u32 + Send + Sync + 'static,
    ) -> Self {
        NodeSlots {
            pool,
            cache,
            storage,
            states,
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
    fn inputs(&self, run: &Run<'_>) -> Result<Vec<Vec<u8>>, SlotsError> {
        if batch_commitment(run.event_hashes, blake2_256) != run.commitment {
            return Err(SlotsError::CommitmentMismatch);
        }
        let mut envelopes = Vec::with_capacity(run.event_hashes.len());
        for hash in run.event_hashes {
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
        Ok(batch_inputs(run.header.clone(), envelopes)
            .iter()
            .map(Input::to_bytes)
            .collect())
    }

    /// Loads the batch's inputs and runs it in a slot from `state`.
    fn run(&self, run: &Run<'_>, state: JobState) -> Result<JobDone, SlotsError> {
        let inputs = self.inputs(run)?;
        self.pool
            .execute_job(Job {
                template: TemplateSource::Cached(run.template),
                limits: run.limits,
                inputs,
                state,
            })
            .map_err(|e| {
                log::warn!(
                    target: LOG_TARGET,
                    "🎼 topic {} batch {}: host fault: {e}",
                    run.header.topic_id,
                    run.header.batch_number
                );
                SlotsError::Host(host_fault(&e))
            })
    }

    /// Keeps what a stateful run of topic `topic`'s batch `batch` left: its start as the
    /// fresh machine when it started from one, and its new state unless it was rolled
    /// back.
    fn keep(
        &self,
        topic: TopicId,
        batch: BatchNumber,
        done: &JobDone,
        fresh: bool,
    ) -> Result<(), SlotsError> {
        // A template that did not load has no fresh machine (its roots are zero).
        let loaded = !matches!(
            done.result.rejection,
            Some(concerto_primitives::Rejection {
                stage: concerto_primitives::Stage::Load,
                ..
            })
        );
        if fresh && loaded {
            self.states
                .put_fresh(topic, &done.result.start_root_hash)
                .map_err(state_fault)?;
        }
        if let Some(snapshot) = &done.next_state {
            self.states
                .put(topic, batch, &done.result.final_root_hash, snapshot)
                .map_err(state_fault)?;
        }
        Ok(())
    }

    /// Where a stateful batch of topic `topic` starts from the state `root`: stored, or
    /// rebuilt by replaying `history` (the chain's recent finalized batches that lead to
    /// it), or [`SlotsError::MissingState`].
    fn start_from(
        &self,
        template: Hash32,
        limits: MachineLimits,
        topic: TopicId,
        root: Hash32,
        history: &[PastBatch],
    ) -> Result<JobState, SlotsError> {
        if let Some(stored) = self.states.get(topic, &root).map_err(state_fault)? {
            return Ok(job_state(stored));
        }
        let missing = || {
            log::warn!(
                target: LOG_TARGET,
                "🎼 topic {topic}: no state 0x{} here and the chain's recent batches do not \
                 rebuild it; not running the topic's batches until it is restored (copy \
                 <base>/chains/<id>/concerto-state from a validator that has it)",
                hex::encode(root)
            );
            SlotsError::MissingState(root)
        };
        if history.last().map(|p| p.state_root) != Some(root) {
            return Err(missing());
        }
        // Start at the newest batch whose start state is here; else try the oldest from
        // the fresh machine (the run shows whether that is where it started).
        let mut base = 0;
        for (i, past) in history.iter().enumerate().rev() {
            if self
                .states
                .contains(topic, &past.start_root)
                .map_err(state_fault)?
            {
                base = i;
                break;
            }
        }
        log::info!(
            target: LOG_TARGET,
            "🎼 topic {topic}: rebuilding state 0x{} by replaying {} batch(es) from batch {}",
            hex::encode(root),
            history.len() - base,
            history[base].header.batch_number
        );
        for past in &history[base..] {
            let stored = self
                .states
                .get(topic, &past.start_root)
                .map_err(state_fault)?;
            let fresh = stored.is_none();
            let state = stored.map_or(JobState::Fresh, job_state);
            let run = Run {
                template,
                limits,
                header: &past.header,
                event_hashes: &past.event_hashes,
                commitment: past.commitment,
            };
            let done = self.run(&run, state)?;
            let reached = (done.result.start_root_hash, done.result.final_root_hash);
            if reached != (past.start_root, past.state_root) {
                log::warn!(
                    target: LOG_TARGET,
                    "🎼 topic {topic} batch {}: the replay went 0x{} → 0x{}, the chain \
                     finalized 0x{} → 0x{}",
                    past.header.batch_number,
                    hex::encode(reached.0),
                    hex::encode(reached.1),
                    hex::encode(past.start_root),
                    hex::encode(past.state_root),
                );
                return Err(missing());
            }
            self.keep(topic, past.header.batch_number, &done, fresh)?;
        }
        match self.states.get(topic, &root).map_err(state_fault)? {
            Some(stored) => Ok(job_state(stored)),
            None => Err(missing()),
        }
    }
}

/// The slot job state for a stored start.
fn job_state(stored: Stored) -> JobState {
    match stored {
        Stored::Fresh => JobState::Fresh,
        Stored::Snapshot(bytes) => JobState::Snapshot(bytes),
    }
}

/// A state-store failure as the runtime sees it (the details go to the log).
fn state_fault(e: StateStoreError) -> SlotsError {
    log::warn!(target: LOG_TARGET, "🎼 state store: {e}");
    SlotsError::Host(HostFault::StateStore)
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
            WorkerFault::BadStartState(_) => HostFault::StateStore,
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
        let topic = job.header.topic_id;
        let state = match &job.state {
            BatchState::Stateless => JobState::Stateless,
            BatchState::Stateful { from: None, .. } => JobState::Fresh,
            BatchState::Stateful {
                from: Some(root),
                history,
            } => self.start_from(job.template, job.limits, topic, *root, history)?,
        };
        let stateful = !matches!(state, JobState::Stateless);
        let fresh = matches!(state, JobState::Fresh);
        let restored = started.elapsed();
        let run = Run {
            template: job.template,
            limits: job.limits,
            header: &job.header,
            event_hashes: &job.event_hashes,
            commitment: job.commitment,
        };
        let done = self.run(&run, state)?;
        if stateful {
            self.keep(topic, job.header.batch_number, &done, fresh)?;
        }
        let result = done.result;
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
             {:.1} ms ({:.1} ms finding the start state)",
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
            restored.as_secs_f64() * 1e3,
        );
        Ok(outcome)
    }

    fn finalized_number(&self) -> u32 {
        (self.finalized)()
    }

    fn has_state(&self, topic: TopicId, root: &Hash32) -> bool {
        self.states.contains(topic, root).unwrap_or(false)
    }
}
