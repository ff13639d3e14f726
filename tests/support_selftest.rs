//! Checks that the capture builder in `tests/support` makes what it says: frames
//! that parse back with etherparse, and captures that pcap-parser reads.

mod support;

use etherparse::{NetSlice, SlicedPacket, TcpOptionElement, TransportSlice};
use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError};
use support::{Conv, Link, Seg};

/// The TCP fields of one parsed frame.
#[derive(Debug, PartialEq)]
struct Tcp {
    src_port: u16,
    dst_port: u16,
    seq: u32,
    ack: u32,
    flags: String,
    window: u16,
    payload: Vec<u8>,
    options: Vec<TcpOptionElement>,
}

fn tcp_of(packet: &SlicedPacket) -> Tcp {
    let Some(TransportSlice::Tcp(tcp)) = &packet.transport else {
        panic!("no TCP in {packet:?}");
    };
    // The checksum etherparse computes matches the one on the wire.
    let want = match &packet.net {
        Some(NetSlice::Ipv4(ip)) => tcp.calc_checksum_ipv4(
            ip.header().source_addr().octets(),
            ip.header().destination_addr().octets(),
        ),
        Some(NetSlice::Ipv6(ip)) => tcp.calc_checksum_ipv6(
            ip.header().source_addr().octets(),
            ip.header().destination_addr().octets(),
        ),
        other => panic!("no IP: {other:?}"),
    }
    .expect("checksum");
    assert_eq!(tcp.checksum(), want, "TCP checksum");
    let mut flags = String::new();
    for (set, letter) in [
        (tcp.syn(), 'S'),
        (tcp.fin(), 'F'),
        (tcp.rst(), 'R'),
        (tcp.psh(), 'P'),
        (tcp.ack(), 'A'),
    ] {
        if set {
            flags.push(letter);
        }
    }
    Tcp {
        src_port: tcp.source_port(),
        dst_port: tcp.destination_port(),
        seq: tcp.sequence_number(),
        ack: tcp.acknowledgment_number(),
        flags,
        window: tcp.window_size(),
        payload: tcp.payload().to_vec(),
        options: tcp
            .options_iterator()
            .map(|o| o.expect("valid option"))
            .collect(),
    }
}

fn smtp_like() -> Conv {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 hi\r\n")
        .client_acks()
        .client_sends(b"QUIT\r\n")
        .server_sends(b"221 bye\r\n")
        .server_fin()
        .client_fin()
        .server_acks();
    c
}

