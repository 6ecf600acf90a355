//! Faults injected into a real four-validator network (`--chain local`: Alice, Bob,
//! Charlie and Dave, each with its own rocksdb under its own base path, libp2p and slots),
//! while a median topic with two-block windows is fed events every second through Alice:
//!
//! 1. **Crash.** Charlie is killed with SIGKILL; outputs keep finalizing with three of four.
//!    Restarted on the same database, it catches up and attests again, and the chain never
//!    records it attesting a result other than the finalized one.
//! 2. **Partition.** Bob's process is stopped (SIGSTOP: its connections stall, it neither
//!    sends nor answers) and resumed after 15 s; it rejoins without a manual step.
//! 3. **Deviation.** Dave restarts with the debug build's hidden `--dev-deviate` (its slots
//!    corrupt every state root). No wrong result is finalized; at each batch's deadline the
//!    chain names Dave in `ValidatorsFaulted`, slashes its bond (`Slashed`, `Deviated`),
//!    and after `MaxDeviationsPerSession` removes it at the next planning.
//! 4. **Silence.** Charlie restarts with `--offchain-worker never`: at the deadline it is
//!    recorded as missing and slashed (`Missed`).
//!
//! Every event a publish call got accepted is sealed into a batch, and every batch
//! finalizes with the honest result. The test prints the recovery figures; the ignored
//! `recovery_figures` runs only the crash and the partition, for figures from the
//! optimized node (`CONCERTO_NODE_BIN`). The chain's events are read from finalized
//! blocks only: a best block a restarted validator's fork retracts would take its
//! events with it.

use crate::common::{
    chain::Chain,
    concerto::{median_topic, ticks_at, Publisher},
    heavy,
    net::{account, conc, Net, ALICE, BOB, CHARLIE, DAVE, NAMES},
    Node,
};
use concerto_primitives::{price::MedianConfig, OutputView, ValidatorFault};
use concerto_runtime::{RuntimeCall, RuntimeEvent};
use pallet_topics::Event as TopicsEvent;
use pallet_validator_set::{Event as SetEvent, RemovalReason};
use polkadot_sdk::sp_runtime::BoundedVec;
use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

/// Sends SIGSTOP or SIGCONT to a node's process.
fn signal(node: &Node, sig: &str) {
    let pid = node.pid().expect("running");
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill {sig} {pid}");
}

/// Publishes a round of price ticks (one per publisher, the next sequence number) each
/// second, and walks the chain's events as blocks are finalized.
struct Feed {
    stream: u32,
    topic: u32,
    publishers: [Publisher; 2],
    next: u64,
    accepted: u64,
    last: Option<Instant>,
    cursor: u64,
    events: Vec<(u64, RuntimeEvent)>,
}

