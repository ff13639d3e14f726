//! The NIC pane: the frame at the cursor as the capture recorded it (all
//! observed): its number, when (absolute UTC and since the first frame), its
//! length on the wire and in the file, the interface, and each header's
//! fields, from the frame's bytes read back from the capture and decoded
//! once per cursor move ([`super::data::frame`]).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{clip, pane_block, App};
use crate::capture::Timestamp;
use crate::finding::Provenance;
use crate::text::escape_str;

pub fn draw(f: &mut Frame, area: Rect, app: &App, focused: bool) {
    let t = app.theme;
    let title = vec![
        Span::styled("NIC", t.title()),
        Span::styled(" · the frame · ", t.dim()),
        Span::styled("observed", t.provenance(Provenance::Observed)),
    ];
    let block = pane_block(title, focused, app);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let lines: Vec<Line> = lines(app)
        .into_iter()
        .skip(usize::from(app.nic_scroll))
        .map(|l| Line::from(clip(l.spans, w)))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// `label  value` with the label dimmed.
fn field(app: &App, label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<6}"), app.theme.dim()),
        Span::raw(value),
    ])
}

/// The pane's lines (also the start of the segment details).
pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = app.theme;
    let tl = &app.data.timeline;
    let mut out = Vec::new();
    let Some(seg) = app.segment() else {
        return out;
    };
    let Some(fi) = tl
        .frames
        .get((seg.frame as usize).wrapping_sub(1))
        .filter(|fi| fi.number == seg.frame)
    else {
        return out;
    };
    let start = tl.first_time().unwrap_or_default();
    out.push(Line::from(vec![
        Span::styled(format!("frame {}", fi.number), t.bold()),
        Span::styled(format!(" of {}", tl.stats.frames), t.dim()),
    ]));
    out.push(field(app, "time", format!("{} UTC", utc(fi.time))));
    out.push(field(
        app,
        "",
        format!(
            "+{} s since the first frame",
            super::secs(fi.time.secs_since(start))
        ),
    ));
    let cut = if fi.cap_len < fi.orig_len {
        " (cut by the snap length)"
    } else {
        ""
    };
    out.push(field(
        app,
        "size",
        format!(
            "{} B on the wire, {} B captured{cut}",
            fi.orig_len, fi.cap_len
        ),
    ));
    let iface = match app.interfaces.get(fi.interface as usize) {
        Some(Some(name)) => format!("{} \"{}\"", fi.interface, escape_str(name)),
        _ => fi.interface.to_string(),
    };
    out.push(field(app, "iface", format!("{iface} · {}", fi.link_type)));
    let Some(fb) = app.frame.as_ref().filter(|b| b.number == fi.number) else {
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
    let range = |name: &str| {
        p.layer(name)
            .map(|l| format!(" [{}]", super::hex::range(&l.bytes)))
            .unwrap_or_default()
    };
    let link_range = p
        .layers
        .first()
        .map(|l| format!(" [{}]", super::hex::range(&l.bytes)))
        .unwrap_or_default();
    out.push(Line::from(vec![
        Span::styled(format!("{:<6}", "link"), t.layer(0)),
        Span::raw(escape_str(&p.link)),
        Span::styled(link_range, t.dim()),
    ]));
    if let Some(ip) = &p.ip {
        let v = if ip.v4 { "IPv4" } else { "IPv6" };
        let id = if ip.v4 {
            format!(" · id 0x{:04x}", ip.id)
        } else {
            String::new()
        };
        out.push(Line::from(vec![
            Span::styled(format!("{:<6}", "IP"), t.layer(1)),
            Span::raw(format!("{v} {} → {}", ip.src, ip.dst)),
            Span::styled(range(v), t.dim()),
        ]));
        out.push(field(
            app,
            "",
            // IPv6 calls the same field the hop limit (RFC 8200 §3).
            format!(
                "{} {}{id} · header {} B",
                if ip.v4 { "TTL" } else { "hop limit" },
                ip.ttl,
                ip.header_len
            ),
        ));
    }
    if let Some(tcp) = &p.tcp {
        out.push(Line::from(vec![
            Span::styled(format!("{:<6}", "TCP"), t.layer(2)),
            Span::raw(format!("{} → {} ", tcp.src_port, tcp.dst_port)),
            Span::styled(tcp.flags.to_string(), t.flags(tcp.flags)),
            Span::styled(range("TCP"), t.dim()),
        ]));
        out.push(field(
            app,
            "",
            format!(
                "seq {} (raw {}) · ack {} (raw {})",
                seg.seq, tcp.seq, seg.ack, tcp.ack
            ),
        ));
        let scaled = if u64::from(tcp.window) == seg.window_scaled {
            String::new()
        } else {
            format!(" → {} B scaled", seg.window_scaled)
        };
        out.push(field(
            app,
            "",
            format!(
                "window {}{scaled} · header {} B · checksum 0x{:04x}",
                tcp.window, tcp.header_len, tcp.checksum
            ),
        ));
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
        if !opts.is_empty() {
            out.push(field(app, "", format!("options: {}", opts.join(", "))));
        }
        out.push(Line::from(vec![
            Span::styled(format!("{:<6}", "data"), t.layer(3)),
            Span::raw(format!("{} B payload", tcp.payload_len)),
            Span::styled(range("payload"), t.dim()),
        ]));
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
