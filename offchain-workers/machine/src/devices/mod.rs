//! Device drivers (HTIF, CLINT, PLIC). Their state lives in shadow-state slots, so the
//! drivers only use [`StateAccess`] and work with any backend. Device pages hash as zero.
//!
//! A driver returns `None` to refuse an access (offset or size it does not implement);
//! the interpreter turns that into an access fault.

mod clint;
mod htif;
mod plic;

use crate::interp::{Flow, StateAccess};
use crate::state::pma::Device;

/// Device read of `1 << log2` bytes at `offset` inside the device range.
pub(crate) fn read<S: StateAccess>(s: &mut S, dev: Device, offset: u64, log2: u32) -> Option<u64> {
    match dev {
        Device::Htif => htif::read(s, offset, log2),
        Device::Clint => clint::read(s, offset, log2),
        Device::Plic => plic::read(s, offset, log2),
        Device::ShadowState | Device::ShadowTlb => None,
    }
}

/// Device write; `Some(flow)` on success.
pub(crate) fn write<S: StateAccess>(
    s: &mut S,
    dev: Device,
    offset: u64,
    log2: u32,
    value: u64,
) -> Option<Flow> {
    match dev {
        Device::Htif => htif::write(s, offset, log2, value),
        Device::Clint => clint::write(s, offset, log2, value),
        Device::Plic => plic::write(s, offset, log2, value),
        Device::ShadowState | Device::ShadowTlb => None,
    }
}
