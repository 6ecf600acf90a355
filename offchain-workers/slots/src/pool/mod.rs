//! The host side: a pool of N slots, each a reusable worker process.
//!
//! [`SlotPool::new`] starts one worker and asks it to probe the sandbox (the node process
//! itself never forks), decides the [`SandboxMode`] and keeps that worker as the first
//! idle one. [`SlotPool::execute`] blocks until a slot is free, sends the job to an idle
//! worker (spawning one if needed, replacing one that died while idle), and waits for the
//! answer with a backstop beyond the child's own wall clock. A worker that dies or stops
//! answering during a job is dropped (killed and reaped) and the job fails with a host
//! fault; the next job gets a fresh worker.

mod process;

use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use codec::{DecodeAll, Encode};
pub use process::WorkerCommand;
use process::WorkerProcess;

use crate::error::{Result, SlotError};
use crate::metrics::{Metrics, Registry};
use crate::protocol::{Hello, Job, JobDone, Request, Response, PROTOCOL_VERSION};
use crate::sandbox::{ChildLimits, SandboxFeature, SandboxMode, SandboxReport};
use crate::worker::WorkerHook;
use crate::LOG_TARGET;
use concerto_exec::JobResult;
use concerto_primitives::{MachineBounds, MachineLimits};

/// Pool configuration (local node settings: they bound what this node is willing to run,
/// never what a template's verdict is).
#[derive(Clone, Debug)]
pub struct SlotConfig {
    /// Number of slots (concurrent jobs). Default: available cores − 1, at least 1.
    pub slots: usize,
    /// How to start a worker.
    pub worker: WorkerCommand,
    /// Run with whatever sandbox features exist (`--insecure-slots`).
    pub allow_insecure: bool,
    /// Treat these features as missing whatever the probe says (tests, or an operator
    /// turning a feature off).
    pub disabled_features: Vec<SandboxFeature>,
    /// The template cache directory for [`crate::protocol::TemplateSource::Cached`] jobs.
    pub cache_dir: Option<PathBuf>,
    /// Guest speed assumed for the CPU-time budget, in million cycles per second. The
    /// interpreter does 400–600 on a current x86-64 core for ordinary code, but a guest
    /// that traps on every instruction (an illegal instruction with no trap handler) runs
    /// at about 60 in a debug node build, so the default is 20.
    pub assumed_mips: u64,
    /// Added to every CPU-time budget (process start, ELF load, final hashing).
    pub cpu_floor: Duration,
    /// The largest CPU-time budget this node grants a job (a job that needs more fails
    /// with a host fault).
    pub max_cpu_time: Duration,
    /// Wall-clock backstop = CPU budget × this factor + `wall_slack`.
    pub wall_factor: u32,
    /// See `wall_factor`.
    pub wall_slack: Duration,
    /// Address space granted beyond the guest's RAM (interpreter, tree, outputs, threads).
    pub memory_margin: u64,
    /// The largest `ram_size` this node accepts.
    pub max_ram_size: u64,
}

impl SlotConfig {
    /// Defaults for `worker`.
    pub fn new(worker: WorkerCommand) -> SlotConfig {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        SlotConfig {
            slots: cores.saturating_sub(1).max(1),
            worker,
            allow_insecure: false,
            disabled_features: Vec::new(),
            cache_dir: None,
            assumed_mips: 20,
            cpu_floor: Duration::from_secs(2),
            max_cpu_time: Duration::from_secs(600),
            wall_factor: 3,
            wall_slack: Duration::from_secs(5),
            memory_margin: 1 << 30,
            max_ram_size: 4 << 30,
        }
    }

