//! The price templates' formats: price ticks (event payloads, shared by both), and the
//! configuration and per-asset output of the median aggregator (`median`, stateless) and
//! of the price feed (`price-feed`, stateful: TWAP and EMA across windows).

use codec::{Decode, Encode};
use core::fmt;

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

// The stateful price feed (template `price-feed`).

/// The EMA's smoothing factor is `ema_alpha_ppm / ALPHA_SCALE`.
pub const ALPHA_SCALE: u32 = 1_000_000;
/// Most windows a TWAP may span.
pub const MAX_TWAP_WINDOWS: u32 = 256;
/// Most assets a topic may track (bounds the machine state).
pub const MAX_ASSETS: u32 = 4_096;

/// The price feed's configuration (the SCALE bytes of [`crate::BatchHeader::config`]).
/// A topic's config is fixed at registration, so it is the same for every batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PriceFeedConfig {
    /// A tick older than this many milliseconds before the asset's reference time in the
    /// window (the lower median of the publishers' latest observation times) is ignored.
    pub max_age_ms: u64,
    /// A window's median needs fresh ticks from at least this many distinct publishers.
    pub min_publishers: u32,
    /// The TWAP spans this many of the asset's latest windows that had a median
    /// (1..=[`MAX_TWAP_WINDOWS`]).
    pub twap_windows: u32,
    /// The EMA's smoothing factor in parts per million (1..=[`ALPHA_SCALE`]): each new
    /// median moves the EMA by this fraction of the difference.
    pub ema_alpha_ppm: u32,
    /// Most assets tracked (1..=[`MAX_ASSETS`]); ticks for a new asset beyond it are
    /// rejected.
    pub max_assets: u32,
}

/// A configuration the price feed refuses (the header is rejected and the batch ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// `min_publishers` is 0.
    NoPublishersRequired,
    /// `twap_windows` is 0 or above [`MAX_TWAP_WINDOWS`].
    TwapWindows(u32),
    /// `ema_alpha_ppm` is 0 or above [`ALPHA_SCALE`].
    EmaAlpha(u32),
    /// `max_assets` is 0 or above [`MAX_ASSETS`].
    MaxAssets(u32),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoPublishersRequired => write!(f, "min_publishers must be at least 1"),
            ConfigError::TwapWindows(n) => {
                write!(f, "twap_windows {n} is outside 1..={MAX_TWAP_WINDOWS}")
            }
            ConfigError::EmaAlpha(a) => write!(f, "ema_alpha_ppm {a} is outside 1..={ALPHA_SCALE}"),
            ConfigError::MaxAssets(n) => write!(f, "max_assets {n} is outside 1..={MAX_ASSETS}"),
        }
    }
}

impl PriceFeedConfig {
    /// Checks the bounds of every field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.min_publishers == 0 {
            return Err(ConfigError::NoPublishersRequired);
        }
        if !(1..=MAX_TWAP_WINDOWS).contains(&self.twap_windows) {
            return Err(ConfigError::TwapWindows(self.twap_windows));
        }
        if !(1..=ALPHA_SCALE).contains(&self.ema_alpha_ppm) {
            return Err(ConfigError::EmaAlpha(self.ema_alpha_ppm));
        }
        if !(1..=MAX_ASSETS).contains(&self.max_assets) {
            return Err(ConfigError::MaxAssets(self.max_assets));
        }
        Ok(())
    }
}

/// The rule that held a window's median back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum HeldBack {
    /// Fewer distinct publishers had a fresh tick than `min_publishers` (no tick at all
    /// in the window is `fresh: 0, total: 0`). The TWAP and EMA keep their last values.
    #[codec(index = 0)]
    TooFewPublishers {
        /// Publishers with a fresh tick.
        fresh: u32,
        /// Publishers with any tick in the window.
        total: u32,
        /// `min_publishers`.
        required: u32,
    },
}

/// The output for one tracked asset at the end of one window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PriceFeedOutput {
    /// The batch (window).
    pub batch_number: u64,
    /// The asset.
    pub asset_id: u32,
    /// The window's median, unless a rule held it back.
    pub median: Option<u128>,
    /// The rule that held the median back, if one did.
    pub held_back: Option<HeldBack>,
    /// Distinct publishers whose ticks made the median (0 when held back).
    pub publishers: u32,
    /// Mean of the last `windows` medians, each weighted by its window's length in
    /// blocks, rounded down; `None` before the asset's first median.
    pub twap: Option<u128>,
    /// Windows the TWAP spans (at most `twap_windows`).
    pub windows: u32,
    /// Exponential moving average of the medians (the first median starts it); `None`
    /// before the first.
    pub ema: Option<u128>,
}
