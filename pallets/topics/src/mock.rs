//! Test runtime: System, Balances (holds) and Topics, four validators with test keys.

use crate::{self as pallet_topics, types::*};
use frame_support::{
    derive_impl, parameter_types,
    traits::{Authorize, ConstU32, ConstU64, Hooks},
    BoundedVec,
};
use frame_system::RawOrigin;
use polkadot_sdk::*;
use sp_core::{ecdsa, ed25519, sr25519, Pair};
use sp_runtime::{
    testing::UintAuthorityId,
    traits::Hash,
    transaction_validity::{TransactionSource, TransactionValidityError},
    BuildStorage, DispatchResult, RuntimeAppPublic,
};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        Topics: pallet_topics,
    }
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type Block = Block;
    type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type AccountStore = System;
    type RuntimeHoldReason = RuntimeHoldReason;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
    RuntimeCall: From<C>,
{
    type Extrinsic = frame_system::mocking::MockUncheckedExtrinsic<Test>;
    type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Test
where
    RuntimeCall: From<C>,
{
    type Extension = ();
    fn create_transaction(call: RuntimeCall, extension: ()) -> Self::Extrinsic {
        sp_runtime::generic::UncheckedExtrinsic::new_transaction(call, extension)
    }
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Test
where
    RuntimeCall: From<C>,
{
    fn create_extension() {}
}

parameter_types! {
    /// The validator set; tests may change it with `ValidatorSet::set(..)`.
    pub static ValidatorSet: Vec<UintAuthorityId> = (1..=4).map(UintAuthorityId).collect();
    /// Every fault reported to `Config::FaultHandler`, in order.
    pub static ReportedFaults: Vec<(UintAuthorityId, concerto_primitives::ValidatorFault)> = Vec::new();
}

/// Records the faults the pallet reports (`ReportedFaults`).
#[derive(Debug)]
pub struct RecordFaults;

impl pallet_topics::HandleFault<UintAuthorityId> for RecordFaults {
    fn handle(validator: &UintAuthorityId, fault: concerto_primitives::ValidatorFault) {
        ReportedFaults::mutate(|f| f.push((validator.clone(), fault)));
    }
    fn weight() -> frame_support::weights::Weight {
        frame_support::weights::Weight::zero()
    }
}

frame_support::parameter_types! {
    /// Room for every event the mock's blocks can carry.
    pub MaxIngestWeight: frame_support::weights::Weight = frame_support::weights::Weight::from_parts(u64::MAX / 2, u64::MAX / 2);
}

impl pallet_topics::Config for Test {
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type AttestationId = UintAuthorityId;
    type Validators = ValidatorSet;
    type MaxValidators = ConstU32<8>;
    type FaultHandler = RecordFaults;
    type TemplateDepositBase = ConstU64<100>;
    type TemplateDepositPerByte = ConstU64<1>;
    type MaxTemplateSize = ConstU32<1024>;
    type MaxRamSize = ConstU64<{ 4 << 20 }>;
    type MaxStatefulRamSize = ConstU64<{ 2 << 20 }>;
    type MaxCyclesPerBatch = ConstU64<1_000_000>;
    type ReferenceMips = ConstU32<100>;
    type TopicDeposit = ConstU64<500>;
    type MaxTopicsPerAccount = ConstU32<3>;
    type MaxStreamReaders = ConstU32<2>;
    type EventFee = ConstU64<2>;
    type EventByteFee = ConstU64<1>;
    type CycleFee = ConstU64<3>;
    type MaxMetadataLen = ConstU32<64>;
    type MaxPublishers = ConstU32<3>;
    type MaxStreamsPerTopic = ConstU32<3>;
    type MaxTopicsPerStream = ConstU32<2>;
    type MaxTopicConfigLen = ConstU32<64>;
    type MaxOpenTopics = ConstU32<4>;
    type MaxWindow = ConstU32<10>;
    type MaxEventsPerBatch = ConstU32<4>;
    type MaxPayloadLen = ConstU32<16>;
    type MaxEventsPerCall = ConstU32<4>;
    type MaxEventsPerBlock = ConstU32<3>;
    type MaxIngestWeight = MaxIngestWeight;
    type MaxOutputLen = ConstU32<16>;
    type MaxOutputsPerTopic = ConstU32<2>;
    type AttestationPeriod = ConstU64<5>;
    type AuthorizedPriority = ConstU64<1_000>;
    type WeightInfo = ();
    #[cfg(feature = "runtime-benchmarks")]
    type BenchmarkHelper = SetValidators;
}

/// Installs the benchmarks' validator set.
#[cfg(feature = "runtime-benchmarks")]
#[derive(Debug)]
pub struct SetValidators;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<UintAuthorityId> for SetValidators {
    fn set_validators(validators: Vec<UintAuthorityId>) {
        ValidatorSet::set(validators);
    }
}

/// The benchmarks' externalities: `test_ext` with a keystore (publishers sign with it).
#[cfg(feature = "runtime-benchmarks")]
pub(crate) fn bench_ext() -> sp_io::TestExternalities {
    use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
    let mut ext = test_ext();
    ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Accounts 1..=5 hold 10_000 each; account 9 holds nothing.
pub(crate) const ALICE: u64 = 1;
pub(crate) const BOB: u64 = 2;
pub(crate) const POOR: u64 = 9;

/// A deterministic machine configuration.
pub(crate) const MACHINE: MachineLimits = MachineLimits {
    ram_size: 1 << 20,
    max_cycles_per_input: 1_000,
    max_cycles_per_batch: 10_000,
    max_output_bytes: 64,
};

/// A fresh chain with endowed accounts (block 0).
pub(crate) fn test_ext() -> sp_io::TestExternalities {
    let mut storage = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .unwrap();
    pallet_balances::GenesisConfig::<Test> {
        balances: (1..=5).map(|a| (a, 10_000)).collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut storage)
    .unwrap();
    sp_io::TestExternalities::new(storage)
}

/// Runs `test` on a fresh chain at block 1, then checks every storage invariant.
pub(crate) fn new_test_ext(test: impl FnOnce()) {
    test_ext().execute_with(|| {
        System::set_block_number(1);
        ValidatorSet::set((1..=4).map(UintAuthorityId).collect());
        ReportedFaults::set(Vec::new());
        test();
        Topics::do_try_state().expect("storage invariants hold");
    });
}

/// Finalizes the current block and initializes the next ones up to `n`.
pub(crate) fn run_to_block(n: u64) {
    while System::block_number() < n {
        let now = System::block_number();
        Topics::on_finalize(now);
        System::set_block_number(now + 1);
        Topics::on_initialize(now + 1);
        Topics::do_try_state().expect("storage invariants hold between blocks");
    }
}

/// Authorizes a call as the pool would (`External`), then dispatches it with the
/// `Authorized` origin, as `frame_system::AuthorizeCall` does.
pub(crate) fn submit(call: RuntimeCall) -> Result<DispatchResult, TransactionValidityError> {
    submit_from(TransactionSource::External, call)
}

/// As [`submit`], from a given source.
pub(crate) fn submit_from(
    source: TransactionSource,
    call: RuntimeCall,
) -> Result<DispatchResult, TransactionValidityError> {
    use sp_runtime::traits::Dispatchable;
    call.authorize(source).expect("call has authorize logic")?;
    Ok(call
        .dispatch(RawOrigin::Authorized.into())
        .map(|_| ())
        .map_err(|e| e.error))
}

/// A publisher key pair of any scheme.
// A test helper built a few times per test: the size difference of the pairs is harmless.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Publisher {
    Sr(sr25519::Pair),
    Ed(ed25519::Pair),
    Eth(ecdsa::Pair),
}

impl Publisher {
    pub(crate) fn sr(seed: u8) -> Self {
        Publisher::Sr(sr25519::Pair::from_seed(&[seed; 32]))
    }
    pub(crate) fn ed(seed: u8) -> Self {
        Publisher::Ed(ed25519::Pair::from_seed(&[seed; 32]))
    }
    pub(crate) fn eth(seed: u8) -> Self {
        Publisher::Eth(ecdsa::Pair::from_seed(&[seed; 32]))
    }

    pub(crate) fn key(&self) -> PublisherKey {
        match self {
            Publisher::Sr(p) => PublisherKey::Sr25519(p.public().0),
            Publisher::Ed(p) => PublisherKey::Ed25519(p.public().0),
            Publisher::Eth(p) => {
                let digest = [7u8; 32];
                let sig: [u8; 65] = p.sign_prehashed(&digest).0;
                let public = sp_io::crypto::secp256k1_ecdsa_recover(&sig, &digest)
                    .ok()
                    .unwrap();
                let mut address = [0u8; 20];
                address.copy_from_slice(&sp_io::hashing::keccak_256(&public)[12..]);
                PublisherKey::Ethereum(address)
            }
        }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> PublisherSignature {
        match self {
            Publisher::Sr(p) => PublisherSignature::Sr25519(p.sign(message).0),
            Publisher::Ed(p) => PublisherSignature::Ed25519(p.sign(message).0),
            Publisher::Eth(p) => PublisherSignature::Ethereum(
                p.sign_prehashed(&sp_io::hashing::keccak_256(message)).0,
            ),
        }
    }

    /// A correctly signed event.
    pub(crate) fn event(
        &self,
        stream: StreamId,
        sequence: u64,
        payload: &[u8],
    ) -> crate::SignedEventOf<Test> {
        let key = self.key();
        let message = Topics::event_signing_message(stream, &key, sequence, payload);
        SignedEvent {
            stream,
            publisher: key,
            sequence,
            payload: BoundedVec::try_from(payload.to_vec()).unwrap(),
            signature: self.sign(&message),
        }
    }
}

/// A `publish` call.
pub(crate) fn publish_call(event: crate::SignedEventOf<Test>) -> RuntimeCall {
    RuntimeCall::Topics(crate::Call::publish { event })
}

/// A result every honest validator agrees on (varied by `seed`).
pub(crate) fn result(seed: u8) -> AttestationResult<ConstU32<16>> {
    AttestationResult {
        start_root: [0; 32],
        outputs_root: [seed; 32],
        state_root: [seed.wrapping_add(1); 32],
        outputs: OutputsPayload::Inline(BoundedVec::try_from(vec![seed; 4]).unwrap()),
        cycles: 100,
        verdict: Verdict::Accepted,
    }
}

/// The commitment of a sealed batch (zero if it is not sealed).
pub(crate) fn sealed_commitment(topic: TopicId, batch: BatchNumber) -> Hash32 {
    crate::Batches::<Test>::get(topic, batch).map_or([0; 32], |b| b.commitment)
}

/// An `attest` call signed by validator `v`, with `result(seed)`.
pub(crate) fn attest_call(v: u64, topic: TopicId, batch: BatchNumber, seed: u8) -> RuntimeCall {
    attest_result_call(v, topic, batch, result(seed))
}

/// An `attest` call signed by validator `v`.
pub(crate) fn attest_result_call(
    v: u64,
    topic: TopicId,
    batch: BatchNumber,
    result: AttestationResult<ConstU32<16>>,
) -> RuntimeCall {
    let attestation = Attestation {
        topic,
        batch,
        commitment: sealed_commitment(topic, batch),
        validator: UintAuthorityId(v),
        result,
    };
    let signature = UintAuthorityId(v)
        .sign(&Topics::attestation_signing_message(&attestation))
        .unwrap();
    RuntimeCall::Topics(crate::Call::attest {
        attestation,
        signature,
    })
}

/// Registers stream 0 (owner ALICE) with `publisher`, a template and topic 0 over it.
pub(crate) fn setup_topic(
    publisher: &Publisher,
    window: u32,
) -> <Test as frame_system::Config>::Hash {
    let origin = RuntimeOrigin::signed(ALICE);
    Topics::register_stream(
        origin.clone(),
        BoundedVec::truncate_from(b"prices".to_vec()),
    )
    .unwrap();
    Topics::add_publisher(origin.clone(), 0, publisher.key()).unwrap();
    Topics::fund_stream(origin.clone(), 0, STREAM_BUDGET).unwrap();
    let code = BoundedVec::truncate_from(crate::testing::program(160, 0x13));
    Topics::upload_template(origin.clone(), code.clone(), MACHINE).unwrap();
    let hash = <Test as frame_system::Config>::Hashing::hash(&code);
    Topics::register_topic(
        origin,
        BoundedVec::truncate_from(vec![0]),
        hash,
        BoundedVec::truncate_from(b"cfg".to_vec()),
        window,
        None,
        TopicMode::Stateless,
    )
    .unwrap();
    Topics::fund_topic(RuntimeOrigin::signed(ALICE), 0, TOPIC_BUDGET).unwrap();
    hash
}

/// What `setup_topic` puts in stream 0's budget (an event costs 2 + 1 per payload byte).
pub(crate) const STREAM_BUDGET: u64 = 1_000;
/// What `setup_topic` puts in topic 0's budget (3 per million cycles).
pub(crate) const TOPIC_BUDGET: u64 = 1_000;

/// A stored topic (panics if absent).
pub(crate) fn topic(id: TopicId) -> crate::TopicOf<Test> {
    crate::Topics::<Test>::get(id).expect("topic exists")
}
