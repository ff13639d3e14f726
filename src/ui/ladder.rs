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

use super::{clip, fit, pad, pane_block, App};
use crate::finding::Finding;
use crate::tcp::{Dir, SegmentRecord};
use crate::text::preview_prefix;

/// Lines per segment: the arrow, and what it carries.
const LINES: u16 = 2;

/// How many segments fit, and the first one shown: the cursor sits about
/// two thirds down so the history before it stays in view.
fn window(app: &App, area: Rect) -> (usize, usize) {
    let visible = usize::from(area.height.saturating_sub(3) / LINES).max(1);
    let len = app.seg_count();
    let top = app.pos.saturating_sub(visible * 2 / 3);
    let top = top.min(len.saturating_sub(visible));
    (top, visible)
}

/// The segment drawn at screen row `y`, for a click.
pub fn segment_at(app: &App, area: Rect, y: u16) -> Option<usize> {
    let first = area.y + 2;
    let dy = y.checked_sub(first)?;
    let (top, visible) = window(app, area);
    let k = usize::from(dy / LINES);
    (k < visible && top + k < app.seg_count()).then_some(top + k)
}

/// A finding's id as a short tag for a margin: `reply split across
/// segments` becomes `reply split`, `client out of step` stays whole.
/// `dir` is the direction of the segment it is anchored at: the catalogue
/// applies the split id to commands too (anomalies.md), and a command's
/// split is tagged as one.
pub fn tag(f: &Finding, dir: Dir) -> String {
    let id = f.id;
    if id == "smtp_reply_split_across_segments" && dir == Dir::C2s {
        return "command split".to_string();
    }
    let short = ["smtp_", "pop3_", "tcp_"]
        .iter()
        .find_map(|p| id.strip_prefix(p))
        .unwrap_or(id);
    let words = short.replace('_', " ");
    // Drop trailing qualifiers while the tag is long: the findings pane and
    // the details keep the whole id.
    let mut cut = words.as_str();
    for tail in [" across segments", " violation", " exceeded"] {
        if cut.len() > 14 {
            cut = cut.strip_suffix(tail).unwrap_or(cut);
        }
    }
    if cut.len() > 14 {
        cut = cut.strip_prefix("client ").unwrap_or(cut);
    }
    cut.to_string()
}

