//! The footer line: the search being typed, else the status message, else
//! why reading the capture stopped, else the keys that matter most — as
//! many as fit whole, the essentials first.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::text::escape_str;
use crate::ui::data::PaneData;
use crate::ui::state::{Overlay, ViewState};
use crate::ui::theme::Theme;
use crate::ui::widgets::{clip, width};

/// The keys the footer names, in the order they give way: (key, what,
/// what in a narrow footer).
const KEYS: &[(&str, &str, &str)] = &[
    ("←/→", "step", "step"),
    ("space", "play", "play"),
    ("?", "help", "help"),
    ("q", "quit", "quit"),
    ("e", "explain", "explain"),
    ("n/N", "finding", "finding"),
    ("/", "search", "search"),
    ("tab", "pane", "pane"),
    ("⏎", "details", "more"),
    ("v", "graph", "graph"),
    ("f", "stream", "stream"),
    ("s", "spoilers", "spoil"),
    ("c", "conn", "conn"),
    ("w", "whole narration", "story"),
];

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme) {
    let w = usize::from(area.width);
    let line = if let Some(Overlay::Search { input }) = &s.overlay {
        search_line(s, input, t)
    } else if let Some(status) = &s.status {
        Line::from(Span::styled(format!(" {status}"), t.partial()))
    } else if let Some(e) = &d.data.timeline.error {
        Line::from(Span::styled(
            format!(
                " ✗ reading stopped: {} (everything before it is shown)",
                escape_str(&e.to_string())
            ),
            t.severity(crate::finding::Severity::Error),
        ))
    } else {
        keys_line(w, t)
    };
    let spans = clip(line.spans, w);
    f.render_widget(Paragraph::new(Line::from(spans)).style(Style::new()), area);
}

/// The search as typed (escaped), and what ⏎ will do.
fn search_line(s: &ViewState, input: &str, t: &Theme) -> Line<'static> {
    let hint = match &s.search.last {
        Some(q) if input.is_empty() => {
            format!("  ⏎ again for \"{}\" · Esc cancels", escape_str(q))
        }
        _ => "  ⏎ searches · Esc cancels".to_string(),
    };
    Line::from(vec![
        Span::styled(" search: ", t.key()),
        Span::raw(escape_str(input)),
        Span::styled("▏", t.key()),
        Span::styled(hint, t.dim()),
    ])
}

/// The essentials first, so a narrow footer still names help and quit; a
/// key that does not fit whole is left out, never cut.
fn keys_line(w: usize, t: &Theme) -> Line<'static> {
    let gap = if w >= 100 { "  " } else { " " };
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (k, long, short) in KEYS {
        let what = if w >= 120 { long } else { short };
        let item = format!(" {what}{gap}");
        let n = width(k) + width(item.trim_end());
        if used + n > w {
            continue;
        }
        used += width(k) + width(&item);
        spans.push(Span::styled(*k, t.key()));
        spans.push(Span::styled(item, t.dim()));
    }
    Line::from(spans)
}
