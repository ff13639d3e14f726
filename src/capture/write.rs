//! Writing capture files: classic libpcap (µs or ns, either byte order, and
//! Kuznetzov's "modified" variant) and pcapng (sections, interfaces with any
//! `if_tsresol`, Enhanced, Simple and Obsolete Packet Blocks, comments).
//!
//! This module owns the on-disk layout of what sockscope writes: the lab feature
//! writes real captures with it, and tests build captures in memory with it. It
//! never panics: lengths that do not fit their fields are refused with
//! [`io::ErrorKind::InvalidInput`], and timestamps outside what a field can hold
//! are clamped (a time before 1970 is written as the epoch).

use std::io::{self, Write};

use super::frame::{LinkType, Timestamp};

/// Sub-second precision of a classic pcap file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TsPrecision {
    /// Microseconds (magic `a1b2c3d4`).
    Micro,
    /// Nanoseconds (magic `a1b23c4d`).
    Nano,
}

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// pcapng block types.
const SHB_TYPE: u32 = 0x0A0D_0D0A;
const IDB_TYPE: u32 = 0x0000_0001;
const OPB_TYPE: u32 = 0x0000_0002;
const SPB_TYPE: u32 = 0x0000_0003;
const EPB_TYPE: u32 = 0x0000_0006;

/// pcapng option codes.
const OPT_ENDOFOPT: u16 = 0;
const OPT_COMMENT: u16 = 1;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;
const IF_TSRESOL: u16 = 9;

/// `if_tsresol` when the option is absent: 10^-6 s.
const DEFAULT_TSRESOL: u8 = 6;

/// The application name written in every Section Header Block.
const USER_APPL: &str = "sockscope";

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

fn len_u32(n: usize, what: &str) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| invalid(what))
}

/// Nanoseconds since the epoch, with times before 1970 clamped to 0.
fn nanos_since_epoch(time: Timestamp) -> u64 {
    u64::try_from(time.0).unwrap_or(0)
}

