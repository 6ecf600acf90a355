//! Quorum certificates: validators' signed attestations gossiped over libp2p, collected by
//! every node, and served as a certificate once a quorum of current validators agree,
//! before the chain has included their attestations.
//!
//! - **Gossip.** The notification protocol `/<genesis hash>/concerto/attestations/1`
//!   carries [`SignedAttestation`]s (the SCALE of a `topics.attest` call's arguments) on
//!   `sc-network-gossip`: every sync peer is a gossip peer, each message is sent once per
//!   peer and re-sent to peers that lack it. A validator's own attestation enters the
//!   gossip the moment its offchain worker puts the `attest` transaction into the local
//!   pool (this module watches the pool's imports and gossips those signed by a key in
//!   the node's keystore), so no runtime change is involved. Attestations that reach the
//!   pool as relayed transactions are counted too, but not gossiped by this node.
//! - **Spam limits.** A message is kept and forwarded only if it is at most
//!   [`MAX_MESSAGE_BYTES`], decodes, is signed by a current validator (the chain's
//!   `TopicsApi_validators` at the best block) with a valid signature, and its peer stays
//!   within [`PEER_RATE_PER_SEC`] messages a second (burst [`PEER_BURST`]). Anything else is
//!   dropped, counted by reason and costs the peer reputation. Messages expire after
//!   [`TTL`]; the gossip engine forgets duplicates.
//! - **Certificates.** Attestations of one batch are grouped by (commitment, result); the
//!   first of a validator counts. When a group reaches the topic's quorum (its
//!   `TopicsApi_topic` quorum at the best block) the node builds the [`Certificate`],
//!   checks it with `concerto_certificate::verify_certificate` and publishes it to
//!   `concerto_subscribeCertified` subscribers ([`rpc`]). A certificate is what the chain
//!   would finalize from the same attestations; it is final once its `OutputFinalized`
//!   block is GRANDPA-final.

pub(crate) mod rpc;

use crate::serve::{key_bytes, TopicsClient};
use codec::{Decode, DecodeLimit, Encode};
use concerto_certificate::{
    verify_certificate, Certificate, SignedAttestation, ValidatorKey, ValidatorSet,
};
use concerto_runtime::{keys::CONCERTO_KEY_TYPE, opaque::Block, RuntimeCall, UncheckedExtrinsic};
use futures::{FutureExt, StreamExt};
use pallet_topics::{runtime_api::TopicsApi, BatchNumber, TopicId};
use polkadot_sdk::{
    sc_network::{
        config::{NonReservedPeerMode, SetConfig},
        peer_store::PeerStoreProvider,
        NetworkBackend, NetworkPeers, NotificationMetrics, NotificationService, ObservedRole,
        PeerId, ProtocolName, ReputationChange,
    },
    sc_transaction_pool_api::{InPoolTransaction, TransactionPool},
    sp_core::H256,
    sp_io::hashing::blake2_256,
    sp_keystore::KeystorePtr,
    substrate_prometheus_endpoint::{
        register, Counter, CounterVec, Histogram, HistogramOpts, Opts, PrometheusError, Registry,
        U64,
    },
};
use sc_network_gossip::{
    GossipEngine, MessageIntent, ValidationResult, Validator, ValidatorContext,
};
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};
use tokio::sync::broadcast;

const LOG_TARGET: &str = "concerto-certify";
/// The largest attestation message kept (one with a full 4 KiB inline payload is ~4.4 KiB).
pub(crate) const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// The protocol's notification size limit (the gossip engine sends one message each).
const MAX_NOTIFICATION_BYTES: u64 = 64 * 1024;
/// Attestation messages a second one peer may send, sustained.
pub(crate) const PEER_RATE_PER_SEC: f64 = 256.0;
/// Attestation messages one peer may send at once.
pub(crate) const PEER_BURST: f64 = 1024.0;
/// How long an attestation is gossiped and a batch's attestations are collected.
pub(crate) const TTL: Duration = Duration::from_secs(120);
/// Batches collected at once; the oldest is dropped beyond this.
const MAX_PENDING_BATCHES: usize = 4096;
/// Certificates a slow subscriber may fall behind before it is told it lagged.
const BROADCAST_CAPACITY: usize = 1024;

