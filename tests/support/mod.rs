//! Builds small TCP captures in memory for integration tests.
//!
//! A [`Conv`] is one TCP conversation between a client and a server. Convenience
//! methods (`handshake`, `client_sends`, `server_acks`, `client_fin`, ...) append
//! segments while tracking each side's next sequence number and the ack; `push`
//! appends a hand-made [`Seg`] for the odd cases (out of order, overlap,
//! retransmission). `frames`, `to_pcap` and `to_pcapng` turn the segments into
//! frames with the chosen link-layer header ([`Link`]), IPv4 or IPv6 and TCP
//! headers with correct checksums (built by etherparse), and captures written with
//! `sockscope::capture::write`.
//!
//! Defaults, so tests can state expectations as plain numbers:
//! - client 10.0.0.1:40000 ([2001:db8::1]:40000 for `Conv::ipv6`), server
//!   10.0.0.2:25 ([2001:db8::2]:25), Ethernet;
//! - client ISN [`CLIENT_ISN`] = 1000, server ISN [`SERVER_ISN`] = 5000;
//! - the first segment is at time 0 µs and the clock advances by 1 ms per
//!   appended segment; time 0 is [`START_SECS`] = 1_700_000_000 s after the epoch;
//! - SYN and SYN/ACK carry MSS 1460, window scale 7 and SACK-permitted and a
//!   window of [`SYN_WINDOW`]; later segments have a window of [`WINDOW`] (scaled
//!   by 2^7);
//! - the capture is taken on the client's host: Linux cooked headers mark
//!   client->server frames as outgoing (4) and server->client as to-us (0).
//!
//! Each integration test declares `mod support;` and uses only part of this.
//! [`scenarios`] holds the TCP conversations that several tests build;
//! [`dialogue`] builds application dialogues step by step and reads their
//! analysis.

#![allow(dead_code)]

pub mod dialogue;
pub mod scenarios;
pub mod view;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use etherparse::{PacketBuilder, TcpHeader, TcpOptionElement};
use sockscope::capture::write::{PcapWriter, PcapngWriter, TsPrecision};
use sockscope::capture::{LinkType, Timestamp};

/// Seconds since the epoch of time 0 µs in every capture built here.
pub const START_SECS: i64 = 1_700_000_000;
/// Snap length written in capture headers.
pub const SNAPLEN: u32 = 262_144;
pub const CLIENT_ISN: u32 = 1000;
pub const SERVER_ISN: u32 = 5000;
pub const CLIENT_PORT: u16 = 40000;
pub const SERVER_PORT: u16 = 25;
pub const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
pub const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
/// Window of SYN and SYN/ACK (never scaled).
pub const SYN_WINDOW: u16 = 64240;
/// Window of the other convenience segments: 502 << 7 = 64256 bytes.
pub const WINDOW: u16 = 502;
pub const MSS: u16 = 1460;
pub const WSCALE: u8 = 7;
/// Interface index written in Linux cooked v2 headers.
pub const SLL2_IFINDEX: u32 = 1;
/// Clock step between convenience segments, in µs.
pub const STEP_US: u64 = 1000;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const TPID_8021Q: u16 = 0x8100;
const TPID_8021AD: u16 = 0x88a8;
const AF_INET: u32 = 2;
/// AF_INET6 as macOS writes it in DLT_NULL headers.
const AF_INET6: u32 = 30;
const ARPHRD_ETHER: u16 = 1;
const PACKET_HOST: u8 = 0;
const PACKET_OUTGOING: u8 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

impl Endpoint {
    pub fn new(ip: IpAddr, port: u16) -> Self {
        Self { ip, port }
    }
}

/// One TCP segment to put on the wire.
#[derive(Clone, Debug)]
pub struct Seg {
    pub from_client: bool,
    pub seq: u32,
    pub ack: u32,
    /// TCP flags as letters: S F R P A U E C (e.g. "S", "SA", "A", "PA", "FA", "R", "RA").
    /// The ack number is written whether or not "A" is set; "U" sets the urgent
    /// pointer to the payload length.
    pub flags: &'static str,
    pub window: u16,
    pub payload: Vec<u8>,
    /// Microseconds after the start of the capture.
    pub time_us: u64,
    pub options: Vec<TcpOptionElement>,
    /// Cut the frame (link header included) to this many captured bytes.
    pub snaplen: Option<usize>,
}

