//! The classic pcap writer.

use super::*;
use crate::capture::write::{PcapWriter, TsPrecision};
use crate::capture::{LinkType, Timestamp};

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
            0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0,
            0
        ]
    );
}

#[test]
fn pcap_modified() {
    let mut w = PcapWriter::new_modified(Vec::new(), LinkType::LINUX_SLL, 262_144).expect("header");
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
    let mut w =
        PcapWriter::new(Vec::new(), LinkType::RAW, 100, TsPrecision::Micro, false).expect("header");
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
