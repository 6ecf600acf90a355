//! A publisher on one stream: sequence numbers, signing, batching, retries.

use crate::{client::Admission, sign_event, Client, Error, PublisherPair};
use codec::Encode;
use polkadot_sdk::sp_core::Bytes;
use std::time::Duration;

/// The most events one `concerto_submitEvents` call takes (the node's limit).
pub const MAX_EVENTS_PER_CALL: usize = 16_384;

/// One published event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// Its sequence number.
    pub sequence: u64,
    /// Accepted now, or a duplicate of an event the node took before (a retry).
    pub admission: Admission,
}

/// Publishes one key's events on one stream through a node's `concerto_submitEvents`.
///
/// Sequence numbers start from the node's [`Client::next_sequence`] (read on the first
/// publish, or by [`Publisher::sync`]) and go up by one per event. Each event is signed
/// once; a transport failure or a full queue is retried (`retries` times, backing off from
/// `backoff`) with the same bytes, which the node answers `Duplicate` if it had taken them,
/// so nothing is published twice. Any other refusal is [`Error::Refused`] and leaves the
/// sequence at the refused event.
#[derive(Debug)]
pub struct Publisher<'c> {
    client: &'c Client,
    pair: PublisherPair,
    stream: u32,
    next: Option<u64>,
    /// Retries of one call.
    pub retries: u32,
    /// The first retry's delay (doubled for each next one).
    pub backoff: Duration,
}

impl<'c> Publisher<'c> {
    /// A publisher of `pair` on `stream` through `client`.
    pub fn new(client: &'c Client, pair: PublisherPair, stream: u32) -> Publisher<'c> {
        Publisher {
            client,
            pair,
            stream,
            next: None,
            retries: 5,
            backoff: Duration::from_millis(200),
        }
    }

    /// Reads the next sequence number from the node.
    pub async fn sync(&mut self) -> Result<u64, Error> {
        let next = self
            .client
            .next_sequence(self.stream, self.pair.key())
            .await?;
        self.next = Some(next);
        Ok(next)
    }

    /// Signs and publishes one event.
    pub async fn publish(&mut self, payload: Vec<u8>) -> Result<Published, Error> {
        let mut published = self.publish_many(vec![payload]).await?;
        published.pop().ok_or(Error::Answer {
            method: "concerto_submitEvents",
            reason: "no answer for the event".into(),
        })
    }

    /// Signs and publishes events with consecutive sequence numbers, in as few calls as
    /// the node's limit allows. On a refusal, the events before it are published.
    pub async fn publish_many(&mut self, payloads: Vec<Vec<u8>>) -> Result<Vec<Published>, Error> {
        let first = match self.next {
            Some(next) => next,
            None => self.sync().await?,
        };
        let genesis = self.client.genesis();
        let signed = payloads
            .into_iter()
            .enumerate()
            .map(|(i, payload)| {
                sign_event(genesis, &self.pair, self.stream, first + i as u64, payload)
                    .map(|e| Bytes(e.encode()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut published = Vec::with_capacity(signed.len());
        for chunk in signed.chunks(MAX_EVENTS_PER_CALL) {
            let answers = self.submit(chunk.to_vec()).await?;
            for answer in answers {
                let sequence = first + published.len() as u64;
                match answer.into_result() {
                    Ok(admission) => published.push(Published {
                        sequence,
                        admission,
                    }),
                    Err(refusal) => {
                        self.next = Some(sequence);
                        return Err(Error::Refused(refusal));
                    }
                }
            }
        }
        self.next = Some(first + published.len() as u64);
        Ok(published)
    }

    /// One call, retried with the same bytes on transport failures and `QueueFull`.
    async fn submit(&self, events: Vec<Bytes>) -> Result<Vec<crate::Answer>, Error> {
        let mut attempt = 0;
        loop {
            let failure = match self.client.submit_encoded(events.clone()).await {
                Ok(answers) => {
                    let full = answers.iter().find_map(|a| match a {
                        crate::Answer::Rejected(r) if r.kind == crate::RefusalKind::QueueFull => {
                            Some(r.clone())
                        }
                        _ => None,
                    });
                    match full {
                        None => return Ok(answers),
                        Some(r) => Error::Refused(r),
                    }
                }
                Err(e) => e,
            };
            if !failure.retryable() || attempt >= self.retries {
                return Err(failure);
            }
            tokio::time::sleep(self.backoff * 2u32.saturating_pow(attempt)).await;
            attempt += 1;
        }
    }
}
