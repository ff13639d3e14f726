//! The frame's bytes as hex and text, each layer's byte range in its own
//! colour (link, IP, TCP header, payload, trailer), as Wireshark's bytes pane
//! shows them. Non-printable bytes show as `.` in the text column, so no byte
//! of the capture ever reaches the terminal as itself.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::{centered, clip, pane_block, App};
use crate::capture::LinkType;
use crate::wire;

/// One layer's byte range in a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    pub name: String,
    pub start: usize,
    pub end: usize,
    /// Colour index ([`super::theme::Theme::layer`]).
    pub kind: usize,
}

/// Where each layer of a frame lies, as far as it decodes.
pub fn layers(link: LinkType, bytes: &[u8]) -> Vec<Layer> {
    let p = wire::decode(link, bytes);
    let mut out = Vec::new();
    let (Some(ip), Some(tcp)) = (&p.ip, p.tcp()) else {
        if !bytes.is_empty() {
            out.push(Layer {
                name: "frame".into(),
                start: 0,
                end: bytes.len(),
                kind: 0,
            });
        }
        return out;
    };
    // The payload is a slice of the frame: its place is its distance from
    // the frame's start.
    let payload_at = (tcp.payload.as_ptr() as usize).wrapping_sub(bytes.as_ptr() as usize);
    if payload_at > bytes.len() {
        return out;
    }
    let payload_end = payload_at + tcp.payload.len();
    let tcp_at = payload_at.saturating_sub(usize::from(tcp.header_len));
    let ip_at = tcp_at.saturating_sub(ip.header_len);
    let link_name = match p.link {
        wire::link::LinkInfo::Ethernet { .. } => "Ethernet",
        wire::link::LinkInfo::Sll { .. } => "Linux SLL",
        wire::link::LinkInfo::Sll2 { .. } => "Linux SLL2",
        wire::link::LinkInfo::Loopback { .. } => "loopback",
        _ => "link",
    };
    let ip_name = if ip.src.is_ipv4() { "IPv4" } else { "IPv6" };
    for (name, start, end, kind) in [
        (link_name, 0, ip_at, 0),
        (ip_name, ip_at, tcp_at, 1),
        ("TCP", tcp_at, payload_at, 2),
        ("payload", payload_at, payload_end, 3),
        ("trailer", payload_end, bytes.len(), 4),
    ] {
        if end > start {
            out.push(Layer {
                name: name.into(),
                start,
                end,
                kind,
            });
        }
    }
    out
}

/// Frame byte positions that hold a secret of the dialogue (a client
/// segment's payload over a PASS argument or a SASL line).
fn secrets(app: &App, number: u64, layers: &[Layer]) -> Vec<std::ops::Range<usize>> {
    let t = &app.data.timeline;
    let Some(seg) = t
        .frames
        .get((number as usize).wrapping_sub(1))
        .filter(|f| f.number == number)
        .and_then(|f| f.segment)
        .and_then(|i| t.segments.get(i as usize))
    else {
        return Vec::new();
    };
    let Some(payload) = layers.iter().find(|l| l.kind == 3) else {
        return Vec::new();
    };
    if seg.dir != crate::tcp::Dir::C2s {
        return Vec::new();
    }
    let len = payload.end - payload.start;
    crate::timeline::secret_bytes(t, seg.conn, seg.seq, len)
        .into_iter()
        .map(|r| r.start + payload.start..r.end + payload.start)
        .collect()
}

/// `0–13` for a range.
pub fn range(l: &Layer) -> String {
    format!("{}–{}", l.start, l.end - 1)
}

