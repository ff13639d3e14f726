//! The terminal view: a capture stepped one segment at a time, with the NIC,
//! the kernel, the socket API and the dialogue side by side, each showing
//! what was true at the cursor (DESIGN.md, "Terminal view").
//!
//! [`app`] holds the state and what keys and clicks do to it (no terminal);
//! [`layout`] places the panes; one module per pane draws it; [`run`] owns
//! the event loop and [`terminal`] the terminal's setup and restoration;
//! [`source`] analyses the capture in the background. The view only reads
//! the timeline: the core never imports it.

pub mod app;
pub mod data;
mod detail;
mod dialogue;
mod findings;
mod help;
mod hex;
mod kernel;
pub mod keys;
mod ladder;
pub mod layout;
mod narration;
mod nic;
mod picker;
pub mod run;
mod socket;
mod strip;
pub mod terminal;
pub mod theme;

pub use app::{App, Overlay, Pane};
pub use data::{model, source, Data};
pub use theme::Theme;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let a = layout::areas(f.area(), app.focus);
    header(f, a.header, app);
    if let Some(tabs) = a.tabs {
        tab_bar(f, tabs, app);
    }
    for p in Pane::ALL {
        let Some(area) = a.pane(p) else { continue };
        let focused = app.focus == p && a.is_wide();
        match p {
            Pane::Ladder => ladder::draw(f, area, app, focused),
            Pane::Dialogue => dialogue::draw(f, area, app, focused),
            Pane::Nic => nic::draw(f, area, app, focused),
            Pane::Kernel => kernel::draw(f, area, app, focused),
            Pane::Socket => socket::draw(f, area, app, focused),
            Pane::Findings => findings::draw(f, area, app, focused),
        }
    }
    strip::draw(f, a.strip, app);
    narration::draw(f, a.narration, app);
    footer(f, a.footer, app);
    match &app.overlay {
        Some(Overlay::Help { scroll }) => help::draw(f, app, *scroll),
        Some(Overlay::Hex { scroll }) => hex::draw(f, app, *scroll),
        Some(Overlay::Picker { sel, filter }) => picker::draw(f, app, *sel, filter),
        Some(Overlay::Detail { what, scroll }) => detail::draw(f, app, *what, *scroll),
        Some(Overlay::Search { .. }) | None => {}
    }
}

/// A pane's frame: its title, and a brighter border when it has the focus.
pub(crate) fn pane_block<'a>(title: Vec<Span<'a>>, focused: bool, app: &App) -> Block<'a> {
    let t = app.theme;
    let mut spans = vec![Span::styled(" ", t.border(focused))];
    spans.extend(title);
    spans.push(Span::raw(" "));
    Block::new()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Line::from(spans))
}

/// Cuts `s` to `width` characters, ending in `…` when cut.
pub(crate) fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Cuts `s` to `width` characters at a word's end, ending in `…` when cut
/// (a tag reads "closed without…", not "closed without qu").
pub(crate) fn fit_words(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let cut = fit(s, width);
    let kept = cut.trim_end_matches('…');
    match kept.rfind(' ') {
        Some(i) if kept[..i].trim().chars().count() > 2 => format!("{}…", kept[..i].trim_end()),
        _ => cut,
    }
}

/// Pads or cuts `s` to exactly `width` characters.
pub(crate) fn pad(s: &str, width: usize) -> String {
    let cut = fit(s, width);
    let n = cut.chars().count();
    cut + &" ".repeat(width.saturating_sub(n))
}

/// A line's spans cut to `width` characters, so a styled line never wraps.
pub(crate) fn clip(spans: Vec<Span<'_>>, width: usize) -> Vec<Span<'_>> {
    let mut left = width;
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        if left == 0 {
            break;
        }
        let n = s.content.chars().count();
        if n <= left {
            left -= n;
            out.push(s);
        } else {
            out.push(Span::styled(fit(&s.content, left), s.style));
            left = 0;
        }
    }
    out
}

