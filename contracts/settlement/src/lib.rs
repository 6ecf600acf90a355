//! A pallet-contracts contract that pays out only on Concerto's finalized outputs, read
//! through the runtime's outputs chain extension (`concerto_primitives::chain_extension`).
//!
//! Deployed with SCALE [`Terms`] as its input and a stake as its value:
//! - [`Terms::PriceBet`]: `over` (the deployer's side, staking the value) and `under`
//!   (who [`Message::Join`]s with the same stake) bet on the median price of `asset_id`
//!   in batch `batch` of the median topic `topic`: `over` takes the pot if the median is
//!   at least `strike`, `under` otherwise.
//! - [`Terms::LogEscrow`]: the stake goes to `beneficiary` once batch `batch` of the
//!   Ethereum verifier topic `topic` verified a log emitted by `address` whose first topic
//!   is `topic0`.
//!
//! [`Message::Settle`] (anyone may call it) reads the batch's output and pays out, only if
//! the output is finalized, its verdict is `Accepted` and it holds the price or the log;
//! otherwise the call reverts with a SCALE [`Error`] and nothing moves. A successful
//! settlement returns and emits the SCALE [`Settlement`].
//!
//! The decision is [`decide`], a pure function (tested on the host); the Wasm entry points
//! (`deploy`, `call`) are built for `wasm32v1-none` by `scripts/build-contracts.sh`.

#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(any(test, target_arch = "wasm32"))]
extern crate alloc;

use codec::{Decode, DecodeAll, Encode};
use concerto_primitives::{
    eth::VerifiedLog, price::MedianOutput, BatchNumber, OutputView, TopicId, Verdict,
};

/// An account (the runtime's `AccountId32`).
pub type AccountId = [u8; 32];
/// A balance (the runtime's `u128`).
pub type Balance = u128;

/// What the contract pays out on (its deployment input).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Terms {
    /// A bet on a finalized median price.
    #[codec(index = 0)]
    PriceBet {
        /// The median topic.
        topic: TopicId,
        /// The batch whose median settles the bet.
        batch: BatchNumber,
        /// The asset.
        asset_id: u32,
        /// `over` wins if the median is at least this.
        strike: u128,
        /// The side betting the median reaches the strike (stakes at deployment).
        over: AccountId,
        /// The other side (stakes by joining).
        under: AccountId,
    },
    /// An escrow released for a verified Ethereum log.
    #[codec(index = 1)]
    LogEscrow {
        /// The Ethereum verifier topic.
        topic: TopicId,
        /// The batch that must have verified the log.
        batch: BatchNumber,
        /// The contract that emitted the log.
        address: [u8; 20],
        /// The log's first topic (its event signature).
        topic0: [u8; 32],
        /// Who receives the stake.
        beneficiary: AccountId,
    },
}

impl Terms {
    /// The topic and batch that settle these terms.
    pub fn settled_by(&self) -> (TopicId, BatchNumber) {
        match self {
            Terms::PriceBet { topic, batch, .. } | Terms::LogEscrow { topic, batch, .. } => {
                (*topic, *batch)
            }
        }
    }
}

/// A call's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Message {
    /// `under` joins a price bet, with the same stake as the deployer.
    #[codec(index = 0)]
    Join,
    /// Pay out from the finalized output.
    #[codec(index = 1)]
    Settle,
}

/// Why a deployment or call reverted (its SCALE is the revert data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Error {
    /// The input is not SCALE `Terms` (deploy) or `Message` (call).
    #[codec(index = 0)]
    BadInput,
    /// The batch has no finalized output on chain (not yet, or no longer held).
    #[codec(index = 1)]
    OutputMissing,
    /// The batch's output was finalized as rejected.
    #[codec(index = 2)]
    OutputRejected,
    /// The outputs were too large to be inline (only their hash is on chain).
    #[codec(index = 3)]
    OutputsNotInline,
    /// The output has no median for the asset.
    #[codec(index = 4)]
    NoPrice,
    /// The output has no verified log from the address with the topic.
    #[codec(index = 5)]
    NoMatchingLog,
    /// A price bet cannot settle before the other side joined.
    #[codec(index = 6)]
    NotJoined,
    /// Only the bet's `under` side may join, once.
    #[codec(index = 7)]
    CannotJoin,
    /// Joining takes exactly the deployer's stake.
    #[codec(index = 8)]
    WrongStake,
    /// Paid out already.
    #[codec(index = 9)]
    AlreadySettled,
    /// The payout transfer failed.
    #[codec(index = 10)]
    TransferFailed,
    /// The contract's state is missing or unreadable (cannot happen after a deployment).
    #[codec(index = 11)]
    NoState,
}