pub fn draw(f: &mut Frame, app: &App, scroll: u16) {
    let t = app.theme;
    let area = centered(f.area(), 84, f.area().height.saturating_sub(2));
    f.render_widget(Clear, area);
    let number = app.frame.as_ref().map_or(0, |b| b.number);
    let title = vec![
        Span::styled(format!("frame {number} · bytes"), t.title()),
        Span::styled(" · ←/→ other frames · ↑/↓ scroll · Esc back", t.dim()),
    ];
    let block = pane_block(title, true, app);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(fb) = &app.frame else { return };
    let bytes = match &fb.bytes {
        Ok(b) => b,
        Err(e) => {
            f.render_widget(
                Paragraph::new(Span::styled(crate::text::escape_str(e), t.dim())),
                inner,
            );
            return;
        }
    };
    let link = app
        .data
        .timeline
        .frames
        .get((number as usize).wrapping_sub(1))
        .map_or(LinkType::ETHERNET, |fi| fi.link_type);
    let layers = layers(link, bytes);
    let hidden = secrets(app, number, &layers);
    let secret = |i: usize| hidden.iter().any(|r| r.contains(&i));
    let w = usize::from(inner.width);
    let mut lines = Vec::new();
    // The legend: each layer in its colour with its byte range.
    let mut legend = Vec::new();
    for l in &layers {
        legend.push(Span::styled(
            format!("{} {} ({} B)", l.name, range(l), l.end - l.start),
            t.layer(l.kind),
        ));
        legend.push(Span::styled("  ", t.dim()));
    }
    lines.push(Line::from(clip(legend, w)));
    lines.push(Line::from(if hidden.is_empty() {
        Span::raw("")
    } else {
        // The dialogue masks the password; its bytes here would give it away.
        Span::styled(
            "** = a password's bytes, masked as in the dialogue (sockscope report --show-secrets shows them)",
            t.partial(),
        )
    }));
    let style_at = |i: usize| {
        layers
            .iter()
            .find(|l| i >= l.start && i < l.end)
            .map_or(Style::new(), |l| t.layer(l.kind))
    };
    let rows = bytes.len().div_ceil(16);
    let first = usize::from(scroll).min(rows.saturating_sub(1));
    let room = usize::from(inner.height.saturating_sub(2));
    for r in first..(first + room).min(rows) {
        let at = r * 16;
        let chunk = &bytes[at..(at + 16).min(bytes.len())];
        let mut spans = vec![Span::styled(format!("{at:04x}  "), t.dim())];
        for (k, b) in chunk.iter().enumerate() {
            if k == 8 {
                spans.push(Span::raw(" "));
            }
            let hex = if secret(at + k) {
                "** ".to_string()
            } else {
                format!("{b:02x} ")
            };
            spans.push(Span::styled(hex, style_at(at + k)));
        }
        let pad = (16 - chunk.len()) * 3 + usize::from(chunk.len() <= 8);
        spans.push(Span::raw(" ".repeat(pad + 1)));
        for (k, b) in chunk.iter().enumerate() {
            let c = if secret(at + k) {
                '*'
            } else if (0x20..0x7f).contains(b) {
                *b as char
            } else {
                '.'
            };
            spans.push(Span::styled(c.to_string(), style_at(at + k)));
        }
        lines.push(Line::from(clip(spans, w)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_tile_an_ethernet_frame() {
        let mut frame = Vec::new();
        etherparse::PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(40000, 25, 1, 100)
            .write(&mut frame, b"HELO x\r\n")
            .expect("build");
        frame.extend_from_slice(&[0, 0]); // padding
        let l = layers(LinkType::ETHERNET, &frame);
        let names: Vec<&str> = l.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Ethernet", "IPv4", "TCP", "payload", "trailer"]);
        assert_eq!((l[0].start, l[0].end), (0, 14));
        assert_eq!((l[1].start, l[1].end), (14, 34));
        assert_eq!((l[3].end - l[3].start), 8);
        assert_eq!(l[4].end, frame.len());
    }

    #[test]
    fn garbage_is_one_range() {
        let l = layers(LinkType::ETHERNET, &[0xff; 7]);
        assert_eq!(l.len(), 1);
    }
}
