//! The one place the view decodes a frame's bytes. [`frame_detail`] turns
//! them into what the NIC pane and the hex view show: each layer's byte
//! range in the order they tile the frame, its header fields with the bytes
//! each occupies (so a field can be found in the hex view), and the decoded
//! values; [`payload`] finds only the TCP payload, for search. The frame at
//! the cursor is read back from the capture and decoded once per cursor move
//! ([`CursorFrame::read`]), never per draw.

use std::net::IpAddr;
use std::ops::Range;

use super::model::Data;
use crate::capture::LinkType;
use crate::timeline::FrameStore;
use crate::wire::{self, LinkInfo, Packet, TcpFlags, TcpOptions, TcpSegment};

/// A header field and the frame bytes it occupies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// As it is on the wire (raw numbers, not relative ones).
    pub value: String,
    pub bytes: Range<usize>,
}

/// One layer's byte range in a frame, and its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    pub name: &'static str,
    /// Colour index ([`crate::ui::theme::Theme::layer`]): link, IP, TCP,
    /// payload, trailer.
    pub kind: usize,
    pub bytes: Range<usize>,
    pub fields: Vec<Field>,
}

/// The IP header's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpDetail {
    pub v4: bool,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    /// IPv4 identification (IPv6 has none).
    pub id: u16,
    pub header_len: usize,
}

/// The TCP header's values, raw as on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpDetail {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub checksum: u16,
    pub header_len: u8,
    pub options: TcpOptions,
    pub payload_len: u32,
}

/// What the panes show about one frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameDetail {
    /// Link, IP, TCP, payload and trailer as far as they decode; a frame
    /// that is not TCP over IP is one range, "frame".
    pub layers: Vec<Layer>,
    /// The link header in words.
    pub link: String,
    pub ip: Option<IpDetail>,
    pub tcp: Option<TcpDetail>,
    /// Where and why decoding stopped early.
    pub stopped: Option<String>,
}

impl FrameDetail {
    /// The layer called `name`.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// Where the TCP payload lies in the frame.
    pub fn payload(&self) -> Option<Range<usize>> {
        self.layer("payload").map(|l| l.bytes.clone())
    }
}

/// The frame at the cursor: its bytes read back from the capture (or why
/// they could not be), and what they decode to.
#[derive(Clone, Debug)]
pub struct CursorFrame {
    pub number: u64,
    pub bytes: Result<Vec<u8>, String>,
    /// Empty when the bytes could not be read.
    pub detail: FrameDetail,
}

impl CursorFrame {
    /// Reads frame `number` back from `store` and decodes it.
    pub fn read(data: &Data, store: &FrameStore, number: u64) -> CursorFrame {
        let info = data.frame_info(number);
        let bytes = info
            .ok_or_else(|| "this frame is not in the index".to_string())
            .and_then(|f| store.frame(f).map_err(|e| e.to_string()));
        let detail = match (&bytes, info) {
            (Ok(b), Some(f)) => frame_detail(f.link_type, b),
            _ => FrameDetail::default(),
        };
        CursorFrame {
            number,
            bytes,
            detail,
        }
    }
}

/// A frame's TCP payload, when it decodes that far.
pub fn payload(link: LinkType, bytes: &[u8]) -> Option<&[u8]> {
    wire::decode(link, bytes).tcp().map(|t| t.payload)
}

/// Decodes a frame for the panes.
pub fn frame_detail(link: LinkType, bytes: &[u8]) -> FrameDetail {
    let p = wire::decode(link, bytes);
    let ip = p.ip.as_ref().map(|ip| IpDetail {
        v4: ip.src.is_ipv4(),
        src: ip.src,
        dst: ip.dst,
        ttl: ip.ttl,
        id: ip.id,
        header_len: ip.header_len,
    });
    let tcp = p.tcp().map(|t| TcpDetail {
        src_port: t.src_port,
        dst_port: t.dst_port,
        seq: t.seq,
        ack: t.ack,
        flags: t.flags,
        window: t.window,
        checksum: t.checksum,
        header_len: t.header_len,
        options: t.options.clone(),
        payload_len: t.payload_len,
    });
    FrameDetail {
        layers: layers(&p, bytes),
        link: p.link.to_string(),
        ip,
        tcp,
        stopped: p.stopped.clone(),
    }
}

