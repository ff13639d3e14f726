//! The NIC layer on every container variant: pcap in both byte orders, µs and
//! ns, the modified magic; pcapng with several sections and interfaces of
//! different link types and timestamp resolutions, EPB/SPB/OPB and comments;
//! gzip; and broken files that must say where they broke.

mod support;

use std::io::Cursor;

use sockscope::capture::write::{PcapWriter, PcapngWriter, TsPrecision};
use sockscope::capture::{CaptureErrorKind, CaptureFormat, CaptureReader, LinkType, Timestamp};
use support::{Conv, Link};

/// Reads every frame: (number, time, link type, interface, data, comment).
type Got = (u64, Timestamp, LinkType, u32, Vec<u8>, Option<String>);

fn read_all(
    bytes: Vec<u8>,
) -> (
    Vec<Got>,
    Option<sockscope::capture::CaptureError>,
    CaptureFormat,
) {
    let mut r = CaptureReader::from_reader("test.cap", Cursor::new(bytes)).expect("opens");
    let mut got = Vec::new();
    loop {
        match r.next_frame() {
            Ok(Some(f)) => got.push((
                f.meta.number,
                f.meta.time,
                f.meta.link_type,
                f.meta.interface,
                f.data.to_vec(),
                f.meta.comment.clone(),
            )),
            Ok(None) => return (got, None, r.format()),
            Err(e) => return (got, Some(e), r.format()),
        }
    }
}

fn frames(link: Link) -> Vec<Vec<u8>> {
    let mut c = Conv::new().link(link);
    c.handshake().client_sends(b"hello");
    c.frames().into_iter().map(|(_, b)| b).collect()
}

#[test]
fn pcap_variants_read_alike() {
    let data = frames(Link::Ethernet);
    let t = Timestamp::from_parts(1_700_000_000, 123_456_789, 1_000_000_000);
    let mut files = Vec::new();
    for (precision, big) in [
        (TsPrecision::Micro, false),
        (TsPrecision::Micro, true),
        (TsPrecision::Nano, false),
        (TsPrecision::Nano, true),
    ] {
        let mut w =
            PcapWriter::new(Vec::new(), LinkType::ETHERNET, 65535, precision, big).expect("w");
        for d in &data {
            w.write_packet(t, d, d.len() as u32).expect("write");
        }
        files.push((w.into_inner(), matches!(precision, TsPrecision::Nano)));
    }
    let mut m = PcapWriter::new_modified(Vec::new(), LinkType::ETHERNET, 65535).expect("w");
    for d in &data {
        m.write_packet(t, d, d.len() as u32).expect("write");
    }
    files.push((m.into_inner(), false));
    for (bytes, nanos) in files {
        let (got, err, format) = read_all(bytes);
        assert!(err.is_none(), "{err:?}");
        assert!(matches!(format, CaptureFormat::Pcap { .. }));
        assert_eq!(got.len(), data.len());
        for (i, g) in got.iter().enumerate() {
            assert_eq!(g.0, i as u64 + 1, "numbered from 1");
            assert_eq!(g.4, data[i]);
            let expect = if nanos { 123_456_789 } else { 123_456_000 };
            assert_eq!(
                g.1,
                Timestamp::from_parts(1_700_000_000, expect, 1_000_000_000)
            );
        }
    }
}

#[test]
fn pcapng_sections_interfaces_resolutions_blocks_and_comments() {
    let eth = frames(Link::Ethernet);
    let sll2 = frames(Link::Sll2);
    let raw = frames(Link::Raw);
    let t = Timestamp::from_parts(1_700_000_000, 987_654_321, 1_000_000_000);
    let mut w = PcapngWriter::new(Vec::new(), false).expect("w");
    let e = w
        .add_interface(LinkType::ETHERNET, 65535, Some("eth0"), None)
        .expect("if");
    let s = w
        .add_interface(LinkType::LINUX_SLL2, 65535, Some("any"), Some(9))
        .expect("if");
    w.write_epb(e, t, &eth[0], eth[0].len() as u32, Some("first frame"))
        .expect("epb");
    w.write_epb(s, t, &sll2[1], sll2[1].len() as u32, None)
        .expect("epb");
    w.write_spb(&eth[2], eth[2].len() as u32).expect("spb");
    w.write_opb(s, t, &sll2[3], sll2[3].len() as u32, Some("old block"))
        .expect("opb");
    // A second section, big-endian, base-2 resolution (2^-20 s).
    let mut bytes = w.into_inner();
    let mut w2 = PcapngWriter::new(Vec::new(), true).expect("w");
    let r = w2
        .add_interface(LinkType::RAW, 65535, None, Some(0x80 | 20))
        .expect("if");
    w2.write_epb(r, t, &raw[0], raw[0].len() as u32, None)
        .expect("epb");
    bytes.extend(w2.into_inner());

    let (got, err, format) = read_all(bytes);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(format, CaptureFormat::Pcapng);
    let numbers: Vec<u64> = got.iter().map(|g| g.0).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
    // Link types follow the interface of each packet.
    let links: Vec<u32> = got.iter().map(|g| g.2 .0).collect();
    assert_eq!(links, vec![1, 276, 1, 276, 101]);
    // Interface ids stay unique across sections.
    let ifs: Vec<u32> = got.iter().map(|g| g.3).collect();
    assert_eq!(ifs, vec![0, 1, 0, 1, 2]);
    // Resolutions: µs default, ns, and 2^-20 s.
    assert_eq!(
        got[0].1,
        Timestamp::from_parts(1_700_000_000, 987_654_000, 1_000_000_000)
    );
    assert_eq!(got[1].1, t);
    assert_eq!(
        got[3].1, t,
        "OPB timestamp in its interface's ns resolution"
    );
    let frac = (987_654_321u128 * (1 << 20) / 1_000_000_000) as u64;
    assert_eq!(
        got[4].1,
        Timestamp::from_parts(1_700_000_000, frac, 1 << 20)
    );
    // An SPB has no timestamp: it takes the previous frame's time.
    assert_eq!(got[2].1, got[1].1);
    assert_eq!(got[0].5.as_deref(), Some("first frame"));
    assert_eq!(got[3].5.as_deref(), Some("old block"));
    assert_eq!(got[1].5, None);
    assert_eq!(got[4].4, raw[0]);
}

