//! The pallet's dispatchable calls (a section of the `#[pallet]` module in `lib.rs`). Each
//! call checks its origin and forwards to a `do_*` function in `registry`, `ingestion` or
//! `batches`.

use polkadot_sdk::frame_support::pallet_macros::pallet_section;

/// The dispatchable calls.
#[pallet_section]
mod calls {
    #[pallet::call(weight = <T as Config>::WeightInfo)]
    impl<T: Config> Pallet<T> {
        /// Register a stream owned by the caller.
        ///
        /// Origin: signed (becomes the owner). Errors: `Overflow`.
        /// Emits `StreamRegistered`. Complexity: O(1).
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::register_stream(metadata.len() as u32))]
        pub fn register_stream(
            origin: OriginFor<T>,
            metadata: BoundedVec<u8, T::MaxMetadataLen>,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::do_register_stream(owner, metadata)
        }

        /// Allow a key to publish on a stream.
        ///
        /// Origin: signed, the stream's owner. Errors: `UnknownStream`, `NotOwner`,
        /// `StreamClosed`, `PublisherExists`, `TooManyPublishers`.
        /// Emits `PublisherAdded`. Complexity: O(P), P = the stream's publishers.
        #[pallet::call_index(1)]
        pub fn add_publisher(
            origin: OriginFor<T>,
            stream: StreamId,
            publisher: PublisherKey,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_add_publisher(who, stream, publisher)
        }

        /// Revoke a key's permission to publish on a stream (its sequence is kept, so a
        /// re-added key cannot replay old events).
        ///
        /// Origin: signed, the stream's owner. Errors: `UnknownStream`, `NotOwner`,
        /// `NotPublisher`. Emits `PublisherRemoved`. Complexity: O(P).
        #[pallet::call_index(2)]
        pub fn remove_publisher(
            origin: OriginFor<T>,
            stream: StreamId,
            publisher: PublisherKey,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_remove_publisher(who, stream, publisher)
        }

        /// Close a stream for good: it accepts no more events.
        ///
        /// Origin: signed, the stream's owner. Errors: `UnknownStream`, `NotOwner`,
        /// `StreamClosed`. Emits `StreamClosed`. Complexity: O(1).
        #[pallet::call_index(3)]
        pub fn close_stream(origin: OriginFor<T>, stream: StreamId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_close_stream(who, stream)
        }

        /// Upload template code; it is stored under its content hash (`T::Hashing`) and a
        /// deposit of `TemplateDepositBase + TemplateDepositPerByte * len` is held. The
        /// limits must fit the chain's `MachineBounds` and the code must be an RV64
        /// executable ELF whose entry point and segments lie in the configured RAM.
        ///
        /// Origin: signed (becomes the owner). Errors: `EmptyTemplate`, `TemplateExists`,
        /// `InvalidMachineLimits`, `RamSizeAboveBound`, `CycleBudgetAboveBound`,
        /// `OutputLimitAboveBound`, `TemplateNotElf`, `TemplateNotRiscv64Executable`,
        /// `TemplateMalformed`, `TemplateEntryOutsideRam`, `TemplateEntryMisaligned`,
        /// `TemplateExceedsRam`, `TemplateSegmentOutsideRam`, and the currency's error if
        /// the deposit cannot be held.
        /// Emits `TemplateUploaded`. Complexity: O(len) (hashing).
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::upload_template(code.len() as u32))]
        pub fn upload_template(
            origin: OriginFor<T>,
            code: BoundedVec<u8, T::MaxTemplateSize>,
            machine: MachineLimits,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::do_upload_template(owner, code, machine)
        }

        /// Remove a template no topic uses; the deposit is released.
        ///
        /// Origin: signed, the uploader. Errors: `UnknownTemplate`, `NotOwner`,
        /// `TemplateInUse`. Emits `TemplateRemoved`. Complexity: O(1).
        #[pallet::call_index(5)]
        pub fn remove_template(origin: OriginFor<T>, template: T::Hash) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_remove_template(who, template)
        }

        /// Register a topic over open streams with an uploaded template. Its first window
        /// opens in this block and ends `window - 1` blocks later. Each stream must be the
        /// caller's or opened to the caller by its owner (`set_stream_access`);
        /// `TopicDeposit` is held until the topic is closed and its last window sealed.
        ///
        /// Origin: signed (becomes the owner). Errors: `InvalidStreams`, `UnknownStream`,
        /// `StreamClosed`, `StreamAccessDenied`, `UnknownTemplate`, `StatefulRamTooLarge` (a
        /// stateful topic over a template with more RAM than `MaxStatefulRamSize`),
        /// `InvalidWindow`,
        /// `QuorumUnreachable` (an explicit quorum above the current validator count),
        /// `InvalidQuorum`, `TooManyTopicsForAccount`, `TooManyTopicsForStream`,
        /// `TooManyOpenTopics`, `Overflow`, and the currency's error if the deposit cannot
        /// be held.
        /// Emits `TopicRegistered`. Complexity: O(S * K), S streams, K topics per stream.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::register_topic(streams.len() as u32))]
        pub fn register_topic(
            origin: OriginFor<T>,
            streams: BoundedVec<StreamId, T::MaxStreamsPerTopic>,
            template: T::Hash,
            config: BoundedVec<u8, T::MaxTopicConfigLen>,
            window: u32,
            quorum: Option<u32>,
            mode: TopicMode,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::do_register_topic(owner, streams, template, config, window, quorum, mode)
        }

        /// Pause, resume or close a topic. Pausing or closing takes effect at the end of
        /// the open window (that window is still sealed); resuming opens a new window (the
        /// topic's budget must not be empty). A closed topic's deposit and budget are
        /// released once its last window is sealed.
        ///
        /// Origin: signed, the topic's owner. Errors: `UnknownTopic`, `NotOwner`,
        /// `TopicClosed`, `StatusUnchanged`, `TooManyOpenTopics`, `QuorumUnreachable`
        /// (resuming while the validator set is smaller than the explicit quorum),
        /// `TopicBudgetExhausted` (resuming with an empty budget).
        /// Emits `TopicStatusChanged`. Complexity: O(1).
        #[pallet::call_index(7)]
        #[pallet::weight(match status {
            TopicStatus::Closed => T::WeightInfo::close_topic(),
            _ => T::WeightInfo::set_topic_status(),
        })]
        pub fn set_topic_status(
            origin: OriginFor<T>,
            topic: TopicId,
            status: TopicStatus,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_set_topic_status(who, topic, status)
        }

        /// Publish one publisher-signed event. Fee-less: the authorization checks the
        /// signature, the publisher's permission, the stream and the sequence number.
        ///
        /// Origin: authorized (through `frame_system::AuthorizeCall`). Errors (also as
        /// transaction-validity errors, see [`authorize`](crate::authorize)):
        /// `UnknownStream`, `StreamClosed`, `NotPublisher`, `SequenceUsed`, `SequenceGap`,
        /// `BadSignature`, `BatchFull`, `StreamBudgetExhausted`. Emits `EventPublished`.
        /// Complexity: O(P + K + len), P publishers, K topics of the stream.
        #[pallet::call_index(8)]
        #[pallet::weight(T::WeightInfo::publish(event.payload.len() as u32)
            .saturating_add(Pallet::<T>::seal_share(1)))]
        #[pallet::weight_of_authorize(T::WeightInfo::authorize_publish(event.payload.len() as u32))]
        #[pallet::authorize(Self::authorize_publish)]
        pub fn publish(origin: OriginFor<T>, event: SignedEventOf<T>) -> DispatchResult {
            ensure_authorized(origin)?;
            Self::ingest_event(&event)
        }

        /// Publish several events in one extrinsic, all or nothing, in the given order
        /// (several events of one publisher must carry consecutive sequence numbers).
        ///
        /// Origin: authorized. Errors: as `publish`, for the first failing event.
        /// Emits `EventPublished` per event. Complexity: O(N * (P + K) + total bytes).
        #[pallet::call_index(9)]
        #[pallet::weight(T::WeightInfo::publish_batch(events.len() as u32, Pallet::<T>::mean_payload_len(events))
            .saturating_add(Pallet::<T>::seal_share(events.len() as u32))
            .saturating_add(Pallet::<T>::streams_share(Pallet::<T>::distinct_streams(events))))]
        #[pallet::weight_of_authorize(
			T::WeightInfo::authorize_publish_batch(events.len() as u32, Pallet::<T>::mean_payload_len(events))
		)]
        #[pallet::authorize(Self::authorize_publish_batch)]
        pub fn publish_batch(
            origin: OriginFor<T>,
            events: BoundedVec<SignedEventOf<T>, T::MaxEventsPerCall>,
        ) -> DispatchResult {
            ensure_authorized(origin)?;
            Self::ingest_events(&events)
        }

        /// Ingest the events a block author's node took in through its ingestion RPC (the
        /// inherent built by [`create_ingest`](crate::Pallet::create_ingest); see
        /// [`bulk`](crate::bulk)). At most one per block.
        ///
        /// Origin: none (inherent). Errors: `IngestedTwice`, `BadSignature` and those of
        /// `publish`; any error makes the block invalid. Emits `EventPublished` per event.
        /// Complexity: O(N * (P + K) + total bytes).
        #[pallet::call_index(11)]
        #[pallet::weight((
            T::WeightInfo::ingest(events.len() as u32, Pallet::<T>::mean_payload_len(events))
                .saturating_add(Pallet::<T>::seal_share(events.len() as u32))
                .saturating_add(Pallet::<T>::streams_share(Pallet::<T>::distinct_streams(events))),
            DispatchClass::Mandatory
        ))]
        pub fn ingest(
            origin: OriginFor<T>,
            events: BoundedVec<SignedEventOf<T>, T::MaxEventsPerBlock>,
        ) -> DispatchResult {
            ensure_none(origin)?;
            Self::do_ingest(&events)
        }

        /// Attest what a validator computed for a sealed batch, signed with its `conc` key
        /// over [`attestation_signing_message`](crate::Pallet::attestation_signing_message).
        /// Finalizes the output when matching attestations reach the topic's quorum.
        ///
        /// Origin: authorized. Errors: `BatchNotSealed`, `NotValidator`, `AlreadyAttested`,
        /// `BadAttestationSignature`, `UnknownTopic`. Emits `Attested`, maybe
        /// `OutputFinalized`. Complexity: O(V + output bytes), V validators.
        #[pallet::call_index(10)]
        #[pallet::weight(T::WeightInfo::attest(T::MaxValidators::get(), T::MaxOutputLen::get()))]
        #[pallet::weight_of_authorize(T::WeightInfo::authorize_attest(
            T::MaxValidators::get(),
            T::MaxOutputLen::get()
        ))]
        #[pallet::authorize(Self::authorize_attest)]
        pub fn attest(
            origin: OriginFor<T>,
            attestation: AttestationOf<T>,
            signature: AttestationSignatureOf<T>,
        ) -> DispatchResult {
            ensure_authorized(origin)?;
            let _ = signature; // verified in the authorization
            Self::do_attest(attestation)
        }

        /// Choose whose topics may read a stream: only the owner's (`OwnerOnly`, the
        /// default), anyone's (`Anyone`), or the owner's and those of named accounts
        /// (`Accounts`). Topics registered before a change keep reading the stream.
        ///
        /// Origin: signed, the stream's owner. Errors: `UnknownStream`, `NotOwner`.
        /// Emits `StreamAccessChanged`. Complexity: O(A), A named accounts.
        #[pallet::call_index(12)]
        #[pallet::weight(T::WeightInfo::set_stream_access(match &access {
            StreamAccess::Accounts(accounts) => accounts.len() as u32,
            _ => 0,
        }))]
        pub fn set_stream_access(
            origin: OriginFor<T>,
            stream: StreamId,
            access: StreamAccessOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_set_stream_access(who, stream, access)
        }

        /// Add `amount` to a stream's ingestion budget (held from the caller). Each
        /// ingested event takes `EventFee + EventByteFee * payload bytes` from it (burned);
        /// when it cannot pay for an event, the event is refused (`StreamBudgetExhausted`).
        /// What is left is released when the stream is closed.
        ///
        /// Origin: signed, the stream's owner. Errors: `ZeroFunding`, `UnknownStream`,
        /// `NotOwner`, `StreamClosed`, and the currency's error if it cannot be held.
        /// Emits `StreamFunded`. Complexity: O(1).
        #[pallet::call_index(13)]
        pub fn fund_stream(
            origin: OriginFor<T>,
            stream: StreamId,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_fund_stream(who, stream, amount)
        }

        /// Add `amount` to a topic's execution budget (held from the caller). Each
        /// finalized batch takes `CycleFee` per million attested cycles from it (burned);
        /// when it cannot pay, the topic is paused (`TopicBudgetExhausted`). What is left
        /// is released when the topic is retired.
        ///
        /// Origin: signed, the topic's owner. Errors: `ZeroFunding`, `UnknownTopic`,
        /// `NotOwner`, `TopicClosed`, and the currency's error if it cannot be held.
        /// Emits `TopicFunded`. Complexity: O(1).
        #[pallet::call_index(14)]
        pub fn fund_topic(
            origin: OriginFor<T>,
            topic: TopicId,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_fund_topic(who, topic, amount)
        }
    }
}
