//! The NIC pane: the frame at the cursor as the capture recorded it (all
//! observed), one field per row: its number, when, its length, the
//! interface, then each header's fields from the frame's bytes read back
//! from the capture ([`crate::ui::data::nic_rows`]). ↑/↓ selects a field, `e`
//! explains it, ⏎ shows its bytes in the hex view. A narrow pane drops a
//! row's detail (the raw number beside the relative one) before it ever
//! cuts a value.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::finding::Provenance;
use crate::text::escape_str;
use crate::ui::data::nic_rows::{nic_rows, NicRow};
use crate::ui::data::PaneData;
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{fit, pad, pane_block, width};

/// Columns of a row's label.
const LABEL: usize = 9;

/// The rows of the frame at the cursor, and why its bytes are missing if
/// they are.
pub fn rows(s: &ViewState, d: &PaneData) -> (Vec<NicRow>, Option<String>) {
    let Some(seg) = s.segment(d.data) else {
        return (Vec::new(), None);
    };
    let Some(fi) = d.data.frame_info(seg.frame) else {
        return (Vec::new(), None);
    };
    let fb = d.frame.filter(|b| b.number == fi.number);
    let missing = fb.and_then(|b| b.bytes.as_ref().err().cloned());
    let detail = fb.filter(|b| b.bytes.is_ok()).map(|b| &b.detail);
    let mut note = missing.map(|e| format!("bytes: {}", escape_str(&e)));
    if let Some(why) = detail.and_then(|d| d.stopped.as_ref()) {
        note = Some(format!("decoding stopped: {}", escape_str(why)));
    }
    (nic_rows(d, seg, fi, detail), note)
}

/// The row a lesson step points at, by its field name.
fn pointed(s: &ViewState) -> Option<&str> {
    let l = s.on_path()?;
    (l.look.pane == Some(crate::lessons::Pane::Nic)
        || l.look.pane == Some(crate::lessons::Pane::Hex))
    .then_some(l.look.field.as_deref())
    .flatten()
}

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
    let (rows, note) = rows(s, d);
    let sel = s.nic_field.min(rows.len().saturating_sub(1));
    let point = pointed(s);
    let room = usize::from(inner.height).saturating_sub(1).max(1);
    // The selected (or pointed-at) row stays in sight.
    let keep = point
        .and_then(|k| rows.iter().position(|r| r.key == k))
        .unwrap_or(sel);
    let top = keep.saturating_sub(room.saturating_sub(1).min(room * 2 / 3));
    let mut lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(top)
        .take(room)
        .map(|(i, r)| {
            let style = if point == Some(r.key) {
                t.pointed()
            } else if focused && i == sel {
                t.cursor()
            } else {
                Style::new()
            };
            row_line(r, t, w, style)
        })
        .collect();
    if let Some(n) = note {
        lines.push(Line::from(Span::styled(fit(&n, w), t.dim())));
    } else if lines.len() < usize::from(inner.height) {
        let hint = if focused {
            "↑/↓ field · e explains · ⏎ bytes"
        } else {
            "e explains · ⏎ bytes"
        };
        lines.push(Line::from(Span::styled(fit(hint, w), t.dim())));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// A row in `w` columns: its label in its layer's colour, its value, and its
/// detail when the whole detail fits.
fn row_line(r: &NicRow, t: &Theme, w: usize, base: Style) -> Line<'static> {
    let label_style = r.layer.map_or(t.dim(), |k| t.layer(k));
    let value = fit(&r.value, w.saturating_sub(LABEL));
    let mut spans = vec![
        Span::styled(pad(r.label, LABEL), base.patch(label_style)),
        Span::styled(value.clone(), base),
    ];
    let used = LABEL + width(&value);
    if let Some(extra) = &r.extra {
        if used + 3 + width(extra) <= w {
            spans.push(Span::styled(format!(" · {extra}"), base.patch(t.dim())));
        }
    }
    if let Some(b) = &r.bytes {
        let range = format!(" [{}–{}]", b.start, b.end.saturating_sub(1));
        let now: usize = spans.iter().map(|s| width(&s.content)).sum();
        if now + width(&range) <= w {
            spans.push(Span::styled(range, base.patch(t.dim())));
        }
    }
    let now: usize = spans.iter().map(|s| width(&s.content)).sum();
    if base != Style::new() && now < w {
        spans.push(Span::styled(" ".repeat(w - now), base));
    }
    Line::from(spans)
}

/// The pane's rows as lines, whole (the segment details start with them).
pub fn lines(s: &ViewState, d: &PaneData, t: &Theme) -> Vec<Line<'static>> {
    let (rows, note) = rows(s, d);
    let mut out: Vec<Line<'static>> = rows
        .iter()
        .map(|r| row_line(r, t, 200, Style::new()))
        .collect();
    if let Some(n) = note {
        out.push(Line::from(Span::styled(n, t.dim())));
    }
    out
}
