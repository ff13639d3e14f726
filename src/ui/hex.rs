//! The frame's bytes as hex and text, each layer's byte range in its own
//! colour (link, IP, TCP header, payload, trailer), as Wireshark's bytes pane
//! shows them. Non-printable bytes show as `.` in the text column, so no byte
//! of the capture ever reaches the terminal as itself.

use std::ops::Range;

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::data::FrameDetail;
use super::{centered, clip, pane_block, App};

/// Frame byte positions that hold a secret of the dialogue (a client
/// segment's payload over a PASS argument or a SASL line).
fn secrets(app: &App, number: u64, detail: &FrameDetail) -> Vec<Range<usize>> {
    let t = &app.data.timeline;
    let Some(seg) = app
        .data
        .frame_info(number)
        .and_then(|f| f.segment)
        .and_then(|i| t.segments.get(i as usize))
    else {
        return Vec::new();
    };
    let Some(payload) = detail.payload() else {
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
pub fn range(r: &Range<usize>) -> String {
    format!("{}–{}", r.start, r.end.saturating_sub(1))
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
    let detail = &fb.detail;
    let layers = &detail.layers;
    let hidden = secrets(app, number, detail);
    let secret = |i: usize| hidden.iter().any(|r| r.contains(&i));
    let w = usize::from(inner.width);
    let mut lines = Vec::new();
    // The legend: each layer in its colour with its byte range.
    let mut legend = Vec::new();
    for l in layers {
        legend.push(Span::styled(
            format!("{} {} ({} B)", l.name, range(&l.bytes), l.bytes.len()),
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
            .find(|l| l.bytes.contains(&i))
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
