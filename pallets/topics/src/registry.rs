//! Register: streams, templates and topics (the bodies of the registry calls).

use crate::{pallet::*, types::*};
use concerto_machine::elf;
use concerto_primitives::LimitViolation;
use frame_support::{
    defensive, ensure,
    pallet_prelude::*,
    traits::{
        fungible::MutateHold,
        tokens::{Fortitude, Precision},
    },
};
use polkadot_sdk::*;
use sp_runtime::{
    traits::{Hash, Saturating, Zero},
    DispatchResult,
};

impl<T: Config> Pallet<T> {
    pub(crate) fn do_register_stream(
        owner: T::AccountId,
        metadata: BoundedVec<u8, T::MaxMetadataLen>,
    ) -> DispatchResult {
        let stream = NextStreamId::<T>::get();
        NextStreamId::<T>::put(stream.checked_add(1).ok_or(Error::<T>::Overflow)?);
        Streams::<T>::insert(
            stream,
            Stream {
                owner: owner.clone(),
                metadata,
                publishers: Default::default(),
                status: StreamStatus::Open,
            },
        );
        Self::deposit_event(Event::StreamRegistered { stream, owner });
        Ok(())
    }

    fn owned_stream(who: &T::AccountId, stream: StreamId) -> Result<StreamOf<T>, DispatchError> {
        let s = Streams::<T>::get(stream).ok_or(Error::<T>::UnknownStream)?;
        ensure!(&s.owner == who, Error::<T>::NotOwner);
        Ok(s)
    }

    pub(crate) fn do_add_publisher(
        who: T::AccountId,
        stream: StreamId,
        publisher: PublisherKey,
    ) -> DispatchResult {
        let mut s = Self::owned_stream(&who, stream)?;
        ensure!(s.status == StreamStatus::Open, Error::<T>::StreamClosed);
        ensure!(
            !s.publishers.contains(&publisher),
            Error::<T>::PublisherExists
        );
        s.publishers
            .try_push(publisher)
            .map_err(|_| Error::<T>::TooManyPublishers)?;
        Streams::<T>::insert(stream, s);
        Self::deposit_event(Event::PublisherAdded { stream, publisher });
        Ok(())
    }

    pub(crate) fn do_remove_publisher(
        who: T::AccountId,
        stream: StreamId,
        publisher: PublisherKey,
    ) -> DispatchResult {
        let mut s = Self::owned_stream(&who, stream)?;
        let at = s
            .publishers
            .iter()
            .position(|k| k == &publisher)
            .ok_or(Error::<T>::NotPublisher)?;
        s.publishers.remove(at);
        Streams::<T>::insert(stream, s);
        Self::deposit_event(Event::PublisherRemoved { stream, publisher });
        Ok(())
    }

    pub(crate) fn do_set_stream_access(
        who: T::AccountId,
        stream: StreamId,
        access: StreamAccessOf<T>,
    ) -> DispatchResult {
        Self::owned_stream(&who, stream)?;
        if access == StreamAccess::OwnerOnly {
            StreamReaders::<T>::remove(stream);
        } else {
            StreamReaders::<T>::insert(stream, access.clone());
        }
        Self::deposit_event(Event::StreamAccessChanged { stream, access });
        Ok(())
    }

    /// Whether topics of `who` may read `stream` (owned by `owner`).
    pub fn may_read(stream: StreamId, owner: &T::AccountId, who: &T::AccountId) -> bool {
        who == owner || StreamReaders::<T>::get(stream).is_some_and(|a| a.allows(owner, who))
    }

    pub(crate) fn do_close_stream(who: T::AccountId, stream: StreamId) -> DispatchResult {
        let mut s = Self::owned_stream(&who, stream)?;
        ensure!(s.status == StreamStatus::Open, Error::<T>::StreamClosed);
        s.status = StreamStatus::Closed;
        if let Some(left) = StreamBudgets::<T>::take(stream) {
            Self::release_held(HoldReason::StreamBudget, &who, left);
        }
        Streams::<T>::insert(stream, s);
        Self::deposit_event(Event::StreamClosed { stream });
        Ok(())
    }

