//! The NIC pane: the frame at the cursor as the capture recorded it (all
//! observed): its number, when (absolute UTC and since the first frame), its
//! length on the wire and in the file, the interface, and each header's
//! fields, from the frame's bytes read back from the capture and decoded
//! once per cursor move ([`crate::ui::data::frame`]).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::capture::Timestamp;
use crate::finding::Provenance;
use crate::tcp::SegmentRecord;
use crate::text::escape_str;
use crate::timeline::FrameIndex;
use crate::ui::data::frame::{FrameDetail, IpDetail, TcpDetail};
use crate::ui::data::PaneData;
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{byte_range, clip, pane_block, secs};

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme, focused: bool) {
    let title = vec![
        Span::styled("NIC", t.title()),
        Span::styled(" · the frame · ", t.dim()),
        Span::styled("observed", t.provenance(Provenance::Observed)),
    ];
    let block = pane_block(title, focused, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let lines: Vec<Line> = lines(s, d, t)
        .into_iter()
        .skip(usize::from(s.scroll.nic))
        .map(|l| Line::from(clip(l.spans, w)))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// `label  value` with the label dimmed.
fn field(t: &Theme, label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<6}"), t.dim()),
        Span::raw(value),
    ])
}

/// A layer's head line: its name in the layer's colour, what it says, and
/// its bytes.
fn head(
    t: &Theme,
    label: &str,
    kind: usize,
    text: Vec<Span<'static>>,
    range: String,
) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{label:<6}"), t.layer(kind))];
    spans.extend(text);
    spans.push(Span::styled(range, t.dim()));
    Line::from(spans)
}

/// The pane's lines (also the start of the segment details).
pub fn lines(s: &ViewState, d: &PaneData, t: &Theme) -> Vec<Line<'static>> {
    let Some(seg) = s.segment(d.data) else {
        return Vec::new();
    };
    let Some(fi) = d.data.frame_info(seg.frame) else {
        return Vec::new();
    };
    let mut out = record_lines(d, t, fi);
    let Some(fb) = d.frame.filter(|b| b.number == fi.number) else {
        return out;
    };
    if let Err(e) = &fb.bytes {
        out.push(Line::from(Span::styled(
            format!("bytes: {}", escape_str(e)),
            t.dim(),
        )));
        return out;
    }
    let p = &fb.detail;
    let link_range = p
        .layers
        .first()
        .map(|l| format!(" [{}]", byte_range(&l.bytes)))
        .unwrap_or_default();
    out.push(head(
        t,
        "link",
        0,
        vec![Span::raw(escape_str(&p.link))],
        link_range,
    ));
    if let Some(ip) = &p.ip {
        out.extend(ip_lines(
            t,
            ip,
            range(p, if ip.v4 { "IPv4" } else { "IPv6" }),
        ));
    }
    if let Some(tcp) = &p.tcp {
        out.extend(tcp_lines(t, seg, tcp, p));
    }
    if let Some(why) = &p.stopped {
        out.push(Line::from(Span::styled(
            format!("decoding stopped: {}", escape_str(why)),
            t.dim(),
        )));
    }
    out.push(Line::from(Span::styled("⏎ the bytes in hex", t.dim())));
    out
}

/// ` [14–33]`: where a layer's bytes are, for its head line.
fn range(p: &FrameDetail, name: &str) -> String {
    p.layer(name)
        .map(|l| format!(" [{}]", byte_range(&l.bytes)))
        .unwrap_or_default()
}

/// What the capture file says about the frame: number, time, size, interface.
fn record_lines(d: &PaneData, t: &Theme, fi: &FrameIndex) -> Vec<Line<'static>> {
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
        Line::from(vec![
            Span::styled(format!("frame {}", fi.number), t.bold()),
            Span::styled(format!(" of {}", tl.stats.frames), t.dim()),
        ]),
        field(t, "time", format!("{} UTC", utc(fi.time))),
        field(
            t,
            "",
            format!(
                "+{} s since the first frame",
                secs(fi.time.secs_since(start))
            ),
        ),
        field(
            t,
            "size",
            format!(
                "{} B on the wire, {} B captured{cut}",
                fi.orig_len, fi.cap_len
            ),
        ),
        field(t, "iface", format!("{iface} · {}", fi.link_type)),
    ]
}