    /// The child limits for a job with `config` and `inputs` inputs: CPU time for the
    /// cycle budget (boot + inputs, capped by the batch budget) at `assumed_mips`, plus
    /// one second per 32 MiB of RAM for loading and hashing, plus `cpu_floor`, capped at
    /// `max_cpu_time`; RAM plus `memory_margin` of address space.
    pub fn child_limits(&self, config: &MachineLimits, inputs: usize) -> Result<ChildLimits> {
        if config.ram_size > self.max_ram_size {
            return Err(SlotError::InvalidJob(format!(
                "ram_size {} exceeds this node's limit {}",
                config.ram_size, self.max_ram_size
            )));
        }
        let cpu_secs = self
            .cpu_secs_needed(config, inputs)
            .min(self.max_cpu_time.as_secs())
            .max(1);
        let wall =
            Duration::from_secs(cpu_secs).saturating_mul(self.wall_factor.max(1)) + self.wall_slack;
        Ok(ChildLimits {
            cpu_secs,
            wall_millis: wall.as_millis() as u64,
            address_space: config.ram_size.saturating_add(self.memory_margin),
        })
    }

    /// The CPU time a job needs before the `max_cpu_time` cap: its cycle budget (boot +
    /// inputs, capped by the batch budget) at `assumed_mips`, one second per 32 MiB of RAM
    /// for loading and hashing, and `cpu_floor`.
    fn cpu_secs_needed(&self, config: &MachineLimits, inputs: usize) -> u64 {
        let steps = inputs as u64 + 1;
        let cycles = config
            .max_cycles_per_input
            .saturating_mul(steps)
            .min(config.max_cycles_per_batch);
        let run_secs = cycles.div_ceil(self.assumed_mips.max(1).saturating_mul(1_000_000));
        let hash_secs = config.ram_size.div_ceil(32 << 20);
        run_secs
            .saturating_add(hash_secs)
            .saturating_add(self.cpu_floor.as_secs())
    }

    /// Whether this node can run every job the chain's `bounds` allow: guest RAM up to
    /// the bound, and a CPU budget for a batch at the cycle bound at this node's assumed
    /// guest speed. A validator that cannot must not start: it would fail batches the
    /// chain holds it to.
    pub fn honours(&self, bounds: &MachineBounds) -> std::result::Result<(), Shortfall> {
        if self.max_ram_size < bounds.max_ram_size {
            return Err(Shortfall::RamSize {
                chain: bounds.max_ram_size,
                node: self.max_ram_size,
            });
        }
        let worst = bounds.worst_case();
        let needed = self.cpu_secs_needed(&worst, bounds.max_inputs_per_batch as usize);
        if needed > self.max_cpu_time.as_secs() {
            return Err(Shortfall::CpuTime {
                cycles: bounds.max_cycles_per_batch,
                assumed_mips: self.assumed_mips,
                needed,
                node: self.max_cpu_time.as_secs(),
            });
        }
        Ok(())
    }
}

/// A chain machine bound a node's slots cannot honour ([`SlotConfig::honours`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Shortfall {
    /// The chain lets templates have more guest RAM than this node's slots allow.
    #[error(
        "ram_size: the chain lets templates use {chain} bytes of guest RAM, this node's \
         slots allow at most {node}"
    )]
    RamSize {
        /// The chain's `max_ram_size`.
        chain: u64,
        /// This node's `max_ram_size`.
        node: u64,
    },
    /// A batch at the chain's cycle bound needs more CPU time than this node grants.
    #[error(
        "cycles: a batch at the chain's bound of {cycles} cycles needs {needed} s of CPU \
         time at the assumed {assumed_mips} M cycles/s, this node grants a job at most {node} s"
    )]
    CpuTime {
        /// The chain's `max_cycles_per_batch`.
        cycles: u64,
        /// This node's assumed guest speed (million cycles per second).
        assumed_mips: u64,
        /// CPU seconds such a batch needs here.
        needed: u64,
        /// This node's `max_cpu_time`, in seconds.
        node: u64,
    },
}

