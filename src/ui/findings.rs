//! The findings pane: what went wrong (or is worth teaching) on this
//! connection, then in the capture as a whole, each with its severity and
//! frame; under the list, the selected finding's sentence. Findings past the
//! cursor are dimmed.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{clip, pane_block, App};
use crate::text::escape_str;

/// Lines the list may take: the rest shows the selected finding's sentence.
fn list_height(area: Rect, n: usize) -> usize {
    let h = usize::from(area.height.saturating_sub(2));
    n.min(if h >= 6 { h / 2 } else { h }).max(1)
}

/// First item shown, keeping the selection in view.
fn first(app: &App, rows: usize) -> usize {
    app.finding_sel.saturating_sub(rows.saturating_sub(1))
}

/// The list item at screen row `y`, for a click.
pub fn item_at(app: &App, area: Rect, y: u16) -> Option<usize> {
    let n = app.findings_len();
    let rows = list_height(area, n);
    let k = usize::from(y.checked_sub(area.y + 1)?);
    let i = first(app, rows) + k;
    (k < rows && i < n).then_some(i)
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, focused: bool) {
    let t = app.theme;
    let n = app.findings_len();
    let title = vec![
        Span::styled("findings", t.title()),
        Span::styled(format!(" · {n} · n/N jump · ⏎ details"), t.dim()),
    ];
    let block = pane_block(title, focused, app);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if n == 0 {
        f.render_widget(
            Paragraph::new(Span::styled(
                "Nothing to report on this connection.",
                t.dim(),
            )),
            inner,
        );
        return;
    }
    let cursor = app.cursor_frame().unwrap_or(0);
    let rows = list_height(area, n);
    let top = first(app, rows);
    let w = usize::from(inner.width);
    let tl = &app.data.timeline;
    let mut lines = Vec::new();
    for k in top..(top + rows).min(n) {
        let Some(fd) = app.finding_at(k).and_then(|i| tl.findings.get(i as usize)) else {
            continue;
        };
        let sel = k == app.finding_sel;
        let future = fd.frame > cursor;
        let base = if sel {
            t.cursor()
        } else {
            ratatui::style::Style::new()
        };
        let sev = if future {
            t.dim()
        } else {
            t.severity(fd.severity)
        };
        let scope = if fd.conn == 0 { " (capture)" } else { "" };
        let spans = vec![
            Span::styled(if sel { "▶" } else { " " }, base),
            Span::styled("⚠ ", base.patch(sev)),
            Span::styled(format!("#{:<4} ", fd.frame), base.patch(t.dim())),
            Span::styled(format!("{:<7} ", fd.severity.to_string()), base.patch(sev)),
            Span::styled(
                format!("{}{scope}", fd.id),
                if future { base.patch(t.dim()) } else { base },
            ),
        ];
        let mut spans = clip(spans, w);
        if sel {
            let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
            spans.push(Span::styled(" ".repeat(w.saturating_sub(used)), base));
        }
        lines.push(Line::from(spans));
    }
    let used = lines.len() as u16;
    f.render_widget(
        Paragraph::new(lines),
        Rect {
            height: used.min(inner.height),
            ..inner
        },
    );
    // The selected finding's sentence underneath.
    if let Some(fd) = app
        .finding_at(app.finding_sel)
        .and_then(|i| tl.findings.get(i as usize))
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
