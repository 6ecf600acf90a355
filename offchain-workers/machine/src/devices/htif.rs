//! HTIF (docs/cartesi-v0.19.md §4): 64-bit registers tohost, fromhost, ihalt, iconsole, iyield.

use crate::constants::{htif as h, reg};
use crate::interp::{Flow, StateAccess};

pub(super) fn read<S: StateAccess>(s: &mut S, offset: u64, log2: u32) -> Option<u64> {
    if log2 != 3 {
        return None;
    }
    let slot = match offset {
        h::TOHOST => reg::HTIF_TOHOST,
        h::FROMHOST => reg::HTIF_FROMHOST,
        h::IHALT => reg::HTIF_IHALT,
        h::ICONSOLE => reg::HTIF_ICONSOLE,
        h::IYIELD => reg::HTIF_IYIELD,
        _ => return None,
    };
    Some(s.reg(slot))
}

pub(super) fn write<S: StateAccess>(s: &mut S, offset: u64, log2: u32, value: u64) -> Option<Flow> {
    if log2 != 3 {
        return None;
    }
    match offset {
        h::TOHOST => Some(write_tohost(s, value)),
        h::FROMHOST => {
            s.set_reg(reg::HTIF_FROMHOST, value);
            Some(Flow::Next)
        }
        _ => None,
    }
}

/// Stores tohost and dispatches the command (docs/cartesi-v0.19.md §4.3).
fn write_tohost<S: StateAccess>(s: &mut S, value: u64) -> Flow {
    s.set_reg(reg::HTIF_TOHOST, value);
    let dev = value >> 56;
    let cmd = (value >> 48) & 0xFF;
    let data = value & 0xFFFF_FFFF;
    match dev {
        h::DEV_HALT => {
            if cmd == 0 && data & 1 != 0 && s.reg(reg::HTIF_IHALT) & 1 != 0 {
                s.set_reg(reg::IFLAGS_H, 1);
                return Flow::Stop;
            }
            Flow::Next
        }
        h::DEV_CONSOLE => {
            if cmd == h::CMD_PUTCHAR && s.reg(reg::HTIF_ICONSOLE) & h::ICONSOLE_PUTCHAR != 0 {
                s.putchar(data as u8);
                s.set_reg(
                    reg::HTIF_FROMHOST,
                    (h::DEV_CONSOLE << 56) | (h::CMD_PUTCHAR << 48),
                );
            }
            // getchar is never enabled in reproducible machines.
            Flow::Next
        }
        h::DEV_YIELD => {
            let mask = s.reg(reg::HTIF_IYIELD);
            if cmd == h::CMD_YIELD_MANUAL && mask & h::IYIELD_MANUAL != 0 {
                s.set_reg(reg::IFLAGS_Y, 1);
                s.set_reg(
                    reg::HTIF_FROMHOST,
                    (h::DEV_YIELD << 56) | (h::CMD_YIELD_MANUAL << 48),
                );
                Flow::Stop
            } else if cmd == h::CMD_YIELD_AUTOMATIC && mask & h::IYIELD_AUTOMATIC != 0 {
                s.set_reg(reg::IFLAGS_X, 1);
                s.set_reg(
                    reg::HTIF_FROMHOST,
                    (h::DEV_YIELD << 56) | (h::CMD_YIELD_AUTOMATIC << 48),
                );
                Flow::Stop
            } else {
                Flow::Next
            }
        }
        _ => Flow::Next,
    }
}