/// Spawns a worker from `command`, asks it to probe which sandbox features this kernel
/// supports, and stops it. (The node process never forks to probe: the worker tries each
/// feature in a throwaway child of its own.)
pub fn probe_sandbox(command: &WorkerCommand) -> Result<SandboxReport> {
    WorkerProcess::start(command, None)?.probe(HANDSHAKE_TIMEOUT)
}

/// The pool.
pub struct SlotPool {
    config: SlotConfig,
    report: SandboxReport,
    hello: Hello,
    state: Mutex<PoolState>,
    freed: Condvar,
    metrics: Metrics,
}

impl std::fmt::Debug for SlotPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotPool")
            .field("config", &self.config)
            .field("report", &self.report)
            .field("mode", &self.hello.sandbox)
            .finish_non_exhaustive()
    }
}

struct PoolState {
    idle: Vec<WorkerProcess>,
    busy: usize,
}

/// How long a worker may take to start and answer the probe or the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Extra time the pool waits beyond the child's wall clock before giving up on a worker.
const POOL_GRACE: Duration = Duration::from_secs(10);

impl SlotPool {
    /// Starts a worker, lets it probe the sandbox and creates the pool with that worker
    /// (further workers start on first use, or with [`SlotPool::warm_up`]). Refuses when
    /// a sandbox feature is missing (or in `disabled_features`), unless `allow_insecure`
    /// is set.
    pub fn new(config: SlotConfig) -> Result<SlotPool> {
        let metrics = Metrics::new()?;
        let mut first = WorkerProcess::start(&config.worker, Some(&metrics))?;
        let mut report = first.probe(HANDSHAKE_TIMEOUT)?;
        log::debug!(target: LOG_TARGET, "sandbox probe by slot worker pid {}: {report:?}", first.pid());
        for &feature in &config.disabled_features {
            report = report.without(feature);
        }
        let missing = report.missing();
        if !missing.is_empty() && !config.allow_insecure {
            return Err(SlotError::SandboxUnavailable { missing });
        }
        let hello = Hello {
            version: PROTOCOL_VERSION,
            sandbox: report.mode(),
            cache_dir: config
                .cache_dir
                .as_ref()
                .map(|d| d.as_os_str().as_bytes().to_vec()),
        };
        first.handshake(&hello, HANDSHAKE_TIMEOUT)?;
        Ok(SlotPool {
            config,
            report,
            hello,
            state: Mutex::new(PoolState {
                idle: vec![first],
                busy: 0,
            }),
            freed: Condvar::new(),
            metrics,
        })
    }

    /// Registers the pool's metrics (see [`crate::metrics`]) in `registry`; they count
    /// from the pool's creation.
    pub fn register_metrics(&self, registry: &Registry) -> Result<()> {
        Ok(self.metrics.register(registry)?)
    }

    /// What the worker's probe found (after `disabled_features`).
    pub fn sandbox_report(&self) -> &SandboxReport {
        &self.report
    }

    /// What the workers and every job child enter.
    pub fn sandbox_mode(&self) -> SandboxMode {
        self.hello.sandbox
    }

    /// The configuration.
    pub fn config(&self) -> &SlotConfig {
        &self.config
    }

    /// Starts workers until every slot has one (so the first jobs do not pay the spawn).
    pub fn warm_up(&self) -> Result<()> {
        let mut state = self.lock();
        while state.idle.len() + state.busy < self.config.slots.max(1) {
            let worker = self.spawn_worker()?;
            state.idle.push(worker);
        }
        Ok(())
    }

