//! Prometheus metrics of a [`crate::SlotPool`].
//!
//! Every pool counts from its creation; [`crate::SlotPool::register_metrics`] exposes the
//! counts in a registry (the node passes the `prometheus::Registry` of
//! `substrate-prometheus-endpoint`, which re-exports this same crate):
//!
//! | metric | type | labels | what |
//! |---|---|---|---|
//! | [`JOBS`] | counter | `verdict` = `accepted` / `rejected` | jobs that ended with a verdict ([`concerto_exec::JobResult::verdict`]) |
//! | [`GUEST_FAULTS`] | counter | `kind` ([`concerto_primitives::GuestFault::kind`]) | guest faults that ended a run |
//! | [`HOST_FAULTS`] | counter | `kind` ([`crate::SlotError::kind`]) | jobs that failed with a host fault |
//! | [`WORKERS_SPAWNED`] | counter | | worker processes started |
//! | [`WORKERS_RETIRED`] | counter | | worker processes stopped (died, killed, replaced, pool dropped) |
//! | [`QUEUE_WAIT`] | histogram | | seconds a job waited for a free slot |
//! | [`JOB_TIME`] | histogram | | seconds from sending a job to a worker to its answer |

pub use prometheus::Registry;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts};

use crate::protocol::JobDone;
use concerto_primitives::Verdict;

use crate::error::SlotError;

/// Jobs by verdict.
pub const JOBS: &str = "concerto_slots_jobs_total";
/// Guest faults by kind.
pub const GUEST_FAULTS: &str = "concerto_slots_guest_faults_total";
/// Host faults by kind.
pub const HOST_FAULTS: &str = "concerto_slots_host_faults_total";
/// Worker processes started.
pub const WORKERS_SPAWNED: &str = "concerto_slots_workers_spawned_total";
/// Worker processes stopped.
pub const WORKERS_RETIRED: &str = "concerto_slots_workers_retired_total";
/// Queue wait time.
pub const QUEUE_WAIT: &str = "concerto_slots_queue_wait_seconds";
/// Job time.
pub const JOB_TIME: &str = "concerto_slots_job_seconds";

/// The collectors of one pool (cheap to clone: they share their counts).
#[derive(Clone)]
pub(crate) struct Metrics {
    jobs: IntCounterVec,
    guest_faults: IntCounterVec,
    host_faults: IntCounterVec,
    pub(crate) workers_spawned: IntCounter,
    pub(crate) workers_retired: IntCounter,
    pub(crate) queue_wait: Histogram,
    pub(crate) job_time: Histogram,
}

impl Metrics {
    /// Unregistered collectors.
    pub(crate) fn new() -> Result<Metrics, prometheus::Error> {
        let counter_vec = |name: &str, help: &str, label: &str| {
            IntCounterVec::new(Opts::new(name, help), &[label])
        };
        let histogram = |name: &str, help: &str, buckets: &[f64]| {
            Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets.to_vec()))
        };
        Ok(Metrics {
            jobs: counter_vec(JOBS, "Slot jobs that ended with a verdict", "verdict")?,
            guest_faults: counter_vec(GUEST_FAULTS, "Guest faults that ended a slot job", "kind")?,
            host_faults: counter_vec(
                HOST_FAULTS,
                "Slot jobs that failed with a host fault",
                "kind",
            )?,
            workers_spawned: IntCounter::new(WORKERS_SPAWNED, "Slot worker processes started")?,
            workers_retired: IntCounter::new(WORKERS_RETIRED, "Slot worker processes stopped")?,
            queue_wait: histogram(
                QUEUE_WAIT,
                "Seconds a slot job waited for a free slot",
                &[
                    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0,
                ],
            )?,
            job_time: histogram(
                JOB_TIME,
                "Seconds from sending a slot job to a worker to its answer",
                &[
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                    120.0, 300.0, 600.0,
                ],
            )?,
        })
    }

    /// Registers every collector in `registry`.
    pub(crate) fn register(&self, registry: &Registry) -> Result<(), prometheus::Error> {
        registry.register(Box::new(self.jobs.clone()))?;
        registry.register(Box::new(self.guest_faults.clone()))?;
        registry.register(Box::new(self.host_faults.clone()))?;
        registry.register(Box::new(self.workers_spawned.clone()))?;
        registry.register(Box::new(self.workers_retired.clone()))?;
        registry.register(Box::new(self.queue_wait.clone()))?;
        registry.register(Box::new(self.job_time.clone()))?;
        Ok(())
    }

    /// Counts how a job ended.
    pub(crate) fn job_done(&self, done: &Result<JobDone, SlotError>) {
        match done {
            Ok(JobDone { result, .. }) => {
                let verdict = match result.verdict() {
                    Verdict::Accepted => "accepted",
                    Verdict::Rejected => "rejected",
                };
                self.jobs.with_label_values(&[verdict]).inc();
                if let Some(fault) = result.fault() {
                    self.guest_faults.with_label_values(&[fault.kind()]).inc();
                }
            }
            Err(e) => self.host_faults.with_label_values(&[e.kind()]).inc(),
        }
    }
}