/// Seconds as the panes print them.
pub(crate) fn secs(s: f64) -> String {
    format!("{s:.6}")
}

/// A centred rectangle for an overlay: `w`×`h`, shrunk to fit.
pub(crate) fn centered(size: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(size.width.saturating_sub(2)).max(1);
    let h = h.min(size.height.saturating_sub(2)).max(1);
    Rect::new(
        size.x + (size.width.saturating_sub(w)) / 2,
        size.y + (size.height.saturating_sub(h)) / 2,
        w,
        h,
    )
}

fn header(f: &mut Frame, area: Rect, app: &App) {
    let w = usize::from(area.width);
    // The most detailed header that fits: the whole path, the endpoints and
    // the pace's name go first, in that order, so the position and the
    // play state are never cut.
    let variants = [
        (true, true, true),
        (false, true, true),
        (false, true, false),
        (false, false, true),
        (false, false, false),
    ];
    let mut spans = Vec::new();
    for (whole, ends, pace) in variants {
        spans = header_spans(app, whole, ends, pace);
        let n: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        if n <= w {
            break;
        }
    }
    f.render_widget(Paragraph::new(Line::from(clip(spans, w))), area);
}

fn header_spans(app: &App, whole: bool, ends: bool, pace: bool) -> Vec<Span<'static>> {
    let t = app.theme;
    let tl = &app.data.timeline;
    let name = crate::text::escape_str(&tl.source);
    let short = name.rsplit('/').next().unwrap_or(&name).to_string();
    let mut spans = vec![Span::styled(" sockscope ", t.title())];
    let sep = || Span::styled(" · ", t.dim());
    spans.push(Span::raw(if whole { name.clone() } else { short }));
    if let Some(c) = tl.connection(app.conn) {
        spans.push(sep());
        let proto = c
            .protocol
            .map_or(String::new(), |p| format!(" {}", p.name()));
        let n = tl.connections.len();
        spans.push(Span::raw(if ends {
            format!("conn {}/{n} {} → {}{proto}", c.id, c.client, c.server)
        } else {
            format!("conn {}/{n}{proto}", c.id)
        }));
    }
    if let Some(s) = app.segment() {
        spans.push(sep());
        let start = tl.first_time().unwrap_or_default();
        spans.push(Span::styled(format!("#{} ", s.frame), t.bold()));
        spans.push(Span::raw(format!(
            "seg {}/{} · +{} s",
            app.pos + 1,
            app.seg_count(),
            secs(s.time.secs_since(start))
        )));
    }
    spans.push(sep());
    let play = if app.live {
        if app.follow {
            "● live, following".to_string()
        } else {
            "● live, paused".to_string()
        }
    } else {
        let how = match app.play.pacing {
            app::Pacing::Capture => " capture time",
            app::Pacing::Tick => " per tick",
        };
        format!(
            "{} {}{}",
            if app.play.playing { "▶" } else { "⏸" },
            app.play.speed_label(),
            if pace { how } else { "" }
        )
    };
    spans.push(Span::styled(play, t.key()));
    if let Some(p) = app.progress {
        spans.push(sep());
        let text = match p.total {
            Some(total) if total > 0 => format!(
                "indexing {}%…",
                (p.done.saturating_mul(100) / total).min(99)
            ),
            _ => format!("reading… {} MB", p.done / 1_000_000),
        };
        spans.push(Span::styled(text, t.partial()));
    }
    spans
}

/// Tab labels of the folded layout, with their x ranges.
fn tab_labels(width: u16) -> Vec<(Pane, String, u16, u16)> {
    let mut x = 0u16;
    let mut out = Vec::new();
    for (i, p) in Pane::ALL.into_iter().enumerate() {
        let label = if width >= 70 {
            format!(" {} {} ", i + 1, p.name())
        } else {
            format!(" {}{} ", i + 1, &p.name()[..1])
        };
        let n = label.chars().count() as u16;
        out.push((p, label, x, x + n));
        x += n + 1;
    }
    out
}

