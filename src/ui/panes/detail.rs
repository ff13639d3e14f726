//! The details overlay (⏎): everything known about what the focused pane
//! points at — the segment with its annotations, findings and calls; a
//! finding's full sentence and reference; a dialogue line with every frame
//! that carried it ([`row`]); or what the kernel pane's names mean.

mod row;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{kernel, narration, nic, socket};
use crate::finding::{Provenance, Severity};
use crate::tcp::analysis::explain;
use crate::tcp::SegmentRecord;
use crate::text::escape_str;
use crate::ui::data::{Data, PaneData};
use crate::ui::state::{Detail, Topic, ViewState};
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, pane_block};

/// The overlay's title and lines.
pub fn lines(s: &ViewState, d: &PaneData, t: &Theme, what: Detail) -> (String, Vec<Line<'static>>) {
    let mut out: Vec<Line<'static>> = Vec::new();
    let title = match what {
        Detail::Segment => segment(s, d, t, &mut out),
        Detail::Finding(i) => finding(d.data, t, i, &mut out),
        Detail::Row(r) => row::lines(s, d.data, t, r, &mut out),
        Detail::Kernel => kernel_names(t, &mut out),
        Detail::Explain(topic) => explanation(s, d, t, topic, &mut out),
    };
    (title, out)
}

/// The narration in full (the line under the panes may cut it), the NIC's
/// lines, then the segment's analysis, findings, calls and comment.
fn segment(s: &ViewState, d: &PaneData, t: &Theme, out: &mut Vec<Line<'static>>) -> String {
    // Layer by layer: what the segment is, what each layer did with it,
    // and what it means for the story.
    let story = narration::story(s, d.data);
    out.push(Line::from(Span::styled(
        "what happens, layer by layer",
        t.title(),
    )));
    let mut last = None;
    for (layer, text) in story.parts {
        if last != Some(layer) {
            out.push(Line::from(Span::styled(
                format!("{}:", layer.name()),
                t.key(),
            )));
            last = Some(layer);
        }
        out.push(Line::from(format!("  {text}")));
    }
    if let Some((sev, text)) = story.finding {
        out.push(Line::from(Span::styled("what it means:", t.key())));
        out.push(Line::from(Span::styled(
            format!("  {} {text}", sev.glyph()),
            t.severity(sev),
        )));
    }
    out.push(Line::from(""));
    out.extend(nic::lines(s, d, t));
    let Some(seg) = s.segment(d.data) else {
        return "segment".to_string();
    };
    for flag in seg.analysis.iter() {
        out.push(Line::from(""));
        out.push(Line::from(Span::styled(
            format!("⚑ {}: {}", flag.label(), explain(flag, &seg.context)),
            t.severity(Severity::Warning),
        )));
    }
    for f in d.data.findings_at(seg.conn, seg.frame) {
        out.push(Line::from(""));
        out.push(Line::from(Span::styled(
            format!(
                "{} {} {}: {} [{}]",
                f.severity.glyph(),
                f.severity,
                f.id,
                escape_str(&f.message),
                f.reference
            ),
            t.severity(f.severity),
        )));
    }
    calls(d.data, t, seg, out);
    if let Some(c) = d.data.timeline.comment(seg.frame) {
        let own: Vec<&str> = c
            .lines()
            .filter(|l| !l.starts_with(crate::socket::recorded::PREFIX))
            .collect();
        if !own.is_empty() {
            out.push(Line::from(""));
            out.push(Line::from(format!(
                "comment (recorded): {}",
                escape_str(&own.join("\n"))
            )));
        }
    }
    format!("segment #{}", seg.frame)
}

/// The socket calls at the segment, each with how it is known.
fn calls(d: &Data, t: &Theme, seg: &SegmentRecord, out: &mut Vec<Line<'static>>) {
    let idx = d.kernel.socket_of(seg.conn);
    let ev = &d.timeline.socket;
    let start = idx.partition_point(|&i| ev.get(i as usize).is_some_and(|e| e.frame < seg.frame));
    let calls: Vec<_> = idx[start..]
        .iter()
        .filter_map(|&i| ev.get(i as usize))
        .take_while(|e| e.frame == seg.frame)
        .take(50)
        .collect();
    if calls.is_empty() {
        return;
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled(
        "socket calls at this segment",
        t.title(),
    )));
    for e in calls {
        let mut spans = socket::line(t, e, false);
        // The pane's line names only the inferred ones.
        if e.provenance != Provenance::Inferred {
            spans.push(Span::styled(format!(" ({})", e.provenance), t.dim()));
        }
        out.push(Line::from(spans));
    }
}