    /// Pids of the idle workers.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.lock().idle.iter().map(WorkerProcess::pid).collect()
    }

    /// Runs `job` in a slot. `Ok` holds the deterministic verdict (accepted or rejected);
    /// `Err` is a host fault.
    pub fn execute(&self, job: Job) -> Result<JobResult> {
        self.execute_job(job).map(|done| done.result)
    }

    /// [`Self::execute`] that also returns a stateful job's machine state after the batch
    /// ([`JobDone::next_state`]).
    pub fn execute_job(&self, job: Job) -> Result<JobDone> {
        let done = self.run_job(job);
        self.metrics.job_done(&done);
        if let Err(e) = &done {
            log::warn!(target: LOG_TARGET, "slot job failed with a host fault ({}): {e}", e.kind());
        }
        done
    }

    fn run_job(&self, job: Job) -> Result<JobDone> {
        let limits = self.config.child_limits(&job.limits, job.inputs.len())?;
        let request: Request = Request::Execute { job, limits };
        match self.call(&request, &limits)? {
            Response::Executed(result) => Ok(result?),
            other => Err(SlotError::Protocol(format!("unexpected answer {other:?}"))),
        }
    }

    /// Runs `hook` in a worker and returns its output. Only a worker built with hook type
    /// `H` ([`crate::worker::run_worker_with`]) can serve it; any other worker (the node's
    /// serves [`crate::protocol::NoHooks`]) cannot decode the request and exits, which is a
    /// [`SlotError::WorkerDied`].
    pub fn run_hook<H: WorkerHook>(&self, hook: H, limits: ChildLimits) -> Result<H::Output> {
        match self.call(&Request::Hook { hook, limits }, &limits)? {
            Response::Hook(result) => H::Output::decode_all(&mut &result?[..])
                .map_err(|e| SlotError::Protocol(format!("undecodable hook output: {e}"))),
            other => Err(SlotError::Protocol(format!("unexpected answer {other:?}"))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn spawn_worker(&self) -> Result<WorkerProcess> {
        WorkerProcess::spawn(
            &self.config.worker,
            &self.hello,
            HANDSHAKE_TIMEOUT,
            Some(&self.metrics),
        )
    }

    fn call(&self, request: &impl Encode, limits: &ChildLimits) -> Result<Response> {
        let mut lease = self.checkout()?;
        let timeout = Duration::from_millis(limits.wall_millis) + POOL_GRACE;
        let worker = lease
            .worker
            .as_mut()
            .ok_or_else(|| SlotError::Protocol("empty lease".into()))?;
        let sent = Instant::now();
        let response = worker.call(request, timeout);
        self.metrics.job_time.observe(sent.elapsed().as_secs_f64());
        if let Err(e) = &response {
            log::warn!(
                target: LOG_TARGET,
                "dropping slot worker pid {} after a host fault: {e}",
                worker.pid()
            );
            lease.worker = None;
        }
        response
    }

    /// Waits for a free slot and returns it with a live worker.
    fn checkout(&self) -> Result<Lease<'_>> {
        let queued = Instant::now();
        let mut state = self.lock();
        loop {
            if let Some(mut worker) = state.idle.pop() {
                state.busy += 1;
                drop(state);
                self.metrics
                    .queue_wait
                    .observe(queued.elapsed().as_secs_f64());
                let mut lease = Lease {
                    pool: self,
                    worker: None,
                };
                if !worker.is_alive() {
                    log::warn!(
                        target: LOG_TARGET,
                        "slot worker pid {} exited while idle; starting a replacement",
                        worker.pid()
                    );
                    drop(worker);
                    worker = self.spawn_worker()?;
                }
                lease.worker = Some(worker);
                return Ok(lease);
            }
            if state.busy < self.config.slots.max(1) {
                state.busy += 1;
                drop(state);
                self.metrics
                    .queue_wait
                    .observe(queued.elapsed().as_secs_f64());
                let mut lease = Lease {
                    pool: self,
                    worker: None,
                };
                lease.worker = Some(self.spawn_worker()?);
                return Ok(lease);
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// A busy slot; gives the worker (if still usable) back to the pool on drop.
struct Lease<'a> {
    pool: &'a SlotPool,
    worker: Option<WorkerProcess>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let worker = self.worker.take();
        let mut state = self.pool.lock();
        state.busy -= 1;
        if let Some(worker) = worker {
            state.idle.push(worker);
        }
        drop(state);
        self.pool.freed.notify_one();
    }
}
