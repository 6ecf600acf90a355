//! Benchmarks (v2) for every call, every `authorize_*` function and the two hooks.
//! Publishers sign with an sr25519 key from the benchmark keystore; validators with
//! `AttestationId::generate_pair`.

use crate::{pallet::*, testing::ELF_OVERHEAD, types::*, BenchmarkHelper, Call, Config};
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, Authorize, Get, Hooks},
    BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use polkadot_sdk::*;
use sp_core::crypto::KeyTypeId;
use sp_runtime::{
    traits::{Bounded, Hash, Saturating},
    transaction_validity::TransactionSource,
    RuntimeAppPublic,
};

const PUBLISHER_KEY: KeyTypeId = KeyTypeId(*b"cpub");

fn funded<T: Config>(index: u32) -> T::AccountId
where
    T::Currency: Mutate<T::AccountId>,
{
    let who: T::AccountId = account("owner", index, 0);
    // Room for many funded accounts without overflowing the total issuance.
    let _ = T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 1024u32.into());
    who
}

fn publisher() -> PublisherKey {
    PublisherKey::Sr25519(sp_io::crypto::sr25519_generate(PUBLISHER_KEY, None).0)
}

fn signed_event<T: Config>(
    stream: StreamId,
    key: PublisherKey,
    sequence: u64,
    len: u32,
) -> SignedEventOf<T> {
    let payload = vec![7u8; len as usize];
    let message = Pallet::<T>::event_signing_message(stream, &key, sequence, &payload);
    let PublisherKey::Sr25519(raw) = key else {
        panic!("sr25519 publisher")
    };
    let signature = sp_io::crypto::sr25519_sign(
        PUBLISHER_KEY,
        &sp_core::sr25519::Public::from_raw(raw),
        &message,
    )
    .expect("key is in the keystore");
    SignedEvent {
        stream,
        publisher: key,
        sequence,
        payload: BoundedVec::truncate_from(payload),
        signature: PublisherSignature::Sr25519(signature.0),
    }
}

/// A stream owned by `owner` with `publishers` keys (the last one returned).
fn stream<T: Config>(owner: &T::AccountId, publishers: u32) -> (StreamId, PublisherKey) {
    let id = NextStreamId::<T>::get();
    Pallet::<T>::do_register_stream(owner.clone(), Default::default()).expect("stream");
    let mut key = publisher();
    for _ in 0..publishers.max(1) {
        key = publisher();
        Pallet::<T>::do_add_publisher(owner.clone(), id, key).expect("publisher");
    }
    Pallet::<T>::do_fund_stream(owner.clone(), id, stream_budget::<T>()).expect("funded");
    (id, key)
}

/// A stream budget for 100,000 events of the largest payload.
fn stream_budget<T: Config>() -> BalanceOf<T> {
    Pallet::<T>::event_fee(T::MaxPayloadLen::get() as usize).saturating_mul(100_000u32.into())
}

/// A template of `len` bytes (at least the smallest ELF file) uploaded by `owner`.
fn template<T: Config>(owner: &T::AccountId, len: u32) -> T::Hash {
    let code: BoundedVec<u8, T::MaxTemplateSize> =
        BoundedVec::truncate_from(crate::testing::program(len, 1));
    let hash = T::Hashing::hash(&code);
    Pallet::<T>::do_upload_template(owner.clone(), code, machine()).expect("template");
    hash
}

fn machine() -> MachineLimits {
    MachineLimits {
        ram_size: 1 << 20,
        max_cycles_per_input: 1,
        max_cycles_per_batch: 1,
        max_output_bytes: 1,
    }
}

fn topic<T: Config>(
    owner: &T::AccountId,
    streams: Vec<StreamId>,
    hash: T::Hash,
    window: u32,
) -> TopicId {
    let id = NextTopicId::<T>::get();
    Pallet::<T>::do_register_topic(
        owner.clone(),
        BoundedVec::truncate_from(streams),
        hash,
        BoundedVec::truncate_from(vec![0; T::MaxTopicConfigLen::get() as usize]),
        window,
        None,
        TopicMode::Stateful,
    )
    .expect("topic");
    id
}

/// Pauses topic `t` as if its open window had been sealed (no window open or scheduled).
fn pause_sealed<T: Config>(t: TopicId) {
    Topics::<T>::mutate(t, |info| {
        let info = info.as_mut().expect("registered");
        if let Some((_, end)) = info.open_window.take() {
            SealSchedule::<T>::mutate(end, |due| due.retain(|x| *x != t));
            OpenTopicCount::<T>::mutate(|n| *n = n.saturating_sub(1));
        }
        info.status = TopicStatus::Paused;
    });
}