    pub(crate) fn do_fund_stream(
        who: T::AccountId,
        stream: StreamId,
        amount: BalanceOf<T>,
    ) -> DispatchResult {
        ensure!(!amount.is_zero(), Error::<T>::ZeroFunding);
        let s = Self::owned_stream(&who, stream)?;
        ensure!(s.status == StreamStatus::Open, Error::<T>::StreamClosed);
        T::Currency::hold(&HoldReason::StreamBudget.into(), &who, amount)?;
        let budget = StreamBudgets::<T>::get(stream)
            .unwrap_or_default()
            .saturating_add(amount);
        StreamBudgets::<T>::insert(stream, budget);
        Self::deposit_event(Event::StreamFunded {
            stream,
            amount,
            budget,
        });
        Ok(())
    }

    pub(crate) fn do_fund_topic(
        who: T::AccountId,
        topic: TopicId,
        amount: BalanceOf<T>,
    ) -> DispatchResult {
        ensure!(!amount.is_zero(), Error::<T>::ZeroFunding);
        let t = Topics::<T>::get(topic).ok_or(Error::<T>::UnknownTopic)?;
        ensure!(t.owner == who, Error::<T>::NotOwner);
        ensure!(t.status != TopicStatus::Closed, Error::<T>::TopicClosed);
        T::Currency::hold(&HoldReason::TopicBudget.into(), &who, amount)?;
        let budget = TopicBudgets::<T>::get(topic)
            .unwrap_or_default()
            .saturating_add(amount);
        TopicBudgets::<T>::insert(topic, budget);
        Self::deposit_event(Event::TopicFunded {
            topic,
            amount,
            budget,
        });
        Ok(())
    }

    /// Releases `amount` held from `who` for `reason`; it was held when recorded, so a
    /// shortfall cannot happen.
    fn release_held(reason: HoldReason, who: &T::AccountId, amount: BalanceOf<T>) {
        if T::Currency::release(&reason.into(), who, amount, Precision::BestEffort).is_err() {
            defensive!("a recorded deposit or budget is held until it is released");
        }
    }

    /// Burns exactly `amount` of what `who` holds for `reason` (a fee taken from a budget).
    pub(crate) fn burn_held(
        reason: HoldReason,
        who: &T::AccountId,
        amount: BalanceOf<T>,
    ) -> DispatchResult {
        T::Currency::burn_held(
            &reason.into(),
            who,
            amount,
            Precision::Exact,
            Fortitude::Force,
        )
        .map(|_| ())
    }

    /// The deposit held for a template of `len` bytes.
    pub fn template_deposit(len: u32) -> BalanceOf<T> {
        T::TemplateDepositPerByte::get()
            .saturating_mul(len.into())
            .saturating_add(T::TemplateDepositBase::get())
    }

    /// The chain's machine bounds (see [`MachineBounds`]): what every template must fit
    /// and every validator's node must honour.
    pub fn machine_bounds() -> MachineBounds {
        // An event input is the SCALE `Input::Event` of an envelope (variant, stream,
        // publisher, sequence, block number, the payload's compact length prefix and bytes);
        // a header input carries the configuration the same way.
        const INPUT_OVERHEAD: u32 = 1 + 4 + 32 + 8 + 4 + 5 + 8;
        let longest = T::MaxPayloadLen::get().max(T::MaxTopicConfigLen::get());
        MachineBounds {
            max_ram_size: T::MaxRamSize::get(),
            max_cycles_per_batch: T::MaxCyclesPerBatch::get(),
            max_output_bytes: concerto_primitives::limits::CMIO_BUFFER_LEN,
            max_inputs_per_batch: T::MaxEventsPerBatch::get().saturating_add(2),
            max_input_bytes: longest.saturating_add(INPUT_OVERHEAD),
            reference_mips: T::ReferenceMips::get(),
        }
    }

    /// Checks an upload: the limits fit the chain's bounds, the code is an RV64 executable
    /// ELF, and its entry point and every segment lie in the configured RAM (what each
    /// validator's machine would refuse, refused here by name).
    pub fn check_template(code: &[u8], machine: &MachineLimits) -> Result<(), Error<T>> {
        ensure!(!code.is_empty(), Error::<T>::EmptyTemplate);
        machine
            .check(&Self::machine_bounds())
            .map_err(Error::<T>::from)?;
        let image = elf::parse(code).map_err(Error::<T>::from)?;
        image
            .check_placement(machine.ram_size, &[])
            .map_err(Error::<T>::from)
    }

