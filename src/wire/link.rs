//! Link-layer headers: which ones exist, and where the network layer starts.
//!
//! Ethernet (with 802.1Q / QinQ tags) is left to etherparse. Linux "cooked"
//! headers (SLL, SLL2) and BSD loopback (NULL, LOOP) are tiny fixed headers parsed
//! here, following the tcpdump.org LINKTYPE_ pages.

use std::fmt;

use crate::capture::LinkType;

/// What the link layer said about a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkInfo {
    Ethernet {
        src: [u8; 6],
        dst: [u8; 6],
        /// VLAN ids, outermost first (802.1Q, QinQ).
        vlans: Vec<u16>,
    },
    /// Linux cooked capture v1 (`tcpdump -i any` on older libpcap).
    Sll { packet_type: u16, address: Vec<u8> },
    /// Linux cooked capture v2 (`tcpdump -i any` on libpcap ≥ 1.10).
    Sll2 {
        packet_type: u8,
        interface_index: u32,
        address: Vec<u8>,
    },
    /// BSD loopback: a 4-byte address family.
    Loopback { family: u32 },
    /// No link header: the frame starts with IP.
    RawIp,
    /// A link type sockscope does not decode, or a header cut short.
    Unknown,
}

impl LinkInfo {
    /// Linux packet type as a word (SLL/SLL2 `sll_pkttype`).
    pub fn direction_hint(&self) -> Option<&'static str> {
        let t = match self {
            LinkInfo::Sll { packet_type, .. } => *packet_type as u8,
            LinkInfo::Sll2 { packet_type, .. } => *packet_type,
            _ => return None,
        };
        Some(match t {
            0 => "to us",
            1 => "broadcast",
            2 => "multicast",
            3 => "to another host",
            4 => "sent by us",
            _ => "unknown direction",
        })
    }
}

impl fmt::Display for LinkInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mac = |m: &[u8]| {
            m.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        };
        match self {
            LinkInfo::Ethernet { src, dst, vlans } => {
                write!(f, "Ethernet {} → {}", mac(src), mac(dst))?;
                for v in vlans {
                    write!(f, " VLAN {v}")?;
                }
                Ok(())
            }
            LinkInfo::Sll { address, .. } => {
                write!(
                    f,
                    "Linux SLL {} ({})",
                    mac(address),
                    self.direction_hint().unwrap_or("")
                )
            }
            LinkInfo::Sll2 {
                interface_index,
                address,
                ..
            } => write!(
                f,
                "Linux SLL2 if#{interface_index} {} ({})",
                mac(address),
                self.direction_hint().unwrap_or("")
            ),
            LinkInfo::Loopback { family } => write!(f, "BSD loopback, family {family}"),
            LinkInfo::RawIp => write!(f, "raw IP"),
            LinkInfo::Unknown => write!(f, "unknown link layer"),
        }
    }
}

/// Where the network layer starts, after a link header parsed here.
pub(crate) enum Inner<'a> {
    /// Hand to etherparse as Ethernet.
    Ethernet(&'a [u8]),
    /// A payload of the given EtherType.
    EtherType(u16, &'a [u8]),
    /// IP (v4 or v6, decided by the version nibble).
    Ip(&'a [u8]),
    /// Nothing decodable; the reason.
    Stop(String),
}

const SLL_LEN: usize = 16;
const SLL2_LEN: usize = 20;
const NULL_LEN: usize = 4;

/// Splits the link header off a frame of the given link type.
pub(crate) fn split(link: LinkType, data: &[u8]) -> (LinkInfo, Inner<'_>) {
    match link.0 {
        1 => (LinkInfo::Unknown, Inner::Ethernet(data)),
        113 => sll(data),
        276 => sll2(data),
        0 | 108 => loopback(link, data),
        12 | 14 | 101 | 228 | 229 => (LinkInfo::RawIp, Inner::Ip(data)),
        _ => (
            LinkInfo::Unknown,
            Inner::Stop(format!("link type {link} is not decoded")),
        ),
    }
}

/// LINKTYPE_LINUX_SLL: packet type, ARPHRD, address length, 8-byte address,
/// protocol.
fn sll(data: &[u8]) -> (LinkInfo, Inner<'_>) {
    let Some((head, rest)) = data.split_first_chunk::<SLL_LEN>() else {
        return short("Linux SLL", SLL_LEN, data.len());
    };
    let [t0, t1, _, _, l0, l1, address @ .., p0, p1] = *head;
    let alen = usize::from(u16::from_be_bytes([l0, l1])).min(8);
    let info = LinkInfo::Sll {
        packet_type: u16::from_be_bytes([t0, t1]),
        address: address.iter().take(alen).copied().collect(),
    };
    (info, Inner::EtherType(u16::from_be_bytes([p0, p1]), rest))
}

/// LINKTYPE_LINUX_SLL2: protocol, reserved, ifindex, ARPHRD, packet type,
/// address length, address.
fn sll2(data: &[u8]) -> (LinkInfo, Inner<'_>) {
    let Some((head, rest)) = data.split_first_chunk::<SLL2_LEN>() else {
        return short("Linux SLL2", SLL2_LEN, data.len());
    };
    let [p0, p1, _, _, i0, i1, i2, i3, _, _, packet_type, alen, address @ ..] = *head;
    let info = LinkInfo::Sll2 {
        packet_type,
        interface_index: u32::from_be_bytes([i0, i1, i2, i3]),
        address: address
            .iter()
            .take(usize::from(alen).min(8))
            .copied()
            .collect(),
    };
    (info, Inner::EtherType(u16::from_be_bytes([p0, p1]), rest))
}

/// LINKTYPE_NULL (host byte order of the capturing machine) and LINKTYPE_LOOP
/// (network byte order): an address family. AF_INET is 2 everywhere; AF_INET6
/// is 24 (NetBSD/OpenBSD), 28 (FreeBSD) or 30 (macOS), so we read both orders.
fn loopback(link: LinkType, data: &[u8]) -> (LinkInfo, Inner<'_>) {
    let Some((&raw, rest)) = data.split_first_chunk::<NULL_LEN>() else {
        return short("BSD loopback", NULL_LEN, data.len());
    };
    let family = match raw {
        _ if link.0 == 108 => u32::from_be_bytes(raw),
        [0, 0, ..] => u32::from_be_bytes(raw),
        _ => u32::from_le_bytes(raw),
    };
    let info = LinkInfo::Loopback { family };
    match family {
        2 | 24 | 28 | 30 => (info, Inner::Ip(rest)),
        other => (
            info,
            Inner::Stop(format!("BSD loopback address family {other} is not IP")),
        ),
    }
}

fn short(what: &str, need: usize, got: usize) -> (LinkInfo, Inner<'static>) {
    (
        LinkInfo::Unknown,
        Inner::Stop(format!("{what} header needs {need} bytes, frame has {got}")),
    )
}
