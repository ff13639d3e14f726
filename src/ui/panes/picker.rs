//! The connection picker: every connection with its endpoints, protocol,
//! Zeek history, state, segment count and findings; typing filters, ⏎ opens.
//! Only the rows on screen are formatted, so a capture of a million
//! connections opens the picker as fast as one of three.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::timeline::ConnSummary;
use crate::ui::data::{Data, PaneData, PickerRows};
use crate::ui::state::{Overlay, ViewState};
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, filled, fit, pad, pane_block, width};

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

/// The columns after the endpoints: state, segment count and history give
/// way, in that order, so that the endpoints are never cut.
#[derive(Clone, Copy, Debug)]
struct Columns {
    history: bool,
    state: bool,
    segs: bool,
}

/// How the rows of one screen are laid out.
#[derive(Clone, Copy, Debug)]
struct Plan {
    cols: Columns,
    /// Lines per row: 1 ("client → server" then the columns) or 2 (the
    /// client, and "→ server" under it; for IPv6 on narrow screens).
    per: usize,
    /// Width of the endpoints' column.
    ends: usize,
}

/// The conn column and its gap.
const CONN: usize = 7;
const PROTO: usize = 6;
const FINDINGS: usize = 8;
const HISTORY: usize = 13;
const STATE: usize = 5;
const SEGS: usize = 7;

impl Columns {
    fn width(self) -> usize {
        PROTO
            + FINDINGS
            + if self.history { HISTORY } else { 0 }
            + if self.state { STATE } else { 0 }
            + if self.segs { SEGS } else { 0 }
    }

    /// All the columns that leave `need` characters for the endpoints of a
    /// list `w` wide.
    fn fitting(w: usize, need: usize) -> Columns {
        let mut c = Columns {
            history: true,
            state: true,
            segs: true,
        };
        for drop in [
            |c: &mut Columns| c.state = false,
            |c: &mut Columns| c.segs = false,
            |c: &mut Columns| c.history = false,
        ] {
            if CONN + need + c.width() <= w {
                break;
            }
            drop(&mut c);
        }
        c
    }
}

/// The plan for the rows that could be on screen: one line per row if every
/// "client → server" fits beside the columns (dropping some), else two.
/// Only the rows of one screen are measured.
fn plan(d: &Data, rows: &PickerRows, sel: usize, list_h: usize, w: usize) -> Plan {
    let top = first(sel, list_h);
    let (mut one, mut short) = (0, 0);
    for (a, b) in (top..(top + list_h).min(rows.len())).filter_map(|i| {
        let c = d.timeline.connection(rows.get(i)?)?;
        Some((c.client.to_string(), c.server.to_string()))
    }) {
        let (a, b) = (width(&a), width(&b));
        one = one.max(a + 3 + b + 1);
        // In two lines, the columns go beside the shorter of the two.
        short = short.max(a.min(b + 2) + 1);
    }
    let cols = Columns::fitting(w, one.max(16));
    if CONN + one + cols.width() <= w {
        return Plan {
            cols,
            per: 1,
            ends: w.saturating_sub(CONN + cols.width()),
        };
    }
    let cols = Columns::fitting(w, short);
    Plan {
        cols,
        per: 2,
        ends: w.saturating_sub(CONN + cols.width()),
    }
}

fn first(sel: usize, rows: usize) -> usize {
    sel.saturating_sub(rows.saturating_sub(1))
}

fn selected(s: &ViewState) -> usize {
    match &s.overlay {
        Some(Overlay::Picker { sel, .. }) => *sel,
        _ => 0,
    }
}

/// The list row at screen row `y`, for a click.
pub fn row_at(s: &ViewState, d: &Data, area: Rect, y: u16, rows: &PickerRows) -> Option<usize> {
    let list = list_rect(area);
    let k = usize::from(y.checked_sub(list.y)?);
    let sel = selected(s).min(rows.len().saturating_sub(1));
    let h = usize::from(list.height);
    let p = plan(d, rows, sel, h, usize::from(list.width));
    let shown = h / p.per;
    let i = first(sel, shown) + k / p.per;
    (k / p.per < shown && i < rows.len()).then_some(i)
}

