//! Writing capture files: classic libpcap (µs or ns, either byte order, and
//! Kuznetzov's "modified" variant) and pcapng (sections, interfaces with any
//! `if_tsresol`, Enhanced, Simple and Obsolete Packet Blocks, comments).
//!
//! This module owns the on-disk layout of what sockscope writes: the lab feature
//! writes real captures with it, and tests build captures in memory with it. It
//! never panics: lengths that do not fit their fields are refused with
//! [`io::ErrorKind::InvalidInput`], and timestamps outside what a field can hold
//! are clamped (a time before 1970 is written as the epoch).

use std::io;

use super::frame::Timestamp;

mod buf;
mod pcap;
mod pcapng;
#[cfg(test)]
mod tests;

pub use pcap::{PcapWriter, TsPrecision};
pub use pcapng::PcapngWriter;

pub(super) const NANOS_PER_SEC: u64 = 1_000_000_000;

/// pcapng block types.
pub(super) const SHB_TYPE: u32 = 0x0A0D_0D0A;
pub(super) const IDB_TYPE: u32 = 0x0000_0001;
pub(super) const OPB_TYPE: u32 = 0x0000_0002;
pub(super) const SPB_TYPE: u32 = 0x0000_0003;
pub(super) const EPB_TYPE: u32 = 0x0000_0006;

/// pcapng option codes.
pub(super) const OPT_ENDOFOPT: u16 = 0;
pub(super) const OPT_COMMENT: u16 = 1;
pub(super) const SHB_USERAPPL: u16 = 4;
pub(super) const IF_NAME: u16 = 2;
pub(super) const IF_TSRESOL: u16 = 9;

/// `if_tsresol` when the option is absent: 10^-6 s.
pub(super) const DEFAULT_TSRESOL: u8 = 6;

/// The application name written in every Section Header Block.
pub(super) const USER_APPL: &str = "sockscope";

pub(super) fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

pub(super) fn len_u32(n: usize, what: &str) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| invalid(what))
}

/// Nanoseconds since the epoch, with times before 1970 clamped to 0.
pub(super) fn nanos_since_epoch(time: Timestamp) -> u64 {
    u64::try_from(time.0).unwrap_or(0)
}

/// Seconds and sub-second units (`units_per_sec` of 1e6 or 1e9) for a pcap record,
/// clamped to what a u32 seconds field can hold.
pub(super) fn pcap_ts(time: Timestamp, units_per_sec: u64) -> (u32, u32) {
    let nanos = nanos_since_epoch(time);
    let divisor = NANOS_PER_SEC / units_per_sec;
    match u32::try_from(nanos / NANOS_PER_SEC) {
        Ok(secs) => (
            secs,
            u32::try_from((nanos % NANOS_PER_SEC) / divisor).unwrap_or(u32::MAX),
        ),
        Err(_) => (
            u32::MAX,
            u32::try_from(units_per_sec - 1).unwrap_or(u32::MAX),
        ),
    }
}

/// Ticks since the epoch at an `if_tsresol` resolution (10^-n, or 2^-n when the
/// high bit is set), saturating when the value does not fit in 64 bits.
pub(super) fn ticks(time: Timestamp, tsresol: u8) -> u64 {
    let nanos = nanos_since_epoch(time);
    if nanos == 0 {
        return 0;
    }
    let exp = u32::from(tsresol & 0x7f);
    let units_per_sec = if tsresol & 0x80 != 0 {
        1u128.checked_shl(exp)
    } else {
        10u128.checked_pow(exp)
    };
    match units_per_sec.and_then(|units| u128::from(nanos).checked_mul(units)) {
        Some(scaled) => u64::try_from(scaled / u128::from(NANOS_PER_SEC)).unwrap_or(u64::MAX),
        None => u64::MAX,
    }
}
