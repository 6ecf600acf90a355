//! A template's machine limits: fixed on chain when the template is uploaded, the same
//! for every validator, enforced by the execution layer.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};

/// Outputs plus reports one batch may emit in total (bytes). The same on every node, so
/// exceeding it is a deterministic guest fault ([`crate::GuestFault::EmittedTooMuch`]);
/// it keeps a guest that yields its 2 MiB tx buffer in a loop from exhausting the host's
/// memory.
pub const MAX_EMITTED_BYTES_PER_BATCH: u64 = 64 << 20;

/// Length of each CMIO buffer (rx and tx) in the Cartesi v0.19 layout: 2 MiB. No input,
/// output or report can be longer.
pub const CMIO_BUFFER_LEN: u32 = 2 << 20;

/// The machine limits of a template: its RAM and the budgets every run of it gets.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen,
)]
#[cfg_attr(feature = "scale-info", derive(scale_info::TypeInfo))]
pub struct MachineLimits {
    /// RAM size in bytes (a non-zero multiple of 4096).
    pub ram_size: u64,
    /// Cycle budget of the boot and of each input.
    pub max_cycles_per_input: u64,
    /// Cycle budget of the whole batch, boot included.
    pub max_cycles_per_batch: u64,
    /// Longest single output or report, in bytes: a longer one is the guest fault
    /// `OutputTooLarge`. All outputs and reports of a batch together are bounded by
    /// [`MAX_EMITTED_BYTES_PER_BATCH`].
    pub max_output_bytes: u32,
}

impl MachineLimits {
    /// The SDK's contract: 128 MiB of RAM, 2·10⁹ cycles per input, no batch budget beyond
    /// that, outputs up to the 2 MiB tx buffer.
    pub const fn sdk_default() -> MachineLimits {
        MachineLimits {
            ram_size: 128 << 20,
            max_cycles_per_input: 2_000_000_000,
            max_cycles_per_batch: u64::MAX,
            max_output_bytes: CMIO_BUFFER_LEN,
        }
    }
}
