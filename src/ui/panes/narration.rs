//! The narration: the segment at the cursor explained in words a student
//! reads, built from the facts the other panes show: what its flags mean
//! here, why it was sent (a connect(), a write(), the kernel's own ACK, a
//! close()), what it completed in the dialogue, and the first sentence of
//! any finding raised at it.
//!
//! This file draws the narration line and puts the story together;
//! [`segment`] says what the segment is, [`dialogue`] what it did to the
//! dialogue, [`socket`] what the applications called.

mod dialogue;
mod segment;
mod socket;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::finding::Severity;
use crate::tcp::analysis::explain;
use crate::tcp::Flag;
use crate::ui::data::{Data, PaneData};
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{finding_tag, prefix, width};

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme) {
    let title = match s.segment(d.data) {
        Some(seg) => format!(" what happens at #{} ", seg.frame),
        None => " what happens ".to_string(),
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(t.dim())
        .title(Span::styled(title, t.title()));
    let (text, finding) = narrate(s, d.data);
    let inner = block.inner(area);
    let w = usize::from(inner.width);
    // A finding here is the point of the moment: it comes first. What does
    // not fit says so, and where to read on.
    let mut lines: Vec<Line> = Vec::new();
    if let Some((sev, s)) = finding {
        let style = t.severity(sev);
        for (i, l) in crate::wrap::wrap(&s, w.saturating_sub(2), w)
            .into_iter()
            .enumerate()
        {
            let l = if i == 0 { format!("⚠ {l}") } else { l };
            lines.push(Line::from(Span::styled(l, style)));
        }
    }
    for l in crate::wrap::wrap(&text, w, w) {
        lines.push(Line::from(Span::raw(l)));
    }
    let room = usize::from(inner.height);
    if lines.len() > room && room > 0 {
        lines.truncate(room);
        if let Some(last) = lines.last_mut() {
            *last = read_on(last, w, t);
        }
    }
    f.render_widget(block, area);
    f.render_widget(Paragraph::new(lines), inner);
}

/// The last line that fits, cut to leave room for "… w reads on".
fn read_on(last: &Line<'_>, w: usize, t: &Theme) -> Line<'static> {
    const MORE: &str = " … w reads on";
    let style = last.spans.first().map_or(Style::new(), |s| s.style);
    let kept: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
    let room = w.saturating_sub(width(MORE));
    let cut = prefix(&kept, room);
    let cut = cut.trim_end().to_string();
    Line::from(vec![Span::styled(cut, style), Span::styled(MORE, t.key())])
}

/// The narration, and the first sentence of the worst finding at the cursor.
pub fn narrate(st: &ViewState, d: &Data) -> (String, Option<(Severity, String)>) {
    let Some(s) = st.segment(d) else {
        let t = &d.timeline;
        let text = if d.complete || t.stats.frames > 0 {
            "Nothing to step through: the capture holds no TCP segment.".to_string()
        } else {
            "Waiting for frames…".to_string()
        };
        return (text, None);
    };
    // The segment, then what it meant to the dialogue (the lesson), then
    // what the applications did.
    let mut parts = vec![segment::sentence(st, d, s)];
    if let Some(x) = dialogue::sentence(d, s) {
        parts.push(x);
    }
    if let Some(x) = socket::sentence(d, s) {
        parts.push(x);
    }
    for flag in s.analysis.iter() {
        // A RST is the segment sentence already.
        if flag == Flag::Reset {
            continue;
        }
        // The first window after the handshake grows because window scaling
        // takes effect (a SYN's window is never scaled, RFC 7323 §2.2), not
        // because the application read anything.
        if flag == Flag::WindowUpdate && s.ack <= 1 && s.len == 0 {
            parts.push(
                "The window looks larger than in the SYN: window scaling agreed in the handshake \
                 takes effect now (a SYN's window is never scaled, RFC 7323 §2.2)."
                    .to_string(),
            );
            continue;
        }
        parts.push(explain(flag, &s.context));
    }
    let worst = d.findings_at(s.conn, s.frame).max_by_key(|f| f.severity);
    let finding = worst.map(|f| {
        let first = first_sentence(&crate::text::escape_str(&f.message));
        (f.severity, format!("{}: {first}", finding_tag(f, s.dir)))
    });
    (parts.join(" "), finding)
}

/// Up to the first full stop followed by a space (a sentence, not `2.1.0`).
fn first_sentence(s: &str) -> String {
    match s.find(". ") {
        Some(i) => s[..=i].to_string(),
        None => s.to_string(),
    }
}
