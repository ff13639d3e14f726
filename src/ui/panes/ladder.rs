//! The ladder: the selected connection as a sequence diagram, client on the
//! left, server on the right, one arrow per segment with its flags (coloured
//! as everywhere else), relative seq/ack and length on the arrow, the payload
//! (escaped) under it, and the analysis and findings tags in the margin.
//! Segments past the cursor are dimmed: the lesson has not got there yet.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tcp::{Dir, SegmentRecord};
use crate::text::preview_prefix;
use crate::ui::data::{Data, PaneData};
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{
    clip, finding_tag, fit, fit_words, pad, pane_block, secs, width, RowPaint,
};

/// Lines per segment: the arrow, and what it carries.
const LINES: u16 = 2;

/// How many segments fit, and the first one shown: the cursor sits about
/// two thirds down so the history before it stays in view.
fn window(s: &ViewState, d: &Data, area: Rect) -> (usize, usize) {
    let visible = usize::from(area.height.saturating_sub(3) / LINES).max(1);
    // Without spoilers the segments after the cursor are not drawn: the
    // cursor's row is the last.
    let len = match s.spoilers {
        true => s.seg_count(d),
        false => (s.pos + 1).min(s.seg_count(d)),
    };
    let top = s.pos.saturating_sub(visible * 2 / 3);
    let top = top.min(len.saturating_sub(visible));
    (top, visible)
}