impl Default for Seg {
    /// A client pure ACK with seq 0, ack 0, window [`WINDOW`], at time 0.
    fn default() -> Self {
        Self {
            from_client: true,
            seq: 0,
            ack: 0,
            flags: "A",
            window: WINDOW,
            payload: Vec::new(),
            time_us: 0,
            options: Vec::new(),
            snaplen: None,
        }
    }
}

/// The link-layer header put in front of every IP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Ethernet II.
    Ethernet,
    /// Ethernet II with one 802.1Q tag (TPID 0x8100) of this VLAN id.
    Vlan(u16),
    /// Ethernet II with an outer 802.1ad tag (TPID 0x88a8) then an inner 802.1Q tag.
    QinQ(u16, u16),
    /// Linux cooked capture v1, 16 bytes.
    Sll,
    /// Linux cooked capture v2, 20 bytes.
    Sll2,
    /// BSD loopback: address family, 4 bytes little-endian (AF_INET6 = 30).
    Null,
    /// OpenBSD loopback: address family, 4 bytes big-endian.
    Loop,
    /// No link header.
    Raw,
}

impl Link {
    pub fn link_type(self) -> LinkType {
        match self {
            Link::Ethernet | Link::Vlan(_) | Link::QinQ(..) => LinkType::ETHERNET,
            Link::Sll => LinkType::LINUX_SLL,
            Link::Sll2 => LinkType::LINUX_SLL2,
            Link::Null => LinkType::NULL,
            Link::Loop => LinkType::LOOP,
            Link::Raw => LinkType::RAW,
        }
    }

    /// Bytes of link-layer header in front of the IP header.
    pub fn header_len(self) -> usize {
        match self {
            Link::Ethernet => 14,
            Link::Vlan(_) => 18,
            Link::QinQ(..) => 22,
            Link::Sll => 16,
            Link::Sll2 => 20,
            Link::Null | Link::Loop => 4,
            Link::Raw => 0,
        }
    }
}

/// The capture time of a frame `time_us` after the start.
pub fn capture_time(time_us: u64) -> Timestamp {
    let secs = i64::try_from(time_us / 1_000_000).expect("time in range");
    Timestamp::from_parts(START_SECS + secs, time_us % 1_000_000, 1_000_000)
}

/// One TCP conversation to turn into frames.
#[derive(Clone, Debug)]
pub struct Conv {
    pub client: Endpoint,
    pub server: Endpoint,
    pub link: Link,
    pub segs: Vec<Seg>,
    /// Window of the convenience segments after the handshake.
    pub window: u16,
    isn_c: u32,
    isn_s: u32,
    next_c: u32,
    next_s: u32,
    clock_us: u64,
}

impl Default for Conv {
    fn default() -> Self {
        Self::new()
    }
}

impl Conv {
    /// IPv4 10.0.0.1:40000 -> 10.0.0.2:25 on Ethernet, client ISN 1000, server ISN 5000.
    pub fn new() -> Self {
        Self::between(
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
        )
    }