impl Feed {
    /// One step: a round if a second passed, then the events of any newly finalized
    /// blocks.
    fn step(&mut self, chain: &Chain<'_>) {
        if self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            self.last = Some(Instant::now());
            let price = 500 + (self.next % 50) as u128;
            let [a, b] = &self.publishers;
            let events = ticks_at(chain, self.stream, 7, self.next, &[(a, price), (b, price)]);
            let call = RuntimeCall::Topics(pallet_topics::Call::publish_batch {
                events: BoundedVec::truncate_from(events),
            });
            match chain.submit(&chain.authorized(call)) {
                Ok(_) => {
                    self.next += 1;
                    self.accepted += 2;
                }
                Err(e) => eprintln!("faults: round {} refused, retried: {e}", self.next),
            }
        }
        // Only finalized blocks: a best block can still be retracted by a reorg (a
        // restarted or resumed validator forks Aura), and its events with it.
        let finalized = chain.node().finalized_number().unwrap_or(0);
        while self.cursor <= finalized {
            let Some(hash) = chain.block_hash(self.cursor) else {
                break;
            };
            for e in chain.events(hash) {
                self.events.push((self.cursor, e));
            }
            self.cursor += 1;
        }
    }

    /// Steps until `f` holds, or panics after `timeout` with `what` and Alice's log.
    fn until<T>(
        &mut self,
        chain: &Chain<'_>,
        timeout: Duration,
        what: &str,
        mut f: impl FnMut(&Feed) -> Option<T>,
    ) -> T {
        let start = Instant::now();
        loop {
            self.step(chain);
            if let Some(t) = f(self) {
                return t;
            }
            assert!(
                start.elapsed() < timeout,
                "{what}: not within {timeout:?}; {}; alice's log:\n{}",
                self.summary(),
                crate::common::last_lines(&chain.node().log(), 60)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The topic's finalized batches, as events.
    fn finalized(&self) -> Vec<u64> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                RuntimeEvent::Topics(TopicsEvent::OutputFinalized { topic, batch, .. })
                    if *topic == self.topic =>
                {
                    Some(*batch)
                }
                _ => None,
            })
            .collect()
    }

    /// What the chain has judged so far, for a failure message.
    fn summary(&self) -> String {
        let removed: Vec<_> = self
            .events
            .iter()
            .filter_map(|(n, e)| match e {
                RuntimeEvent::ValidatorSet(SetEvent::ValidatorRemoved { who, reason }) => {
                    Some((*n, who.clone(), *reason))
                }
                _ => None,
            })
            .collect();
        format!(
            "latest finalized {:?}; dave deviated {:?}; charlie (missed, deviated) {:?}; \
             removed {removed:?}",
            self.latest(),
            self.faults_of(DAVE).1,
            self.faults_of(CHARLIE)
        )
    }

    /// The topic's sealed batches and their event counts.
    fn sealed(&self) -> Vec<(u64, u32)> {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                RuntimeEvent::Topics(TopicsEvent::BatchSealed {
                    topic,
                    batch,
                    event_count,
                    ..
                }) if *topic == self.topic => Some((*batch, *event_count)),
                _ => None,
            })
            .collect()
    }

    fn latest(&self) -> Option<u64> {
        self.finalized().into_iter().max()
    }

    /// Batches `who` attested in blocks from `from_block` on, with the digest it signed.
    fn attested_by(&self, who: usize, from_block: u64) -> BTreeMap<u64, [u8; 32]> {
        let key = conc(who);
        self.events
            .iter()
            .filter(|(n, _)| *n >= from_block)
            .filter_map(|(_, e)| match e {
                RuntimeEvent::Topics(TopicsEvent::Attested {
                    topic,
                    batch,
                    validator,
                    digest,
                }) if *topic == self.topic && *validator == key => Some((*batch, *digest)),
                _ => None,
            })
            .collect()
    }

    /// Faults the chain judged for `who`.
    fn faults_of(&self, who: usize) -> (Vec<u64>, Vec<u64>) {
        let key = conc(who);
        let (mut missed, mut deviated) = (Vec::new(), Vec::new());
        for (_, e) in &self.events {
            if let RuntimeEvent::Topics(TopicsEvent::ValidatorsFaulted {
                topic,
                batch,
                missed: m,
                deviated: d,
            }) = e
            {
                if *topic == self.topic && m.contains(&key) {
                    missed.push(*batch);
                }
                if *topic == self.topic && d.contains(&key) {
                    deviated.push(*batch);
                }
            }
        }
        (missed, deviated)
    }

    /// `Slashed` events of `who`'s account.
    fn slashes_of(&self, who: usize) -> Vec<(ValidatorFault, u128)> {
        let account = account(who);
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                RuntimeEvent::ValidatorSet(SetEvent::Slashed { who, fault, amount })
                    if *who == account =>
                {
                    Some((*fault, *amount))
                }
                _ => None,
            })
            .collect()
    }

    /// The digest the quorum finalized for each batch (from the attestations of the
    /// validators that agreed: the one `OutputFinalized` follows).
    fn quorum_digests(&self) -> BTreeMap<u64, [u8; 32]> {
        let mut votes: BTreeMap<(u64, [u8; 32]), u32> = BTreeMap::new();
        for (_, e) in &self.events {
            if let RuntimeEvent::Topics(TopicsEvent::Attested {
                topic,
                batch,
                digest,
                ..
            }) = e
            {
                if *topic == self.topic {
                    *votes.entry((*batch, *digest)).or_default() += 1;
                }
            }
        }
        let finalized = self.finalized();
        votes
            .into_iter()
            .filter(|((batch, _), n)| *n >= 3 && finalized.contains(batch))
            .map(|((batch, digest), _)| (batch, digest))
            .collect()
    }
}

