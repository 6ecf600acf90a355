//! The host side: a pool of N slots, each a reusable worker process.
//!
//! [`SlotPool::execute`] blocks until a slot is free, sends the job to an idle worker
//! (spawning one if needed, replacing one that died while idle), and waits for the answer
//! with a backstop beyond the child's own wall clock. A worker that dies or stops
//! answering during a job is dropped (killed and reaped) and the job fails with a host
//! fault; the next job gets a fresh worker.

mod process;

use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

pub use process::WorkerCommand;
use process::WorkerProcess;

use crate::error::{Result, SlotError};
use crate::exec::{ExecConfig, JobResult};
use crate::protocol::{Hello, Job, Request, Response, PROTOCOL_VERSION};
use crate::sandbox::{probe_sandbox, ChildLimits, SandboxFeature, SandboxMode, SandboxReport};

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
    pub fn child_limits(&self, config: &ExecConfig, inputs: usize) -> Result<ChildLimits> {
        if config.ram_size > self.max_ram_size {
            return Err(SlotError::InvalidJob(format!(
                "ram_size {} exceeds this node's limit {}",
                config.ram_size, self.max_ram_size
            )));
        }
        let steps = inputs as u64 + 1;
        let cycles = config
            .max_cycles_per_input
            .saturating_mul(steps)
            .min(config.max_cycles_per_batch);
        let run_secs = cycles.div_ceil(self.assumed_mips.max(1).saturating_mul(1_000_000));
        let hash_secs = config.ram_size.div_ceil(32 << 20);
        let cpu_secs = run_secs
            .saturating_add(hash_secs)
            .saturating_add(self.cpu_floor.as_secs())
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
}

/// The pool.
pub struct SlotPool {
    config: SlotConfig,
    report: SandboxReport,
    hello: Hello,
    state: Mutex<PoolState>,
    freed: Condvar,
}

struct PoolState {
    idle: Vec<WorkerProcess>,
    busy: usize,
}

/// How long a worker may take to start and answer the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Extra time the pool waits beyond the child's wall clock before giving up on a worker.
const POOL_GRACE: Duration = Duration::from_secs(10);

impl SlotPool {
    /// Probes the sandbox and creates the pool (workers start on first use, or with
    /// [`SlotPool::warm_up`]). Refuses when a sandbox feature is missing, unless
    /// `allow_insecure` is set.
    pub fn new(config: SlotConfig) -> Result<SlotPool> {
        let mut report = probe_sandbox();
        for &feature in &config.disabled_features {
            report = report.without(feature);
        }
        let missing = report.missing();
        if !missing.is_empty() && !config.allow_insecure {
            let reasons: Vec<String> = missing
                .iter()
                .map(|(feature, why)| format!("{} unavailable: {why}", feature_name(*feature)))
                .collect();
            return Err(SlotError::SandboxUnavailable(format!(
                "{}; start with --insecure-slots to run without it",
                reasons.join("; ")
            )));
        }
        let hello = Hello {
            version: PROTOCOL_VERSION,
            sandbox: report.mode(),
            cache_dir: config
                .cache_dir
                .as_ref()
                .map(|d| d.as_os_str().as_bytes().to_vec()),
        };
        Ok(SlotPool {
            config,
            report,
            hello,
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                busy: 0,
            }),
            freed: Condvar::new(),
        })
    }

    /// What the probe found (after `disabled_features`).
    pub fn sandbox_report(&self) -> &SandboxReport {
        &self.report
    }

    /// What every job child enters.
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
            let worker = WorkerProcess::spawn(&self.config.worker, &self.hello, HANDSHAKE_TIMEOUT)?;
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
        let limits = self.config.child_limits(&job.config, job.inputs.len())?;
        match self.call(&Request::Execute { job, limits }, &limits)? {
            Response::Executed(result) => Ok(result?),
            other => Err(SlotError::Protocol(format!("unexpected answer {other:?}"))),
        }
    }

    /// Runs a test probe in a sandboxed child and returns what it observed.
    #[cfg(feature = "test-hooks")]
    pub fn run_test_hook(
        &self,
        hook: crate::hooks::TestHook,
        limits: ChildLimits,
    ) -> Result<String> {
        match self.call(&Request::TestHook { hook, limits }, &limits)? {
            Response::Hook(result) => Ok(result?),
            other => Err(SlotError::Protocol(format!("unexpected answer {other:?}"))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn call(&self, request: &Request, limits: &ChildLimits) -> Result<Response> {
        let mut lease = self.checkout()?;
        let timeout = Duration::from_millis(limits.wall_millis) + POOL_GRACE;
        let worker = lease
            .worker
            .as_mut()
            .ok_or_else(|| SlotError::Protocol("empty lease".into()))?;
        let response = worker.call(request, timeout);
        if response.is_err() {
            lease.worker = None;
        }
        response
    }

    /// Waits for a free slot and returns it with a live worker.
    fn checkout(&self) -> Result<Lease<'_>> {
        let mut state = self.lock();
        loop {
            if let Some(mut worker) = state.idle.pop() {
                state.busy += 1;
                drop(state);
                let mut lease = Lease {
                    pool: self,
                    worker: None,
                };
                if !worker.is_alive() {
                    drop(worker);
                    worker =
                        WorkerProcess::spawn(&self.config.worker, &self.hello, HANDSHAKE_TIMEOUT)?;
                }
                lease.worker = Some(worker);
                return Ok(lease);
            }
            if state.busy < self.config.slots.max(1) {
                state.busy += 1;
                drop(state);
                let mut lease = Lease {
                    pool: self,
                    worker: None,
                };
                lease.worker = Some(WorkerProcess::spawn(
                    &self.config.worker,
                    &self.hello,
                    HANDSHAKE_TIMEOUT,
                )?);
                return Ok(lease);
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

fn feature_name(feature: SandboxFeature) -> &'static str {
    match feature {
        SandboxFeature::Seccomp => "seccomp",
        SandboxFeature::Landlock => "landlock",
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