/// The pane whose tab is at column `x` of the tab bar.
pub(crate) fn tabs_hit(tabs: Rect, x: u16) -> Option<Pane> {
    let col = x.checked_sub(tabs.x)?;
    tab_labels(tabs.width)
        .into_iter()
        .find(|(_, _, a, b)| col >= *a && col < *b)
        .map(|(p, ..)| p)
}

fn tab_bar(f: &mut Frame, area: Rect, app: &App) {
    let t = app.theme;
    let mut spans = Vec::new();
    for (p, label, ..) in tab_labels(area.width) {
        let style = if p == app.focus { t.cursor() } else { t.dim() };
        spans.push(Span::styled(label, style));
        spans.push(Span::styled("│", t.dim()));
    }
    f.render_widget(
        Paragraph::new(Line::from(clip(spans, usize::from(area.width)))),
        area,
    );
}

fn footer(f: &mut Frame, area: Rect, app: &App) {
    let t = app.theme;
    let w = usize::from(area.width);
    let line = if let Some(Overlay::Search { input }) = &app.overlay {
        let shown = crate::text::escape_str(input);
        Line::from(vec![
            Span::styled(" search: ", t.key()),
            Span::raw(shown),
            Span::styled("▏", t.key()),
            Span::styled(
                match &app.last_search {
                    Some(q) if input.is_empty() => {
                        format!(
                            "  ⏎ again for \"{}\" · Esc cancels",
                            crate::text::escape_str(q)
                        )
                    }
                    _ => "  ⏎ searches · Esc cancels".to_string(),
                },
                t.dim(),
            ),
        ])
    } else if let Some(s) = &app.status {
        Line::from(Span::styled(format!(" {s}"), t.partial()))
    } else if let Some(e) = &app.data.timeline.error {
        Line::from(Span::styled(
            format!(
                " ✗ reading stopped: {} (everything before it is shown)",
                crate::text::escape_str(&e.to_string())
            ),
            t.severity(crate::finding::Severity::Error),
        ))
    } else {
        let keys: &[(&str, &str)] = &[
            ("←/→", "step"),
            ("space", "play"),
            ("n/N", "finding"),
            ("tab", "pane"),
            ("?", "help"),
            ("q", "quit"),
            ("⏎", "details"),
            ("c", "conn"),
            ("/", "search"),
            ("w", "whole narration"),
        ];
        // The essentials first, so a narrow footer still names help and
        // quit; a key that does not fit whole is left out, never cut.
        let gap = if w >= 100 { "  " } else { " " };
        let mut spans = vec![Span::raw(" ")];
        let mut used = 1;
        for (k, what) in keys {
            let item = format!(" {what}{gap}");
            let n = k.chars().count() + item.trim_end().chars().count();
            if used + n > w {
                continue;
            }
            used += k.chars().count() + item.chars().count();
            spans.push(Span::styled(*k, t.key()));
            spans.push(Span::styled(item, t.dim()));
        }
        Line::from(spans)
    };
    let spans = clip(line.spans, w);
    f.render_widget(Paragraph::new(Line::from(spans)).style(Style::new()), area);
}

/// Draws the app on an in-memory terminal of `width`×`height` and returns
/// the screen as text, one line per row (tests and snapshots read this).
pub fn render_text(app: &mut App, width: u16, height: u16) -> String {
    let buffer = render_buffer(app, width, height);
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Draws the app on an in-memory terminal and returns its cells.
pub fn render_buffer(app: &mut App, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let backend = ratatui::backend::TestBackend::new(width, height);
    app.size = Rect::new(0, 0, width, height);
    let mut terminal = match ratatui::Terminal::new(backend) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    match terminal.draw(|f| draw(f, app)) {
        Ok(_) => {}
        Err(e) => match e {},
    }
    terminal.backend().buffer().clone()
}
