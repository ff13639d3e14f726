//! The narration: the segment at the cursor explained in words a student
//! reads, built from the facts the other panes show: what its flags mean
//! here, why it was sent (a connect(), a write(), the kernel's own ACK, a
//! close()), what it completed in the dialogue, and the first sentence of
//! any finding raised at it.
//!
//! Each segment is told in the same order: what it is on the wire, what the
//! kernels did with it, what the sockets returned, what the dialogue could
//! now see, and last what it means for the story (a finding) — so a verdict
//! never comes before the facts ([`Story`]).
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
    // What the segment is and what each layer did come first; what it
    // means for the story (a finding) last. What does not fit says so, and
    // where to read on.
    let mut lines: Vec<Line> = Vec::new();
    for l in crate::wrap::wrap(&text, w, w) {
        lines.push(Line::from(Span::raw(l)));
    }
    if let Some((sev, s)) = finding {
        let style = t.severity(sev);
        let wrapped = crate::wrap::wrap(&s, w.saturating_sub(2), w);
        for (i, l) in wrapped.into_iter().enumerate() {
            let l = if i == 0 {
                format!("{} {l}", sev.glyph())
            } else {
                l
            };
            lines.push(Line::from(Span::styled(l, style)));
        }
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

/// Which layer a sentence of the narration speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// What the segment is, on the wire.
    Wire,
    /// What the kernels did with it.
    Kernel,
    /// What the applications called.
    Socket,
    /// What it did to the dialogue.
    Application,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::Wire => "on the wire",
            Layer::Kernel => "the kernels",
            Layer::Socket => "the sockets",
            Layer::Application => "the dialogue",
        }
    }
}

/// The narration of a segment, layer by layer, in the order a student needs
/// it: what the segment is, what each layer did with it, what the
/// application could now see — and only then, apart, what it means for the
/// story (the worst finding raised at it).
#[derive(Clone, Debug, Default)]
pub struct Story {
    pub parts: Vec<(Layer, String)>,
    pub finding: Option<(Severity, String)>,
}

/// The segment at the cursor, layer by layer.
pub fn story(st: &ViewState, d: &Data) -> Story {
    let Some(s) = st.segment(d) else {
        let t = &d.timeline;
        let text = if d.complete || t.stats.frames > 0 {
            "Nothing to step through: the capture holds no TCP segment.".to_string()
        } else {
            "Waiting for frames…".to_string()
        };
        return Story {
            parts: vec![(Layer::Wire, text)],
            finding: None,
        };
    };
    let mut parts = vec![(Layer::Wire, segment::sentence(st, d, s))];
    for flag in s.analysis.iter() {
        // A RST is the segment sentence already.
        if flag == Flag::Reset {
            continue;
        }
        // The first window after the handshake grows because window scaling
        // takes effect (a SYN's window is never scaled, RFC 7323 §2.2), not
        // because the application read anything.
        let text = if flag == Flag::WindowUpdate && s.ack <= 1 && s.len == 0 {
            "The window looks larger than in the SYN: window scaling agreed in the handshake \
             takes effect now (a SYN's window is never scaled, RFC 7323 §2.2)."
                .to_string()
        } else {
            explain(flag, &s.context)
        };
        parts.push((Layer::Kernel, text));
    }
    if let Some(x) = segment::kernel_sentence(st, d, s) {
        parts.push((Layer::Kernel, x));
    }
    if let Some(x) = socket::sentence(d, s) {
        parts.push((Layer::Socket, x));
    }
    if let Some(x) = dialogue::sentence(d, s) {
        parts.push((Layer::Application, x));
    }
    if let Some(x) = dialogue::lenient_sentence(d, s) {
        parts.push((Layer::Application, x));
    }
    let worst = d.findings_at(s.conn, s.frame).max_by_key(|f| f.severity);
    let finding = worst.map(|f| {
        let first = first_sentence(&crate::text::escape_str(&f.message));
        (f.severity, format!("{}: {first}", finding_tag(f, s.dir)))
    });
    Story { parts, finding }
}

/// The narration as one text, and the first sentence of the worst finding
/// at the cursor.
pub fn narrate(st: &ViewState, d: &Data) -> (String, Option<(Severity, String)>) {
    let story = story(st, d);
    let text: Vec<String> = story.parts.into_iter().map(|(_, t)| t).collect();
    (text.join(" "), story.finding)
}

/// Up to the first full stop followed by a space (a sentence, not `2.1.0`).
fn first_sentence(s: &str) -> String {
    match s.find(". ") {
        Some(i) => s[..=i].to_string(),
        None => s.to_string(),
    }
}