/// A finding: severity, id, where, how it is known; its sentence; its
/// reference.
fn finding(d: &Data, t: &Theme, i: u32, out: &mut Vec<Line<'static>>) -> String {
    let Some(f) = d.timeline.findings.get(i as usize) else {
        return "finding".into();
    };
    out.push(Line::from(vec![
        Span::styled(
            format!("{} {} ", f.severity.glyph(), f.severity),
            t.severity(f.severity),
        ),
        Span::styled(f.id, t.bold()),
        Span::styled(
            format!(
                " · frame {} · {} · {}",
                f.frame,
                if f.conn == 0 {
                    "the capture".to_string()
                } else {
                    format!("connection {}", f.conn)
                },
                f.provenance
            ),
            t.dim(),
        ),
    ]));
    out.push(Line::from(""));
    out.push(Line::from(escape_str(&f.message)));
    if !f.reference.is_empty() {
        out.push(Line::from(""));
        out.push(Line::from(Span::styled(
            format!("see {}", f.reference),
            t.dim(),
        )));
    }
    format!("finding at #{}", f.frame)
}

/// `e`: what a field means, why it has this value, and the RFC.
fn explanation(
    s: &ViewState,
    d: &PaneData,
    t: &Theme,
    topic: Topic,
    out: &mut Vec<Line<'static>>,
) -> String {
    use crate::ui::explain;
    let e = match topic {
        Topic::Nic(i) => {
            let (rows, _) = nic::rows(s, d);
            match (rows.get(i), s.segment(d.data)) {
                (Some(r), Some(seg)) => explain::nic::explain(d.data, seg, r, &rows),
                _ => return "nothing selected".into(),
            }
        }
        Topic::Kernel(row) => match s.kernel_now_and_before(d.data).0 {
            Some(k) => {
                let mut e = explain::kernel::explain(row, &k);
                // A lab capture: what the real kernel said, and why it may differ.
                e.paragraphs
                    .extend(super::kernel_observed::explain(s, d.data, row, &k));
                e
            }
            None => return "no kernel state here".into(),
        },
        Topic::History => {
            let Some(c) = d.data.timeline.connection(s.conn) else {
                return "no connection".into();
            };
            let mut e = explain::jargon::history(&c.history);
            e.paragraphs.push(format!(
                "state {}: {} (Zeek's conn_state).",
                c.state,
                explain::jargon::conn_state(c.state)
            ));
            let p = explain::jargon::provenance();
            e.paragraphs.push(String::new());
            e.paragraphs.push(p.title);
            e.paragraphs.extend(p.paragraphs);
            e
        }
    };
    for (i, p) in e.paragraphs.iter().enumerate() {
        if i > 0 {
            out.push(Line::from(""));
        }
        out.push(Line::from(crate::text::escape_str(p)));
    }
    if let Some(rfc) = e.rfc {
        out.push(Line::from(""));
        out.push(Line::from(Span::styled(format!("see {rfc}"), t.dim())));
    }
    e.title
}

/// What the kernel pane's names mean (RFC 9293 §3.3.1).
fn kernel_names(t: &Theme, out: &mut Vec<Line<'static>>) -> String {
    out.push(Line::from(
        "What each endpoint's TCP stack holds, inferred from the segments that passed the \
         capture point up to the cursor (a segment seen leaving one host may not have reached \
         the other yet). Sequence numbers are relative: 0 is the endpoint's SYN, and its first \
         data byte is 1.",
    ));
    out.push(Line::from(""));
    for (name, what) in kernel::ROWS {
        out.push(Line::from(vec![
            Span::styled(format!("{name:<10}"), t.key()),
            Span::raw(*what),
        ]));
    }
    out.push(Line::from(""));
    out.push(Line::from(
        "A value that changed at the cursor's segment is highlighted. Names after RFC 9293 §3.3.1.",
    ));
    "the kernel pane".to_string()
}

/// The overlay over a screen of `size`, scrolled `scroll` lines.
pub fn draw(
    f: &mut Frame,
    size: Rect,
    s: &ViewState,
    d: &PaneData,
    t: &Theme,
    what: Detail,
    scroll: u16,
) {
    let area = centered(size, 100, size.height.saturating_sub(4));
    f.render_widget(Clear, area);
    let (title, lines) = lines(s, d, t, what);
    let block = pane_block(
        vec![
            Span::styled(title, t.title()),
            Span::styled(" · ↑/↓ scroll · Esc back", t.dim()),
        ],
        true,
        t,
    );
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}
