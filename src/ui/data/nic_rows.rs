//! The NIC pane's rows: one field of the frame per row (what the capture
//! file says about it, then each header's fields), each with the bytes it
//! occupies so the hex view can show them, and a key that names it for its
//! explanation and for a lesson's `field`. A row's `extra` is the detail
//! dropped first when the pane is narrow; its `value` is never cut.

use std::ops::Range;

use super::frame::{FrameDetail, IpDetail, TcpDetail};
use super::PaneData;
use crate::tcp::SegmentRecord;
use crate::text::escape_str;
use crate::timeline::FrameIndex;

/// One row of the NIC pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NicRow {
    /// Colour of its layer (as the hex view's ranges): 0 link, 1 IP, 2 TCP,
    /// 3 payload; `None` for what the file says about the frame.
    pub layer: Option<usize>,
    pub label: &'static str,
    /// The field's name for explanations and lessons (`ttl`, `ack`, …).
    pub key: &'static str,
    pub value: String,
    /// Detail shown when it fits (the raw number beside a relative one).
    pub extra: Option<String>,
    /// The frame's bytes it occupies, when it is a header field.
    pub bytes: Option<Range<usize>>,
}

fn row(layer: Option<usize>, label: &'static str, key: &'static str, value: String) -> NicRow {
    NicRow {
        layer,
        label,
        key,
        value,
        extra: None,
        bytes: None,
    }
}

impl NicRow {
    fn extra(mut self, extra: String) -> Self {
        self.extra = Some(extra);
        self
    }

    fn at(mut self, bytes: Option<Range<usize>>) -> Self {
        self.bytes = bytes;
        self
    }
}

/// The rows for the segment `seg` of frame `fi`, with its decoded bytes
/// `detail` (none when they could not be read back).
pub fn nic_rows(
    d: &PaneData,
    seg: &SegmentRecord,
    fi: &FrameIndex,
    detail: Option<&FrameDetail>,
) -> Vec<NicRow> {
    let mut out = record_rows(d, fi);
    let Some(p) = detail else { return out };
    link_rows(p, &mut out);
    if let Some(ip) = &p.ip {
        ip_rows(p, ip, &mut out);
    }
    if let Some(tcp) = &p.tcp {
        tcp_rows(p, seg, tcp, &mut out);
    }
    out
}

/// What the capture file says about the frame.
fn record_rows(d: &PaneData, fi: &FrameIndex) -> Vec<NicRow> {
    let tl = &d.data.timeline;
    let start = tl.first_time().unwrap_or_default();
    let cut = if fi.cap_len < fi.orig_len {
        " (cut by the snap length)"
    } else {
        ""
    };
    let iface = match d.interfaces.get(fi.interface as usize) {
        Some(Some(name)) => format!("{} \"{}\"", fi.interface, escape_str(name)),
        _ => fi.interface.to_string(),
    };
    vec![
        row(
            None,
            "frame",
            "frame",
            format!("{} of {}", fi.number, tl.stats.frames),
        ),
        // The time since the first frame fits any pane; the wall-clock
        // time is the detail.
        row(
            None,
            "time",
            "time",
            format!("+{:.6} s", fi.time.secs_since(start)),
        )
        .extra(format!("{} UTC", fi.time.utc())),
        row(
            None,
            "size",
            "length",
            format!("{} B on the wire", fi.orig_len),
        )
        .extra(format!("{} B captured{cut}", fi.cap_len)),
        row(None, "iface", "interface", iface).extra(fi.link_type.to_string()),
    ]
}

/// The bytes of field `name` of layer `layer`.
fn bytes_of(p: &FrameDetail, layer: &str, name: &str) -> Option<Range<usize>> {
    p.layer(layer)?
        .fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.bytes.clone())
}

fn link_rows(p: &FrameDetail, out: &mut Vec<NicRow>) {
    let Some(first) = p.layers.first() else {
        return;
    };
    if first.name == "Ethernet" {
        for (label, name) in [("dst MAC", "destination"), ("src MAC", "source")] {
            let value = first
                .fields
                .iter()
                .find(|f| f.name == name)
                .map_or_else(String::new, |f| f.value.clone());
            out.push(row(Some(0), label, "mac", value).at(bytes_of(p, "Ethernet", name)));
        }
    } else {
        out.push(row(Some(0), "link", "link", escape_str(&p.link)).at(Some(first.bytes.clone())));
    }
}

