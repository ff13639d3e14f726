//! Round trips: what the writers write, read back by pcap-parser (an
//! independent reader) and checked field by field.

// Tests index the records they built themselves: a panic is a failed test.
#![allow(clippy::indexing_slicing)]

mod pcap;
mod pcapng;

use crate::capture::write::{PcapWriter, TsPrecision};
use crate::capture::write::{IF_NAME, IF_TSRESOL, NANOS_PER_SEC, OPT_COMMENT, SHB_USERAPPL};
use crate::capture::{LinkType, Timestamp};
use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError, PcapNGOption};

/// What pcap-parser saw, owned so the reader can move on.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Rec {
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

pub(super) fn opt(options: &[PcapNGOption], code: u16) -> Vec<Vec<u8>> {
    options
        .iter()
        .filter(|o| o.code.0 == code)
        .map(|o| o.value()[..usize::from(o.len)].to_vec())
        .collect()
}

pub(super) fn convert(block: PcapBlockOwned) -> Rec {
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

pub(super) fn read_all(bytes: &[u8]) -> Vec<Rec> {
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
pub(super) fn check_block_framing(bytes: &[u8], big: bool) -> Vec<u32> {
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

pub(super) fn ts(secs: i64, nanos: u64) -> Timestamp {
    Timestamp::from_parts(secs, nanos, NANOS_PER_SEC)
}

pub(super) fn pcap_bytes(precision: TsPrecision, big: bool) -> Vec<u8> {
    let mut w =
        PcapWriter::new(Vec::new(), LinkType::ETHERNET, 65535, precision, big).expect("header");
    w.write_packet(ts(1_700_000_000, 123_456_789), b"hello", 60)
        .expect("packet");
    w.write_packet(ts(1_700_000_001, 5), &[1, 2, 3], 3)
        .expect("packet");
    w.into_inner()
}