fn ip_lines(t: &Theme, ip: &IpDetail, range: String) -> Vec<Line<'static>> {
    let v = if ip.v4 { "IPv4" } else { "IPv6" };
    let id = if ip.v4 {
        format!(" · id 0x{:04x}", ip.id)
    } else {
        String::new()
    };
    vec![
        head(
            t,
            "IP",
            1,
            vec![Span::raw(format!("{v} {} → {}", ip.src, ip.dst))],
            range,
        ),
        field(
            t,
            "",
            // IPv6 calls the same field the hop limit (RFC 8200 §3).
            format!(
                "{} {}{id} · header {} B",
                if ip.v4 { "TTL" } else { "hop limit" },
                ip.ttl,
                ip.header_len
            ),
        ),
    ]
}

/// The TCP header: raw numbers beside the relative ones the other panes
/// use, the window before and after scaling (RFC 7323 §2.3), the options.
fn tcp_lines(
    t: &Theme,
    seg: &SegmentRecord,
    tcp: &TcpDetail,
    p: &FrameDetail,
) -> Vec<Line<'static>> {
    let mut out = vec![
        head(
            t,
            "TCP",
            2,
            vec![
                Span::raw(format!("{} → {} ", tcp.src_port, tcp.dst_port)),
                Span::styled(tcp.flags.to_string(), t.flags(tcp.flags)),
            ],
            range(p, "TCP"),
        ),
        field(
            t,
            "",
            format!(
                "seq {} (raw {}) · ack {} (raw {})",
                seg.seq, tcp.seq, seg.ack, tcp.ack
            ),
        ),
    ];
    let scaled = if u64::from(tcp.window) == seg.window_scaled {
        String::new()
    } else {
        format!(" → {} B scaled", seg.window_scaled)
    };
    out.push(field(
        t,
        "",
        format!(
            "window {}{scaled} · header {} B · checksum 0x{:04x}",
            tcp.window, tcp.header_len, tcp.checksum
        ),
    ));
    if let Some(opts) = options(tcp) {
        out.push(field(t, "", format!("options: {opts}")));
    }
    out.push(head(
        t,
        "data",
        3,
        vec![Span::raw(format!("{} B payload", tcp.payload_len))],
        range(p, "payload"),
    ));
    out
}

/// The TCP options in words, when there are any.
fn options(tcp: &TcpDetail) -> Option<String> {
    let o = &tcp.options;
    let mut opts = Vec::new();
    if let Some(m) = o.mss {
        opts.push(format!("MSS {m}"));
    }
    if let Some(s) = o.window_scale {
        opts.push(format!("window scale {s} (×{})", 1u64 << s.min(14)));
    }
    if o.sack_permitted {
        opts.push("SACK permitted".into());
    }
    if !o.sack.is_empty() {
        opts.push(format!("SACK {} blocks", o.sack.len()));
    }
    if let Some((v, e)) = o.timestamp {
        opts.push(format!("TS {v}/{e}"));
    }
    if o.malformed {
        opts.push("malformed options".into());
    }
    (!opts.is_empty()).then(|| opts.join(", "))
}

/// `2026-11-23 09:12:45.123456789`, from days since the epoch (the civil
/// calendar algorithm of H. Hinnant's date library).
pub fn utc(t: Timestamp) -> String {
    let secs = t.secs();
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:09}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        t.subsec_nanos()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(utc(Timestamp(0)), "1970-01-01 00:00:00.000000000");
        // 2000-02-29 12:34:56.5
        assert_eq!(
            utc(Timestamp(951_827_696_500_000_000)),
            "2000-02-29 12:34:56.500000000"
        );
        assert_eq!(utc(Timestamp(-1)), "1969-12-31 23:59:59.999999999");
    }
}
