//! One frame decoded: link, IP, transport, and where decoding stopped.

use std::net::IpAddr;

use etherparse::{
    EtherType, LaxIpPayloadSlice, LaxIpv4Slice, LaxIpv6Slice, LaxNetSlice, LaxSlicedPacket,
    LinkSlice, TransportSlice,
};

use super::link::{self, Inner, LinkInfo};
use super::tcp::TcpSegment;
use crate::capture::LinkType;

/// The IP layer of a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ip {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    /// IPv4 identification; IPv6 has none (0).
    pub id: u16,
    /// IP header length including IPv6 extension headers.
    pub header_len: usize,
    /// Transport protocol number (6 = TCP).
    pub protocol: u8,
    pub fragment: Option<Fragment>,
}

/// This packet is a piece of a fragmented IP datagram (RFC 791 §2.3, RFC 8200 §4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Offset of this piece in the datagram, in bytes.
    pub offset: u32,
    pub more: bool,
}

/// The transport layer.
#[derive(Clone, Debug)]
pub enum Transport<'a> {
    Tcp(TcpSegment<'a>),
    Udp,
    Icmp,
    /// Another protocol, or a fragment whose transport header is elsewhere.
    Other,
    None,
}

/// A decoded frame, borrowing its bytes.
#[derive(Clone, Debug)]
pub struct Packet<'a> {
    pub link: LinkInfo,
    pub ip: Option<Ip>,
    pub transport: Transport<'a>,
    /// Where and why decoding stopped early (a cut frame, a malformed header),
    /// in a sentence; `None` when every layer decoded.
    pub stopped: Option<String>,
}

impl<'a> Packet<'a> {
    pub fn tcp(&self) -> Option<&TcpSegment<'a>> {
        match &self.transport {
            Transport::Tcp(t) => Some(t),
            _ => None,
        }
    }
}

/// Decodes one frame. Never fails: what could not be decoded is described in
/// [`Packet::stopped`].
pub fn decode(link_type: LinkType, data: &[u8]) -> Packet<'_> {
    let (info, inner) = link::split(link_type, data);
    let sliced = match inner {
        Inner::Ethernet(bytes) => match LaxSlicedPacket::from_ethernet(bytes) {
            Ok(p) => p,
            Err(e) => return stopped(info, format!("Ethernet header: {e}")),
        },
        Inner::EtherType(t, bytes) => LaxSlicedPacket::from_ether_type(EtherType(t), bytes),
        Inner::Ip(bytes) => match LaxSlicedPacket::from_ip(bytes) {
            Ok(p) => p,
            Err(e) => return stopped(info, format!("IP header: {e}")),
        },
        Inner::Stop(why) => return stopped(info, why),
    };
    let info = ethernet_info(&sliced).unwrap_or(info);
    let mut stop = sliced
        .stop_err
        .as_ref()
        .map(|(err, layer)| format!("{layer}: {err}"));
    let (ip, ip_payload_len) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(v4)) => ipv4(v4, &mut stop),
        Some(LaxNetSlice::Ipv6(v6)) => ipv6(v6, &mut stop),
        Some(LaxNetSlice::Arp(_)) | None => (None, None),
    };
    let transport = transport(&sliced, ip.as_ref(), ip_payload_len, stop.is_some());
    if let Transport::Tcp(t) = &transport {
        if t.is_cut() && stop.as_deref().is_none_or(|s| s.contains("snap length")) {
            stop = Some(format!(
                "TCP payload cut by the snap length: {} of {} bytes captured",
                t.payload.len(),
                t.payload_len
            ));
        }
    }
    Packet {
        link: info,
        ip,
        transport,
        stopped: stop,
    }
}

/// The Ethernet II header etherparse found, with its VLAN tags (802.1Q, QinQ).
fn ethernet_info(sliced: &LaxSlicedPacket<'_>) -> Option<LinkInfo> {
    let Some(LinkSlice::Ethernet2(eth)) = &sliced.link else {
        return None;
    };
    Some(LinkInfo::Ethernet {
        src: eth.source(),
        dst: eth.destination(),
        vlans: sliced
            .link_exts
            .iter()
            .filter_map(|e| match e {
                etherparse::LaxLinkExtSlice::Vlan(v) => Some(v.vlan_identifier().value()),
                _ => None,
            })
            .collect(),
    })
}

/// Says the snap length cut the IP payload (first reason only): `declared`
/// is the payload length the IP header gave, when it gave one.
fn note_cut(
    stop: &mut Option<String>,
    version: &str,
    payload: &LaxIpPayloadSlice<'_>,
    declared: Option<usize>,
) {
    if payload.incomplete && stop.is_none() {
        *stop = Some(format!(
            "{version} payload cut by the snap length: {} of {} bytes captured",
            payload.payload.len(),
            declared.unwrap_or(0)
        ));
    }
}

