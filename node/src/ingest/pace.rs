//! Pacing the `ingest` inherent: how many queued events a block this node authors may
//! carry, adapted to how long its block proposals take. The runtime bounds the inherent by
//! weight, and weights are measured on the reference machine; a slower machine, a loaded
//! one or a debug build takes longer per event, and a proposal that overruns its slot is
//! discarded (and the events wait another slot). The pacer keeps proposals within half
//! their time: it halves the events offered after a proposal that took more than half of
//! the time it had, and grows them by a quarter after one that took less than a quarter
//! while the queue had more to offer.

use futures::FutureExt;
use polkadot_sdk::{
    sp_consensus::{Environment, ProposeArgs, Proposer},
    sp_runtime::traits::Block as BlockT,
    substrate_prometheus_endpoint::{
        register, Gauge, Histogram, HistogramOpts, PrometheusError, Registry, U64,
    },
};
use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// The fewest events a block is offered, however slow proposals are.
const MIN_CAP: usize = 64;

/// The events this node offers the blocks it authors (see the module docs).
pub(crate) struct Pacer {
    cap: AtomicUsize,
    max: usize,
    /// What the last block was offered (the queue may have held less than the cap).
    offered: AtomicUsize,
    metrics: Option<PacerMetrics>,
}

struct PacerMetrics {
    cap: Gauge<U64>,
    proposal: Histogram,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer")
            .field("cap", &self.cap())
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl Pacer {
    /// A pacer that starts at `start` events per block and never offers more than `max`.
    pub(crate) fn new(
        start: usize,
        max: usize,
        registry: Option<&Registry>,
    ) -> Result<Pacer, PrometheusError> {
        let metrics = registry
            .map(|r| -> Result<PacerMetrics, PrometheusError> {
                Ok(PacerMetrics {
                    cap: register(
                        Gauge::new(
                            "concerto_ingest_block_events_cap",
                            "Events this node offers each block it authors (paced by its proposal times)",
                        )?,
                        r,
                    )?,
                    proposal: register(
                        Histogram::with_opts(
                            HistogramOpts::new(
                                "concerto_block_proposal_seconds",
                                "Time this node's block proposals took (discarded ones included)",
                            )
                            .buckets(vec![0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0]),
                        )?,
                        r,
                    )?,
                })
            })
            .transpose()?;
        let start = start.clamp(MIN_CAP.min(max), max);
        let pacer = Pacer {
            cap: AtomicUsize::new(start),
            max,
            offered: AtomicUsize::new(0),
            metrics,
        };
        pacer.set_gauge(start);
        Ok(pacer)
    }

    /// The most events the next block may be offered.
    pub(crate) fn cap(&self) -> usize {
        self.cap.load(Ordering::Relaxed)
    }

    /// Notes how many events the next block is offered.
    pub(crate) fn offer(&self, events: usize) {
        self.offered.store(events, Ordering::Relaxed);
    }

    /// Notes a proposal that took `took` of the `allowed` time, and adapts the cap.
    pub(crate) fn record(&self, took: Duration, allowed: Duration) {
        if let Some(m) = &self.metrics {
            m.proposal.observe(took.as_secs_f64());
        }
        let cap = self.cap();
        let offered = self.offered.load(Ordering::Relaxed);
        let next = if took.saturating_mul(2) > allowed && offered > MIN_CAP {
            (offered.min(cap) / 2).max(MIN_CAP)
        } else if took.saturating_mul(4) < allowed && offered >= cap {
            cap.saturating_add(cap / 4).saturating_add(1).min(self.max)
        } else {
            cap
        };
        if next == cap {
            return;
        }
        self.cap.store(next, Ordering::Relaxed);
        self.set_gauge(next);
        if next < cap {
            log::info!(
                target: super::LOG_TARGET,
                "🎼 a block proposal took {} ms of {} ms: offering at most {next} events per block",
                took.as_millis(),
                allowed.as_millis()
            );
        } else {
            log::debug!(target: super::LOG_TARGET, "offering at most {next} events per block");
        }
    }

    fn set_gauge(&self, cap: usize) {
        if let Some(m) = &self.metrics {
            m.cap.set(cap as u64);
        }
    }
}

/// A proposer factory whose proposals report their time to a [`Pacer`].
pub(crate) struct PacedProposerFactory<E> {
    inner: E,
    pacer: Arc<Pacer>,
}

impl<E> PacedProposerFactory<E> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: E, pacer: Arc<Pacer>) -> Self {
        PacedProposerFactory { inner, pacer }
    }
}

