//! The pallet's events and errors (a section of the `#[pallet]` module in `lib.rs`).

use polkadot_sdk::frame_support::pallet_macros::pallet_section;

/// Events and errors.
#[pallet_section]
mod events_and_errors {
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    #[allow(missing_docs)] // field names are self-describing; each variant says what happened
    pub enum Event<T: Config> {
        /// A stream was registered.
        StreamRegistered {
            stream: StreamId,
            owner: T::AccountId,
        },
        /// A publisher key may now publish on a stream.
        PublisherAdded {
            stream: StreamId,
            publisher: PublisherKey,
        },
        /// A publisher key may no longer publish on a stream.
        PublisherRemoved {
            stream: StreamId,
            publisher: PublisherKey,
        },
        /// A stream was closed for good.
        StreamClosed { stream: StreamId },
        /// A template was uploaded and its deposit held.
        TemplateUploaded {
            template: T::Hash,
            owner: T::AccountId,
            code_len: u32,
            deposit: BalanceOf<T>,
        },
        /// A template was removed and its deposit released.
        TemplateRemoved {
            template: T::Hash,
            owner: T::AccountId,
            deposit: BalanceOf<T>,
        },
        /// A topic was registered, its deposit held; its first window opened.
        TopicRegistered {
            topic: TopicId,
            owner: T::AccountId,
            template: T::Hash,
            deposit: BalanceOf<T>,
        },
        /// A stream's owner changed whose topics may read the stream.
        StreamAccessChanged {
            stream: StreamId,
            access: StreamAccessOf<T>,
        },
        /// A topic's status changed.
        TopicStatusChanged { topic: TopicId, status: TopicStatus },
        /// An event was accepted; its payload is in offchain storage under its hash.
        EventPublished {
            stream: StreamId,
            publisher: PublisherKey,
            sequence: u64,
            event_hash: Hash32,
        },
        /// A batch was sealed and now awaits attestations.
        BatchSealed {
            topic: TopicId,
            batch: BatchNumber,
            first_block: BlockNumberFor<T>,
            last_block: BlockNumberFor<T>,
            event_count: u32,
            commitment: Hash32,
        },
        /// A validator attested a batch.
        Attested {
            topic: TopicId,
            batch: BatchNumber,
            validator: T::AttestationId,
            digest: Hash32,
        },
        /// A quorum agreed on a batch's output.
        OutputFinalized {
            topic: TopicId,
            batch: BatchNumber,
            outputs_root: Hash32,
            state_root: Hash32,
            verdict: Verdict,
        },
        /// A batch reached its deadline without a quorum.
        BatchExpired { topic: TopicId, batch: BatchNumber },
        /// At a batch's deadline, these validators had not attested or had attested a result
        /// other than the finalized one; recorded in `Faults`.
        ValidatorsFaulted {
            topic: TopicId,
            batch: BatchNumber,
            missed: alloc::vec::Vec<T::AttestationId>,
            deviated: alloc::vec::Vec<T::AttestationId>,
        },
        /// The validator set shrank below an active topic's explicit quorum: the topic was
        /// paused (its open window is still sealed), rather than left to expire batch after
        /// batch. Its owner may resume it once the set is large enough again.
        TopicQuorumUnreachable {
            topic: TopicId,
            quorum: u32,
            validators: u32,
        },
        /// A stream's owner added to its ingestion budget; `budget` is what it holds now.
        StreamFunded {
            stream: StreamId,
            amount: BalanceOf<T>,
            budget: BalanceOf<T>,
        },
        /// A stream's budget no longer pays for one more event: its events are refused
        /// (`StreamBudgetExhausted`) until its owner funds it again.
        StreamBudgetExhausted {
            stream: StreamId,
            budget: BalanceOf<T>,
        },
        /// A topic's owner added to its execution budget; `budget` is what it holds now.
        TopicFunded {
            topic: TopicId,
            amount: BalanceOf<T>,
            budget: BalanceOf<T>,
        },
        /// A finalized batch was paid for from its topic's budget, by the cycles the quorum
        /// attested.
        ExecutionCharged {
            topic: TopicId,
            batch: BatchNumber,
            cycles: u64,
            fee: BalanceOf<T>,
        },
        /// A topic's budget did not cover a finalized batch: what was left (`paid` of
        /// `fee`) was taken and the topic paused (its open window is still sealed). Fund it
        /// and resume it.
        TopicBudgetExhausted {
            topic: TopicId,
            batch: BatchNumber,
            fee: BalanceOf<T>,
            paid: BalanceOf<T>,
        },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// No stream with this id.
        UnknownStream,
        /// Only the stream's (or topic's, or template's) owner may do this.
        NotOwner,
        /// The stream is closed.
        StreamClosed,
        /// The key is already a publisher of the stream.
        PublisherExists,
        /// The key is not a publisher of the stream.
        NotPublisher,
        /// The stream has `MaxPublishers` keys already.
        TooManyPublishers,
        /// Template code is empty.
        EmptyTemplate,
        /// A template with this content hash exists already.
        TemplateExists,
        /// No template with this hash.
        UnknownTemplate,
        /// The template is used by a topic.
        TemplateInUse,
        /// A machine limit is malformed: a RAM size of zero or not a multiple of 4096, a
        /// zero cycle or output budget, or a batch budget below the per-input one.
        InvalidMachineLimits,
        /// A topic needs at least one source stream, each listed once.
        InvalidStreams,
        /// A stream feeds `MaxTopicsPerStream` topics already.
        TooManyTopicsForStream,
        /// The window is 0 or above `MaxWindow`.
        InvalidWindow,
        /// An explicit quorum must be more than half of the validators, at most all of them.
        InvalidQuorum,
        /// `MaxOpenTopics` topics have an open window already.
        TooManyOpenTopics,
        /// No topic with this id.
        UnknownTopic,
        /// The topic is closed.
        TopicClosed,
        /// The topic already has this status.
        StatusUnchanged,
        /// The event's sequence number was used already (duplicate or replay).
        SequenceUsed,
        /// The event's sequence number skips ahead of the next expected one.
        SequenceGap,
        /// The publisher's signature does not verify.
        BadSignature,
        /// A topic fed by the stream has `MaxEventsPerBatch` events in its open window.
        BatchFull,
        /// No such batch is sealed and awaiting attestations.
        BatchNotSealed,
        /// The signer is not a current validator.
        NotValidator,
        /// The validator attested this batch already.
        AlreadyAttested,
        /// The attestation's signature does not verify.
        BadAttestationSignature,
        /// The topic is stateful and its previous batch is neither finalized nor expired:
        /// batches of a stateful topic are attested in order.
        PredecessorPending,
        /// The topic is stateful and the attestation's `start_root` is not the state root
        /// its last finalized batch left (see `TopicState`).
        StateDiscontinuity,
        /// An arithmetic overflow (ids or counters exhausted).
        Overflow,
        /// A block carries a second `ingest` inherent.
        IngestedTwice,
        /// The attestation is for other events than the sealed batch's (its commitment
        /// differs, e.g. it was computed on a fork that a reorg dropped).
        CommitmentMismatch,
        /// The topic's explicit quorum is larger than the current validator set, so no
        /// batch of it could ever be finalized (register with a smaller quorum, or none for
        /// more than two thirds; resume once the set is large enough).
        QuorumUnreachable,
        /// The template's `ram_size` is above the chain's `MaxRamSize` (the constant
        /// `MachineBounds`): no validator is bound to provide that much.
        RamSizeAboveBound,
        /// The template's `max_cycles_per_batch` is above the chain's `MaxCyclesPerBatch`.
        CycleBudgetAboveBound,
        /// The template's `max_output_bytes` is above the 2 MiB tx buffer.
        OutputLimitAboveBound,
        /// The template code is not an ELF file (no `\x7fELF` header).
        TemplateNotElf,
        /// The template is an ELF file, but not a 64-bit little-endian RISC-V executable
        /// (`ET_EXEC`, ELF version 1).
        TemplateNotRiscv64Executable,
        /// The template's ELF structure is broken: truncated program headers, segment bytes
        /// outside the file, a segment whose file size exceeds its memory size or whose
        /// range wraps, or no loadable segment.
        TemplateMalformed,
        /// The template's entry point is not in RAM (the machine starts at `0x80000000`).
        TemplateEntryOutsideRam,
        /// A segment of the template ends beyond the configured `ram_size`: upload it with
        /// more RAM.
        TemplateExceedsRam,
        /// A segment of the template lies outside RAM (below `0x80000000`, or where no
        /// memory is mapped).
        TemplateSegmentOutsideRam,
        /// The stream's owner has not opened the stream to topics of this account
        /// (`set_stream_access`).
        StreamAccessDenied,
        /// The account owns `MaxTopicsPerAccount` topics that are not yet closed.
        TooManyTopicsForAccount,
        /// The stream's ingestion budget does not pay for the event (`EventFee` plus
        /// `EventByteFee` per payload byte): its owner must `fund_stream`.
        StreamBudgetExhausted,
        /// The topic's execution budget is empty: fund it (`fund_topic`) before resuming it.
        TopicBudgetExhausted,
        /// Funding with an amount of zero.
        ZeroFunding,
        /// The template's entry point is odd: no instruction can start there.
        TemplateEntryMisaligned,
        /// A stateful topic's template asks for more RAM than `MaxStatefulRamSize`: its
        /// machine state could not travel with every batch. Use a template with less RAM,
        /// or a stateless topic.
        StatefulRamTooLarge,
    }
}