#[test]
fn pcapng_packet_naming_a_missing_interface_is_an_error_with_a_place() {
    let eth = frames(Link::Ethernet);
    let mut w = PcapngWriter::new(Vec::new(), false).expect("w");
    let e = w
        .add_interface(LinkType::ETHERNET, 65535, None, None)
        .expect("if");
    w.write_epb(e, Timestamp(0), &eth[0], eth[0].len() as u32, None)
        .expect("epb");
    w.write_epb(7, Timestamp(0), &eth[1], eth[1].len() as u32, None)
        .expect("epb");
    let (got, err, _) = read_all(w.into_inner());
    assert_eq!(got.len(), 1);
    let err = err.expect("error");
    assert_eq!(err.frame, 2);
    assert!(matches!(
        err.kind,
        CaptureErrorKind::UnknownInterface { id: 7, count: 1 }
    ));
    assert!(
        err.to_string().contains("test.cap: frame 2 at byte"),
        "{err}"
    );
}

#[test]
fn gzip_is_read_transparently() {
    use std::io::Write;
    let c = {
        let mut c = Conv::new();
        c.handshake().client_sends(b"EHLO x\r\n");
        c
    };
    let plain = c.to_pcapng();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).expect("gz");
    let gzipped = gz.finish().expect("gz");
    let r = CaptureReader::from_reader("x.pcapng.gz", Cursor::new(gzipped.clone())).expect("open");
    assert!(r.is_gzip());
    let (got, err, _) = read_all(gzipped);
    let (want, _, _) = read_all(plain);
    assert!(err.is_none());
    assert_eq!(got, want);
}

#[test]
fn corrupt_lengths_are_refused_not_allocated() {
    let data = frames(Link::Ethernet);
    let mut w = PcapWriter::new(
        Vec::new(),
        LinkType::ETHERNET,
        65535,
        TsPrecision::Micro,
        false,
    )
    .expect("w");
    for d in &data {
        w.write_packet(Timestamp(0), d, d.len() as u32)
            .expect("write");
    }
    let mut bytes = w.into_inner();
    // Record 3's caplen field: 24-byte file header, then 16-byte headers + data.
    let at = 24 + (16 + data[0].len()) + (16 + data[1].len()) + 8;
    bytes[at..at + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let (got, err, _) = read_all(bytes);
    assert_eq!(got.len(), 2, "frames before the corrupt record are read");
    let err = err.expect("error");
    assert_eq!(err.frame, 3);
    assert!(
        matches!(
            err.kind,
            CaptureErrorKind::Oversized {
                declared: 0xFFFF_FFF0,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("4294967280"), "{err}");
}

#[test]
fn every_prefix_of_a_capture_reads_without_panic() {
    let mut c = Conv::new();
    c.handshake()
        .client_sends(b"MAIL FROM:<a@b>\r\n")
        .server_sends(b"250 ok\r\n");
    for bytes in [c.to_pcap(), c.to_pcapng()] {
        let total = read_all(bytes.clone()).0.len();
        for cut in 0..bytes.len() {
            let prefix = bytes[..cut].to_vec();
            match CaptureReader::from_reader("p", Cursor::new(prefix.clone())) {
                Err(_) => continue,
                Ok(_) => {
                    let (got, err, _) = read_all(prefix);
                    assert!(got.len() <= total);
                    if got.len() < total {
                        if let Some(e) = err {
                            assert_eq!(e.frame, got.len() as u64 + 1);
                        }
                    }
                }
            }
        }
    }
}