/// The segment drawn at screen row `y`, for a click.
pub fn segment_at(s: &ViewState, d: &Data, area: Rect, y: u16) -> Option<usize> {
    let first = area.y + 2;
    let dy = y.checked_sub(first)?;
    let (top, visible) = window(s, d, area);
    let k = usize::from(dy / LINES);
    (k < visible && top + k < s.seg_count(d)).then_some(top + k)
}

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme, focused: bool) {
    let d = d.data;
    let tl = &d.timeline;
    let title = match tl.connection(s.conn) {
        Some(c) => vec![
            Span::styled("ladder", t.title()),
            Span::styled(
                format!(
                    " · conn {} · {} segments · history {} (e) · ",
                    c.id,
                    s.seg_count(d),
                    c.history
                ),
                t.dim(),
            ),
            Span::styled(
                "observed",
                t.provenance(crate::finding::Provenance::Observed),
            ),
        ],
        None => vec![Span::styled("ladder", t.title())],
    };
    let block = pane_block(title, focused, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(conn) = tl.connection(s.conn) else {
        let msg = if d.complete {
            format!(
                "No TCP connection in this capture ({} frames: {} UDP, {} other).",
                tl.stats.frames,
                tl.stats.udp,
                tl.stats.frames.saturating_sub(tl.stats.tcp + tl.stats.udp)
            )
        } else {
            "Waiting for the first TCP segment…".to_string()
        };
        f.render_widget(Paragraph::new(Span::styled(msg, t.dim())), inner);
        return;
    };
    let w = usize::from(inner.width);
    let g = Geometry::new(w);
    let mut lines = vec![heads(&g, conn.client, conn.server, w, t)];
    let (top, visible) = window(s, d, area);
    let start = tl.first_time().unwrap_or_default();
    let end = match s.spoilers {
        true => s.seg_count(d),
        false => (s.pos + 1).min(s.seg_count(d)),
    };
    for pos in top..(top + visible).min(end) {
        let Some(seg) = d.segment(s.conn, pos) else {
            break;
        };
        let row = Row::new(s, d, t, &g, seg, pos);
        lines.push(row.arrow(seg.time.secs_since(start)));
        lines.push(row.carried());
    }
    let hidden = s.seg_count(d).saturating_sub(end);
    if hidden > 0 && lines.len() < usize::from(inner.height) {
        lines.push(Line::from(Span::styled(
            format!(
                "{}⋯ what comes next is hidden ({hidden} more segments; s shows them)",
                " ".repeat(g.left)
            ),
            t.dim(),
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// Column heads: who stands where, each over its lifeline.
fn heads(
    g: &Geometry,
    client: std::net::SocketAddr,
    server: std::net::SocketAddr,
    w: usize,
    t: &Theme,
) -> Line<'static> {
    let label = |who: &str, addr: std::net::SocketAddr, room: usize| {
        let full = format!("{who} {addr}");
        if width(&full) <= room {
            full
        } else {
            fit(&format!("{who} :{}", addr.port()), room)
        }
    };
    let half = (g.span + 2) / 2;
    let client = label("client", client, half);
    let server = label("server", server, half);
    let gapn = (g.span + 2).saturating_sub(width(&client) + width(&server));
    Line::from(clip(
        vec![
            Span::raw(" ".repeat(g.left)),
            Span::styled(client, t.client()),
            Span::raw(" ".repeat(gapn)),
            Span::styled(server, t.server()),
        ],
        w,
    ))
}

/// Where the columns of the ladder are, for a pane `w` characters wide.
struct Geometry {
    /// Width of the frame/time margin.
    left: usize,
    /// Characters between the two lifelines.
    span: usize,
    /// Width of the tags margin.
    right: usize,
}

impl Geometry {
    fn new(w: usize) -> Self {
        let left = 18;
        let right = match w {
            0..=59 => 3,
            60..=69 => 14,
            70..=89 => 20,
            90..=129 => 26,
            _ => 34,
        };
        let span = w.saturating_sub(left + right + 2).max(8);
        Geometry { left, span, right }
    }

    /// The width of a segment's lines.
    fn width(&self) -> usize {
        self.left + self.span + 3 + self.right
    }
}

/// One segment's two lines: how they are painted, and where.
struct Row<'a> {
    p: RowPaint,
    g: &'a Geometry,
    seg: &'a SegmentRecord,
    /// Up to two margin tags, one per line.
    tags: Vec<(String, Style)>,
}

impl<'a> Row<'a> {
    fn new(
        s: &ViewState,
        d: &Data,
        t: &Theme,
        g: &'a Geometry,
        seg: &'a SegmentRecord,
        pos: usize,
    ) -> Self {
        Row {
            p: RowPaint::new(t, pos == s.pos, pos > s.pos, g.width()),
            g,
            seg,
            tags: tags(d, t, seg),
        }
    }

    fn paint(&self, st: Style) -> Style {
        self.p.paint(st)
    }

    /// The first line: frame and time, the arrow with its label, a tag.
    fn arrow(&self, when: f64) -> Line<'static> {
        let (t, s) = (&self.p.t, self.seg);
        let side = match s.dir {
            Dir::C2s => t.client(),
            Dir::S2c => t.server(),
        };
        let marker = if self.p.here { "▶" } else { " " };
        let margin = format!("{marker}{:>5} {:>10} ", s.frame, secs(when));
        let margin = pad(&margin, self.g.left);
        let flags = s.flags.to_string();
        let room = self.g.span.saturating_sub(5);
        let detail = arrow_detail(s, &flags, room);
        let label_len = (width(&flags) + width(&detail)).min(room);
        let dashes = "─".repeat(self.g.span.saturating_sub(label_len + 4));
        let label = [
            Span::styled(fit(&flags, room), self.paint(t.flags(s.flags))),
            Span::styled(
                fit(&detail, room.saturating_sub(width(&flags))),
                self.paint(Style::new()),
            ),
        ];
        let mut a = vec![
            Span::styled(margin, self.paint(Style::new())),
            Span::styled("│", self.paint(t.client())),
        ];
        match s.dir {
            Dir::C2s => {
                a.push(Span::styled("─ ", self.paint(side)));
                a.extend(label);
                a.push(Span::styled(format!(" {dashes}▶"), self.paint(side)));
            }
            Dir::S2c => {
                a.push(Span::styled(format!("◀{dashes} "), self.paint(side)));
                a.extend(label);
                a.push(Span::styled(" ─", self.paint(side)));
            }
        }
        a.push(Span::styled("│", self.paint(t.server())));
        if let Some((text, st)) = self.tags.first() {
            a.push(Span::styled(
                fit_words(text, self.g.right + 1),
                self.paint(*st),
            ));
        }
        self.p.finish(a)
    }

    /// The second line: what the segment carries, and a second tag.
    fn carried(&self) -> Line<'static> {
        let (t, g) = (&self.p.t, self.g);
        let carried = carried(self.seg, g.span.saturating_sub(2));
        let mut b = vec![
            Span::styled(pad("", g.left), self.paint(Style::new())),
            Span::styled("│", self.paint(t.client())),
            Span::styled(
                format!(" {}", pad(&carried, g.span.saturating_sub(1))),
                self.paint(t.dim()),
            ),
            Span::styled("│", self.paint(t.server())),
        ];
        if let Some((text, st)) = self.tags.get(1) {
            b.push(Span::styled(fit_words(text, g.right + 1), self.paint(*st)));
        }
        self.p.finish(b)
    }
}

/// Tags in the margin, one per line: TCP analysis (⚑), then findings
/// (✖ ⚠ ℹ by severity); past two, the second says how many more.
fn tags(d: &Data, t: &Theme, s: &SegmentRecord) -> Vec<(String, Style)> {
    let mut tags: Vec<(String, Style)> = s
        .analysis
        .iter()
        .map(|f| {
            (
                format!(" ⚑ {}", f.label().trim_start_matches("TCP ")),
                t.severity(crate::finding::Severity::Warning),
            )
        })
        .collect();
    tags.extend(d.findings_at(s.conn, s.frame).map(|f| {
        (
            format!(" {} {}", f.severity.glyph(), finding_tag(f, s.dir)),
            t.severity(f.severity),
        )
    }));
    if tags.len() > 2 {
        tags[1].0 = format!(" + {} more", tags.len() - 1);
        tags.truncate(2);
    }
    tags
}
/// The label on the arrow after the flags: as much of seq/ack/len as fits.
fn arrow_detail(s: &SegmentRecord, flags: &str, room: usize) -> String {
    let ack = if s.flags.ack() {
        format!(" ack {}", s.ack)
    } else {
        String::new()
    };
    let len = if s.len > 0 {
        format!(" len {}", s.len)
    } else {
        String::new()
    };
    let short_ack = if s.flags.ack() {
        format!("/{}", s.ack)
    } else {
        String::new()
    };
    let short_len = if s.len > 0 {
        format!(" {}B", s.len)
    } else {
        String::new()
    };
    [
        format!(" seq {}{ack}{len}", s.seq),
        format!(" {}{short_ack}{short_len}", s.seq),
        String::new(),
    ]
    .into_iter()
    .find(|d| width(flags) + width(d) <= room)
    .unwrap_or_default()
}

/// Under the arrow: the payload (escaped), the options of a SYN, or why
/// there is nothing to show.
fn carried(s: &SegmentRecord, room: usize) -> String {
    if let Some(o) = &s.syn_options {
        let parts = o.syn_summary();
        if !parts.is_empty() {
            return parts.join(" ");
        }
    }
    if s.captured > 0 {
        let text = preview_prefix(&s.preview, u64::from(s.len), room.saturating_sub(2));
        return format!("\"{text}\"");
    }
    if s.len > 0 {
        return "(payload not captured)".to_string();
    }
    format!("win {}", s.window_scaled)
}
