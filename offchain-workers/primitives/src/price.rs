//! The median price aggregator's formats: price ticks (event payloads), its
//! configuration, and the per-asset output.

use codec::{Decode, Encode};

/// One price observation by a publisher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PriceTick {
    /// The asset (pair) identifier, agreed by the topic owner and publishers.
    pub asset_id: u32,
    /// The price as an unsigned fixed-point integer (scale agreed per asset, e.g. 1e18).
    pub price: u128,
    /// When the publisher observed the price (Unix milliseconds); of several ticks by one
    /// publisher for one asset in a batch, the latest observation counts.
    pub observed_at: u64,
}

/// A price tick with its source's label (venue, feed id, or whatever the publisher
/// attaches): SCALE `(PriceTick, Vec<u8>)`. The median aggregator takes an event payload
/// that is exactly one [`PriceTick`] or exactly one `LabelledTick`, and ignores the label.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct LabelledTick {
    /// The observation.
    pub tick: PriceTick,
    /// The source's label.
    pub source: alloc::vec::Vec<u8>,
}

impl LabelledTick {
    /// The payload: the tick, the label.
    pub fn payload(&self) -> alloc::vec::Vec<u8> {
        self.encode()
    }
}

/// The aggregator's configuration (the SCALE bytes of [`crate::BatchHeader::config`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MedianConfig {
    /// A tick is ignored when it is older than this many milliseconds relative to the
    /// asset's reference time in the batch: the median (lower middle) of the publishers'
    /// latest `observed_at`, so a minority cannot shift it with clocks in the future.
    pub max_age_ms: u64,
    /// An asset needs fresh ticks from at least this many distinct publishers, else the
    /// batch outputs nothing for it and reports why.
    pub min_publishers: u32,
}

/// The output for one asset of one batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MedianOutput {
    /// The batch.
    pub batch_number: u64,
    /// The asset.
    pub asset_id: u32,
    /// Median of the publishers' prices (mean of the two middle ones, rounded down, when
    /// their number is even).
    pub median: u128,
    /// Lowest counted price.
    pub min: u128,
    /// Highest counted price.
    pub max: u128,
    /// Distinct publishers counted.
    pub publishers: u32,
    /// The reference time the ages were measured against.
    pub reference_time: u64,
}