/// `StreamAccess::Accounts` with `MaxStreamReaders` accounts, `reader` last.
fn readers<T: Config>(reader: &T::AccountId) -> StreamAccessOf<T> {
    let n = T::MaxStreamReaders::get();
    let mut accounts: Vec<T::AccountId> = (1..n).map(|i| account("reader", i, 0)).collect();
    accounts.push(reader.clone());
    StreamAccess::Accounts(BoundedVec::truncate_from(accounts))
}

fn validators<T: Config>(v: u32) -> Vec<T::AttestationId> {
    let set: Vec<T::AttestationId> = (0..v)
        .map(|_| T::AttestationId::generate_pair(None))
        .collect();
    T::BenchmarkHelper::set_validators(set.clone());
    set
}

fn result<T: Config>(o: u32) -> AttestationResult<T::MaxOutputLen> {
    AttestationResult {
        start_root: [0; 32],
        outputs_root: [1; 32],
        state_root: [2; 32],
        outputs: OutputsPayload::Inline(BoundedVec::truncate_from(vec![3; o as usize])),
        cycles: 1,
        verdict: Verdict::Accepted,
    }
}

/// A topic with one sealed batch of one event, and `v` validators of which all but the
/// last already attested the same result minus one vote short of quorum.
fn sealed<T: Config>(v: u32, o: u32) -> (AttestationOf<T>, AttestationSignatureOf<T>)
where
    T::Currency: Mutate<T::AccountId>,
{
    let owner = funded::<T>(0);
    let (s, key) = stream::<T>(&owner, 1);
    let hash = template::<T>(&owner, 1);
    let t = topic::<T>(&owner, vec![s], hash, 1);
    // Exactly what the batch costs: finalizing it empties the budget and pauses the topic
    // (the dearest path).
    let fee = Pallet::<T>::execution_fee(result::<T>(o).cycles);
    Pallet::<T>::do_fund_topic(owner.clone(), t, fee).expect("funded");
    Pallet::<T>::ingest_event(&signed_event::<T>(s, key, 0, 1)).expect("event");
    let now = frame_system::Pallet::<T>::block_number();
    Pallet::<T>::seal_due(now);
    let set = validators::<T>(v);
    let commitment = Batches::<T>::get(t, 0).expect("sealed").commitment;
    let quorum = Pallet::<T>::effective_quorum(None, v);
    for validator in set.iter().take(quorum.saturating_sub(1) as usize) {
        Pallet::<T>::do_attest(Attestation {
            topic: t,
            batch: 0,
            commitment,
            validator: validator.clone(),
            result: result::<T>(o),
        })
        .expect("attest");
    }
    let validator = set.last().expect("v >= 1").clone();
    let attestation = Attestation {
        topic: t,
        batch: 0,
        commitment,
        validator: validator.clone(),
        result: result::<T>(o),
    };
    let signature = validator
        .sign(&Pallet::<T>::attestation_signing_message(&attestation))
        .expect("signs");
    (attestation, signature)
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>, <T as frame_system::Config>::RuntimeCall: From<Call<T>>)]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn register_stream(m: Linear<0, { T::MaxMetadataLen::get() }>) {
        let owner = funded::<T>(0);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(owner),
            BoundedVec::truncate_from(vec![0; m as usize]),
        );
        assert_eq!(NextStreamId::<T>::get(), 1);
    }

    #[benchmark]
    fn add_publisher() {
        let owner = funded::<T>(0);
        let (s, _) = stream::<T>(&owner, T::MaxPublishers::get().saturating_sub(1));
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), s, PublisherKey::Ed25519([9; 32]));
    }

    #[benchmark]
    fn remove_publisher() {
        let owner = funded::<T>(0);
        let (s, key) = stream::<T>(&owner, T::MaxPublishers::get());
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), s, key);
    }

    #[benchmark]
    fn close_stream() {
        let owner = funded::<T>(0);
        let (s, _) = stream::<T>(&owner, 1);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), s);
    }

    #[benchmark]
    /// An ELF of `c` bytes whose one segment is checked to fit the RAM.
    fn upload_template(c: Linear<{ ELF_OVERHEAD + 1 }, { T::MaxTemplateSize::get() }>) {
        let owner = funded::<T>(0);
        let code = BoundedVec::truncate_from(crate::testing::program(c, 1));
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), code, machine());
    }

    #[benchmark]
    fn remove_template() {
        let owner = funded::<T>(0);
        let hash = template::<T>(&owner, T::MaxTemplateSize::get());
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), hash);
    }

    /// The dearest path: every stream is another account's, opened to a full list of
    /// accounts that ends with the topic's owner.
    #[benchmark]
    fn register_topic(s: Linear<1, { T::MaxStreamsPerTopic::get() }>) {
        let owner = funded::<T>(0);
        let other = funded::<T>(1);
        let streams: Vec<StreamId> = (0..s).map(|_| stream::<T>(&other, 1).0).collect();
        for stream in streams.iter() {
            Pallet::<T>::do_set_stream_access(other.clone(), *stream, readers::<T>(&owner))
                .expect("the owner opens its stream");
        }
        let hash = template::<T>(&owner, 1);
        let config = BoundedVec::truncate_from(vec![0; T::MaxTopicConfigLen::get() as usize]);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(owner),
            BoundedVec::truncate_from(streams),
            hash,
            config,
            1,
            None,
            TopicMode::Stateful,
        );
    }

    /// The dearest path: resuming a paused topic whose last window was sealed, with an
    /// explicit quorum (checked against the validator set), opens a new window.
    #[benchmark]
    fn set_topic_status() {
        let owner = funded::<T>(0);
        let (s, _) = stream::<T>(&owner, 1);
        let hash = template::<T>(&owner, 1);
        let t = topic::<T>(&owner, vec![s], hash, 1);
        let v = validators::<T>(T::MaxValidators::get()).len() as u32;
        Pallet::<T>::do_fund_topic(owner.clone(), t, stream_budget::<T>()).expect("funded");
        pause_sealed::<T>(t);
        Topics::<T>::mutate(t, |info| {
            if let Some(info) = info.as_mut() {
                info.quorum = Some(v);
            }
        });
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), t, TopicStatus::Active);
        assert_eq!(
            Topics::<T>::get(t).map(|info| info.status),
            Some(TopicStatus::Active)
        );
    }

    /// Closing a paused topic whose last window is sealed retires it at once: its
    /// template use, its place on every one of its streams and its deposit are released.
    #[benchmark]
    fn close_topic() {
        let owner = funded::<T>(0);
        let streams: Vec<StreamId> = (0..T::MaxStreamsPerTopic::get())
            .map(|_| stream::<T>(&owner, 1).0)
            .collect();
        let hash = template::<T>(&owner, 1);
        let t = topic::<T>(&owner, streams, hash, 1);
        pause_sealed::<T>(t);
        #[extrinsic_call]
        set_topic_status(RawOrigin::Signed(owner), t, TopicStatus::Closed);
        assert!(!TopicDeposits::<T>::contains_key(t));
    }

    #[benchmark]
    fn set_stream_access(a: Linear<0, { T::MaxStreamReaders::get() }>) {
        let owner = funded::<T>(0);
        let (s, _) = stream::<T>(&owner, 1);
        let accounts: Vec<T::AccountId> = (0..a).map(|i| account("reader", i, 0)).collect();
        let access = if a == 0 {
            StreamAccess::Anyone
        } else {
            StreamAccess::Accounts(BoundedVec::truncate_from(accounts))
        };
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), s, access);
        assert!(StreamReaders::<T>::contains_key(s));
    }

    #[benchmark]
    fn fund_stream() {
        let owner = funded::<T>(0);
        let (s, _) = stream::<T>(&owner, 1);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), s, stream_budget::<T>());
    }

    #[benchmark]
    fn fund_topic() {
        let owner = funded::<T>(0);
        let (s, _) = stream::<T>(&owner, 1);
        let hash = template::<T>(&owner, 1);
        let t = topic::<T>(&owner, vec![s], hash, 1);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), t, stream_budget::<T>());
        assert!(TopicBudgets::<T>::contains_key(t));
    }

    /// The `ingest` inherent with `s` one-byte events, each on its own stream (its own
    /// record read, its budget charged, its topic): what every stream beyond the first
    /// adds to `ingest` and `publish_batch` (see `Pallet::streams_share`).
    #[benchmark]
    fn ingest_streams(s: Linear<1, { T::MaxEventsPerBlock::get().min(1_000) }>) {
        let owner = funded::<T>(0);
        let hash = template::<T>(&owner, 1);
        let mut events = Vec::new();
        for i in 0..s {
            let (stream, key) = stream::<T>(&owner, 1);
            if i < T::MaxOpenTopics::get().min(T::MaxTopicsPerAccount::get()) {
                topic::<T>(&owner, vec![stream], hash, 1);
            }
            events.push(signed_event::<T>(stream, key, 0, 1));
        }
        #[extrinsic_call]
        ingest(RawOrigin::None, BoundedVec::truncate_from(events));
        assert_eq!(NextStreamId::<T>::get(), s);
    }

    #[benchmark]
    fn publish(p: Linear<0, { T::MaxPayloadLen::get() }>) {
        let owner = funded::<T>(0);
        let (s, key) = stream::<T>(&owner, T::MaxPublishers::get());
        let hash = template::<T>(&owner, 1);
        topic::<T>(&owner, vec![s], hash, 1);
        let event = signed_event::<T>(s, key, 0, p);
        #[extrinsic_call]
        _(RawOrigin::Authorized, event);
        assert_eq!(NextSequence::<T>::get(s, key), 1);
    }

    #[benchmark]
    fn authorize_publish(p: Linear<0, { T::MaxPayloadLen::get() }>) -> Result<(), BenchmarkError> {
        let owner = funded::<T>(0);
        let (s, key) = stream::<T>(&owner, T::MaxPublishers::get());
        let hash = template::<T>(&owner, 1);
        topic::<T>(&owner, vec![s], hash, 1);
        let call: <T as frame_system::Config>::RuntimeCall = Call::<T>::publish {
            event: signed_event::<T>(s, key, 0, p),
        }
        .into();
        #[block]
        {
            call.authorize(TransactionSource::External)
                .ok_or("publish has authorize logic")?
                .map_err(|_| "authorize failed")?;
        }
        Ok(())
    }

    /// `n` events of `p` bytes. Payloads stop at 4 KiB (linear; the full 64 KiB ×
    /// `MaxEventsPerCall` call would not fit the benchmark's wasm heap).
    #[benchmark]
    fn publish_batch(
        n: Linear<1, { T::MaxEventsPerCall::get() }>,
        p: Linear<0, { T::MaxPayloadLen::get().min(4_096) }>,
    ) {
        let owner = funded::<T>(0);
        let (s, key) = stream::<T>(&owner, T::MaxPublishers::get());
        let events: Vec<_> = (0..n)
            .map(|i| signed_event::<T>(s, key, i as u64, p))
            .collect();
        #[extrinsic_call]
        _(RawOrigin::Authorized, BoundedVec::truncate_from(events));
        assert_eq!(NextSequence::<T>::get(s, key), n as u64);
    }

    /// The `ingest` inherent: `n` events of one publisher with `p`-byte payloads on a
    /// stream feeding `MaxTopicsPerStream` topics, signatures cold (just signed, so not in
    /// the node's verification cache). The ranges stop at 2,000 events and 4 KiB payloads
    /// (the weight is linear in both; a full 64 KiB × `MaxEventsPerBlock` run would need
    /// gigabytes).
    #[benchmark]
    fn ingest(
        n: Linear<1, { T::MaxEventsPerBlock::get().min(2_000) }>,
        p: Linear<0, { T::MaxPayloadLen::get().min(4_096) }>,
    ) {
        let owner = funded::<T>(0);
        let (s, key) = stream::<T>(&owner, T::MaxPublishers::get());
        let hash = template::<T>(&owner, 1);
        for _ in 0..T::MaxTopicsPerStream::get().min(T::MaxOpenTopics::get()) {
            topic::<T>(&owner, vec![s], hash, 1);
        }
        let events: Vec<_> = (0..n)
            .map(|i| signed_event::<T>(s, key, i as u64, p))
            .collect();
        #[extrinsic_call]
        _(RawOrigin::None, BoundedVec::truncate_from(events));
        assert_eq!(NextSequence::<T>::get(s, key), n as u64);
    }

    #[benchmark]
    fn authorize_publish_batch(
        n: Linear<1, { T::MaxEventsPerCall::get() }>,
        p: Linear<0, { T::MaxPayloadLen::get() }>,
    ) -> Result<(), BenchmarkError> {
        let owner = funded::<T>(0);
        let (s, key) = stream::<T>(&owner, T::MaxPublishers::get());
        let events: Vec<_> = (0..n)
            .map(|i| signed_event::<T>(s, key, i as u64, p))
            .collect();
        let call: <T as frame_system::Config>::RuntimeCall = Call::<T>::publish_batch {
            events: BoundedVec::truncate_from(events),
        }
        .into();
        #[block]
        {
            call.authorize(TransactionSource::External)
                .ok_or("publish_batch has authorize logic")?
                .map_err(|_| "authorize failed")?;
        }
        Ok(())
    }

    #[benchmark]
    fn attest(v: Linear<1, { T::MaxValidators::get() }>, o: Linear<0, { T::MaxOutputLen::get() }>) {
        let (attestation, signature) = sealed::<T>(v, o);
        let t = attestation.topic;
        #[extrinsic_call]
        _(RawOrigin::Authorized, attestation, signature);
        assert!(Batches::<T>::get(t, 0).expect("sealed").finalized.is_some());
    }

    #[benchmark]
    fn authorize_attest(
        v: Linear<1, { T::MaxValidators::get() }>,
        o: Linear<0, { T::MaxOutputLen::get() }>,
    ) -> Result<(), BenchmarkError> {
        let (attestation, signature) = sealed::<T>(v, o);
        let call: <T as frame_system::Config>::RuntimeCall = Call::<T>::attest {
            attestation,
            signature,
        }
        .into();
        #[block]
        {
            call.authorize(TransactionSource::External)
                .ok_or("attest has authorize logic")?
                .map_err(|_| "authorize failed")?;
        }
        Ok(())
    }

    /// The contracts chain extension's read (`output_view`) at its dearest: the oldest of
    /// a topic's `MaxOutputsPerTopic` held outputs, each inline at `MaxOutputLen` bytes.
    #[benchmark]
    fn read_output() {
        let topic: TopicId = 0;
        let len = T::MaxOutputLen::get() as usize;
        let outputs: Vec<FinalizedOutputOf<T>> = (0..T::MaxOutputsPerTopic::get())
            .map(|b| FinalizedOutput {
                batch: b.into(),
                result: AttestationResult::<T::MaxOutputLen> {
                    start_root: [1; 32],
                    outputs_root: [2; 32],
                    state_root: [3; 32],
                    outputs: OutputsPayload::Inline(BoundedVec::truncate_from(vec![7u8; len])),
                    cycles: 1,
                    verdict: Verdict::Accepted,
                },
                finalized_at: 1u32.into(),
            })
            .collect();
        Outputs::<T>::insert(topic, BoundedVec::truncate_from(outputs));
        let view;
        #[block]
        {
            view = Pallet::<T>::output_view(topic, Some(0));
        }
        assert_eq!(view.map(|v| v.outputs.map(|o| o.len())), Some(Some(len)));
    }

    /// `b` batches reach their deadline; none was attested by any of `v` validators.
    #[benchmark]
    fn on_initialize_judge(
        b: Linear<0, { T::MaxOpenTopics::get() }>,
        v: Linear<1, { T::MaxValidators::get() }>,
    ) {
        validators::<T>(v);
        let deadline = frame_system::Pallet::<T>::block_number() + BlockNumberFor::<T>::from(10u32);
        for topic in 0..b {
            let info = BatchInfo {
                window: (deadline, deadline),
                event_count: 0,
                commitment: [0; 32],
                deadline,
                finalized: None,
            };
            Batches::<T>::insert(topic, 0, info);
            Deadlines::<T>::mutate(deadline, |due| due.try_push((topic, 0)))
                .expect("bounded by MaxOpenTopics");
        }
        #[block]
        {
            Pallet::<T>::judge_deadlines(deadline);
        }
        assert_eq!(Batches::<T>::iter().count(), 0);
    }

    /// `t` topics close a window holding `e` events each.
    #[benchmark]
    fn on_finalize_seal(
        t: Linear<0, { T::MaxOpenTopics::get() }>,
        e: Linear<0, { T::MaxEventsPerBatch::get() }>,
    ) {
        let owner = funded::<T>(0);
        let hash = template::<T>(&owner, 1);
        for i in 0..t {
            // One owner per topic: an account owns at most `MaxTopicsPerAccount`.
            let owner = funded::<T>(i + 1);
            let (s, _) = stream::<T>(&owner, 1);
            let id = topic::<T>(&owner, vec![s], hash, 1);
            OpenBatch::<T>::insert(id, BoundedVec::truncate_from(vec![[5u8; 32]; e as usize]));
        }
        let now = frame_system::Pallet::<T>::block_number();
        #[block]
        {
            Pallet::<T>::on_finalize(now);
        }
    }

    impl_benchmark_test_suite!(Pallet, crate::mock::bench_ext(), crate::mock::Test);
}
