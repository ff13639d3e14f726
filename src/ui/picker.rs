//! The connection picker: every connection with its endpoints, protocol,
//! Zeek history, state, segment count and findings; typing filters, ⏎ opens.
//! Only the rows on screen are formatted, so a capture of a million
//! connections opens the picker as fast as one of three.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::{centered, clip, pad, pane_block, App};

/// Where the picker sits on a screen of `size`.
pub fn area(size: Rect) -> Rect {
    centered(size, 120, size.height.saturating_sub(4).max(8))
}

/// Rows of the list: below the title border, the filter line and the header.
fn list_rect(area: Rect) -> Rect {
    Rect {
        x: area.x + 1,
        y: area.y + 3,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(4),
    }
}

fn first(sel: usize, rows: usize) -> usize {
    sel.saturating_sub(rows.saturating_sub(1))
}

/// The list row at screen row `y`, for a click.
pub fn row_at(app: &App, area: Rect, y: u16, n: usize) -> Option<usize> {
    let list = list_rect(area);
    let k = usize::from(y.checked_sub(list.y)?);
    let sel = match &app.overlay {
        Some(super::Overlay::Picker { sel, .. }) => *sel,
        _ => 0,
    };
    let i = first(sel, usize::from(list.height)) + k;
    (k < usize::from(list.height) && i < n).then_some(i)
}

pub fn draw(f: &mut Frame, app: &App, sel: usize, filter: &str) {
    let t = app.theme;
    let area = area(f.area());
    f.render_widget(Clear, area);
    let rows = app.picker_rows(filter);
    let total = app.data.timeline.connections.len();
    let block = pane_block(
        vec![
            Span::styled("connections", t.title()),
            Span::styled(
                format!(
                    " · {} of {total} · type to filter · ⏎ opens · Esc back",
                    rows.len()
                ),
                t.dim(),
            ),
        ],
        true,
        app,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("filter: ", t.dim()),
            Span::raw(crate::text::escape_str(filter)),
            Span::styled("▏", t.key()),
        ]),
        Line::from(Span::styled(
            super::fit(
                &format!(
                    "{:>5}  {:<47} {:<5} {:<12} {:<4} {:>6} {:>8}",
                    "conn", "client → server", "proto", "history", "state", "segs", "findings"
                ),
                w,
            ),
            t.dim(),
        )),
    ];
    let list = list_rect(area);
    let h = usize::from(list.height);
    let sel = sel.min(rows.len().saturating_sub(1));
    let top = first(sel, h);
    for i in top..(top + h).min(rows.len()) {
        let Some(c) = rows.get(i).and_then(|id| app.data.timeline.connection(id)) else {
            continue;
        };
        let (count, worst) = app
            .data
            .conn_findings
            .get(c.id as usize - 1)
            .copied()
            .unwrap_or((0, None));
        let base = if i == sel {
            t.cursor()
        } else if c.id == app.conn {
            t.bold()
        } else {
            ratatui::style::Style::new()
        };
        let ends = pad(&format!("{} → {}", c.client, c.server), 47);
        let found = if count > 0 {
            format!("{count:>6} ⚠")
        } else {
            format!("{:>8}", "—")
        };
        let mut spans = vec![
            Span::styled(format!("{:>5}  ", c.id), base),
            Span::styled(format!("{ends} "), base),
            Span::styled(pad(c.protocol.map_or("", |p| p.name()), 5) + " ", base),
            Span::styled(pad(&c.history, 12) + " ", base),
            Span::styled(pad(c.state, 4) + " ", base),
            Span::styled(format!("{:>6} ", c.segments_c2s + c.segments_s2c), base),
            Span::styled(found, base.patch(worst.map_or(t.dim(), |s| t.severity(s)))),
        ];
        spans = clip(spans, w);
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        spans.push(Span::styled(" ".repeat(w.saturating_sub(used)), base));
        lines.push(Line::from(spans));
    }
    if rows.is_empty() {
        lines.push(Line::from(Span::styled("no connection matches", t.dim())));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
