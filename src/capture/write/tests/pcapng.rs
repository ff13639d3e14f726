//! The pcapng writer.

use super::*;
use crate::capture::write::PcapngWriter;
use crate::capture::write::{ticks, EPB_TYPE, IDB_TYPE, OPB_TYPE, SHB_TYPE, SPB_TYPE};
use crate::capture::{LinkType, Timestamp};
use std::io;

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