impl<B: BlockT, E: Environment<B>> Environment<B> for PacedProposerFactory<E>
where
    E::CreateProposer: Send,
{
    type Proposer = PacedProposer<E::Proposer>;
    type CreateProposer =
        Pin<Box<dyn Future<Output = Result<Self::Proposer, Self::Error>> + Send + 'static>>;
    type Error = E::Error;

    fn init(&mut self, parent_header: &B::Header) -> <Self as Environment<B>>::CreateProposer {
        let pacer = self.pacer.clone();
        Box::pin(
            self.inner
                .init(parent_header)
                .map(move |made| made.map(|inner| PacedProposer { inner, pacer })),
        )
    }
}

/// A proposer whose proposal reports its time to a [`Pacer`].
pub(crate) struct PacedProposer<P> {
    inner: P,
    pacer: Arc<Pacer>,
}

/// Reports the time since `start` when dropped: when the proposal completes, and also when
/// the slot worker gives up on it and drops it.
struct Timing {
    pacer: Arc<Pacer>,
    start: Instant,
    allowed: Duration,
}

impl Drop for Timing {
    fn drop(&mut self) {
        self.pacer.record(self.start.elapsed(), self.allowed);
    }
}

impl<B: BlockT, P: Proposer<B>> Proposer<B> for PacedProposer<P> {
    type Error = P::Error;
    type Proposal = Pin<
        Box<
            dyn Future<Output = Result<polkadot_sdk::sp_consensus::Proposal<B>, Self::Error>>
                + Send
                + 'static,
        >,
    >;

    fn propose(self, args: ProposeArgs<B>) -> <Self as Proposer<B>>::Proposal {
        let timing = Timing {
            pacer: self.pacer,
            start: Instant::now(),
            allowed: args.max_duration,
        };
        Box::pin(self.inner.propose(args).map(move |proposal| {
            drop(timing);
            proposal
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOT: Duration = Duration::from_millis(600);

    #[test]
    fn slow_proposals_halve_the_offer_and_fast_ones_under_demand_grow_it() {
        let pacer = Pacer::new(2048, 16_384, None).unwrap();
        pacer.offer(2048);
        pacer.record(Duration::from_millis(700), SLOT);
        assert_eq!(pacer.cap(), 1024);
        pacer.offer(1024);
        pacer.record(Duration::from_millis(400), SLOT);
        assert_eq!(pacer.cap(), 512);
        // Between a quarter and a half: unchanged.
        pacer.offer(512);
        pacer.record(Duration::from_millis(200), SLOT);
        assert_eq!(pacer.cap(), 512);
        // Fast, with the queue holding more than the cap: grows by a quarter.
        pacer.offer(512);
        pacer.record(Duration::from_millis(50), SLOT);
        assert_eq!(pacer.cap(), 641);
        // Fast because the queue had little: unchanged.
        pacer.offer(10);
        pacer.record(Duration::from_millis(5), SLOT);
        assert_eq!(pacer.cap(), 641);
        // A slow proposal that carried few events says nothing about events.
        pacer.offer(3);
        pacer.record(Duration::from_millis(900), SLOT);
        assert_eq!(pacer.cap(), 641);
        // Never below the floor, never above the maximum.
        for _ in 0..20 {
            pacer.offer(pacer.cap());
            pacer.record(Duration::from_secs(1), SLOT);
        }
        assert_eq!(pacer.cap(), MIN_CAP);
        for _ in 0..40 {
            pacer.offer(pacer.cap());
            pacer.record(Duration::from_millis(1), SLOT);
        }
        assert_eq!(pacer.cap(), 16_384);
    }
}