    pub(crate) fn do_upload_template(
        owner: T::AccountId,
        code: BoundedVec<u8, T::MaxTemplateSize>,
        machine: MachineLimits,
    ) -> DispatchResult {
        Self::check_template(&code, &machine)?;
        let hash = T::Hashing::hash(&code);
        ensure!(
            !Templates::<T>::contains_key(hash),
            Error::<T>::TemplateExists
        );
        let code_len = code.len() as u32;
        let deposit = Self::template_deposit(code_len);
        T::Currency::hold(&HoldReason::TemplateDeposit.into(), &owner, deposit)?;
        Templates::<T>::insert(
            hash,
            TemplateInfo {
                owner: owner.clone(),
                deposit,
                code_len,
                machine,
                users: 0,
            },
        );
        TemplateCode::<T>::insert(hash, code);
        Self::deposit_event(Event::TemplateUploaded {
            template: hash,
            owner,
            code_len,
            deposit,
        });
        Ok(())
    }

    pub(crate) fn do_remove_template(who: T::AccountId, hash: T::Hash) -> DispatchResult {
        let info = Templates::<T>::get(hash).ok_or(Error::<T>::UnknownTemplate)?;
        ensure!(info.owner == who, Error::<T>::NotOwner);
        ensure!(info.users == 0, Error::<T>::TemplateInUse);
        T::Currency::release(
            &HoldReason::TemplateDeposit.into(),
            &who,
            info.deposit,
            Precision::BestEffort,
        )?;
        Templates::<T>::remove(hash);
        TemplateCode::<T>::remove(hash);
        Self::deposit_event(Event::TemplateRemoved {
            template: hash,
            owner: who,
            deposit: info.deposit,
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn do_register_topic(
        owner: T::AccountId,
        streams: BoundedVec<StreamId, T::MaxStreamsPerTopic>,
        template: T::Hash,
        config: BoundedVec<u8, T::MaxTopicConfigLen>,
        window: u32,
        quorum: Option<u32>,
        mode: TopicMode,
    ) -> DispatchResult {
        ensure!(!streams.is_empty(), Error::<T>::InvalidStreams);
        let mut sorted = streams.clone().into_inner();
        sorted.sort_unstable();
        sorted.dedup();
        ensure!(sorted.len() == streams.len(), Error::<T>::InvalidStreams);
        ensure!(
            window > 0 && window <= T::MaxWindow::get(),
            Error::<T>::InvalidWindow
        );
        if let Some(q) = quorum {
            let n = Self::validator_count();
            ensure!(q <= n, Error::<T>::QuorumUnreachable);
            ensure!(q > n / 2 && q > 0, Error::<T>::InvalidQuorum);
        }
        let mut info = Templates::<T>::get(template).ok_or(Error::<T>::UnknownTemplate)?;
        ensure!(
            mode == TopicMode::Stateless || info.machine.ram_size <= T::MaxStatefulRamSize::get(),
            Error::<T>::StatefulRamTooLarge
        );
        let topic = NextTopicId::<T>::get();
        for stream in streams.iter() {
            let s = Streams::<T>::get(stream).ok_or(Error::<T>::UnknownStream)?;
            ensure!(s.status == StreamStatus::Open, Error::<T>::StreamClosed);
            ensure!(
                Self::may_read(*stream, &s.owner, &owner),
                Error::<T>::StreamAccessDenied
            );
            StreamTopics::<T>::try_mutate(stream, |topics| topics.try_push(topic))
                .map_err(|_| Error::<T>::TooManyTopicsForStream)?;
        }
        let owned = TopicsOwned::<T>::get(&owner);
        ensure!(
            owned < T::MaxTopicsPerAccount::get(),
            Error::<T>::TooManyTopicsForAccount
        );
        let deposit = T::TopicDeposit::get();
        T::Currency::hold(&HoldReason::TopicDeposit.into(), &owner, deposit)?;
        TopicDeposits::<T>::insert(topic, deposit);
        TopicsOwned::<T>::insert(&owner, owned.saturating_add(1));
        NextTopicId::<T>::put(topic.checked_add(1).ok_or(Error::<T>::Overflow)?);
        info.users = info.users.checked_add(1).ok_or(Error::<T>::Overflow)?;
        Templates::<T>::insert(template, info);
        let mut t = Topic {
            owner: owner.clone(),
            streams,
            template,
            config,
            window,
            quorum,
            mode,
            status: TopicStatus::Active,
            next_batch: 0,
            open_window: None,
        };
        Self::open_window(topic, &mut t, frame_system::Pallet::<T>::block_number())?;
        Topics::<T>::insert(topic, t);
        Self::deposit_event(Event::TopicRegistered {
            topic,
            owner,
            template,
            deposit,
        });
        Ok(())
    }

    pub(crate) fn do_set_topic_status(
        who: T::AccountId,
        topic: TopicId,
        status: TopicStatus,
    ) -> DispatchResult {
        let mut t = Topics::<T>::get(topic).ok_or(Error::<T>::UnknownTopic)?;
        ensure!(t.owner == who, Error::<T>::NotOwner);
        ensure!(t.status != TopicStatus::Closed, Error::<T>::TopicClosed);
        ensure!(t.status != status, Error::<T>::StatusUnchanged);
        if status == TopicStatus::Active {
            ensure!(
                t.quorum.is_none_or(|q| q <= Self::validator_count()),
                Error::<T>::QuorumUnreachable
            );
            ensure!(
                TopicBudgets::<T>::get(topic).is_some_and(|b| !b.is_zero()),
                Error::<T>::TopicBudgetExhausted
            );
            if t.open_window.is_none() {
                Self::open_window(topic, &mut t, frame_system::Pallet::<T>::block_number())?;
            }
        }
        t.status = status;
        if status == TopicStatus::Closed && t.open_window.is_none() {
            Self::retire_topic(topic, &t);
        }
        Topics::<T>::insert(topic, t);
        Self::deposit_event(Event::TopicStatusChanged { topic, status });
        Ok(())
    }

    /// A closed topic whose last window is sealed is retired: it no longer uses its
    /// template, no longer takes one of its streams' `MaxTopicsPerStream` places nor one
    /// of its owner's `MaxTopicsPerAccount`, and its deposit is released.
    pub(crate) fn retire_topic(topic: TopicId, t: &TopicOf<T>) {
        Templates::<T>::mutate(t.template, |info| match info {
            Some(info) => info.users = info.users.saturating_sub(1),
            None => {
                defensive!("a topic's template stays while the topic uses it");
            }
        });
        for stream in t.streams.iter() {
            StreamTopics::<T>::mutate(stream, |topics| topics.retain(|x| *x != topic));
        }
        TopicsOwned::<T>::mutate_exists(&t.owner, |n| {
            *n = n.map(|n| n.saturating_sub(1)).filter(|n| *n > 0);
        });
        if let Some(deposit) = TopicDeposits::<T>::take(topic) {
            Self::release_held(HoldReason::TopicDeposit, &t.owner, deposit);
        }
        if let Some(left) = TopicBudgets::<T>::take(topic) {
            Self::release_held(HoldReason::TopicBudget, &t.owner, left);
        }
    }
}

impl<T: Config> From<LimitViolation> for Error<T> {
    fn from(violation: LimitViolation) -> Self {
        match violation {
            LimitViolation::RamSizeNotPageMultiple
            | LimitViolation::CycleBudgetsInconsistent
            | LimitViolation::OutputLimitZero => Error::InvalidMachineLimits,
            LimitViolation::RamSizeAboveBound => Error::RamSizeAboveBound,
            LimitViolation::CyclesAboveBound => Error::CycleBudgetAboveBound,
            LimitViolation::OutputBytesAboveBound => Error::OutputLimitAboveBound,
        }
    }
}

impl<T: Config> From<elf::ElfError> for Error<T> {
    fn from(error: elf::ElfError) -> Self {
        use elf::ElfError as E;
        match error {
            E::NotElf => Error::TemplateNotElf,
            E::Not64Bit(_)
            | E::NotLittleEndian(_)
            | E::BadVersion(_)
            | E::NotRiscv(_)
            | E::NotExecutable(_) => Error::TemplateNotRiscv64Executable,
            E::BadProgramHeaderSize(_)
            | E::Truncated { .. }
            | E::SegmentOutOfFile { .. }
            | E::FileSizeExceedsMemSize { .. }
            | E::SegmentWraps { .. }
            | E::NoLoadableSegment => Error::TemplateMalformed,
            E::EntryUnmapped(_) => Error::TemplateEntryOutsideRam,
            E::EntryMisaligned(_) => Error::TemplateEntryMisaligned,
            E::TooLargeForRam { .. } => Error::TemplateExceedsRam,
            E::OutsideMemory { .. } => Error::TemplateSegmentOutsideRam,
        }
    }
}
