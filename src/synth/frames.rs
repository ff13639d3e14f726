//! One Ethernet frame of a generated capture, written into a reused buffer:
//! Ethernet II, IPv4 (RFC 791 §3.1, header checksum computed) or IPv6
//! (RFC 8200 §3), TCP (RFC 9293 §3.1; an MSS option on SYNs). TCP checksums
//! are left zero, as a sending host with checksum offload leaves them; no
//! reader of the capture checks them by default.

use std::net::IpAddr;

use crate::wire::TcpFlags;

/// A segment to write.
pub struct Seg<'a> {
    pub src: (IpAddr, u16),
    pub dst: (IpAddr, u16),
    pub seq: u32,
    pub ack: u32,
    pub flags: u16,
    pub window: u16,
    pub payload: &'a [u8],
}

const MAC_CLIENT: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const MAC_SERVER: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

/// The frame of `s` into `buf` (cleared first); `to_server` picks the MAC
/// addresses.
pub fn write(buf: &mut Vec<u8>, s: &Seg<'_>, to_server: bool, ip_id: u16) {
    buf.clear();
    let (dst_mac, src_mac) = if to_server {
        (MAC_SERVER, MAC_CLIENT)
    } else {
        (MAC_CLIENT, MAC_SERVER)
    };
    buf.extend_from_slice(&dst_mac);
    buf.extend_from_slice(&src_mac);
    let syn = s.flags & TcpFlags::SYN != 0;
    let tcp_len = if syn { 24 } else { 20 } + s.payload.len();
    match (s.src.0, s.dst.0) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            buf.extend_from_slice(&0x0800u16.to_be_bytes());
            let start = buf.len();
            let total = (20 + tcp_len).min(65_535) as u16;
            buf.extend_from_slice(&[0x45, 0]);
            buf.extend_from_slice(&total.to_be_bytes());
            buf.extend_from_slice(&ip_id.to_be_bytes());
            buf.extend_from_slice(&[0x40, 0, 64, 6, 0, 0]);
            buf.extend_from_slice(&a.octets());
            buf.extend_from_slice(&b.octets());
            let sum = checksum(buf.get(start..).unwrap_or(&[]));
            if let Some(c) = buf.get_mut(start + 10..start + 12) {
                c.copy_from_slice(&sum.to_be_bytes());
            }
        }
        (a, b) => {
            buf.extend_from_slice(&0x86ddu16.to_be_bytes());
            buf.extend_from_slice(&[0x60, 0, 0, 0]);
            buf.extend_from_slice(&(tcp_len as u16).to_be_bytes());
            buf.extend_from_slice(&[6, 64]);
            buf.extend_from_slice(&v6(a));
            buf.extend_from_slice(&v6(b));
        }
    }
    buf.extend_from_slice(&s.src.1.to_be_bytes());
    buf.extend_from_slice(&s.dst.1.to_be_bytes());
    buf.extend_from_slice(&s.seq.to_be_bytes());
    buf.extend_from_slice(&s.ack.to_be_bytes());
    let words: u16 = if syn { 6 } else { 5 };
    buf.extend_from_slice(&((words << 12) | (s.flags & 0x01ff)).to_be_bytes());
    buf.extend_from_slice(&s.window.to_be_bytes());
    buf.extend_from_slice(&[0, 0, 0, 0]);
    if syn {
        // MSS 1460 (RFC 9293 §3.7.1).
        buf.extend_from_slice(&[2, 4, 0x05, 0xb4]);
    }
    buf.extend_from_slice(s.payload);
}

fn v6(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V6(v) => v.octets(),
        IpAddr::V4(v) => v.to_ipv6_mapped().octets(),
    }
}

/// The Internet checksum (RFC 1071) of a header.
fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in b.chunks(2) {
        let word = match pair {
            [h, l] => u16::from_be_bytes([*h, *l]),
            [h] => u16::from_be_bytes([*h, 0]),
            _ => 0,
        };
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn a_frame_decodes_back() {
        let mut buf = Vec::new();
        let s = Seg {
            src: (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 40000),
            dst: (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 25),
            seq: 7,
            ack: 9,
            flags: TcpFlags::PSH | TcpFlags::ACK,
            window: 512,
            payload: b"HELO x\r\n",
        };
        write(&mut buf, &s, true, 1);
        let p = crate::wire::decode(crate::capture::LinkType::ETHERNET, &buf);
        let tcp = p.tcp().expect("tcp");
        assert_eq!(
            (tcp.src_port, tcp.dst_port, tcp.seq, tcp.ack),
            (40000, 25, 7, 9)
        );
        assert_eq!(tcp.payload, b"HELO x\r\n");
        assert!(p.stopped.is_none());
        // The IPv4 header sums to all ones with its checksum in place.
        assert_eq!(checksum(&buf[14..34]), 0);
    }
}
