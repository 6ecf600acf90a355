//! Register: streams, templates and topics (the bodies of the registry calls).

use crate::{pallet::*, types::*};
use frame_support::{
    ensure,
    pallet_prelude::*,
    traits::{fungible::MutateHold, tokens::Precision},
};
use polkadot_sdk::*;
use sp_runtime::{
    traits::{Hash, Saturating},
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

    pub(crate) fn do_close_stream(who: T::AccountId, stream: StreamId) -> DispatchResult {
        let mut s = Self::owned_stream(&who, stream)?;
        ensure!(s.status == StreamStatus::Open, Error::<T>::StreamClosed);
        s.status = StreamStatus::Closed;
        Streams::<T>::insert(stream, s);
        Self::deposit_event(Event::StreamClosed { stream });
        Ok(())
    }

    /// The deposit held for a template of `len` bytes.
    pub fn template_deposit(len: u32) -> BalanceOf<T> {
        T::TemplateDepositPerByte::get()
            .saturating_mul(len.into())
            .saturating_add(T::TemplateDepositBase::get())
    }

    pub(crate) fn do_upload_template(
        owner: T::AccountId,
        code: BoundedVec<u8, T::MaxTemplateSize>,
        machine: MachineLimits,
    ) -> DispatchResult {
        ensure!(!code.is_empty(), Error::<T>::EmptyTemplate);
        ensure!(
            machine.ram_size > 0
                && machine.max_cycles_per_input > 0
                && machine.max_cycles_per_batch >= machine.max_cycles_per_input,
            Error::<T>::InvalidMachineLimits
        );
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
        let topic = NextTopicId::<T>::get();
        for stream in streams.iter() {
            let s = Streams::<T>::get(stream).ok_or(Error::<T>::UnknownStream)?;
            ensure!(s.status == StreamStatus::Open, Error::<T>::StreamClosed);
            StreamTopics::<T>::try_mutate(stream, |topics| topics.try_push(topic))
                .map_err(|_| Error::<T>::TooManyTopicsForStream)?;
        }
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
            if t.open_window.is_none() {
                Self::open_window(topic, &mut t, frame_system::Pallet::<T>::block_number())?;
            }
        }
        t.status = status;
        if status == TopicStatus::Closed && t.open_window.is_none() {
            Self::release_template_use(&t.template);
        }
        Topics::<T>::insert(topic, t);
        Self::deposit_event(Event::TopicStatusChanged { topic, status });
        Ok(())
    }

    /// A closed topic whose last window is sealed no longer uses its template.
    pub(crate) fn release_template_use(template: &T::Hash) {
        Templates::<T>::mutate(template, |info| {
            if let Some(info) = info {
                info.users = info.users.saturating_sub(1);
            }
        });
    }
}