/// Reputation cost of a message that is malformed or falsely signed.
const COST_BAD_MESSAGE: ReputationChange =
    ReputationChange::new(-(1 << 12), "concerto: bad attestation message");
/// Reputation cost of an attestation by a key that is not a current validator (mild: an
/// honest peer may relay one across a validator-set change).
const COST_NOT_VALIDATOR: ReputationChange =
    ReputationChange::new(-(1 << 6), "concerto: attestation of a non-validator");
/// Reputation cost of a message over the peer's rate.
const COST_RATE: ReputationChange =
    ReputationChange::new(-(1 << 8), "concerto: attestations over the rate limit");

/// The protocol's name on a chain.
pub(crate) fn protocol_name(genesis: &H256) -> ProtocolName {
    format!("/{}/concerto/attestations/1", hex::encode(genesis)).into()
}

/// The notification protocol's configuration: no peer slots of its own, like GRANDPA's;
/// the gossip engine adds every sync peer as a reserved peer of the protocol.
pub(crate) fn peers_set_config<N: NetworkBackend<Block, H256>>(
    name: ProtocolName,
    metrics: NotificationMetrics,
    peer_store: Arc<dyn PeerStoreProvider>,
) -> (N::NotificationProtocolConfig, Box<dyn NotificationService>) {
    N::notification_config(
        name,
        Vec::new(),
        MAX_NOTIFICATION_BYTES,
        None,
        SetConfig {
            in_peers: 0,
            out_peers: 0,
            reserved_nodes: Vec::new(),
            non_reserved_mode: NonReservedPeerMode::Deny,
        },
        metrics,
        peer_store,
    )
}

/// The one gossip topic every attestation is sent under.
fn gossip_topic() -> H256 {
    H256(blake2_256(b"concerto/attestations/1"))
}

/// Why a gossiped message was dropped (the `reason` label of the rejection metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rejection {
    Oversized,
    Undecodable,
    NotValidator,
    BadSignature,
    RateLimited,
}

impl Rejection {
    fn label(self) -> &'static str {
        match self {
            Rejection::Oversized => "oversized",
            Rejection::Undecodable => "undecodable",
            Rejection::NotValidator => "not_validator",
            Rejection::BadSignature => "bad_signature",
            Rejection::RateLimited => "rate_limited",
        }
    }

    fn cost(self) -> ReputationChange {
        match self {
            Rejection::NotValidator => COST_NOT_VALIDATOR,
            Rejection::RateLimited => COST_RATE,
            _ => COST_BAD_MESSAGE,
        }
    }
}

/// What an operator watches of the certificates.
struct Metrics {
    gossip_messages: Counter<U64>,
    attestations: CounterVec<U64>,
    rejected: CounterVec<U64>,
    certificates: Counter<U64>,
    quorum_seconds: Histogram,
}

impl Metrics {
    fn register(registry: &Registry) -> Result<Metrics, PrometheusError> {
        Ok(Metrics {
            gossip_messages: register(
                Counter::new(
                    "concerto_certify_gossip_messages_total",
                    "Gossiped attestation messages accepted (new, valid, within the rate)",
                )?,
                registry,
            )?,
            attestations: register(
                CounterVec::new(
                    Opts::new(
                        "concerto_certify_attestations_total",
                        "Attestations counted towards certificates, by where each was first seen (gossip, or the local pool)",
                    ),
                    &["source"],
                )?,
                registry,
            )?,
            rejected: register(
                CounterVec::new(
                    Opts::new(
                        "concerto_certify_rejected_total",
                        "Gossiped attestation messages dropped, by reason",
                    ),
                    &["reason"],
                )?,
                registry,
            )?,
            certificates: register(
                Counter::new(
                    "concerto_certify_certificates_total",
                    "Quorum certificates built",
                )?,
                registry,
            )?,
            quorum_seconds: register(
                Histogram::with_opts(
                    HistogramOpts::new(
                        "concerto_certify_quorum_seconds",
                        "From a batch's first attestation seen here to its certificate",
                    )
                    .buckets(vec![0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0]),
                )?,
                registry,
            )?,
        })
    }
}