#[test]
fn ethernet_frames_parse_back_with_tracked_numbers() {
    let c = smtp_like();
    let frames = c.frames();
    assert_eq!(frames.len(), 10);
    let times: Vec<u64> = frames.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, (0..10).map(|i| i * 1000).collect::<Vec<_>>());

    let parsed: Vec<Tcp> = frames
        .iter()
        .map(|(_, bytes)| {
            let p = SlicedPacket::from_ethernet(bytes).expect("parses");
            match &p.net {
                Some(NetSlice::Ipv4(ip)) => {
                    let h = ip.header();
                    assert_eq!(h.ttl(), 64);
                    assert!([[10, 0, 0, 1], [10, 0, 0, 2]].contains(&h.source_addr().octets()));
                }
                other => panic!("{other:?}"),
            }
            tcp_of(&p)
        })
        .collect();

    let expect = |src_port, seq, ack, flags: &str, payload: &[u8]| {
        (src_port, seq, ack, flags.to_string(), payload.to_vec())
    };
    let got: Vec<_> = parsed
        .iter()
        .map(|t| (t.src_port, t.seq, t.ack, t.flags.clone(), t.payload.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            expect(40000, 1000, 0, "S", b""),
            expect(25, 5000, 1001, "SA", b""),
            expect(40000, 1001, 5001, "A", b""),
            expect(25, 5001, 1001, "PA", b"220 hi\r\n"),
            expect(40000, 1001, 5009, "A", b""),
            expect(40000, 1001, 5009, "PA", b"QUIT\r\n"),
            expect(25, 5009, 1007, "PA", b"221 bye\r\n"),
            expect(25, 5018, 1007, "FA", b""),
            expect(40000, 1007, 5019, "FA", b""),
            expect(25, 5019, 1008, "A", b""),
        ]
    );
    let handshake_options = vec![
        TcpOptionElement::MaximumSegmentSize(1460),
        TcpOptionElement::Noop,
        TcpOptionElement::WindowScale(7),
        TcpOptionElement::Noop,
        TcpOptionElement::Noop,
        TcpOptionElement::SelectiveAcknowledgementPermitted,
    ];
    assert_eq!(parsed[0].options, handshake_options);
    assert_eq!(parsed[1].options, handshake_options);
    assert!(parsed[2].options.is_empty());
    assert_eq!(parsed[0].window, support::SYN_WINDOW);
    assert_eq!(parsed[2].window, support::WINDOW);
    assert_eq!(parsed[0].dst_port, 25);
    assert_eq!(c.client_next(), 1008);
    assert_eq!(c.server_next(), 5019);

    // MACs: client -> server, then swapped for the reply.
    assert_eq!(&frames[0].1[..12], &[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
    assert_eq!(&frames[1].1[..12], &[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
    assert_eq!(&frames[0].1[12..14], &[0x08, 0x00]);
}

#[test]
fn ipv6_frames_parse_back() {
    let mut c = Conv::ipv6();
    c.handshake().client_sends(b"EHLO x\r\n");
    let frames = c.frames();
    assert_eq!(frames.len(), 4);
    for (_, bytes) in &frames {
        assert_eq!(&bytes[12..14], &[0x86, 0xdd]);
        let p = SlicedPacket::from_ethernet(bytes).expect("parses");
        assert!(matches!(p.net, Some(NetSlice::Ipv6(_))));
        tcp_of(&p);
    }
    let p = SlicedPacket::from_ethernet(&frames[3].1).expect("parses");
    let Some(NetSlice::Ipv6(ip)) = &p.net else {
        panic!("not IPv6")
    };
    assert_eq!(ip.header().source_addr().to_string(), "2001:db8::1");
    assert_eq!(ip.header().destination_addr().to_string(), "2001:db8::2");
    assert_eq!(tcp_of(&p).payload, b"EHLO x\r\n");
}

#[test]
fn vlan_and_qinq_tags() {
    for (link, ids, tpids) in [
        (Link::Vlan(42), vec![42], vec![0x8100]),
        (Link::QinQ(100, 7), vec![100, 7], vec![0x88a8, 0x8100]),
    ] {
        let mut c = Conv::new().link(link);
        c.handshake().client_sends(b"x");
        for (_, bytes) in c.frames() {
            assert!(bytes.len() >= link.header_len() + 20 + 20);
            let p = SlicedPacket::from_ethernet(&bytes).expect("parses");
            let got: Vec<u16> = p
                .link_exts
                .iter()
                .map(|e| match e {
                    etherparse::LinkExtSlice::Vlan(v) => v.vlan_identifier().value(),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(got, ids);
            for (i, tpid) in tpids.iter().enumerate() {
                assert_eq!(&bytes[12 + 4 * i..14 + 4 * i], &u16::to_be_bytes(*tpid));
            }
            assert_eq!(
                &bytes[link.header_len() - 2..link.header_len()],
                &[0x08, 0x00]
            );
            tcp_of(&p);
        }
    }
}

#[test]
fn other_link_headers() {
    for v6 in [false, true] {
        for link in [Link::Sll, Link::Sll2, Link::Null, Link::Loop, Link::Raw] {
            let base = if v6 { Conv::ipv6() } else { Conv::new() };
            let mut c = base.link(link);
            c.handshake();
            let frames = c.frames();
            let hlen = link.header_len();
            for (i, (_, bytes)) in frames.iter().enumerate() {
                let from_client = i != 1;
                let header = &bytes[..hlen];
                let ethertype: [u8; 2] = if v6 { [0x86, 0xdd] } else { [0x08, 0x00] };
                let family: u32 = if v6 { 30 } else { 2 };
                let mac = if from_client { 1 } else { 2 };
                let pkt_type = if from_client { 4 } else { 0 };
                match link {
                    Link::Sll => {
                        assert_eq!(
                            header,
                            &[
                                0,
                                pkt_type,
                                0,
                                1,
                                0,
                                6,
                                2,
                                0,
                                0,
                                0,
                                0,
                                mac,
                                0,
                                0,
                                ethertype[0],
                                ethertype[1]
                            ]
                        );
                        let p = SlicedPacket::from_linux_sll(bytes).expect("parses");
                        tcp_of(&p);
                    }
                    Link::Sll2 => assert_eq!(
                        header,
                        &[
                            ethertype[0],
                            ethertype[1],
                            0,
                            0,
                            0,
                            0,
                            0,
                            1,
                            0,
                            1,
                            pkt_type,
                            6,
                            2,
                            0,
                            0,
                            0,
                            0,
                            mac,
                            0,
                            0
                        ]
                    ),
                    Link::Null => assert_eq!(header, &family.to_le_bytes()),
                    Link::Loop => assert_eq!(header, &family.to_be_bytes()),
                    _ => assert!(header.is_empty()),
                }
                let p = SlicedPacket::from_ip(&bytes[hlen..]).expect("IP parses");
                tcp_of(&p);
            }
        }
    }
}

/// Reads a capture with pcap-parser: (link type, [(sec, µs, caplen, origlen)]).
fn read_capture(bytes: &[u8]) -> (i32, Vec<(u32, u32, u32, u32)>) {
    let mut reader = pcap_parser::create_reader(65536, bytes).expect("recognised");
    let mut link = None;
    let mut frames = Vec::new();
    let mut tsresol_us = true;
    loop {
        match reader.next() {
            Ok((offset, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => link = Some(h.network.0),
                    PcapBlockOwned::Legacy(b) => {
                        frames.push((b.ts_sec, b.ts_usec, b.caplen, b.origlen))
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(i)) => {
                        link = Some(i.linktype.0);
                        tsresol_us = i.if_tsresol == 6;
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(e)) => {
                        assert!(tsresol_us);
                        let ticks = (u64::from(e.ts_high) << 32) | u64::from(e.ts_low);
                        frames.push((
                            (ticks / 1_000_000) as u32,
                            (ticks % 1_000_000) as u32,
                            e.caplen,
                            e.origlen,
                        ));
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                reader.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => reader.refill().expect("refill"),
            Err(e) => panic!("parse error: {e:?}"),
        }
    }
    (link.expect("a header"), frames)
}

#[test]
fn pcap_and_pcapng_read_back() {
    for link in [
        Link::Ethernet,
        Link::Vlan(1),
        Link::QinQ(2, 3),
        Link::Sll,
        Link::Sll2,
        Link::Null,
        Link::Loop,
        Link::Raw,
    ] {
        let mut c = smtp_like().link(link);
        c.at(2_500_000).client_sends(b"late");
        let want_link = link.link_type().0 as i32;
        for bytes in [c.to_pcap(), c.to_pcapng()] {
            let (got_link, frames) = read_capture(&bytes);
            assert_eq!(got_link, want_link, "{link:?}");
            assert_eq!(frames.len(), 11);
            assert_eq!(frames[0].0, 1_700_000_000);
            assert_eq!(frames[0].1, 0);
            assert_eq!(frames[3].1, 3000);
            assert_eq!(frames[10].0, 1_700_000_002);
            assert_eq!(frames[10].1, 500_000);
            for (f, (_, bytes)) in frames.iter().zip(c.frames()) {
                assert_eq!(f.2 as usize, bytes.len());
                assert_eq!(f.2, f.3);
            }
        }
    }
}

#[test]
fn snaplen_cuts_captured_bytes_only() {
    let mut c = Conv::new();
    c.handshake();
    let seg = Seg {
        snaplen: Some(54),
        ..c.client_seg("PA", &[b'x'; 100])
    };
    c.push(seg);
    let records = c.records();
    assert_eq!(records[3].1.len(), 54);
    assert_eq!(records[3].2, 14 + 20 + 20 + 100);
    let (_, frames) = read_capture(&c.to_pcap());
    assert_eq!((frames[3].2, frames[3].3), (54, 154));
    let (_, frames) = read_capture(&c.to_pcapng());
    assert_eq!((frames[3].2, frames[3].3), (54, 154));
}

#[test]
fn push_tracks_sequence_space_and_clock() {
    let mut c = Conv::new().isns(u32::MAX - 1, 7).ports(50000, 110);
    c.handshake();
    assert_eq!(c.client_next(), u32::MAX);
    let start = c.client_next();
    // Second half first, then the first half, then a retransmission of it.
    let later = Seg {
        seq: start.wrapping_add(3),
        time_us: 10_000,
        ..c.client_seg("PA", b"def")
    };
    c.push(later);
    assert_eq!(c.client_next(), 5);
    let first = Seg {
        seq: start,
        time_us: 11_000,
        ..c.client_seg("PA", b"abc")
    };
    c.push(first.clone());
    c.push(Seg {
        time_us: 12_000,
        ..first
    });
    assert_eq!(c.client_next(), 5);
    assert_eq!(c.now(), 13_000);
    c.server_acks();
    let frames = c.frames();
    let last = tcp_of(&SlicedPacket::from_ethernet(&frames[6].1).expect("parses"));
    assert_eq!(frames[6].0, 13_000);
    assert_eq!((last.src_port, last.dst_port), (110, 50000));
    assert_eq!(last.ack, 5);
    let first_parsed = tcp_of(&SlicedPacket::from_ethernet(&frames[0].1).expect("parses"));
    assert_eq!(first_parsed.seq, u32::MAX - 1);
}

#[test]
fn rst_and_flags() {
    let mut c = Conv::new();
    c.handshake().client_rst();
    c.push(Seg {
        from_client: false,
        seq: 1,
        ack: 99,
        flags: "R",
        ..Seg::default()
    });
    let frames = c.frames();
    let rst = tcp_of(&SlicedPacket::from_ethernet(&frames[3].1).expect("parses"));
    assert_eq!((rst.flags.as_str(), rst.seq, rst.ack), ("RA", 1001, 5001));
    assert_eq!(c.client_next(), 1001);
    let bare = tcp_of(&SlicedPacket::from_ethernet(&frames[4].1).expect("parses"));
    assert_eq!((bare.flags.as_str(), bare.seq, bare.ack), ("R", 1, 99));
}

#[test]
fn merge_interleaves_by_time() {
    let mut a = Conv::new();
    a.handshake().client_sends(b"a");
    let mut b = Conv::new().ports(40001, 25);
    b.at(500).handshake().client_sends(b"b");
    let bytes = support::merge_pcap(&[&a, &b]);
    let (link, frames) = read_capture(&bytes);
    assert_eq!(link, 1);
    let micros: Vec<u32> = frames.iter().map(|f| f.1).collect();
    assert_eq!(micros, vec![0, 500, 1000, 1500, 2000, 2500, 3000, 3500]);
}
