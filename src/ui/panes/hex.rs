//! The frame's bytes as hex and text, each layer's byte range in its own
//! colour (link, IP, TCP header, payload, trailer), as Wireshark's bytes pane
//! shows them. Non-printable bytes show as `.` in the text column, so no byte
//! of the capture ever reaches the terminal as itself; a password's bytes
//! are masked as the dialogue masks them.

use std::ops::Range;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::ui::data::{Data, FrameDetail, PaneData};
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{byte_range, centered, clip, pane_block};

/// Frame byte positions that hold a secret of the dialogue (a client
/// segment's payload over a PASS argument or a SASL line).
fn secrets(d: &Data, number: u64, detail: &FrameDetail) -> Vec<Range<usize>> {
    let t = &d.timeline;
    let Some(seg) = d
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

/// The bytes the hex view marks, and what they are: a lesson step's bytes
/// or field while it shows its moment, else the NIC pane's selected field.
fn marked(s: &ViewState, d: &PaneData) -> Option<(Range<usize>, String)> {
    let (rows, _) = super::nic::rows(s, d);
    if let Some(l) = s.on_path() {
        if let Some(b) = &l.look.bytes {
            return Some((
                b.start as usize..b.end as usize,
                "the bytes this step is about".into(),
            ));
        }
        if let Some(k) = l.look.field.as_deref() {
            if let Some(r) = rows.iter().find(|r| r.key == k && r.bytes.is_some()) {
                return Some((r.bytes.clone()?, format!("{} {}", r.label, r.value)));
            }
        }
    }
    let r = rows.get(s.nic_field.min(rows.len().saturating_sub(1)))?;
    Some((r.bytes.clone()?, format!("{} {}", r.label, r.value)))
}

/// The overlay over a screen of `size`, scrolled `scroll` rows of 16 bytes.
pub fn draw(f: &mut Frame, size: Rect, s: &ViewState, d: &PaneData, t: &Theme, scroll: u16) {
    let area = centered(size, 84, size.height.saturating_sub(2));
    f.render_widget(Clear, area);
    let number = d.frame.map_or(0, |b| b.number);
    let title = vec![
        Span::styled(format!("frame {number} · bytes"), t.title()),
        Span::styled(
            " · ↑/↓ field · PgUp/PgDn scroll · ←/→ other frames · Esc back",
            t.dim(),
        ),
    ];
    let block = pane_block(title, true, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(fb) = d.frame else { return };
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
    let hidden = secrets(d.data, number, &fb.detail);
    let w = usize::from(inner.width);
    let mark = marked(s, d);
    let mut lines = legend(&fb.detail, !hidden.is_empty(), w, t);
    lines.push(Line::from(match &mark {
        Some((r, what)) => vec![
            Span::styled("selected: ", t.dim()),
            Span::styled(crate::text::escape_str(what), t.pointed()),
            Span::styled(
                format!(" [{}] · the NIC pane's field", byte_range(r)),
                t.dim(),
            ),
        ],
        None => vec![Span::styled(
            "↑/↓ selects a field; its bytes are marked",
            t.dim(),
        )],
    }));
    let view = Bytes {
        bytes,
        detail: &fb.detail,
        hidden: &hidden,
        mark: mark.as_ref().map(|(r, _)| r.clone()),
        t,
    };
    let rows = bytes.len().div_ceil(16);
    let room = usize::from(inner.height.saturating_sub(3)).max(1);
    let mut first = usize::from(scroll).min(rows.saturating_sub(1));
    // The marked bytes stay in sight.
    if let Some((r, _)) = &mark {
        let row = r.start / 16;
        if row < first || row >= first + room {
            first = row.saturating_sub(room / 3);
        }
    }
    for r in first..(first + room).min(rows) {
        lines.push(Line::from(clip(view.row(r), w)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The legend (each layer in its colour with its byte range) and what `**`
/// means when a password is masked.
fn legend(detail: &FrameDetail, masked: bool, w: usize, t: &Theme) -> Vec<Line<'static>> {
    let mut legend = Vec::new();
    for l in &detail.layers {
        legend.push(Span::styled(
            format!("{} {} ({} B)", l.name, byte_range(&l.bytes), l.bytes.len()),
            t.layer(l.kind),
        ));
        legend.push(Span::styled("  ", t.dim()));
    }
    vec![
        Line::from(clip(legend, w)),
        Line::from(if masked {
            // The dialogue masks the password; its bytes here would give it away.
            Span::styled(
                "** = a password's bytes, masked as in the dialogue (sockscope report --show-secrets shows them)",
                t.partial(),
            )
        } else {
            Span::raw("")
        }),
    ]
}

/// The frame's bytes, and how each one is shown.
struct Bytes<'a> {
    bytes: &'a [u8],
    detail: &'a FrameDetail,
    hidden: &'a [Range<usize>],
    /// The selected field's bytes.
    mark: Option<Range<usize>>,
    t: &'a Theme,
}

impl Bytes<'_> {
    fn secret(&self, i: usize) -> bool {
        self.hidden.iter().any(|r| r.contains(&i))
    }

    fn style_at(&self, i: usize) -> Style {
        if self.mark.as_ref().is_some_and(|m| m.contains(&i)) {
            return self.t.pointed();
        }
        self.detail
            .layers
            .iter()
            .find(|l| l.bytes.contains(&i))
            .map_or(Style::new(), |l| self.t.layer(l.kind))
    }

    /// Row `r`: its offset, 16 bytes in hex (a gap after 8), and as text.
    fn row(&self, r: usize) -> Vec<Span<'static>> {
        let at = r * 16;
        let chunk = &self.bytes[at..(at + 16).min(self.bytes.len())];
        let mut spans = vec![Span::styled(format!("{at:04x}  "), self.t.dim())];
        for (k, b) in chunk.iter().enumerate() {
            if k == 8 {
                spans.push(Span::raw(" "));
            }
            let hex = if self.secret(at + k) {
                "** ".to_string()
            } else {
                format!("{b:02x} ")
            };
            spans.push(Span::styled(hex, self.style_at(at + k)));
        }
        let pad = (16 - chunk.len()) * 3 + usize::from(chunk.len() <= 8);
        spans.push(Span::raw(" ".repeat(pad + 1)));
        for (k, b) in chunk.iter().enumerate() {
            let c = if self.secret(at + k) {
                '*'
            } else if (0x20..0x7f).contains(b) {
                *b as char
            } else {
                '.'
            };
            spans.push(Span::styled(c.to_string(), self.style_at(at + k)));
        }
        spans
    }
}
