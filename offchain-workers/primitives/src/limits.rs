//! A template's machine limits: fixed on chain when the template is uploaded, the same
//! for every validator, enforced by the execution layer.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};

/// Outputs plus reports one batch may emit in total (bytes). The same on every node, so
/// exceeding it is a deterministic guest fault ([`crate::GuestFault::EmittedTooMuch`]);
/// it keeps a guest that yields its 2 MiB tx buffer in a loop from exhausting the host's
/// memory.
pub const MAX_EMITTED_BYTES_PER_BATCH: u64 = 64 << 20;

/// Largest guest RAM (bytes) of a stateful topic's template on any chain: its whole
/// machine state crosses the node's slot-worker frames (512 MiB each) once in and once
/// out per batch, with the batch's inputs and outputs beside it. A chain's own bound
/// (pallet-topics `MaxStatefulRamSize`) may be lower.
pub const MAX_STATEFUL_RAM: u64 = 256 << 20;

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
    /// The SDK's contract: 128 MiB of RAM, 2·10⁹ cycles per input and 8·10⁹ per batch,
    /// outputs up to the 2 MiB tx buffer.
    pub const fn sdk_default() -> MachineLimits {
        MachineLimits {
            ram_size: 128 << 20,
            max_cycles_per_input: 2_000_000_000,
            max_cycles_per_batch: 8_000_000_000,
            max_output_bytes: CMIO_BUFFER_LEN,
        }
    }

    /// The first of these limits that is malformed (zero, a RAM size that is not a
    /// multiple of 4096, a batch budget below the per-input one) or beyond `bounds`.
    pub fn check(&self, bounds: &MachineBounds) -> Result<(), LimitViolation> {
        if self.ram_size == 0 || !self.ram_size.is_multiple_of(PAGE_SIZE) {
            return Err(LimitViolation::RamSizeNotPageMultiple);
        }
        if self.max_cycles_per_input == 0 || self.max_cycles_per_batch < self.max_cycles_per_input {
            return Err(LimitViolation::CycleBudgetsInconsistent);
        }
        if self.max_output_bytes == 0 {
            return Err(LimitViolation::OutputLimitZero);
        }
        if self.ram_size > bounds.max_ram_size {
            return Err(LimitViolation::RamSizeAboveBound);
        }
        if self.max_cycles_per_batch > bounds.max_cycles_per_batch {
            return Err(LimitViolation::CyclesAboveBound);
        }
        if self.max_output_bytes > bounds.max_output_bytes {
            return Err(LimitViolation::OutputBytesAboveBound);
        }
        Ok(())
    }
}

/// The machine page: RAM sizes are multiples of it.
pub const PAGE_SIZE: u64 = 4096;

/// The chain's bounds on every template's [`MachineLimits`] and on the jobs validators
/// run: one set, in the runtime, that a template must fit to be uploaded and that a
/// validator's node must be able to honour to start.
///
/// With them no uploaded template asks for more than every honest validator provides, so
/// a batch no honest node could run never reaches a validator, and no validator is faulted
/// for one.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen,
)]
#[cfg_attr(feature = "scale-info", derive(scale_info::TypeInfo))]
pub struct MachineBounds {
    /// Largest `ram_size` of a template, in bytes: every validator's slots must provide
    /// this much guest RAM.
    pub max_ram_size: u64,
    /// Largest `max_cycles_per_batch` of a template (boot and every input of one batch).
    pub max_cycles_per_batch: u64,
    /// Largest `max_output_bytes` of a template (at most the tx buffer,
    /// [`CMIO_BUFFER_LEN`]).
    pub max_output_bytes: u32,
    /// Most inputs one batch feeds the machine: the batch header (which carries the
    /// topic's configuration), at most this many minus two events, and the end marker.
    pub max_inputs_per_batch: u32,
    /// Longest single input in bytes (an event envelope at the largest payload, or the
    /// header at the longest configuration); at most the rx buffer.
    pub max_input_bytes: u32,
    /// The guest speed, in million cycles per second, every validator is assumed to
    /// sustain: a batch at `max_cycles_per_batch` must finish well inside the attestation
    /// period at this speed. The chain's wall-clock assumption.
    pub reference_mips: u32,
}

impl MachineBounds {
    /// Seconds a batch at the cycle bound takes at the reference speed (rounded up).
    pub fn reference_batch_secs(&self) -> u64 {
        self.max_cycles_per_batch
            .div_ceil(u64::from(self.reference_mips.max(1)).saturating_mul(1_000_000))
    }

    /// The most demanding limits a template may have: the largest of each.
    pub fn worst_case(&self) -> MachineLimits {
        MachineLimits {
            ram_size: self.max_ram_size,
            max_cycles_per_input: self.max_cycles_per_batch,
            max_cycles_per_batch: self.max_cycles_per_batch,
            max_output_bytes: self.max_output_bytes,
        }
    }
}

/// Why a template's [`MachineLimits`] are refused ([`MachineLimits::check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitViolation {
    /// `ram_size` is zero or not a multiple of 4096.
    RamSizeNotPageMultiple,
    /// `max_cycles_per_input` is zero or above `max_cycles_per_batch`.
    CycleBudgetsInconsistent,
    /// `max_output_bytes` is zero.
    OutputLimitZero,
    /// `ram_size` is above [`MachineBounds::max_ram_size`].
    RamSizeAboveBound,
    /// `max_cycles_per_batch` is above [`MachineBounds::max_cycles_per_batch`].
    CyclesAboveBound,
    /// `max_output_bytes` is above [`MachineBounds::max_output_bytes`].
    OutputBytesAboveBound,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> MachineBounds {
        MachineBounds {
            max_ram_size: 1 << 30,
            max_cycles_per_batch: 10_000_000_000,
            max_output_bytes: CMIO_BUFFER_LEN,
            max_inputs_per_batch: 16,
            max_input_bytes: 70_000,
            reference_mips: 200,
        }
    }

    #[test]
    fn the_sdk_default_fits_and_each_violation_is_named() {
        let b = bounds();
        assert_eq!(MachineLimits::sdk_default().check(&b), Ok(()));
        assert_eq!(b.worst_case().check(&b), Ok(()));
        type Case = (fn(&mut MachineLimits), LimitViolation);
        let cases: [Case; 7] = [
            (|l| l.ram_size = 0, LimitViolation::RamSizeNotPageMultiple),
            (|l| l.ram_size += 1, LimitViolation::RamSizeNotPageMultiple),
            (
                |l| l.max_cycles_per_input = 0,
                LimitViolation::CycleBudgetsInconsistent,
            ),
            (
                |l| l.max_cycles_per_input = l.max_cycles_per_batch + 1,
                LimitViolation::CycleBudgetsInconsistent,
            ),
            (|l| l.ram_size = 1 << 40, LimitViolation::RamSizeAboveBound),
            (
                |l| l.max_cycles_per_batch = u64::MAX,
                LimitViolation::CyclesAboveBound,
            ),
            (
                |l| l.max_output_bytes = CMIO_BUFFER_LEN + 1,
                LimitViolation::OutputBytesAboveBound,
            ),
        ];
        for (change, expected) in cases {
            let mut l = MachineLimits::sdk_default();
            change(&mut l);
            assert_eq!(l.check(&b), Err(expected), "{l:?}");
        }
    }

    #[test]
    fn the_reference_time_rounds_up() {
        let mut b = bounds();
        assert_eq!(b.reference_batch_secs(), 50);
        b.max_cycles_per_batch += 1;
        assert_eq!(b.reference_batch_secs(), 51);
    }
}