/// A certificate as this node built it, with what a verifier needs to check it.
#[derive(Debug, Clone)]
pub(crate) struct Certified {
    /// The certificate.
    pub certificate: Certificate,
    /// The topic's quorum when it was built.
    pub quorum: u32,
    /// The validator set it was checked against.
    pub validators: Vec<ValidatorKey>,
}

/// A token bucket per peer.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The certificate service's shared state: the current validator set, per-peer rates and
/// message ages for the gossip validator, and the subscribers' channel.
pub(crate) struct Certifier {
    genesis: [u8; 32],
    validators: RwLock<Vec<ValidatorKey>>,
    first_seen: Mutex<BTreeMap<(TopicId, BatchNumber), Instant>>,
    rates: Mutex<BTreeMap<PeerId, Bucket>>,
    certified: broadcast::Sender<Arc<Certified>>,
    metrics: Option<Metrics>,
}

impl std::fmt::Debug for Certifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certifier").finish_non_exhaustive()
    }
}

/// Locks a mutex, taking over its data if a thread panicked holding it (every update
/// here leaves the data consistent).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Certifier {
    /// The service for the chain with `genesis`.
    pub(crate) fn new(
        genesis: H256,
        registry: Option<&Registry>,
    ) -> Result<Arc<Certifier>, PrometheusError> {
        Ok(Arc::new(Certifier {
            genesis: genesis.0,
            validators: RwLock::new(Vec::new()),
            first_seen: Mutex::new(BTreeMap::new()),
            rates: Mutex::new(BTreeMap::new()),
            certified: broadcast::channel(BROADCAST_CAPACITY).0,
            metrics: registry.map(Metrics::register).transpose()?,
        }))
    }

    /// New certificates, as they are built.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Certified>> {
        self.certified.subscribe()
    }

    fn validator_set(&self) -> ValidatorSet {
        ValidatorSet {
            genesis: self.genesis,
            validators: self
                .validators
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    fn is_validator(&self, key: &ValidatorKey) -> bool {
        self.validators
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(key)
    }

    /// Whether `peer` may send another message now.
    fn take_token(&self, peer: &PeerId) -> bool {
        let now = Instant::now();
        let mut rates = lock(&self.rates);
        let bucket = rates.entry(*peer).or_insert(Bucket {
            tokens: PEER_BURST,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * PEER_RATE_PER_SEC;
        bucket.tokens = (bucket.tokens + refill).min(PEER_BURST);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Checks a gossiped message (see the module docs).
    fn check(&self, sender: &PeerId, data: &[u8]) -> Result<SignedAttestation, Rejection> {
        if !self.take_token(sender) {
            return Err(Rejection::RateLimited);
        }
        let signed = decode_message(data)?;
        self.check_signed(&signed)?;
        Ok(signed)
    }

    /// A current validator's key and a valid signature.
    fn check_signed(&self, signed: &SignedAttestation) -> Result<(), Rejection> {
        if !self.is_validator(&signed.attestation.validator) {
            return Err(Rejection::NotValidator);
        }
        if !signed.verify(&self.genesis) {
            return Err(Rejection::BadSignature);
        }
        lock(&self.first_seen)
            .entry((signed.attestation.topic, signed.attestation.batch))
            .or_insert_with(Instant::now);
        Ok(())
    }

    fn rejected(&self, why: Rejection) {
        if let Some(m) = &self.metrics {
            m.rejected.with_label_values(&[why.label()]).inc();
        }
    }
}

/// A gossiped message: at most [`MAX_MESSAGE_BYTES`], a whole [`SignedAttestation`].
fn decode_message(data: &[u8]) -> Result<SignedAttestation, Rejection> {
    if data.len() > MAX_MESSAGE_BYTES {
        return Err(Rejection::Oversized);
    }
    let mut input = data;
    let signed = SignedAttestation::decode_with_depth_limit(8, &mut input)
        .map_err(|_| Rejection::Undecodable)?;
    if !input.is_empty() {
        return Err(Rejection::Undecodable);
    }
    Ok(signed)
}

/// The gossip engine's validator: the spam limits of the module docs.
struct GossipValidator {
    certifier: Arc<Certifier>,
    network: Arc<dyn NetworkPeers + Send + Sync>,
}

impl Validator<Block> for GossipValidator {
    fn peer_disconnected(&self, _context: &mut dyn ValidatorContext<Block>, who: &PeerId) {
        lock(&self.certifier.rates).remove(who);
    }

    fn new_peer(
        &self,
        _context: &mut dyn ValidatorContext<Block>,
        _who: &PeerId,
        _role: ObservedRole,
    ) {
    }

    fn validate(
        &self,
        _context: &mut dyn ValidatorContext<Block>,
        sender: &PeerId,
        data: &[u8],
    ) -> ValidationResult<H256> {
        match self.certifier.check(sender, data) {
            Ok(_) => {
                if let Some(m) = &self.certifier.metrics {
                    m.gossip_messages.inc();
                }
                ValidationResult::ProcessAndKeep(gossip_topic())
            }
            Err(why) => {
                log::debug!(target: LOG_TARGET, "dropped an attestation message from {sender}: {why:?}");
                self.certifier.rejected(why);
                self.network.report_peer(*sender, why.cost());
                ValidationResult::Discard
            }
        }
    }

    fn message_expired<'a>(&'a self) -> Box<dyn FnMut(H256, &[u8]) -> bool + 'a> {
        // Called once per maintenance round: forget batches past the TTL first.
        let now = Instant::now();
        lock(&self.certifier.first_seen).retain(|_, seen| now.duration_since(*seen) < TTL);
        Box::new(move |_topic, data| match decode_message(data) {
            Ok(s) => !lock(&self.certifier.first_seen)
                .contains_key(&(s.attestation.topic, s.attestation.batch)),
            Err(_) => true,
        })
    }

    fn message_allowed<'a>(
        &'a self,
    ) -> Box<dyn FnMut(&PeerId, MessageIntent, &H256, &[u8]) -> bool + 'a> {
        Box::new(|_, _, _, _| true)
    }
}