/// Seconds and sub-second units (`units_per_sec` of 1e6 or 1e9) for a pcap record,
/// clamped to what a u32 seconds field can hold.
fn pcap_ts(time: Timestamp, units_per_sec: u64) -> (u32, u32) {
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
fn ticks(time: Timestamp, tsresol: u8) -> u64 {
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

/// A byte buffer that writes integers in one byte order.
struct Buf {
    bytes: Vec<u8>,
    big_endian: bool,
}

impl Buf {
    fn new(big_endian: bool) -> Self {
        Self {
            bytes: Vec::new(),
            big_endian,
        }
    }

    fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    fn u16(&mut self, v: u16) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    fn u32(&mut self, v: u32) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    fn u64(&mut self, v: u64) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    fn raw(&mut self, data: &[u8]) {
        self.bytes.extend_from_slice(data);
    }

    /// Zero bytes up to the next multiple of 4.
    fn pad32(&mut self) {
        let padded = self.bytes.len().next_multiple_of(4);
        self.bytes.resize(padded, 0);
    }

    /// A pcapng option: code, length, value padded to 32 bits.
    fn option(&mut self, code: u16, value: &[u8]) -> io::Result<()> {
        let len = u16::try_from(value.len()).map_err(|_| invalid("pcapng option too long"))?;
        self.u16(code);
        self.u16(len);
        self.raw(value);
        self.pad32();
        Ok(())
    }

    fn end_of_options(&mut self) {
        self.u16(OPT_ENDOFOPT);
        self.u16(0);
    }

    /// `opt_comment` then `opt_endofopt` when there is a comment; nothing otherwise.
    /// One opt_comment per line (the option may repeat, and readers join
    /// them with newlines), so many lines stay under the 65,535-octet limit
    /// of one option.
    fn comment_options(&mut self, comment: Option<&str>) -> io::Result<()> {
        if let Some(text) = comment {
            for line in text.split('\n') {
                self.option(OPT_COMMENT, line.as_bytes())?;
            }
            self.end_of_options();
        }
        Ok(())
    }
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

/// pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html).
pub struct PcapngWriter<W: Write> {
    out: W,
    big_endian: bool,
    /// `if_tsresol` of each interface of the current section, by id.
    interfaces: Vec<u8>,
}

impl<W: Write> PcapngWriter<W> {
    /// Writes a Section Header Block (byte order magic 1A2B3C4D in the chosen order,
    /// version 1.0, section length -1) with an shb_userappl option "sockscope".
    pub fn new(out: W, big_endian: bool) -> io::Result<Self> {
        let mut writer = Self {
            out,
            big_endian,
            interfaces: Vec::new(),
        };
        writer.new_section()?;
        Ok(writer)
    }

    /// Starts a new section (another SHB); interface ids restart at 0 in it.
    pub fn new_section(&mut self) -> io::Result<()> {
        let mut body = self.buf();
        body.u32(0x1A2B_3C4D);
        body.u16(1); // major
        body.u16(0); // minor
        body.u64(u64::MAX); // section length -1: not given
        body.option(SHB_USERAPPL, USER_APPL.as_bytes())?;
        body.end_of_options();
        self.block(SHB_TYPE, body)?;
        self.interfaces.clear();
        Ok(())
    }

    /// Writes an Interface Description Block; returns its id within the section.
    /// `tsresol`: None = no if_tsresol option (default 10^-6); Some(9) = ns; a value
    /// with the high bit set means a power of two (as the spec says). Options if_name (2)
    /// and if_tsresol (9) when given, then opt_endofopt.
    ///
    /// Any `tsresol` byte is written as given; packet timestamps for a resolution too
    /// fine for 64 bits saturate.
    pub fn add_interface(
        &mut self,
        link: LinkType,
        snaplen: u32,
        name: Option<&str>,
        tsresol: Option<u8>,
    ) -> io::Result<u32> {
        let id = len_u32(self.interfaces.len(), "too many interfaces")?;
        let link16 =
            u16::try_from(link.0).map_err(|_| invalid("link type does not fit in pcapng"))?;
        let mut body = self.buf();
        body.u16(link16);
        body.u16(0); // reserved
        body.u32(snaplen);
        if name.is_some() || tsresol.is_some() {
            if let Some(name) = name {
                body.option(IF_NAME, name.as_bytes())?;
            }
            if let Some(resol) = tsresol {
                body.option(IF_TSRESOL, &[resol])?;
            }
            body.end_of_options();
        }
        self.block(IDB_TYPE, body)?;
        self.interfaces.push(tsresol.unwrap_or(DEFAULT_TSRESOL));
        Ok(id)
    }

    /// Enhanced Packet Block; timestamp expressed in that interface's resolution;
    /// `comment` as opt_comment (code 1) if Some.
    ///
    /// An interface id not declared in this section is written as given, with the
    /// timestamp in the default resolution (µs).
    pub fn write_epb(
        &mut self,
        interface: u32,
        time: Timestamp,
        data: &[u8],
        orig_len: u32,
        comment: Option<&str>,
    ) -> io::Result<()> {
        let caplen = len_u32(data.len(), "packet too long")?;
        let ts = ticks(time, self.resolution(interface));
        let mut body = self.buf();
        body.u32(interface);
        body.u32((ts >> 32) as u32);
        body.u32(ts as u32);
        body.u32(caplen);
        body.u32(orig_len);
        body.raw(data);
        body.pad32();
        body.comment_options(comment)?;
        self.block(EPB_TYPE, body)
    }

    /// Simple Packet Block (no timestamp, interface 0).
    pub fn write_spb(&mut self, data: &[u8], orig_len: u32) -> io::Result<()> {
        let mut body = self.buf();
        body.u32(orig_len);
        body.raw(data);
        body.pad32();
        self.block(SPB_TYPE, body)
    }

    /// Obsolete Packet Block (type 2): interface_id u16, drops_count u16, ts high/low,
    /// caplen, len, data, options (opt_comment if Some).
    ///
    /// drops_count is written as 0; an interface id above 65535 is refused.
    pub fn write_opb(
        &mut self,
        interface: u32,
        time: Timestamp,
        data: &[u8],
        orig_len: u32,
        comment: Option<&str>,
    ) -> io::Result<()> {
        let if16 =
            u16::try_from(interface).map_err(|_| invalid("interface id does not fit in OPB"))?;
        let caplen = len_u32(data.len(), "packet too long")?;
        let ts = ticks(time, self.resolution(interface));
        let mut body = self.buf();
        body.u16(if16);
        body.u16(0); // drops_count
        body.u32((ts >> 32) as u32);
        body.u32(ts as u32);
        body.u32(caplen);
        body.u32(orig_len);
        body.raw(data);
        body.pad32();
        body.comment_options(comment)?;
        self.block(OPB_TYPE, body)
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn buf(&self) -> Buf {
        Buf::new(self.big_endian)
    }

    fn resolution(&self, interface: u32) -> u8 {
        usize::try_from(interface)
            .ok()
            .and_then(|i| self.interfaces.get(i).copied())
            .unwrap_or(DEFAULT_TSRESOL)
    }

    /// Writes type, total length, the (already padded) body, total length.
    fn block(&mut self, block_type: u32, body: Buf) -> io::Result<()> {
        let total = body
            .bytes
            .len()
            .checked_add(12)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| invalid("pcapng block too long"))?;
        let mut b = self.buf();
        b.u32(block_type);
        b.u32(total);
        b.raw(&body.bytes);
        b.u32(total);
        self.out.write_all(&b.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcap_parser::pcapng::Block;
    use pcap_parser::{PcapBlockOwned, PcapError, PcapNGOption};

    /// What pcap-parser saw, owned so the reader can move on.
    #[derive(Debug, Clone, PartialEq)]
    enum Rec {
        PcapHeader {
            magic: u32,
            version: (u16, u16),
            snaplen: u32,
            link: i32,
            nanos: bool,
            big: bool,
            modified: bool,
        },
        Pcap {
            secs: u32,
            frac: u32,
            caplen: u32,
            origlen: u32,
            data: Vec<u8>,
        },
        Shb {
            big: bool,
            version: (u16, u16),
            section_len: i64,
            userappl: Option<Vec<u8>>,
            len1: u32,
            len2: u32,
        },
        Idb {
            link: i32,
            snaplen: u32,
            name: Option<Vec<u8>>,
            tsresol: Option<u8>,
            len1: u32,
            len2: u32,
        },
        Epb {
            if_id: u32,
            ticks: u64,
            caplen: u32,
            origlen: u32,
            data: Vec<u8>,
            comments: Vec<Vec<u8>>,
            len1: u32,
            len2: u32,
        },
        Spb {
            origlen: u32,
            data: Vec<u8>,
        },
        Unknown {
            block_type: u32,
            data: Vec<u8>,
            len1: u32,
            len2: u32,
        },
        Other,
    }

    fn opt(options: &[PcapNGOption], code: u16) -> Vec<Vec<u8>> {
        options
            .iter()
            .filter(|o| o.code.0 == code)
            .map(|o| o.value()[..usize::from(o.len)].to_vec())
            .collect()
    }

    fn convert(block: PcapBlockOwned) -> Rec {
        match block {
            PcapBlockOwned::LegacyHeader(h) => Rec::PcapHeader {
                magic: h.magic_number,
                version: (h.version_major, h.version_minor),
                snaplen: h.snaplen,
                link: h.network.0,
                nanos: h.is_nanosecond_precision(),
                big: h.is_bigendian(),
                modified: h.is_modified_format(),
            },
            PcapBlockOwned::Legacy(b) => Rec::Pcap {
                secs: b.ts_sec,
                frac: b.ts_usec,
                caplen: b.caplen,
                origlen: b.origlen,
                data: b.data.to_vec(),
            },
            PcapBlockOwned::NG(Block::SectionHeader(s)) => Rec::Shb {
                big: s.big_endian(),
                version: (s.major_version, s.minor_version),
                section_len: s.section_len,
                userappl: opt(&s.options, SHB_USERAPPL).into_iter().next(),
                len1: s.block_len1,
                len2: s.block_len2,
            },
            PcapBlockOwned::NG(Block::InterfaceDescription(i)) => Rec::Idb {
                link: i.linktype.0,
                snaplen: i.snaplen,
                name: opt(&i.options, IF_NAME).into_iter().next(),
                tsresol: opt(&i.options, IF_TSRESOL)
                    .first()
                    .and_then(|v| v.first().copied()),
                len1: i.block_len1,
                len2: i.block_len2,
            },
            PcapBlockOwned::NG(Block::EnhancedPacket(e)) => Rec::Epb {
                if_id: e.if_id,
                ticks: (u64::from(e.ts_high) << 32) | u64::from(e.ts_low),
                caplen: e.caplen,
                origlen: e.origlen,
                data: e.data[..e.caplen as usize].to_vec(),
                comments: opt(&e.options, OPT_COMMENT),
                len1: e.block_len1,
                len2: e.block_len2,
            },
            PcapBlockOwned::NG(Block::SimplePacket(s)) => Rec::Spb {
                origlen: s.origlen,
                data: s.data.to_vec(),
            },
            PcapBlockOwned::NG(Block::Unknown(u)) => Rec::Unknown {
                block_type: u.block_type,
                data: u.data.to_vec(),
                len1: u.block_len1,
                len2: u.block_len2,
            },
            PcapBlockOwned::NG(_) => Rec::Other,
        }
    }

    fn read_all(bytes: &[u8]) -> Vec<Rec> {
        let mut reader = pcap_parser::create_reader(65536, bytes).expect("recognised capture");
        let mut out = Vec::new();
        loop {
            match reader.next() {
                Ok((offset, block)) => {
                    out.push(convert(block));
                    reader.consume(offset);
                }
                Err(PcapError::Eof) => break,
                Err(PcapError::Incomplete(_)) => reader.refill().expect("refill"),
                Err(e) => panic!("parse error: {e:?}"),
            }
        }
        out
    }

    /// Walks the raw pcapng blocks, checking both length fields and 32-bit padding.
    fn check_block_framing(bytes: &[u8], big: bool) -> Vec<u32> {
        let rd = |at: usize| {
            let b: [u8; 4] = bytes[at..at + 4].try_into().expect("4 bytes");
            if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        let mut types = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let len = rd(at + 4) as usize;
            assert_eq!(len % 4, 0, "block at {at} not padded");
            assert!(len >= 12);
            assert_eq!(rd(at + len - 4) as usize, len, "trailing length at {at}");
            types.push(rd(at));
            at += len;
        }
        assert_eq!(at, bytes.len());
        types
    }

    fn ts(secs: i64, nanos: u64) -> Timestamp {
        Timestamp::from_parts(secs, nanos, NANOS_PER_SEC)
    }

    fn pcap_bytes(precision: TsPrecision, big: bool) -> Vec<u8> {
        let mut w =
            PcapWriter::new(Vec::new(), LinkType::ETHERNET, 65535, precision, big).expect("header");
        w.write_packet(ts(1_700_000_000, 123_456_789), b"hello", 60)
            .expect("packet");
        w.write_packet(ts(1_700_000_001, 5), &[1, 2, 3], 3)
            .expect("packet");
        w.into_inner()
    }

    #[test]
    fn pcap_micro_little_endian() {
        let bytes = pcap_bytes(TsPrecision::Micro, false);
        assert_eq!(&bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        let recs = read_all(&bytes);
        assert_eq!(
            recs,
            vec![
                Rec::PcapHeader {
                    magic: 0xa1b2_c3d4,
                    version: (2, 4),
                    snaplen: 65535,
                    link: 1,
                    nanos: false,
                    big: false,
                    modified: false,
                },
                Rec::Pcap {
                    secs: 1_700_000_000,
                    frac: 123_456,
                    caplen: 5,
                    origlen: 60,
                    data: b"hello".to_vec(),
                },
                Rec::Pcap {
                    secs: 1_700_000_001,
                    frac: 0,
                    caplen: 3,
                    origlen: 3,
                    data: vec![1, 2, 3],
                },
            ]
        );
    }

    #[test]
    fn pcap_nano_big_endian() {
        let bytes = pcap_bytes(TsPrecision::Nano, true);
        assert_eq!(&bytes[..4], &[0xa1, 0xb2, 0x3c, 0x4d]);
        let recs = read_all(&bytes);
        assert_eq!(recs.len(), 3);
        match &recs[0] {
            Rec::PcapHeader {
                nanos,
                big,
                link,
                snaplen,
                version,
                ..
            } => {
                assert!(*nanos);
                assert!(*big);
                assert_eq!(*link, 1);
                assert_eq!(*snaplen, 65535);
                assert_eq!(*version, (2, 4));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            recs[1],
            Rec::Pcap {
                secs: 1_700_000_000,
                frac: 123_456_789,
                caplen: 5,
                origlen: 60,
                data: b"hello".to_vec(),
            }
        );
        assert_eq!(
            recs[2],
            Rec::Pcap {
                secs: 1_700_000_001,
                frac: 5,
                caplen: 3,
                origlen: 3,
                data: vec![1, 2, 3],
            }
        );
    }

    #[test]
    fn pcap_nano_little_endian_header_bytes() {
        let bytes = pcap_bytes(TsPrecision::Nano, false);
        assert_eq!(
            &bytes[..24],
            &[
                0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0,
                0, 0
            ]
        );
    }

    #[test]
    fn pcap_modified() {
        let mut w =
            PcapWriter::new_modified(Vec::new(), LinkType::LINUX_SLL, 262_144).expect("header");
        w.write_packet(ts(1_600_000_000, 999_999_999), &[9; 17], 1500)
            .expect("packet");
        w.write_packet(ts(1_600_000_002, 0), &[7; 4], 4)
            .expect("packet");
        let bytes = w.into_inner();
        assert_eq!(&bytes[..4], &[0x34, 0xcd, 0xb2, 0xa1]);
        // 24 header + 2 * 24 record headers + data
        assert_eq!(bytes.len(), 24 + 24 + 17 + 24 + 4);
        let recs = read_all(&bytes);
        match &recs[0] {
            Rec::PcapHeader {
                modified,
                link,
                magic,
                ..
            } => {
                assert!(*modified);
                assert_eq!(*magic, 0xa1b2_cd34);
                assert_eq!(*link, 113);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            recs[1..],
            [
                Rec::Pcap {
                    secs: 1_600_000_000,
                    frac: 999_999,
                    caplen: 17,
                    origlen: 1500,
                    data: vec![9; 17],
                },
                Rec::Pcap {
                    secs: 1_600_000_002,
                    frac: 0,
                    caplen: 4,
                    origlen: 4,
                    data: vec![7; 4],
                },
            ]
        );
    }

    #[test]
    fn pcap_clamps_out_of_range_times() {
        let mut w = PcapWriter::new(Vec::new(), LinkType::RAW, 100, TsPrecision::Micro, false)
            .expect("header");
        w.write_packet(Timestamp(-5_000_000_000), &[1], 1)
            .expect("pre-1970");
        w.write_packet(Timestamp(i64::MAX), &[2], 1)
            .expect("far future");
        let recs = read_all(&w.into_inner());
        assert_eq!(
            recs[1],
            Rec::Pcap {
                secs: 0,
                frac: 0,
                caplen: 1,
                origlen: 1,
                data: vec![1]
            }
        );
        assert_eq!(
            recs[2],
            Rec::Pcap {
                secs: u32::MAX,
                frac: 999_999,
                caplen: 1,
                origlen: 1,
                data: vec![2]
            }
        );
    }

    fn pcapng_bytes(big: bool) -> Vec<u8> {
        let mut w = PcapngWriter::new(Vec::new(), big).expect("shb");
        let eth = w
            .add_interface(LinkType::ETHERNET, 65535, Some("eth0"), None)
            .expect("idb");
        let raw = w
            .add_interface(LinkType::RAW, 262_144, None, Some(9))
            .expect("idb");
        assert_eq!((eth, raw), (0, 1));
        w.write_epb(eth, ts(1_700_000_000, 123_456_789), b"abcde", 60, None)
            .expect("epb");
        w.write_epb(
            raw,
            ts(1_700_000_000, 123_456_789),
            b"xyz",
            3,
            Some("a comment"),
        )
        .expect("epb");
        w.write_spb(&[1, 2, 3, 4, 5, 6], 6).expect("spb");
        w.into_inner()
    }

    fn check_pcapng(big: bool) {
        let bytes = pcapng_bytes(big);
        let bom = if big {
            [0x1a, 0x2b, 0x3c, 0x4d]
        } else {
            [0x4d, 0x3c, 0x2b, 0x1a]
        };
        assert_eq!(&bytes[8..12], &bom);
        assert_eq!(
            check_block_framing(&bytes, big),
            vec![SHB_TYPE, IDB_TYPE, IDB_TYPE, EPB_TYPE, EPB_TYPE, SPB_TYPE]
        );
        let recs = read_all(&bytes);
        assert_eq!(recs.len(), 6);
        match &recs[0] {
            Rec::Shb {
                big: b,
                version,
                section_len,
                userappl,
                len1,
                len2,
            } => {
                assert_eq!(*b, big);
                assert_eq!(*version, (1, 0));
                assert_eq!(*section_len, -1);
                assert_eq!(userappl.as_deref(), Some(&b"sockscope"[..]));
                assert_eq!(len1, len2);
            }
            other => panic!("{other:?}"),
        }
        match &recs[1] {
            Rec::Idb {
                link,
                snaplen,
                name,
                tsresol,
                ..
            } => {
                assert_eq!(*link, 1);
                assert_eq!(*snaplen, 65535);
                assert_eq!(name.as_deref(), Some(&b"eth0"[..]));
                assert_eq!(*tsresol, None);
            }
            other => panic!("{other:?}"),
        }
        match &recs[2] {
            Rec::Idb {
                link,
                snaplen,
                name,
                tsresol,
                ..
            } => {
                assert_eq!(*link, 101);
                assert_eq!(*snaplen, 262_144);
                assert_eq!(*name, None);
                assert_eq!(*tsresol, Some(9));
            }
            other => panic!("{other:?}"),
        }
        match &recs[3] {
            Rec::Epb {
                if_id,
                ticks,
                caplen,
                origlen,
                data,
                comments,
                ..
            } => {
                assert_eq!(*if_id, 0);
                assert_eq!(*ticks, 1_700_000_000_123_456);
                assert_eq!((*caplen, *origlen), (5, 60));
                assert_eq!(data, b"abcde");
                assert!(comments.is_empty());
            }
            other => panic!("{other:?}"),
        }
        match &recs[4] {
            Rec::Epb {
                if_id,
                ticks,
                caplen,
                origlen,
                data,
                comments,
                ..
            } => {
                assert_eq!(*if_id, 1);
                assert_eq!(*ticks, 1_700_000_000_123_456_789);
                assert_eq!((*caplen, *origlen), (3, 3));
                assert_eq!(data, b"xyz");
                assert_eq!(comments, &vec![b"a comment".to_vec()]);
            }
            other => panic!("{other:?}"),
        }
        match &recs[5] {
            Rec::Spb { origlen, data } => {
                assert_eq!(*origlen, 6);
                // SPB data runs to the end of the block: padding included.
                assert_eq!(&data[..6], &[1, 2, 3, 4, 5, 6]);
                assert_eq!(data.len(), 8);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pcapng_little_endian() {
        check_pcapng(false);
    }

    #[test]
    fn pcapng_big_endian() {
        check_pcapng(true);
    }

    #[test]
    fn pcapng_two_sections_restart_interface_ids() {
        let mut w = PcapngWriter::new(Vec::new(), false).expect("shb");
        assert_eq!(
            w.add_interface(LinkType::ETHERNET, 65535, None, None)
                .expect("idb"),
            0
        );
        assert_eq!(
            w.add_interface(LinkType::RAW, 65535, None, Some(9))
                .expect("idb"),
            1
        );
        w.write_epb(1, ts(10, 7), b"one", 3, None).expect("epb");
        w.new_section().expect("shb");
        // Interface 0 of the new section is µs: the old ns resolution is gone.
        assert_eq!(
            w.add_interface(LinkType::LINUX_SLL2, 1000, None, None)
                .expect("idb"),
            0
        );
        w.write_epb(0, ts(10, 7_000), b"two", 3, None).expect("epb");
        let bytes = w.into_inner();
        assert_eq!(
            check_block_framing(&bytes, false),
            vec![SHB_TYPE, IDB_TYPE, IDB_TYPE, EPB_TYPE, SHB_TYPE, IDB_TYPE, EPB_TYPE]
        );
        let recs = read_all(&bytes);
        assert_eq!(recs.len(), 7);
        assert!(matches!(recs[4], Rec::Shb { .. }));
        assert!(matches!(recs[5], Rec::Idb { link: 276, .. }));
        match (&recs[3], &recs[6]) {
            (
                Rec::Epb {
                    if_id: 1,
                    ticks: t1,
                    data: d1,
                    ..
                },
                Rec::Epb {
                    if_id: 0,
                    ticks: t2,
                    data: d2,
                    ..
                },
            ) => {
                assert_eq!(*t1, 10_000_000_007);
                assert_eq!(*t2, 10_000_007);
                assert_eq!(d1, b"one");
                assert_eq!(d2, b"two");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pcapng_big_endian_two_sections() {
        // A big-endian writer's second section is also big-endian and parses.
        let mut w = PcapngWriter::new(Vec::new(), true).expect("shb");
        w.add_interface(LinkType::ETHERNET, 65535, None, None)
            .expect("idb");
        w.new_section().expect("shb");
        w.add_interface(LinkType::NULL, 65535, Some("lo0"), None)
            .expect("idb");
        w.write_epb(0, ts(1, 0), &[0; 9], 9, Some("x"))
            .expect("epb");
        let bytes = w.into_inner();
        check_block_framing(&bytes, true);
        let recs = read_all(&bytes);
        assert_eq!(recs.len(), 5);
        assert!(matches!(
            &recs[4],
            Rec::Epb {
                caplen: 9,
                ticks: 1_000_000,
                ..
            }
        ));
    }

    #[test]
    fn pcapng_base2_tsresol() {
        let mut w = PcapngWriter::new(Vec::new(), false).expect("shb");
        let id = w
            .add_interface(LinkType::ETHERNET, 65535, None, Some(0x80 | 20))
            .expect("idb");
        // Half a second is exactly 2^19 ticks of 2^-20 s.
        w.write_epb(id, ts(3, 500_000_000), b"a", 1, None)
            .expect("epb");
        // 1 ns rounds down to 0 ticks of ~954 ns.
        w.write_epb(id, ts(3, 1), b"b", 1, None).expect("epb");
        w.write_epb(id, ts(3, 123_456_789), b"c", 1, None)
            .expect("epb");
        let recs = read_all(&w.into_inner());
        match &recs[1] {
            Rec::Idb { tsresol, .. } => assert_eq!(*tsresol, Some(0x94)),
            other => panic!("{other:?}"),
        }
        let all_ticks: Vec<u64> = recs[2..]
            .iter()
            .map(|r| match r {
                Rec::Epb { ticks, .. } => *ticks,
                other => panic!("{other:?}"),
            })
            .collect();
        let per_sec = 1u64 << 20;
        assert_eq!(all_ticks[0], 3 * per_sec + per_sec / 2);
        assert_eq!(all_ticks[1], 3 * per_sec);
        // Reading back with Timestamp::from_ticks lands within one tick.
        let back = Timestamp::from_ticks(all_ticks[2], per_sec);
        let want = ts(3, 123_456_789);
        let tick_ns = (NANOS_PER_SEC / per_sec) as i64 + 1;
        assert!(want.nanos_since(back) >= 0 && want.nanos_since(back) <= tick_ns);
    }

    #[test]
    fn pcapng_huge_resolution_saturates() {
        assert_eq!(ticks(ts(1, 0), 0x80 | 0x7f), u64::MAX);
        assert_eq!(ticks(ts(1, 0), 100), u64::MAX);
        assert_eq!(ticks(ts(0, 0), 100), 0);
        assert_eq!(ticks(Timestamp(-1), 9), 0);
        assert_eq!(ticks(ts(1, 0), 0), 1);
        assert_eq!(ticks(ts(2, 999_999_999), 3), 2_999);
    }

    #[test]
    fn pcapng_opb_bytes() {
        let mut w = PcapngWriter::new(Vec::new(), false).expect("shb");
        w.add_interface(LinkType::ETHERNET, 65535, None, Some(3))
            .expect("idb");
        w.write_opb(0, ts(5, 250_000_000), b"pkt", 70, Some("hi"))
            .expect("opb");
        let bytes = w.into_inner();
        assert_eq!(
            check_block_framing(&bytes, false),
            vec![SHB_TYPE, IDB_TYPE, OPB_TYPE]
        );
        let recs = read_all(&bytes);
        match &recs[2] {
            Rec::Unknown {
                block_type,
                data,
                len1,
                len2,
            } => {
                assert_eq!(*block_type, 2);
                assert_eq!(len1, len2);
                assert_eq!(*len1 as usize, 12 + data.len());
                let mut want = Vec::new();
                want.extend_from_slice(&0u16.to_le_bytes()); // interface
                want.extend_from_slice(&0u16.to_le_bytes()); // drops
                want.extend_from_slice(&0u32.to_le_bytes()); // ts high
                want.extend_from_slice(&5_250u32.to_le_bytes()); // ts low (ms)
                want.extend_from_slice(&3u32.to_le_bytes()); // caplen
                want.extend_from_slice(&70u32.to_le_bytes()); // len
                want.extend_from_slice(b"pkt\0");
                want.extend_from_slice(&[1, 0, 2, 0]); // opt_comment, 2 bytes
                want.extend_from_slice(b"hi\0\0");
                want.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
                assert_eq!(data, &want);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pcapng_refuses_what_does_not_fit() {
        let mut w = PcapngWriter::new(Vec::new(), false).expect("shb");
        let err = w
            .add_interface(LinkType(70_000), 65535, None, None)
            .expect_err("link type over 16 bits");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let long = "x".repeat(70_000);
        let err = w
            .write_epb(0, ts(0, 0), b"", 0, Some(&long))
            .expect_err("comment over 65535 bytes");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let err = w
            .write_opb(70_000, ts(0, 0), b"", 0, None)
            .expect_err("interface over 16 bits");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        // Nothing half-written: the file is still just the SHB.
        let bytes = w.into_inner();
        assert_eq!(check_block_framing(&bytes, false), vec![SHB_TYPE]);
    }

    #[test]
    fn pcapng_epb_padding_for_every_length() {
        let mut w = PcapngWriter::new(Vec::new(), true).expect("shb");
        w.add_interface(LinkType::ETHERNET, 65535, None, None)
            .expect("idb");
        for n in 0..9 {
            let data = vec![0xab; n];
            w.write_epb(0, ts(1, 0), &data, n as u32, Some(&"c".repeat(n)))
                .expect("epb");
        }
        let bytes = w.into_inner();
        assert_eq!(check_block_framing(&bytes, true).len(), 11);
        let recs = read_all(&bytes);
        for (n, rec) in recs[2..].iter().enumerate() {
            match rec {
                Rec::Epb {
                    caplen,
                    data,
                    comments,
                    ..
                } => {
                    assert_eq!(*caplen as usize, n);
                    assert_eq!(data, &vec![0xab; n]);
                    assert_eq!(comments, &vec!["c".repeat(n).into_bytes()]);
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