    /// [2001:db8::1]:40000 -> [2001:db8::2]:25 on Ethernet, client ISN 1000, server ISN 5000.
    pub fn ipv6() -> Self {
        Self::between(
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)),
        )
    }

    /// A conversation between these addresses (same family), default ports and ISNs.
    pub fn between(client: IpAddr, server: IpAddr) -> Self {
        assert_eq!(
            client.is_ipv4(),
            server.is_ipv4(),
            "client and server must be of one address family"
        );
        Self {
            client: Endpoint::new(client, CLIENT_PORT),
            server: Endpoint::new(server, SERVER_PORT),
            link: Link::Ethernet,
            segs: Vec::new(),
            window: WINDOW,
            isn_c: CLIENT_ISN,
            isn_s: SERVER_ISN,
            next_c: CLIENT_ISN,
            next_s: SERVER_ISN,
            clock_us: 0,
        }
    }

    pub fn link(mut self, link: Link) -> Self {
        self.link = link;
        self
    }

    /// Sets both ISNs (and so the next sequence numbers); call before adding segments.
    pub fn isns(mut self, client: u32, server: u32) -> Self {
        self.isn_c = client;
        self.isn_s = server;
        self.next_c = client;
        self.next_s = server;
        self
    }

    pub fn ports(mut self, client: u16, server: u16) -> Self {
        self.client.port = client;
        self.server.port = server;
        self
    }

    pub fn client_isn(&self) -> u32 {
        self.isn_c
    }

    pub fn server_isn(&self) -> u32 {
        self.isn_s
    }

    /// SYN, SYN/ACK, ACK. SYN and SYN/ACK carry MSS 1460, window scale 7 and
    /// SACK-permitted.
    pub fn handshake(&mut self) -> &mut Self {
        let options = vec![
            TcpOptionElement::MaximumSegmentSize(MSS),
            TcpOptionElement::Noop,
            TcpOptionElement::WindowScale(WSCALE),
            TcpOptionElement::Noop,
            TcpOptionElement::Noop,
            TcpOptionElement::SelectiveAcknowledgementPermitted,
        ];
        let syn = Seg {
            from_client: true,
            seq: self.next_c,
            ack: 0,
            flags: "S",
            window: SYN_WINDOW,
            options: options.clone(),
            ..self.client_seg("S", &[])
        };
        self.append(syn);
        let syn_ack = Seg {
            window: SYN_WINDOW,
            options,
            ..self.server_seg("SA", &[])
        };
        self.append(syn_ack);
        let ack = self.client_seg("A", &[]);
        self.append(ack)
    }

    /// PSH,ACK from the client carrying `data`.
    pub fn client_sends(&mut self, data: &[u8]) -> &mut Self {
        let seg = self.client_seg("PA", data);
        self.append(seg)
    }

    /// PSH,ACK from the server carrying `data`.
    pub fn server_sends(&mut self, data: &[u8]) -> &mut Self {
        let seg = self.server_seg("PA", data);
        self.append(seg)
    }

    /// Pure ACK from the client acknowledging everything the server sent so far.
    pub fn client_acks(&mut self) -> &mut Self {
        let seg = self.client_seg("A", &[]);
        self.append(seg)
    }

    /// Pure ACK from the server acknowledging everything the client sent so far.
    pub fn server_acks(&mut self) -> &mut Self {
        let seg = self.server_seg("A", &[]);
        self.append(seg)
    }

    /// FIN,ACK from the client; consumes one sequence number.
    pub fn client_fin(&mut self) -> &mut Self {
        let seg = self.client_seg("FA", &[]);
        self.append(seg)
    }

    /// FIN,ACK from the server; consumes one sequence number.
    pub fn server_fin(&mut self) -> &mut Self {
        let seg = self.server_seg("FA", &[]);
        self.append(seg)
    }

    /// RST,ACK from the client at its next sequence number.
    pub fn client_rst(&mut self) -> &mut Self {
        let seg = self.client_seg("RA", &[]);
        self.append(seg)
    }

    /// RST,ACK from the server at its next sequence number.
    pub fn server_rst(&mut self) -> &mut Self {
        let seg = self.server_seg("RA", &[]);
        self.append(seg)
    }

    /// Appends a hand-made segment as it is. The sender's next sequence number moves
    /// to the segment's end if that is further on (so a segment sent ahead of a hole
    /// counts as sent, a retransmission changes nothing), and the clock moves to at
    /// least 1 ms after the segment's time.
    pub fn push(&mut self, seg: Seg) -> &mut Self {
        let end = seg_end(&seg);
        let next = if seg.from_client {
            &mut self.next_c
        } else {
            &mut self.next_s
        };
        if (end.wrapping_sub(*next) as i32) > 0 {
            *next = end;
        }
        self.clock_us = self.clock_us.max(seg.time_us + STEP_US);
        self.segs.push(seg);
        self
    }

    /// Sets the clock: the next convenience segment is at `us`.
    pub fn at(&mut self, us: u64) -> &mut Self {
        self.clock_us = us;
        self
    }

    /// The time the next convenience segment will get, in µs.
    pub fn now(&self) -> u64 {
        self.clock_us
    }

    /// Sequence number the client will use next (absolute).
    pub fn client_next(&self) -> u32 {
        self.next_c
    }

    /// Sequence number the server will use next (absolute).
    pub fn server_next(&self) -> u32 {
        self.next_s
    }

    /// The segment the client would send now with these flags and payload (seq =
    /// `client_next()`, ack = `server_next()`, time = `now()`), without appending it;
    /// change what you need and `push` it.
    pub fn client_seg(&self, flags: &'static str, payload: &[u8]) -> Seg {
        Seg {
            from_client: true,
            seq: self.next_c,
            ack: self.next_s,
            flags,
            window: self.window,
            payload: payload.to_vec(),
            time_us: self.clock_us,
            options: Vec::new(),
            snaplen: None,
        }
    }

    /// As [`Conv::client_seg`], from the server.
    pub fn server_seg(&self, flags: &'static str, payload: &[u8]) -> Seg {
        Seg {
            from_client: false,
            seq: self.next_s,
            ack: self.next_c,
            ..self.client_seg(flags, payload)
        }
    }

    /// Frames as (time_us, bytes) with the link-layer header for `self.link`; bytes
    /// are the captured ones (cut to the segment's snaplen, if any).
    pub fn frames(&self) -> Vec<(u64, Vec<u8>)> {
        self.records()
            .into_iter()
            .map(|(time, bytes, _)| (time, bytes))
            .collect()
    }

    /// Frames as (time_us, captured bytes, wire length).
    pub fn records(&self) -> Vec<(u64, Vec<u8>, u32)> {
        self.segs.iter().map(|seg| self.record(seg)).collect()
    }

    /// Classic pcap, µs, little-endian, snaplen 262144, time 0 at 1_700_000_000 s.
    pub fn to_pcap(&self) -> Vec<u8> {
        write_pcap(self.link.link_type(), self.records())
    }

    /// pcapng: one little-endian section, one interface (µs) with this link type.
    pub fn to_pcapng(&self) -> Vec<u8> {
        let mut w = PcapngWriter::new(Vec::new(), false).expect("pcapng header");
        let id = w
            .add_interface(self.link.link_type(), SNAPLEN, None, None)
            .expect("pcapng interface");
        for (time, bytes, orig_len) in self.records() {
            w.write_epb(id, capture_time(time), &bytes, orig_len, None)
                .expect("pcapng packet");
        }
        w.into_inner()
    }

    /// Appends a convenience segment at the clock, advancing the sender's next
    /// sequence number and the clock.
    fn append(&mut self, mut seg: Seg) -> &mut Self {
        seg.time_us = self.clock_us;
        let end = seg_end(&seg);
        if seg.from_client {
            self.next_c = end;
        } else {
            self.next_s = end;
        }
        self.clock_us += STEP_US;
        self.segs.push(seg);
        self
    }

    fn record(&self, seg: &Seg) -> (u64, Vec<u8>, u32) {
        let (src, dst) = if seg.from_client {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        };
        let ip = ip_packet(src, dst, seg);
        let mut bytes = self.link_header(seg.from_client, src.ip.is_ipv6());
        bytes.extend_from_slice(&ip);
        let orig_len = u32::try_from(bytes.len()).expect("frame fits in u32");
        if let Some(n) = seg.snaplen {
            bytes.truncate(n);
        }
        (seg.time_us, bytes, orig_len)
    }

    fn link_header(&self, from_client: bool, v6: bool) -> Vec<u8> {
        let ethertype = if v6 { ETHERTYPE_IPV6 } else { ETHERTYPE_IPV4 };
        let family = if v6 { AF_INET6 } else { AF_INET };
        let (src_mac, dst_mac) = if from_client {
            (CLIENT_MAC, SERVER_MAC)
        } else {
            (SERVER_MAC, CLIENT_MAC)
        };
        let pkt_type = if from_client {
            PACKET_OUTGOING
        } else {
            PACKET_HOST
        };
        let mut sll_addr = [0u8; 8];
        sll_addr[..6].copy_from_slice(&src_mac);
        let mut h = Vec::with_capacity(self.link.header_len());
        match self.link {
            Link::Ethernet | Link::Vlan(_) | Link::QinQ(..) => {
                h.extend_from_slice(&dst_mac);
                h.extend_from_slice(&src_mac);
                match self.link {
                    Link::Vlan(id) => {
                        h.extend_from_slice(&TPID_8021Q.to_be_bytes());
                        h.extend_from_slice(&(id & 0x0fff).to_be_bytes());
                    }
                    Link::QinQ(outer, inner) => {
                        h.extend_from_slice(&TPID_8021AD.to_be_bytes());
                        h.extend_from_slice(&(outer & 0x0fff).to_be_bytes());
                        h.extend_from_slice(&TPID_8021Q.to_be_bytes());
                        h.extend_from_slice(&(inner & 0x0fff).to_be_bytes());
                    }
                    _ => {}
                }
                h.extend_from_slice(&ethertype.to_be_bytes());
            }
            Link::Sll => {
                h.extend_from_slice(&u16::from(pkt_type).to_be_bytes());
                h.extend_from_slice(&ARPHRD_ETHER.to_be_bytes());
                h.extend_from_slice(&6u16.to_be_bytes());
                h.extend_from_slice(&sll_addr);
                h.extend_from_slice(&ethertype.to_be_bytes());
            }
            Link::Sll2 => {
                h.extend_from_slice(&ethertype.to_be_bytes());
                h.extend_from_slice(&0u16.to_be_bytes());
                h.extend_from_slice(&SLL2_IFINDEX.to_be_bytes());
                h.extend_from_slice(&ARPHRD_ETHER.to_be_bytes());
                h.push(pkt_type);
                h.push(6);
                h.extend_from_slice(&sll_addr);
            }
            Link::Null => h.extend_from_slice(&family.to_le_bytes()),
            Link::Loop => h.extend_from_slice(&family.to_be_bytes()),
            Link::Raw => {}
        }
        h
    }
}

