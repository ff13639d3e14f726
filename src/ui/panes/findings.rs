//! The findings pane: what went wrong (or is worth teaching) on this
//! connection, then in the capture as a whole, each with its severity and
//! frame; under the list, the selected finding's sentence. Findings past the
//! cursor are dimmed.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::text::escape_str;
use crate::ui::data::{Data, PaneData};
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{clip, filled, pane_block};

/// Lines the list may take: the rest shows the selected finding's sentence.
fn list_height(area: Rect, n: usize) -> usize {
    let h = usize::from(area.height.saturating_sub(2));
    n.min(if h >= 6 { h / 2 } else { h }).max(1)
}

/// First item shown, keeping the selection in view.
fn first(s: &ViewState, rows: usize) -> usize {
    s.finding_sel.saturating_sub(rows.saturating_sub(1))
}

/// The list item at screen row `y`, for a click.
pub fn item_at(s: &ViewState, d: &Data, area: Rect, y: u16) -> Option<usize> {
    let n = s.findings_len(d);
    let rows = list_height(area, n);
    let k = usize::from(y.checked_sub(area.y + 1)?);
    let i = first(s, rows) + k;
    (k < rows && i < n).then_some(i)
}

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme, focused: bool) {
    let d = d.data;
    let all = s.findings_len(d);
    // Without spoilers the findings raised after the cursor are not listed
    // (the list is in frame order).
    let cursor = s.cursor_frame(d).unwrap_or(0);
    let n = match s.spoilers {
        true => all,
        false => (0..all)
            .take_while(|&k| {
                s.finding_at(d, k)
                    .and_then(|i| d.timeline.findings.get(i as usize))
                    .is_some_and(|f| f.frame <= cursor)
            })
            .count(),
    };
    let title = vec![
        Span::styled("findings", t.title()),
        Span::styled(format!(" · {n} · n/N jump · ⏎ details"), t.dim()),
    ];
    let block = pane_block(title, focused, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if n == 0 {
        let msg = if all > 0 {
            "Nothing yet at the cursor (what comes next is hidden; s shows it)."
        } else {
            "Nothing to report on this connection."
        };
        f.render_widget(Paragraph::new(Span::styled(msg, t.dim())), inner);
        return;
    }
    let rows = list_height(area, n);
    let top = first(s, rows);
    let w = usize::from(inner.width);
    let lines: Vec<Line> = (top..(top + rows).min(n))
        .filter_map(|k| item(s, d, t, k, w))
        .collect();
    let used = lines.len() as u16;
    f.render_widget(
        Paragraph::new(lines),
        Rect {
            height: used.min(inner.height),
            ..inner
        },
    );
    // The selected finding's sentence underneath.
    if let Some(fd) = s
        .finding_at(d, s.finding_sel)
        .and_then(|i| d.timeline.findings.get(i as usize))
    {
        let rest = Rect {
            y: inner.y + used,
            height: inner.height.saturating_sub(used),
            ..inner
        };
        if rest.height > 0 {
            let text = format!(
                "{} [{}] ({})",
                escape_str(&fd.message),
                fd.reference,
                fd.provenance
            );
            f.render_widget(
                Paragraph::new(Span::styled(text, t.text())).wrap(Wrap { trim: true }),
                rest,
            );
        }
    }
}

/// Item `k` of the list, `w` columns wide: the selected one highlighted
/// across the pane, those past the cursor dimmed.
fn item(s: &ViewState, d: &Data, t: &Theme, k: usize, w: usize) -> Option<Line<'static>> {
    let fd = s
        .finding_at(d, k)
        .and_then(|i| d.timeline.findings.get(i as usize))?;
    let sel = k == s.finding_sel;
    let future = fd.frame > s.cursor_frame(d).unwrap_or(0);
    let base = if sel { t.cursor() } else { Style::new() };
    let sev = if future {
        t.dim()
    } else {
        t.severity(fd.severity)
    };
    let scope = if fd.conn == 0 { " (capture)" } else { "" };
    let spans = vec![
        Span::styled(if sel { "▶" } else { " " }, base),
        Span::styled(format!("{} ", fd.severity.glyph()), base.patch(sev)),
        Span::styled(format!("#{:<4} ", fd.frame), base.patch(t.dim())),
        Span::styled(format!("{:<7} ", fd.severity.to_string()), base.patch(sev)),
        Span::styled(
            format!("{}{scope}", fd.id),
            if future { base.patch(t.dim()) } else { base },
        ),
    ];
    Some(Line::from(if sel {
        filled(spans, w, base)
    } else {
        clip(spans, w)
    }))
}