/// The IPv4 header (RFC 791), and the payload length it declares.
fn ipv4(v4: &LaxIpv4Slice<'_>, stop: &mut Option<String>) -> (Option<Ip>, Option<usize>) {
    let h = v4.header();
    let frag_offset = u32::from(h.fragments_offset().value()) * 8;
    let fragment = (h.more_fragments() || frag_offset > 0).then_some(Fragment {
        offset: frag_offset,
        more: h.more_fragments(),
    });
    let header_len = usize::from(h.ihl()) * 4;
    let payload = v4.payload();
    // A total length of 0 is what TSO/GSO captures show: trust the bytes then.
    let declared =
        (usize::from(h.total_len()) > header_len).then(|| usize::from(h.total_len()) - header_len);
    note_cut(stop, "IPv4", payload, declared);
    let ip = Ip {
        src: IpAddr::from(h.source_addr()),
        dst: IpAddr::from(h.destination_addr()),
        ttl: h.ttl(),
        id: h.identification(),
        header_len,
        protocol: payload.ip_number.0,
        fragment,
    };
    (Some(ip), declared)
}

/// The IPv6 header and its extension headers (RFC 8200), and the payload
/// length they declare.
fn ipv6(v6: &LaxIpv6Slice<'_>, stop: &mut Option<String>) -> (Option<Ip>, Option<usize>) {
    let h = v6.header();
    let ext_len = v6.extensions().slice().len();
    let payload = v6.payload();
    // A payload length of 0 means a jumbogram (RFC 2675) or TSO: trust the bytes.
    let declared =
        (h.payload_length() > 0).then(|| usize::from(h.payload_length()).saturating_sub(ext_len));
    note_cut(stop, "IPv6", payload, declared);
    let fragment = v6.is_payload_fragmented().then_some(Fragment {
        offset: 0,
        more: true,
    });
    let ip = Ip {
        src: IpAddr::from(h.source_addr()),
        dst: IpAddr::from(h.destination_addr()),
        ttl: h.hop_limit(),
        id: 0,
        header_len: 40 + ext_len,
        protocol: payload.ip_number.0,
        fragment,
    };
    (Some(ip), declared)
}

/// The transport layer etherparse found; `stopped` says decoding already
/// stopped for a reason (then a packet without transport has none, rather
/// than another protocol).
fn transport<'a>(
    sliced: &LaxSlicedPacket<'a>,
    ip: Option<&Ip>,
    ip_payload_len: Option<usize>,
    stopped: bool,
) -> Transport<'a> {
    match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            Transport::Tcp(TcpSegment::from_slice(tcp, ip_payload_len))
        }
        Some(TransportSlice::Udp(_)) => Transport::Udp,
        Some(TransportSlice::Icmpv4(_)) | Some(TransportSlice::Icmpv6(_)) => Transport::Icmp,
        Some(_) => Transport::Other,
        None if ip.is_some_and(|i| i.fragment.is_some()) => Transport::Other,
        None if ip.is_some() && !stopped => Transport::Other,
        None => Transport::None,
    }
}

fn stopped(link: LinkInfo, why: String) -> Packet<'static> {
    Packet {
        link,
        ip: None,
        transport: Transport::None,
        stopped: Some(why),
    }
}

#[cfg(test)]
// Tests index the values they built themselves: a panic is a failed test.
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    fn tcp_frame(payload: &[u8]) -> Vec<u8> {
        let b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .single_vlan(etherparse::VlanId::try_new(42).expect("vlan"))
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(40000, 25, 1000, 65535)
            .syn()
            .ack(7);
        let mut out = Vec::new();
        b.write(&mut out, payload).expect("build");
        out
    }

    #[test]
    fn ethernet_vlan_ipv4_tcp() {
        let frame = tcp_frame(b"hello");
        let p = decode(LinkType::ETHERNET, &frame);
        assert!(p.stopped.is_none(), "{:?}", p.stopped);
        match &p.link {
            LinkInfo::Ethernet { vlans, .. } => assert_eq!(vlans, &vec![42]),
            other => panic!("{other:?}"),
        }
        let t = p.tcp().expect("tcp");
        assert_eq!((t.src_port, t.dst_port, t.seq, t.ack), (40000, 25, 1000, 7));
        assert_eq!(t.flags.to_string(), "SYN,ACK");
        assert_eq!(t.payload, b"hello");
        assert_eq!(t.payload_len, 5);
    }

    #[test]
    fn snaplen_cut_keeps_wire_length() {
        let frame = tcp_frame(b"hello world");
        let cut = &frame[..frame.len() - 6];
        let p = decode(LinkType::ETHERNET, cut);
        let t = p.tcp().expect("tcp header survives");
        assert_eq!(t.payload, b"hello");
        assert_eq!(t.payload_len, 11);
        assert!(p.stopped.expect("says where").contains("snap length"));
    }

    #[test]
    fn cut_inside_tcp_header() {
        let frame = tcp_frame(b"");
        let cut = &frame[..18 + 20 + 10];
        let p = decode(LinkType::ETHERNET, cut);
        assert!(p.tcp().is_none());
        assert!(p.ip.is_some());
        assert!(p.stopped.is_some());
    }

    #[test]
    fn every_prefix_of_a_frame_decodes_without_panic() {
        let frame = tcp_frame(b"payload");
        for lt in [0, 1, 101, 108, 113, 276, 228, 229, 9999] {
            for n in 0..=frame.len() {
                let _ = decode(LinkType(lt), &frame[..n]);
            }
        }
    }
}