/// The attestations of one batch seen so far.
struct BatchVotes {
    first_seen: Instant,
    voted: BTreeSet<ValidatorKey>,
    /// By (commitment, result) digest.
    groups: BTreeMap<[u8; 32], Vec<SignedAttestation>>,
    certified: bool,
}

/// Groups attestations by batch and result until a quorum agrees.
#[derive(Default)]
struct Collector {
    batches: BTreeMap<(TopicId, BatchNumber), BatchVotes>,
}

impl Collector {
    /// Adds a verified attestation; returns the group it joined, the batch's first sight
    /// and whether the batch was already certified. A validator's first attestation of a
    /// batch is the one that counts.
    fn add(&mut self, signed: SignedAttestation) -> Option<(&[SignedAttestation], Instant)> {
        let a = &signed.attestation;
        let key = (a.topic, a.batch);
        if !self.batches.contains_key(&key) && self.batches.len() >= MAX_PENDING_BATCHES {
            let oldest = self
                .batches
                .iter()
                .min_by_key(|(_, v)| v.first_seen)
                .map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                self.batches.remove(&oldest);
            }
        }
        let votes = self.batches.entry(key).or_insert_with(|| BatchVotes {
            first_seen: Instant::now(),
            voted: BTreeSet::new(),
            groups: BTreeMap::new(),
            certified: false,
        });
        if votes.certified || !votes.voted.insert(a.validator) {
            return None;
        }
        let group = blake2_256(&(a.commitment, &a.result).encode());
        let members = votes.groups.entry(group).or_default();
        members.push(signed);
        Some((members.as_slice(), votes.first_seen))
    }

    fn mark_certified(&mut self, topic: TopicId, batch: BatchNumber) {
        if let Some(v) = self.batches.get_mut(&(topic, batch)) {
            v.certified = true;
            v.groups.clear();
        }
    }

    fn prune(&mut self) {
        let now = Instant::now();
        self.batches
            .retain(|_, v| now.duration_since(v.first_seen) < TTL);
    }
}