/// A payout (the return value and event data of a settling call).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Settlement {
    /// Who was paid.
    pub to: AccountId,
    /// How much.
    pub amount: Balance,
    /// The batch it settled on.
    pub batch: BatchNumber,
}

/// The contract's storage.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct State {
    /// The terms.
    pub terms: Terms,
    /// The deployer's stake (a price bet's pot is twice this once joined).
    pub stake: Balance,
    /// Whether a price bet's other side joined (always true for an escrow).
    pub joined: bool,
    /// Whether it paid out.
    pub settled: bool,
}

impl State {
    /// The state right after deployment with `stake`.
    pub fn new(terms: Terms, stake: Balance) -> State {
        let joined = matches!(terms, Terms::LogEscrow { .. });
        State {
            terms,
            stake,
            joined,
            settled: false,
        }
    }

    /// What a payout pays.
    pub fn pot(&self) -> Balance {
        match self.terms {
            Terms::PriceBet { .. } => self.stake.saturating_mul(2),
            Terms::LogEscrow { .. } => self.stake,
        }
    }

    /// `caller` joins with `value`.
    pub fn join(&mut self, caller: &AccountId, value: Balance) -> Result<(), Error> {
        match &self.terms {
            Terms::PriceBet { under, .. } if under == caller && !self.joined => {
                if value != self.stake {
                    return Err(Error::WrongStake);
                }
                self.joined = true;
                Ok(())
            }
            _ => Err(Error::CannotJoin),
        }
    }

    /// Who the finalized output `view` of the terms' batch pays, and how much; marks the
    /// state settled.
    pub fn settle(&mut self, view: Option<&OutputView<u32>>) -> Result<Settlement, Error> {
        if self.settled {
            return Err(Error::AlreadySettled);
        }
        if !self.joined {
            return Err(Error::NotJoined);
        }
        let to = decide(&self.terms, view)?;
        self.settled = true;
        Ok(Settlement {
            to,
            amount: self.pot(),
            batch: self.terms.settled_by().1,
        })
    }
}

/// Who the terms pay, given the finalized output of their batch (`None`: not on chain).
/// Only an `Accepted` output with inline outputs decides; anything else is an error.
pub fn decide(terms: &Terms, view: Option<&OutputView<u32>>) -> Result<AccountId, Error> {
    let view = view.ok_or(Error::OutputMissing)?;
    if view.verdict != Verdict::Accepted {
        return Err(Error::OutputRejected);
    }
    let outputs = view.inline_outputs().ok_or(Error::OutputsNotInline)?;
    match terms {
        Terms::PriceBet {
            asset_id,
            strike,
            over,
            under,
            ..
        } => {
            let median = outputs
                .iter()
                .filter_map(|o| MedianOutput::decode_all(&mut &o[..]).ok())
                .find(|m| m.asset_id == *asset_id)
                .ok_or(Error::NoPrice)?;
            Ok(if median.median >= *strike {
                *over
            } else {
                *under
            })
        }
        Terms::LogEscrow {
            address,
            topic0,
            beneficiary,
            ..
        } => outputs
            .iter()
            .filter_map(|o| VerifiedLog::decode_all(&mut &o[..]).ok())
            .any(|log| log.address == *address && log.topics.first() == Some(topic0))
            .then_some(*beneficiary)
            .ok_or(Error::NoMatchingLog),
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm;

#[cfg(test)]
mod tests;