/// The overlay over a screen of `size`: the list `filter` leaves, `sel`
/// highlighted.
pub fn draw(
    f: &mut Frame,
    size: Rect,
    s: &ViewState,
    d: &PaneData,
    t: &Theme,
    sel: usize,
    filter: &str,
) {
    let d = d.data;
    let area = area(size);
    f.render_widget(Clear, area);
    let rows = d.picker_rows(filter);
    let total = d.timeline.connections.len();
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
        t,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let list = list_rect(area);
    let h = usize::from(list.height);
    let sel = sel.min(rows.len().saturating_sub(1));
    let p = plan(d, &rows, sel, h, w);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("filter: ", t.dim()),
            Span::raw(crate::text::escape_str(filter)),
            Span::styled("▏", t.key()),
        ]),
        Line::from(Span::styled(fit(&list_header(&p), w), t.dim())),
    ];
    let shown = h / p.per;
    let top = first(sel, shown);
    for i in top..(top + shown).min(rows.len()) {
        let Some(c) = rows.get(i).and_then(|id| d.timeline.connection(id)) else {
            continue;
        };
        let base = if i == sel {
            t.cursor()
        } else if c.id == s.conn {
            t.bold()
        } else {
            Style::new()
        };
        lines.extend(row_lines(d, t, c, &p, base, w));
    }
    if rows.is_empty() {
        lines.push(Line::from(Span::styled("no connection matches", t.dim())));
    }
    // The columns' short names, in plain words, on the last line.
    if p.cols.history && usize::from(inner.height) > lines.len() + 1 {
        while lines.len() + 1 < usize::from(inner.height) {
            lines.push(Line::default());
        }
        let legend = "history: Zeek's letters, S SYN · h SYN/ACK · A ACK · D data · F FIN · R RST (upper case \
                      = client); state SF = opened and closed normally, S0 = no answer, REJ = refused";
        lines.push(Line::from(Span::styled(
            crate::ui::widgets::fit_words(legend, w),
            t.dim(),
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The list's column heads.
fn list_header(p: &Plan) -> String {
    let mut header = format!("{:>5}  ", "conn");
    let title = if p.per == 2 {
        "client / → server"
    } else {
        "client → server"
    };
    header.push_str(&pad(title, p.ends));
    header.push_str(&column_header(p.cols));
    header
}

/// One connection's line (or two), in `base` across the list.
fn row_lines(
    d: &Data,
    t: &Theme,
    c: &ConnSummary,
    p: &Plan,
    base: Style,
    w: usize,
) -> Vec<Line<'static>> {
    let columns = columns(d, t, c, p.cols, base);
    let id = Span::styled(format!("{:>5}  ", c.id), base);
    let line = |spans| Line::from(filled(spans, w, base));
    if p.per == 1 {
        let ends = format!("{} → {}", c.client, c.server);
        let mut one = vec![id, Span::styled(pad(&ends, p.ends), base)];
        one.extend(columns);
        return vec![line(one)];
    }
    // Two lines: the columns beside whichever endpoint leaves room.
    let client = c.client.to_string();
    let server = format!("→ {}", c.server);
    let on_second = width(&server) < p.ends;
    let mut top_line = vec![id];
    let mut second = vec![Span::styled("       ", base)];
    if on_second {
        top_line.push(Span::styled(client, base));
        second.push(Span::styled(pad(&server, p.ends), base));
        second.extend(columns);
    } else {
        top_line.push(Span::styled(pad(&client, p.ends), base));
        top_line.extend(columns);
        second.push(Span::styled(server, base));
    }
    vec![line(top_line), line(second)]
}

/// The columns after the endpoints, as far as `cols` keeps them.
fn columns(d: &Data, t: &Theme, c: &ConnSummary, cols: Columns, base: Style) -> Vec<Span<'static>> {
    let (count, worst) = d
        .conn_findings
        .get(c.id as usize - 1)
        .copied()
        .unwrap_or((0, None));
    let found = if count > 0 {
        format!("{count:>6} {}", worst.map_or("⚠", |w| w.glyph()))
    } else {
        format!("{:>8}", "—")
    };
    let mut columns = vec![Span::styled(
        pad(c.protocol.map_or("", |p| p.name()), 5) + " ",
        base,
    )];
    if cols.history {
        columns.push(Span::styled(pad(&c.history, 12) + " ", base));
    }
    if cols.state {
        columns.push(Span::styled(pad(c.state, 4) + " ", base));
    }
    if cols.segs {
        columns.push(Span::styled(
            format!("{:>6} ", c.segments_c2s + c.segments_s2c),
            base,
        ));
    }
    columns.push(Span::styled(
        found,
        base.patch(worst.map_or(t.dim(), |s| t.severity(s))),
    ));
    columns
}

fn column_header(c: Columns) -> String {
    let mut s = "proto ".to_string();
    if c.history {
        s.push_str(&pad("history", HISTORY));
    }
    if c.state {
        s.push_str(&pad("state", STATE));
    }
    if c.segs {
        s.push_str(&format!("{:>6} ", "segs"));
    }
    s.push_str(&format!("{:>8}", "findings"));
    s
}