/// Where the segment's sequence space ends: seq + payload + SYN + FIN.
fn seg_end(seg: &Seg) -> u32 {
    let len = u32::try_from(seg.payload.len()).expect("payload fits in u32");
    let syn = u32::from(seg.flags.contains('S'));
    let fin = u32::from(seg.flags.contains('F'));
    seg.seq
        .wrapping_add(len)
        .wrapping_add(syn)
        .wrapping_add(fin)
}

/// The IP packet (IPv4 TTL 64 / IPv6 hop limit 64) carrying the segment.
fn ip_packet(src: Endpoint, dst: Endpoint, seg: &Seg) -> Vec<u8> {
    let mut tcp = TcpHeader::new(src.port, dst.port, seg.seq, seg.window);
    tcp.acknowledgment_number = seg.ack;
    for flag in seg.flags.chars() {
        match flag {
            'S' => tcp.syn = true,
            'F' => tcp.fin = true,
            'R' => tcp.rst = true,
            'P' => tcp.psh = true,
            'A' => tcp.ack = true,
            'U' => {
                tcp.urg = true;
                tcp.urgent_pointer = u16::try_from(seg.payload.len()).unwrap_or(u16::MAX);
            }
            'E' => tcp.ece = true,
            'C' => tcp.cwr = true,
            other => panic!("unknown TCP flag letter {other:?} in {:?}", seg.flags),
        }
    }
    tcp.set_options(&seg.options)
        .expect("TCP options fit in 40 bytes");
    let builder = match (src.ip, dst.ip) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => PacketBuilder::ipv6(s.octets(), d.octets(), 64),
        _ => panic!("client and server must be of one address family"),
    }
    .tcp_header(tcp);
    let mut out = Vec::with_capacity(builder.size(seg.payload.len()));
    builder
        .write(&mut out, &seg.payload)
        .expect("IP packet builds");
    out
}

fn write_pcap(link: LinkType, records: Vec<(u64, Vec<u8>, u32)>) -> Vec<u8> {
    let mut w =
        PcapWriter::new(Vec::new(), link, SNAPLEN, TsPrecision::Micro, false).expect("pcap header");
    for (time, bytes, orig_len) in records {
        w.write_packet(capture_time(time), &bytes, orig_len)
            .expect("pcap record");
    }
    w.into_inner()
}

/// Several conversations interleaved by time into one capture (same link type):
/// classic pcap as [`Conv::to_pcap`]. Frames at the same time keep the order of
/// `convs`, then each conversation's own order.
pub fn merge_pcap(convs: &[&Conv]) -> Vec<u8> {
    let link = convs.first().map_or(Link::Ethernet, |c| c.link).link_type();
    assert!(
        convs.iter().all(|c| c.link.link_type() == link),
        "merge_pcap needs one link type"
    );
    let mut all: Vec<(u64, Vec<u8>, u32)> = convs.iter().flat_map(|c| c.records()).collect();
    all.sort_by_key(|(time, _, _)| *time);
    write_pcap(link, all)
}