/// The attestation a pooled transaction carries, if it is a `topics.attest` call.
fn pooled_attestation(xt: &polkadot_sdk::sp_runtime::OpaqueExtrinsic) -> Option<SignedAttestation> {
    let xt = UncheckedExtrinsic::decode(&mut &xt.encode()[..]).ok()?;
    match xt.function {
        RuntimeCall::Topics(pallet_topics::Call::attest {
            attestation,
            signature,
        }) => SignedAttestation::decode(&mut &(attestation, signature).encode()[..]).ok(),
        _ => None,
    }
}

/// What woke the service.
enum Next {
    Stopped,
    Gossip(Vec<u8>),
    Pooled(H256),
    Block,
}

/// The running service: the gossip engine, the collector, and the chain's view.
struct Service<C, P> {
    certifier: Arc<Certifier>,
    client: Arc<C>,
    pool: Arc<P>,
    keystore: KeystorePtr,
    collector: Collector,
    /// Topic quorums at the best block (cleared on each new best block).
    quorums: BTreeMap<TopicId, Option<u32>>,
}

impl<C: TopicsClient, P> Service<C, P>
where
    P: TransactionPool<Block = Block, Hash = H256> + 'static,
{
    fn refresh_validators(&mut self) {
        let best = self.client.info().best_hash;
        match self.client.runtime_api().validators(best) {
            Ok(keys) => {
                *self
                    .certifier
                    .validators
                    .write()
                    .unwrap_or_else(|p| p.into_inner()) = key_bytes(&keys);
            }
            Err(e) => log::warn!(target: LOG_TARGET, "reading the validator set at {best}: {e}"),
        }
        self.quorums.clear();
    }

    fn quorum(&mut self, topic: TopicId) -> Option<u32> {
        let client = &self.client;
        *self.quorums.entry(topic).or_insert_with(|| {
            let best = client.info().best_hash;
            client
                .runtime_api()
                .topic(best, topic)
                .ok()
                .flatten()
                .map(|t| t.quorum)
        })
    }

    /// Counts a verified attestation; publishes the certificate if it completes a quorum.
    fn collect(&mut self, signed: SignedAttestation, source: &'static str) {
        let (topic, batch) = (signed.attestation.topic, signed.attestation.batch);
        let Some(quorum) = self.quorum(topic) else {
            return;
        };
        let Some((group, first_seen)) = self.collector.add(signed) else {
            return;
        };
        if let Some(m) = &self.certifier.metrics {
            m.attestations.with_label_values(&[source]).inc();
        }
        if (group.len() as u32) < quorum.max(1) {
            return;
        }
        let Some(certificate) = Certificate::of(group) else {
            return;
        };
        self.collector.mark_certified(topic, batch);
        let set = self.certifier.validator_set();
        if let Err(e) = verify_certificate(&certificate, &set, quorum) {
            // Every member was checked on arrival; only a set change in between can do this.
            log::warn!(target: LOG_TARGET, "topic {topic} batch {batch}: the certificate does not verify: {e}");
            return;
        }
        let elapsed = first_seen.elapsed();
        if let Some(m) = &self.certifier.metrics {
            m.certificates.inc();
            m.quorum_seconds.observe(elapsed.as_secs_f64());
        }
        log::info!(
            target: LOG_TARGET,
            "🎼 certified topic {topic} batch {batch}: {} of {} validators, {} ms after its first attestation here",
            certificate.signatures.len(),
            set.validators.len(),
            elapsed.as_millis(),
        );
        // No subscriber is not an error.
        let _ = self.certifier.certified.send(Arc::new(Certified {
            certificate,
            quorum,
            validators: set.validators,
        }));
    }

    /// An attestation that entered the local pool (this validator's own, or another's
    /// relayed as a transaction): checked like a gossiped one and counted. Returns its
    /// message if it is signed by a key of this node's keystore, for the caller to gossip;
    /// others' attestations reach the gossip from their own validators.
    fn pooled(&mut self, hash: H256) -> Option<Vec<u8>> {
        let tx = self.pool.ready_transaction(&hash)?;
        let signed = pooled_attestation(tx.data())?;
        if let Err(why) = self.certifier.check_signed(&signed) {
            log::debug!(target: LOG_TARGET, "pooled attestation {hash} not counted: {why:?}");
            return None;
        }
        let own = self
            .keystore
            .has_keys(&[(signed.attestation.validator.to_vec(), CONCERTO_KEY_TYPE)]);
        let bytes = own.then(|| signed.encode());
        self.collect(signed, "pool");
        bytes
    }
}

