//! The tab bar of the folded layout (below 110×28): one tab per pane,
//! numbered as the 1…6 keys, the shown one highlighted; and which tab a
//! click at a column hits.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::ui::state::{Pane, ViewState};
use crate::ui::theme::Theme;
use crate::ui::widgets::{clip, width};

/// Tab labels for a bar `bar` columns wide, with their x ranges.
fn tab_labels(bar: u16) -> Vec<(Pane, String, u16, u16)> {
    let mut x = 0u16;
    let mut out = Vec::new();
    for (i, p) in Pane::ALL.into_iter().enumerate() {
        let label = if bar >= 70 {
            format!(" {} {} ", i + 1, p.name())
        } else {
            format!(" {}{} ", i + 1, &p.name()[..1])
        };
        let n = width(&label) as u16;
        out.push((p, label, x, x + n));
        x += n + 1;
    }
    out
}

/// The pane whose tab is at column `x` of the tab bar.
pub fn hit(tabs: Rect, x: u16) -> Option<Pane> {
    let col = x.checked_sub(tabs.x)?;
    tab_labels(tabs.width)
        .into_iter()
        .find(|(_, _, a, b)| col >= *a && col < *b)
        .map(|(p, ..)| p)
}

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, t: &Theme) {
    let mut spans = Vec::new();
    for (p, label, ..) in tab_labels(area.width) {
        // The active tab is marked by a glyph as well as its background.
        if p == s.focus {
            spans.push(Span::styled(format!("▸{}", label.trim_start()), t.cursor()));
        } else {
            spans.push(Span::styled(label, t.dim()));
        }
        spans.push(Span::styled("│", t.dim()));
    }
    f.render_widget(
        Paragraph::new(Line::from(clip(spans, usize::from(area.width)))),
        area,
    );
}