const MINUTE: Duration = Duration::from_secs(60);

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// How long a validator took to come back from a fault.
struct Recovery {
    /// How long it was down (killed) or stopped.
    down: Duration,
    /// From its restart or resumption until its best block reached Alice's best block at
    /// that moment.
    caught_up: Duration,
    /// From its restart or resumption until a finalized block holds its attestation of a
    /// batch newer than those finalized when it caught up.
    attesting: Duration,
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "down for {}; caught up {} after coming back, attesting again (finalized) {} \
             after coming back",
            secs(self.down),
            secs(self.caught_up),
            secs(self.attesting)
        )
    }
}

/// The four validators with a median topic on two-block windows, fed every second
/// through Alice; `phases` injects the faults once a first output is finalized. Afterwards
/// every finalized batch must have a result with at least three votes, and every accepted
/// event must be sealed.
fn with_network(phases: impl FnOnce(&mut Net, &Node, &Chain<'_>, &mut Feed)) {
    let _heavy = heavy();
    let mut net = Net::new("faults");
    for i in 0..4 {
        net.start(i, &[]);
    }
    let alice_node = net.nodes[ALICE].take().expect("alice");
    let mut chain = Chain::connect(&alice_node);
    let publishers = [Publisher::new(31), Publisher::new(32)];
    let config = MedianConfig {
        max_age_ms: 600_000,
        min_publishers: 2,
    };
    let (stream, topic) = median_topic(&mut chain, &publishers, config, 2);
    let mut feed = Feed {
        stream,
        topic,
        publishers,
        next: 0,
        accepted: 0,
        last: None,
        cursor: 1,
        events: Vec::new(),
    };
    let first = feed.until(&chain, 3 * MINUTE, "a first output with all four", |f| {
        f.latest()
    });
    eprintln!("faults: four validators finalized batch {first}");

    phases(&mut net, &alice_node, &chain, &mut feed);

    // No wrong result was finalized: every finalized batch has one digest with three or
    // more votes.
    let quorum = feed.quorum_digests();
    let finalized = feed.finalized();
    for b in &finalized {
        assert!(
            quorum.contains_key(b),
            "batch {b} finalized without 3 matching votes"
        );
    }
    // No accepted event was lost: the topic's sealed batches hold every one of them.
    let accepted = feed.accepted;
    feed.until(&chain, MINUTE, "every accepted event sealed", |f| {
        let sealed: u64 = f.sealed().iter().map(|(_, n)| u64::from(*n)).sum();
        // Rounds still in flight when the feed stopped are sealed with the next windows.
        (sealed >= accepted).then_some(())
    });
    let outputs: Vec<OutputView<u32>> = chain.runtime_api("TopicsApi_latest_outputs", topic);
    eprintln!(
        "faults: {accepted} events accepted, {} batches sealed, {} finalized, latest {:?}",
        feed.sealed().len(),
        finalized.len(),
        outputs.iter().map(|o| o.batch).max()
    );
    net.nodes[ALICE] = Some(alice_node);
}

/// Until validator `who`, back from a fault at `back`, has caught up with Alice's best
/// block and attested a batch newer than the finalized ones; `down` is how long it was
/// away.
fn recovery(
    net: &Net,
    alice: &Node,
    chain: &Chain<'_>,
    feed: &mut Feed,
    who: usize,
    down: Duration,
    back: Instant,
) -> Recovery {
    let name = NAMES[who];
    // Its attestations from before the fault may still be in the pool: only those of
    // batches newer than any finalized once it has caught up count.
    let target = alice.best_number().expect("alice's best");
    let node = net.node(who);
    feed.until(chain, 3 * MINUTE, &format!("{name} catching up"), |_| {
        node.best_number().filter(|b| *b >= target)
    });
    let caught_up = back.elapsed();
    let last_before = feed.latest().expect("a batch");
    feed.until(chain, 3 * MINUTE, &format!("{name} attesting again"), |f| {
        f.attested_by(who, 0)
            .range(last_before + 1..)
            .next()
            .map(|_| ())
    });
    Recovery {
        down,
        caught_up,
        attesting: back.elapsed(),
    }
}

/// 1. Crash: kill -9 `who` while events flow; outputs keep finalizing with the other
///    three; restarted on its database, it recovers.
fn crash(net: &mut Net, alice: &Node, chain: &Chain<'_>, feed: &mut Feed, who: usize) -> Recovery {
    net.kill(who);
    let killed = Instant::now();
    let before = feed.latest().expect("a batch");
    feed.until(chain, 2 * MINUTE, "outputs with a validator killed", |f| {
        f.latest().filter(|b| *b >= before + 3)
    });
    let down = killed.elapsed();
    net.start(who, &[]);
    recovery(net, alice, chain, feed, who, down, Instant::now())
}

/// 2. Partition: `who`'s process is stopped for 15 s while outputs keep finalizing, then
///    resumed; it rejoins without a manual step.
fn partition(net: &Net, alice: &Node, chain: &Chain<'_>, feed: &mut Feed, who: usize) -> Recovery {
    let node = net.node(who);
    signal(node, "-STOP");
    let paused = Instant::now();
    let before = feed.latest().expect("a batch");
    feed.until(chain, 2 * MINUTE, "outputs with a validator cut off", |f| {
        (paused.elapsed() >= Duration::from_secs(15))
            .then_some(())
            .and(f.latest().filter(|b| *b >= before + 3))
    });
    signal(node, "-CONT");
    recovery(
        net,
        alice,
        chain,
        feed,
        who,
        paused.elapsed(),
        Instant::now(),
    )
}

#[test]
fn a_four_validator_network_survives_crash_partition_deviation_and_silence() {
    with_network(|net, alice_node, chain, feed| {
        let charlie = crash(net, alice_node, chain, feed, CHARLIE);
        eprintln!("faults: charlie killed: {charlie}");
        let bob = partition(net, alice_node, chain, feed, BOB);
        eprintln!("faults: bob stopped: {bob}");

        // 3. Deviation: Dave restarts corrupting its results.
        net.kill(DAVE);
        net.start(DAVE, &["--dev-deviate"]);
        let deviating_from = feed.latest().expect("a batch");
        // What the killed honest Dave had submitted may still be included in the next
        // blocks; the restarted node needs longer than three blocks to start and sync.
        let deviating_at = alice_node.best_number().expect("alice's best") + 3;
        feed.until(chain, 3 * MINUTE, "dave attesting corrupted results", |f| {
            // Five: however the deadlines fall into the 20-block plannings, three of them share
            // one, which is `MaxDeviationsPerSession`.
            (f.attested_by(DAVE, deviating_at)
                .range(deviating_from + 1..)
                .count()
                >= 5)
                .then_some(())
        });
        // The corrupted results, by batch.
        let deviated: BTreeMap<u64, [u8; 32]> = feed
            .attested_by(DAVE, deviating_at)
            .range(deviating_from + 1..)
            .map(|(b, d)| (*b, *d))
            .collect();
        net.kill(DAVE);
        net.start(DAVE, &[]);

        // 4. Silence: Charlie restarts without its offchain worker.
        net.kill(CHARLIE);
        net.start(CHARLIE, &["--offchain-worker", "never"]);
        let silent_from = feed.latest().expect("a batch") + 1;
        feed.until(chain, 3 * MINUTE, "outputs with Charlie silent", |f| {
            f.latest().filter(|b| *b >= silent_from + 2)
        });

        // The deadlines (100 blocks after sealing) judge both.
        let judged = feed.until(
            chain,
            5 * MINUTE,
            "the chain judging dave and charlie",
            |f| {
                // Judging stops counting Dave once his removal takes effect (the chain judges
                // the current validators), so only the corrupted batches judged before that
                // are named: at least `MaxDeviationsPerSession` of them, which removes him.
                let (_, dave_deviated) = f.faults_of(DAVE);
                let (charlie_missed, _) = f.faults_of(CHARLIE);
                let judged = deviated
                    .keys()
                    .filter(|b| dave_deviated.contains(b))
                    .count();
                (judged >= 3 && charlie_missed.iter().any(|b| *b >= silent_from))
                    .then_some((dave_deviated, charlie_missed))
            },
        );
        let removal = feed.until(chain, 2 * MINUTE, "dave removed for repeated faults", |f| {
            f.events.iter().find_map(|(n, e)| match e {
                RuntimeEvent::ValidatorSet(SetEvent::ValidatorRemoved { who, reason })
                    if *who == account(DAVE) =>
                {
                    Some((*n, *reason))
                }
                _ => None,
            })
        });
        assert_eq!(removal.1, RemovalReason::RepeatedFaults);
        eprintln!(
            "faults: dave deviated on batches {:?} (judged: {:?}), removed in block {}; \
             charlie missed {:?}",
            deviated.keys().collect::<Vec<_>>(),
            judged.0,
            removal.0,
            judged.1
        );

        // Slashed by the runtime's amounts: each fault burns its rate, or what is left of
        // the genesis bond once less than that remains (twenty deviations use it all up).
        let unit = concerto_runtime::UNIT;
        let dave_slashes = feed.slashes_of(DAVE);
        let mut bond_left = true;
        for (fault, amount) in &dave_slashes {
            let rate = match fault {
                ValidatorFault::Missed { .. } => unit,
                ValidatorFault::Deviated { .. } => 100 * unit,
            };
            // Once a slash takes less than its rate, the bond is gone: nothing more to take.
            let expected = if bond_left { rate } else { 0 };
            assert!(
                *amount == expected || (bond_left && *amount < rate),
                "{fault:?} slashed by the runtime's rate: {dave_slashes:?}"
            );
            bond_left &= *amount == rate;
        }
        for batch in &judged.0 {
            assert!(
                dave_slashes.iter().any(|(f, _)| *f
                    == ValidatorFault::Deviated {
                        topic: 0,
                        batch: *batch
                    }),
                "judged deviation on batch {batch} is slashed: {dave_slashes:?}"
            );
        }
        let charlie_slashes = feed.slashes_of(CHARLIE);
        assert!(
            charlie_slashes.iter().any(
                |(f, a)| matches!(f, ValidatorFault::Missed { batch, .. } if *batch >= silent_from)
                    && *a == unit
            ),
            "{charlie_slashes:?}"
        );
        // Charlie never attested anything but the quorum's result (its restart included),
        // and Dave's digests for the batches it corrupted are not the quorum's.
        let quorum = feed.quorum_digests();
        for (b, d) in feed.attested_by(CHARLIE, 0) {
            if let Some(q) = quorum.get(&b) {
                assert_eq!(
                    *q, d,
                    "charlie attested batch {b} differently from the quorum"
                );
            }
        }
        let (_, charlie_deviated) = feed.faults_of(CHARLIE);
        assert!(charlie_deviated.is_empty(), "{charlie_deviated:?}");
        for (b, dave) in &deviated {
            assert_ne!(
                quorum.get(b),
                Some(dave),
                "dave's corrupted batch {b} was finalized"
            );
        }
    });
}

/// Recovery figures from the optimized node: the crash and partition phases alone (a
/// release build has no `--dev-deviate`), each on two validators in turn.
#[test]
#[ignore = "figures: run with CONCERTO_NODE_BIN=<optimized concerto-node>"]
fn recovery_figures() {
    with_network(|net, alice_node, chain, feed| {
        for who in [CHARLIE, DAVE] {
            let r = crash(net, alice_node, chain, feed, who);
            eprintln!("faults: figures: {} killed (-9): {r}", NAMES[who]);
        }
        for who in [BOB, CHARLIE] {
            let r = partition(net, alice_node, chain, feed, who);
            eprintln!("faults: figures: {} stopped (SIGSTOP): {r}", NAMES[who]);
        }
    });
}