/// Where each layer of a frame lies, as far as it decodes.
fn layers(p: &Packet<'_>, bytes: &[u8]) -> Vec<Layer> {
    let (Some(ip), Some(tcp)) = (&p.ip, p.tcp()) else {
        if bytes.is_empty() {
            return Vec::new();
        }
        return vec![layer("frame", 0, 0..bytes.len(), Vec::new())];
    };
    // The payload is a slice of the frame: its place is its distance from
    // the frame's start.
    let payload_at = (tcp.payload.as_ptr() as usize).wrapping_sub(bytes.as_ptr() as usize);
    if payload_at > bytes.len() {
        return Vec::new();
    }
    let payload_end = payload_at + tcp.payload.len();
    let tcp_at = payload_at.saturating_sub(usize::from(tcp.header_len));
    let ip_at = tcp_at.saturating_sub(ip.header_len);
    let (link_name, link_fields) = match &p.link {
        LinkInfo::Ethernet { src, dst, .. } => ("Ethernet", ethernet_fields(src, dst)),
        LinkInfo::Sll { .. } => ("Linux SLL", Vec::new()),
        LinkInfo::Sll2 { .. } => ("Linux SLL2", Vec::new()),
        LinkInfo::Loopback { .. } => ("loopback", Vec::new()),
        _ => ("link", Vec::new()),
    };
    let ip_name = if ip.src.is_ipv4() { "IPv4" } else { "IPv6" };
    let mut out = Vec::new();
    for (name, kind, bytes, fields) in [
        (link_name, 0, 0..ip_at, link_fields),
        (ip_name, 1, ip_at..tcp_at, ip_fields(ip, ip_at)),
        ("TCP", 2, tcp_at..payload_at, tcp_fields(tcp, tcp_at)),
        ("payload", 3, payload_at..payload_end, Vec::new()),
        ("trailer", 4, payload_end..bytes.len(), Vec::new()),
    ] {
        if bytes.end > bytes.start {
            out.push(layer(name, kind, bytes, fields));
        }
    }
    out
}

/// A layer, keeping only the fields that lie inside it (a short header of
/// a hostile frame holds fewer than its kind should).
fn layer(name: &'static str, kind: usize, bytes: Range<usize>, fields: Vec<Field>) -> Layer {
    let fields = fields
        .into_iter()
        .filter(|f| f.bytes.start >= bytes.start && f.bytes.end <= bytes.end)
        .collect();
    Layer {
        name,
        kind,
        bytes,
        fields,
    }
}

fn field(name: &'static str, value: String, at: usize, len: usize) -> Field {
    Field {
        name,
        value,
        bytes: at..at + len,
    }
}

