//! A frame as the NIC layer knows it: its number, when it was captured, on which
//! interface and link type, and where in the file its block starts.

use std::fmt;

/// A capture timestamp in nanoseconds since the Unix epoch (UTC).
///
/// 64-bit nanoseconds span 1678..2262, which covers every capture we can meet;
/// values outside saturate instead of wrapping (hostile files can say anything).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// From whole seconds and a sub-second count in units of `1 / units_per_sec`.
    pub fn from_parts(secs: i64, frac: u64, units_per_sec: u64) -> Self {
        let units = units_per_sec.max(1);
        let nanos = (frac as u128 * 1_000_000_000 / units as u128) as i128;
        let total = secs as i128 * 1_000_000_000 + nanos;
        Self(total.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
    }

    /// From a count of ticks (pcapng's 64-bit timestamp) at `units_per_sec`.
    pub fn from_ticks(ticks: u64, units_per_sec: u64) -> Self {
        let units = units_per_sec.max(1);
        Self::from_parts((ticks / units) as i64, ticks % units, units)
    }

    /// Seconds (possibly negative) from `earlier` to `self`, as a float for display.
    pub fn secs_since(self, earlier: Timestamp) -> f64 {
        (self.0 as i128 - earlier.0 as i128) as f64 / 1e9
    }

    /// Nanoseconds from `earlier` to `self`, saturating.
    pub fn nanos_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    pub fn secs(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }

    pub fn subsec_nanos(self) -> u32 {
        self.0.rem_euclid(1_000_000_000) as u32
    }
}

impl Timestamp {
    /// `2026-11-23 09:12:45.123456789` (UTC), from days since the epoch (the
    /// civil calendar algorithm of H. Hinnant's date library).
    pub fn utc(self) -> String {
        let secs = self.secs();
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:09}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60,
            self.subsec_nanos()
        )
    }
}

impl fmt::Display for Timestamp {
    /// `seconds.nanoseconds` since the epoch, as tshark's `frame.time_epoch`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.secs(), self.subsec_nanos())
    }
}

/// A link-layer header type, as numbered by tcpdump.org's LINKTYPE_ registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    pub const RAW: LinkType = LinkType(101);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// The name tcpdump and Wireshark use.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "NULL/Loopback",
            1 => "Ethernet",
            12 | 14 | 101 => "Raw IP",
            108 => "OpenBSD loopback",
            113 => "Linux cooked (SLL)",
            228 => "Raw IPv4",
            229 => "Raw IPv6",
            276 => "Linux cooked v2 (SLL2)",
            _ => "unsupported link type",
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

/// What the capture file says about one frame, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameMeta {
    /// 1-based position in the file, as Wireshark numbers frames.
    pub number: u64,
    pub time: Timestamp,
    pub link_type: LinkType,
    /// Bytes present in the file (may be fewer than `orig_len` when the snap length cut it).
    pub cap_len: u32,
    /// Bytes the frame had on the wire.
    pub orig_len: u32,
    /// pcapng interface id (0 for pcap); unique across sections in file order.
    pub interface: u32,
    /// Byte offset of the frame's record/block in the (decompressed) input stream,
    /// so a view can re-read its bytes later.
    pub offset: u64,
    /// pcapng `opt_comment` values of the packet block, joined by newlines.
    pub comment: Option<String>,
}

/// A frame with its captured bytes, borrowed from the reader until the next call.
#[derive(Debug)]
pub struct Frame<'a> {
    pub meta: FrameMeta,
    pub data: &'a [u8],
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn civil_dates() {
        assert_eq!(Timestamp(0).utc(), "1970-01-01 00:00:00.000000000");
        // 2000-02-29 12:34:56.5
        assert_eq!(
            Timestamp(951_827_696_500_000_000).utc(),
            "2000-02-29 12:34:56.500000000"
        );
        assert_eq!(Timestamp(-1).utc(), "1969-12-31 23:59:59.999999999");
    }
}