/// Findings of a connection raised at a frame (binary search).
pub fn findings_at(app: &App, conn: u32, frame: u64) -> impl Iterator<Item = &Finding> {
    let t = &app.data.timeline;
    let list = app.data.findings_of(conn);
    let start =
        list.partition_point(|&i| t.findings.get(i as usize).is_some_and(|f| f.frame < frame));
    list[start..]
        .iter()
        .filter_map(move |&i| t.findings.get(i as usize))
        .take_while(move |f| f.frame == frame)
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, focused: bool) {
    let t = app.theme;
    let tl = &app.data.timeline;
    let title = match tl.connection(app.conn) {
        Some(c) => vec![
            Span::styled("ladder", t.title()),
            Span::styled(
                format!(
                    " · conn {} · {} segments · {} ",
                    c.id,
                    app.seg_count(),
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
    let block = pane_block(title, focused, app);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(conn) = tl.connection(app.conn) else {
        let msg = if app.data.complete {
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
    let mut lines = Vec::new();
    // Column heads: who stands where, each over its lifeline.
    let label = |who: &str, addr: std::net::SocketAddr, room: usize| {
        let full = format!("{who} {addr}");
        if full.chars().count() <= room {
            full
        } else {
            fit(&format!("{who} :{}", addr.port()), room)
        }
    };
    let half = (g.span + 2) / 2;
    let client = label("client", conn.client, half);
    let server = label("server", conn.server, half);
    let gapn = (g.span + 2).saturating_sub(client.chars().count() + server.chars().count());
    lines.push(Line::from(clip(
        vec![
            Span::raw(" ".repeat(g.left)),
            Span::styled(client, t.client()),
            Span::raw(" ".repeat(gapn)),
            Span::styled(server, t.server()),
        ],
        w,
    )));
    let (top, visible) = window(app, area);
    let start = tl.first_time().unwrap_or_default();
    for pos in top..(top + visible).min(app.seg_count()) {
        let Some(s) = app.data.segment(app.conn, pos) else {
            break;
        };
        let when = s.time.secs_since(start);
        let (a, b) = rows(app, &g, s, pos, when);
        lines.push(a);
        lines.push(b);
    }
    f.render_widget(Paragraph::new(lines), inner);
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
}

/// The two lines of one segment.
fn rows(
    app: &App,
    g: &Geometry,
    s: &SegmentRecord,
    pos: usize,
    when: f64,
) -> (Line<'static>, Line<'static>) {
    let t = app.theme;
    let here = pos == app.pos;
    let future = pos > app.pos;
    let base = t.row(here, future);
    let paint = |st: Style| if future { t.dim() } else { base.patch(st) };
    let side = match s.dir {
        Dir::C2s => t.client(),
        Dir::S2c => t.server(),
    };
    let marker = if here { "▶" } else { " " };
    let margin = format!("{marker}{:>5} {:>10} ", s.frame, super::secs(when));
    let margin = pad(&margin, g.left);
    // The label on the arrow: flags, then as much of seq/ack/len as fits.
    let flags = s.flags.to_string();
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
    let room = g.span.saturating_sub(5);
    let detail = [
        format!(" seq {}{ack}{len}", s.seq),
        format!(
            " {}{}{}",
            s.seq,
            if s.flags.ack() {
                format!("/{}", s.ack)
            } else {
                String::new()
            },
            if s.len > 0 {
                format!(" {}B", s.len)
            } else {
                String::new()
            }
        ),
        String::new(),
    ]
    .into_iter()
    .find(|d| flags.chars().count() + d.chars().count() <= room)
    .unwrap_or_default();
    let label_len = (flags.chars().count() + detail.chars().count()).min(room);
    let dashes = g.span.saturating_sub(label_len + 4);
    let mut a = vec![Span::styled(margin, paint(Style::new()))];
    a.push(Span::styled("│", paint(t.client())));
    match s.dir {
        Dir::C2s => {
            a.push(Span::styled("─ ", paint(side)));
            a.push(Span::styled(fit(&flags, room), paint(t.flags(s.flags))));
            a.push(Span::styled(
                fit(&detail, room.saturating_sub(flags.chars().count())),
                paint(Style::new()),
            ));
            a.push(Span::styled(
                format!(" {}▶", "─".repeat(dashes)),
                paint(side),
            ));
        }
        Dir::S2c => {
            a.push(Span::styled(
                format!("◀{} ", "─".repeat(dashes)),
                paint(side),
            ));
            a.push(Span::styled(fit(&flags, room), paint(t.flags(s.flags))));
            a.push(Span::styled(
                fit(&detail, room.saturating_sub(flags.chars().count())),
                paint(Style::new()),
            ));
            a.push(Span::styled(" ─", paint(side)));
        }
    }
    a.push(Span::styled("│", paint(t.server())));
    // Tags in the margin, one per line: TCP analysis (⚑), then findings (⚠).
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
    tags.extend(
        findings_at(app, s.conn, s.frame)
            .map(|f| (format!(" ⚠ {}", tag(f, s.dir)), t.severity(f.severity))),
    );
    if tags.len() > 2 {
        tags[1].0 = format!(" ⚠ +{} more", tags.len() - 1);
        tags.truncate(2);
    }
    let mut tags = tags.into_iter();
    if let Some((text, st)) = tags.next() {
        a.push(Span::styled(
            super::fit_words(&text, g.right + 1),
            paint(st),
        ));
    }
    // The second line: what the segment carries.
    let carried = carried(s, g.span.saturating_sub(2));
    let mut b = vec![Span::styled(pad("", g.left), paint(Style::new()))];
    b.push(Span::styled("│", paint(t.client())));
    b.push(Span::styled(
        format!(" {}", pad(&carried, g.span.saturating_sub(1))),
        paint(t.dim()),
    ));
    b.push(Span::styled("│", paint(t.server())));
    if let Some((text, st)) = tags.next() {
        b.push(Span::styled(
            super::fit_words(&text, g.right + 1),
            paint(st),
        ));
    }
    let width = g.left + g.span + 3 + g.right;
    let (mut a, mut b) = (clip(a, width), clip(b, width));
    if here {
        // The cursor's rows are highlighted across the whole pane.
        for line in [&mut a, &mut b] {
            let used: usize = line.iter().map(|s| s.content.chars().count()).sum();
            line.push(Span::styled(" ".repeat(width.saturating_sub(used)), base));
        }
    }
    (Line::from(a), Line::from(b))
}

/// Under the arrow: the payload (escaped), the options of a SYN, or why
/// there is nothing to show.
fn carried(s: &SegmentRecord, room: usize) -> String {
    if let Some(o) = &s.syn_options {
        let mut parts = Vec::new();
        if let Some(m) = o.mss {
            parts.push(format!("MSS={m}"));
        }
        if let Some(w) = o.window_scale {
            parts.push(format!("WS={}", 1u64 << w.min(14)));
        }
        if o.sack_permitted {
            parts.push("SACK_PERM".to_string());
        }
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