/// The network side of the service: what the gossip engine runs on.
pub(crate) struct Gossip<N, S> {
    /// The network (peers, reputation).
    pub network: N,
    /// The sync service (its peers become gossip peers).
    pub sync: S,
    /// The protocol's notification service ([`peers_set_config`]).
    pub notification_service: Box<dyn NotificationService>,
    /// The protocol's name ([`protocol_name`]).
    pub protocol: ProtocolName,
}

/// Runs the certificate service until the network stops: gossip in and out, the pool's
/// attestations, and the validator set at each new best block.
pub(crate) async fn run<C, P, N, S>(
    certifier: Arc<Certifier>,
    client: Arc<C>,
    pool: Arc<P>,
    keystore: KeystorePtr,
    gossip: Gossip<N, S>,
    registry: Option<Registry>,
) where
    C: TopicsClient,
    P: TransactionPool<Block = Block, Hash = H256> + 'static,
    N: sc_network_gossip::Network<Block> + NetworkPeers + Send + Sync + Clone + 'static,
    S: sc_network_gossip::Syncing<Block> + Send + Clone + 'static,
{
    let validator = Arc::new(GossipValidator {
        certifier: certifier.clone(),
        network: Arc::new(gossip.network.clone()),
    });
    let mut engine = GossipEngine::<Block>::new(
        gossip.network,
        gossip.sync,
        gossip.notification_service,
        gossip.protocol,
        validator,
        registry.as_ref(),
    );
    let mut gossip = engine.messages_for(gossip_topic());
    let mut pooled = pool.import_notification_stream();
    let mut blocks = client.import_notification_stream();
    let mut service = Service {
        certifier,
        client,
        pool,
        keystore,
        collector: Collector::default(),
        quorums: BTreeMap::new(),
    };
    service.refresh_validators();
    loop {
        let next = {
            let engine_done = futures::future::poll_fn(|cx| engine.poll_unpin(cx));
            tokio::select! {
                () = engine_done => Next::Stopped,
                m = gossip.next() => m.map_or(Next::Stopped, |n| Next::Gossip(n.message)),
                h = pooled.next() => h.map_or(Next::Stopped, Next::Pooled),
                b = blocks.next() => match b {
                    Some(b) if b.is_new_best => Next::Block,
                    Some(_) => continue,
                    None => Next::Stopped,
                },
            }
        };
        match next {
            Next::Stopped => break,
            Next::Gossip(message) => match decode_message(&message) {
                Ok(signed) => service.collect(signed, "gossip"),
                Err(why) => {
                    log::debug!(target: LOG_TARGET, "a validated message does not decode: {why:?}")
                }
            },
            Next::Pooled(hash) => {
                if let Some(bytes) = service.pooled(hash) {
                    engine.gossip_message(gossip_topic(), bytes, false);
                }
            }
            Next::Block => {
                service.refresh_validators();
                service.collector.prune();
            }
        }
    }
    log::debug!(target: LOG_TARGET, "the attestation gossip stopped");
}
