//! Classic libpcap files: µs or ns, either byte order, and Kuznetzov's
//! "modified" variant.

use std::io::{self, Write};

use super::buf::Buf;
use super::{len_u32, pcap_ts, NANOS_PER_SEC};
use crate::capture::frame::{LinkType, Timestamp};

/// Sub-second precision of a classic pcap file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TsPrecision {
    /// Microseconds (magic `a1b2c3d4`).
    Micro,
    /// Nanoseconds (magic `a1b23c4d`).
    Nano,
}

/// Classic libpcap format.
pub struct PcapWriter<W: Write> {
    out: W,
    big_endian: bool,
    precision: TsPrecision,
    modified: bool,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the global header. magic a1b2c3d4 (µs) / a1b23c4d (ns), version 2.4, thiszone 0, sigfigs 0.
    pub fn new(
        out: W,
        link: LinkType,
        snaplen: u32,
        precision: TsPrecision,
        big_endian: bool,
    ) -> io::Result<Self> {
        let magic = match precision {
            TsPrecision::Micro => 0xa1b2_c3d4,
            TsPrecision::Nano => 0xa1b2_3c4d,
        };
        Self::start(out, magic, link, snaplen, precision, big_endian, false)
    }

    /// Kuznetzov's "modified" pcap (magic a1b2cd34, µs, each record header has 8 extra
    /// bytes: ifindex u32, protocol u16, pkt_type u8, pad u8), little-endian.
    ///
    /// The extra bytes are written as zeros.
    pub fn new_modified(out: W, link: LinkType, snaplen: u32) -> io::Result<Self> {
        Self::start(
            out,
            0xa1b2_cd34,
            link,
            snaplen,
            TsPrecision::Micro,
            false,
            true,
        )
    }

    fn start(
        mut out: W,
        magic: u32,
        link: LinkType,
        snaplen: u32,
        precision: TsPrecision,
        big_endian: bool,
        modified: bool,
    ) -> io::Result<Self> {
        let mut b = Buf::new(big_endian);
        b.u32(magic);
        b.u16(2); // version_major
        b.u16(4); // version_minor
        b.u32(0); // thiszone
        b.u32(0); // sigfigs
        b.u32(snaplen);
        b.u32(link.0);
        out.write_all(&b.bytes)?;
        Ok(Self {
            out,
            big_endian,
            precision,
            modified,
        })
    }

    /// Writes one record; `data` is the captured bytes (caplen = data.len()), orig_len the wire length.
    pub fn write_packet(&mut self, time: Timestamp, data: &[u8], orig_len: u32) -> io::Result<()> {
        let caplen = len_u32(data.len(), "pcap record too long")?;
        let units = match self.precision {
            TsPrecision::Micro => 1_000_000,
            TsPrecision::Nano => NANOS_PER_SEC,
        };
        let (secs, frac) = pcap_ts(time, units);
        let mut b = Buf::new(self.big_endian);
        b.u32(secs);
        b.u32(frac);
        b.u32(caplen);
        b.u32(orig_len);
        if self.modified {
            b.u32(0); // ifindex
            b.u16(0); // protocol
            b.u8(0); // pkt_type
            b.u8(0); // pad
        }
        self.out.write_all(&b.bytes)?;
        self.out.write_all(data)
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}