fn mac(m: &[u8; 6]) -> String {
    let parts: Vec<String> = m.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

/// IEEE 802.3 §3.1.1: destination, then source address.
fn ethernet_fields(src: &[u8; 6], dst: &[u8; 6]) -> Vec<Field> {
    vec![
        field("destination", mac(dst), 0, 6),
        field("source", mac(src), 6, 6),
    ]
}

/// RFC 791 §3.1 (IPv4) and RFC 8200 §3 (IPv6) header layouts.
fn ip_fields(ip: &wire::Ip, at: usize) -> Vec<Field> {
    if ip.src.is_ipv4() {
        vec![
            field("identification", format!("0x{:04x}", ip.id), at + 4, 2),
            field("TTL", ip.ttl.to_string(), at + 8, 1),
            field("source", ip.src.to_string(), at + 12, 4),
            field("destination", ip.dst.to_string(), at + 16, 4),
        ]
    } else {
        vec![
            field("hop limit", ip.ttl.to_string(), at + 7, 1),
            field("source", ip.src.to_string(), at + 8, 16),
            field("destination", ip.dst.to_string(), at + 24, 16),
        ]
    }
}

/// RFC 9293 §3.1 header layout; the flags share their two bytes with the
/// data offset.
fn tcp_fields(t: &TcpSegment<'_>, at: usize) -> Vec<Field> {
    let mut out = vec![
        field("source port", t.src_port.to_string(), at, 2),
        field("destination port", t.dst_port.to_string(), at + 2, 2),
        field("sequence number", t.seq.to_string(), at + 4, 4),
        field("acknowledgment number", t.ack.to_string(), at + 8, 4),
        field("flags", t.flags.to_string(), at + 12, 2),
        field("window", t.window.to_string(), at + 14, 2),
        field("checksum", format!("0x{:04x}", t.checksum), at + 16, 2),
    ];
    let header = usize::from(t.header_len);
    if header > 20 {
        out.push(field(
            "options",
            format!("{} B", header - 20),
            at + 20,
            header - 20,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ethernet_frame() -> Vec<u8> {
        let mut frame = Vec::new();
        etherparse::PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(40000, 25, 1, 100)
            .write(&mut frame, b"HELO x\r\n")
            .expect("build");
        frame.extend_from_slice(&[0, 0]); // padding
        frame
    }

    #[test]
    fn layers_tile_an_ethernet_frame() {
        let frame = ethernet_frame();
        let l = frame_detail(LinkType::ETHERNET, &frame).layers;
        let names: Vec<&str> = l.iter().map(|l| l.name).collect();
        assert_eq!(names, ["Ethernet", "IPv4", "TCP", "payload", "trailer"]);
        assert_eq!((l[0].bytes.start, l[0].bytes.end), (0, 14));
        assert_eq!((l[1].bytes.start, l[1].bytes.end), (14, 34));
        assert_eq!((l[3].bytes.end - l[3].bytes.start), 8);
        assert_eq!(l[4].bytes.end, frame.len());
    }

    #[test]
    fn garbage_is_one_range() {
        let l = frame_detail(LinkType::ETHERNET, &[0xff; 7]).layers;
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn each_field_covers_the_bytes_of_its_value() {
        let frame = ethernet_frame();
        let d = frame_detail(LinkType::ETHERNET, &frame);
        let bytes_of = |layer: &str, name: &str| {
            let f = d
                .layer(layer)
                .and_then(|l| l.fields.iter().find(|f| f.name == name))
                .unwrap_or_else(|| panic!("{layer} {name}"));
            frame[f.bytes.clone()].to_vec()
        };
        assert_eq!(bytes_of("TCP", "source port"), 40000u16.to_be_bytes());
        assert_eq!(bytes_of("TCP", "sequence number"), 1u32.to_be_bytes());
        assert_eq!(bytes_of("IPv4", "TTL"), [64]);
        assert_eq!(bytes_of("IPv4", "source"), [10, 0, 0, 1]);
        assert_eq!(bytes_of("Ethernet", "source"), [1; 6]);
        assert_eq!(
            d.payload().map(|r| frame[r].to_vec()),
            Some(b"HELO x\r\n".to_vec())
        );
        assert_eq!(
            payload(LinkType::ETHERNET, &frame),
            Some(&b"HELO x\r\n"[..])
        );
    }

    #[test]
    fn a_cut_header_keeps_only_the_fields_it_holds() {
        let frame = ethernet_frame();
        for n in 0..frame.len() {
            let d = frame_detail(LinkType::ETHERNET, &frame[..n]);
            for l in &d.layers {
                assert!(l.bytes.end <= n);
                assert!(l.fields.iter().all(|f| f.bytes.end <= l.bytes.end));
            }
        }
    }
}
