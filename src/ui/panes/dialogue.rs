//! The dialogue pane: SMTP/POP3 lines as the application reads them, placed
//! by the frame that completed them, each reply with the segments it was
//! built from. A line still arriving at the cursor shows the bytes it has so
//! far ("no CRLF yet": the ccNotes moment); findings are marked where they
//! happen; for a client out of step, each command shows beside the server's
//! answer what a one-read-per-reply client took instead, and when there is
//! room the two pairings are tabled side by side.
//!
//! This file places the rows (which fit, from where); [`rows`] draws one
//! row (from a [`rows::Ctx`] looked up once per draw), [`pairing`] the
//! table.

mod pairing;
mod rows;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::ui::data::{Data, PaneData};
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::pane_block;
use rows::Ctx;

/// Rows shown in a pane `height` lines tall, each with its lines.
fn visible(c: &Ctx<'_>, height: usize) -> Vec<(usize, Vec<Line<'static>>)> {
    // Without spoilers, the rows that start after the cursor are not there
    // (a line still arriving is: it started).
    let order: Vec<usize> = (0..c.rows.len()).filter(|&k| c.shows(k)).collect();
    // Long replies fold only when the whole dialogue would not fit
    // unfolded (a short dialogue in a tall pane shows every line).
    let fold = order.len() > height
        || order
            .iter()
            .map(|&k| rows::lines(c, k, false).len())
            .sum::<usize>()
            > height;
    let lines_of = |i: usize| {
        order
            .get(i)
            .map(|&k| rows::lines(c, k, fold))
            .unwrap_or_default()
    };
    let cur = c
        .at_cursor
        .and_then(|k| order.iter().position(|&o| o == k))
        .unwrap_or(0);
    // Walk back from the cursor's row while the history fits in two thirds.
    let mut start = cur;
    let mut used = lines_of(cur).len();
    while start > 0 {
        let h = lines_of(start - 1).len();
        if used + h > height * 2 / 3 {
            break;
        }
        used += h;
        start -= 1;
    }
    let mut out = Vec::new();
    let mut filled = 0;
    let mut i = start;
    while i < order.len() && filled < height {
        let r = lines_of(i);
        filled += r.len();
        out.push((order[i], r));
        i += 1;
    }
    // Near the end, the rows before fill what is left: no blank lines
    // under the last row while earlier ones are scrolled away.
    while start > 0 {
        let r = lines_of(start - 1);
        if filled + r.len() > height {
            break;
        }
        filled += r.len();
        start -= 1;
        out.insert(0, (order[start], r));
    }
    out
}

/// The dialogue row at screen row `y`, for a click.
pub fn row_at(s: &ViewState, d: &Data, t: &Theme, area: Rect, y: u16) -> Option<usize> {
    let inner_y = area.y + 1;
    let mut line = usize::from(y.checked_sub(inner_y)?);
    let c = Ctx::new(s, d, t, usize::from(area.width.saturating_sub(2)))?;
    for (k, r) in visible(&c, usize::from(area.height.saturating_sub(2))) {
        if line < r.len() {
            return Some(k);
        }
        line -= r.len();
    }
    None
}

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme, focused: bool) {
    let data = d.data;
    let dialogue = data.dialogue(s.conn);
    let mut title = vec![Span::styled("dialogue", t.title())];
    if let Some(d) = dialogue {
        title.push(Span::styled(
            format!(" · {} · as the application reads it", d.protocol.name()),
            t.dim(),
        ));
    }
    let block = pane_block(title, focused, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(c) = Ctx::new(s, data, t, usize::from(inner.width)) else {
        let proto = data
            .timeline
            .connection(s.conn)
            .map(|c| format!("{} → port {}", c.client, c.server.port()));
        let msg = match proto {
            Some(p) => format!("No SMTP or POP3 dialogue on this connection ({p})."),
            None => String::new(),
        };
        f.render_widget(Paragraph::new(Span::styled(msg, t.dim())), inner);
        return;
    };
    let height = usize::from(inner.height);
    let shown = visible(&c, height);
    let all_shown = shown.first().is_none_or(|(k, _)| *k == 0)
        && shown.last().is_none_or(|(k, _)| k + 1 >= c.rows.len());
    let hidden = (0..c.rows.len()).filter(|&k| !c.shows(k)).count();
    let mut lines: Vec<Line> = shown.into_iter().flat_map(|(_, r)| r).collect();
    if c.rows.is_empty() {
        lines.push(Line::from(Span::styled("(nothing said yet)", t.dim())));
    }
    if hidden > 0 && lines.len() < height {
        lines.push(Line::from(Span::styled(
            format!("  ⋯ what comes next is hidden ({hidden} more lines; s shows them)"),
            t.dim(),
        )));
    }
    // The two pairings side by side, when the whole dialogue is on screen
    // and the table fits under it (and nothing is hidden: it tells the end).
    if all_shown
        && hidden == 0
        && !c.d.pairings.is_empty()
        && lines.len() + c.d.pairings.len() + 2 <= height
    {
        lines.extend(pairing::table(&c));
    }
    lines.truncate(height);
    f.render_widget(Paragraph::new(lines), inner);
}