fn ip_rows(p: &FrameDetail, ip: &IpDetail, out: &mut Vec<NicRow>) {
    let name = if ip.v4 { "IPv4" } else { "IPv6" };
    let whole = p.layer(name).map(|l| l.bytes.clone());
    out.push(
        row(Some(1), "IP", "ip", name.to_string())
            .extra(format!("header {} B", ip.header_len))
            .at(whole),
    );
    out.push(row(Some(1), "src", "ip", ip.src.to_string()).at(bytes_of(p, name, "source")));
    out.push(row(Some(1), "dst", "ip", ip.dst.to_string()).at(bytes_of(p, name, "destination")));
    if ip.v4 {
        out.push(row(Some(1), "TTL", "ttl", ip.ttl.to_string()).at(bytes_of(p, name, "TTL")));
        out.push(
            row(Some(1), "IP id", "ip_id", format!("0x{:04x}", ip.id)).at(bytes_of(
                p,
                name,
                "identification",
            )),
        );
    } else {
        // IPv6 calls the same field the hop limit (RFC 8200 §3).
        out.push(row(Some(1), "hops", "ttl", ip.ttl.to_string()).at(bytes_of(
            p,
            name,
            "hop limit",
        )));
    }
}

/// The TCP header: the relative numbers the other panes use beside the raw
/// ones, the window before and after scaling (RFC 7323 §2.3), the options.
fn tcp_rows(p: &FrameDetail, seg: &SegmentRecord, tcp: &TcpDetail, out: &mut Vec<NicRow>) {
    let ports = match (
        bytes_of(p, "TCP", "source port"),
        bytes_of(p, "TCP", "destination port"),
    ) {
        (Some(a), Some(b)) => Some(a.start..b.end),
        _ => None,
    };
    out.push(
        row(
            Some(2),
            "ports",
            "ports",
            format!("{} → {}", tcp.src_port, tcp.dst_port),
        )
        .at(ports),
    );
    out.push(row(Some(2), "flags", "flags", tcp.flags.to_string()).at(bytes_of(p, "TCP", "flags")));
    out.push(
        row(Some(2), "seq", "seq", seg.seq.to_string())
            .extra(format!("raw {}", tcp.seq))
            .at(bytes_of(p, "TCP", "sequence number")),
    );
    out.push(
        row(Some(2), "ack", "ack", seg.ack.to_string())
            .extra(format!("raw {}", tcp.ack))
            .at(bytes_of(p, "TCP", "acknowledgment number")),
    );
    let window =
        row(Some(2), "window", "window", tcp.window.to_string()).at(bytes_of(p, "TCP", "window"));
    out.push(if u64::from(tcp.window) == seg.window_scaled {
        window
    } else {
        window.extra(format!("→ {} B scaled", seg.window_scaled))
    });
    out.push(row(
        Some(2),
        "header",
        "header",
        format!("{} B", tcp.header_len),
    ));
    out.push(
        row(
            Some(2),
            "checksum",
            "checksum",
            format!("0x{:04x}", tcp.checksum),
        )
        .at(bytes_of(p, "TCP", "checksum")),
    );
    // SACK edges are in the acknowledged direction's numbering, as the ack is:
    // the same offset turns them relative.
    let ack_base = tcp.ack.wrapping_sub(seg.ack);
    option_rows(p, tcp, ack_base, out);
    out.push(row(Some(3), "data", "payload", format!("{} B", tcp.payload_len)).at(p.payload()));
}

/// The TCP options; SACK blocks relative to `ack_base` (the peer's ISN), as
/// the ack number is shown.
fn option_rows(p: &FrameDetail, tcp: &TcpDetail, ack_base: u32, out: &mut Vec<NicRow>) {
    let o = &tcp.options;
    let at = bytes_of(p, "TCP", "options");
    let mut add = |label: &'static str, key: &'static str, value: String| {
        out.push(row(Some(2), label, key, value).at(at.clone()));
    };
    if let Some(m) = o.mss {
        add("MSS", "mss", format!("{m} B"));
    }
    if let Some(s) = o.window_scale {
        add(
            "WS",
            "window_scale",
            format!("shift {s} (×{})", 1u64 << s.min(14)),
        );
    }
    if o.sack_permitted {
        add("SACK", "sack", "permitted".into());
    }
    if !o.sack.is_empty() {
        // RFC 2018 §3: each block is [left, right) of bytes received; a
        // first block below the ack is a D-SACK (RFC 2883 §4).
        let blocks: Vec<String> = o
            .sack
            .iter()
            .map(|&(l, r)| format!("{}–{}", l.wrapping_sub(ack_base), r.wrapping_sub(ack_base)))
            .collect();
        add("SACK", "sack", blocks.join(", "));
    }
    if let Some((v, e)) = o.timestamp {
        add("TS", "timestamps", format!("{v} / echo {e}"));
    }
    if o.malformed {
        add("options", "options", "malformed".into());
    }
}
