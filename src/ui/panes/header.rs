//! The header line: the capture's name, the selected connection, the
//! segment at the cursor, the play state, and how far indexing got — in the
//! most detailed form that fits, so the position and the play state are
//! never cut.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::ui::data::{Data, PaneData, Progress};
use crate::ui::state::{Pacing, ViewState};
use crate::ui::theme::Theme;
use crate::ui::widgets::{clip, secs, spans_width};

/// What a header variant keeps: the whole path, the endpoints, the pace's
/// name.
#[derive(Clone, Copy)]
struct Keep {
    whole: bool,
    ends: bool,
    pace: bool,
}

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme) {
    let w = usize::from(area.width);
    // The whole path, the endpoints and the pace's name go first, in that
    // order.
    let variants = [
        (true, true, true),
        (false, true, true),
        (false, true, false),
        (false, false, true),
        (false, false, false),
    ];
    let mut spans = Vec::new();
    for (whole, ends, pace) in variants {
        spans = header_spans(s, d.data, t, Keep { whole, ends, pace });
        if spans_width(&spans) <= w {
            break;
        }
    }
    f.render_widget(Paragraph::new(Line::from(clip(spans, w))), area);
}

fn header_spans(s: &ViewState, d: &Data, t: &Theme, keep: Keep) -> Vec<Span<'static>> {
    let tl = &d.timeline;
    let name = crate::text::escape_str(&tl.source);
    let short = name.rsplit('/').next().unwrap_or(&name).to_string();
    let mut spans = vec![Span::styled(" sockscope ", t.title())];
    let sep = || Span::styled(" · ", t.dim());
    spans.push(Span::raw(if keep.whole { name.clone() } else { short }));
    if let Some(c) = tl.connection(s.conn) {
        spans.push(sep());
        let proto = c
            .protocol
            .map_or(String::new(), |p| format!(" {}", p.name()));
        let n = tl.connections.len();
        spans.push(Span::raw(if keep.ends {
            format!("conn {}/{n} {} → {}{proto}", c.id, c.client, c.server)
        } else {
            format!("conn {}/{n}{proto}", c.id)
        }));
    }
    if let Some(seg) = s.segment(d) {
        spans.push(sep());
        let start = tl.first_time().unwrap_or_default();
        spans.push(Span::styled(format!("#{} ", seg.frame), t.bold()));
        spans.push(Span::raw(format!(
            "seg {}/{} · +{} s",
            s.pos + 1,
            s.seg_count(d),
            secs(seg.time.secs_since(start))
        )));
    }
    spans.push(sep());
    spans.push(Span::styled(play_state(s, keep.pace), t.key()));
    if let Some(p) = s.progress {
        spans.push(sep());
        spans.push(Span::styled(progress(p), t.partial()));
    }
    spans
}

/// `▶ 2× capture time`, `⏸ ½×`, `● live, following`.
fn play_state(s: &ViewState, pace: bool) -> String {
    if s.live {
        return if s.follow {
            "● live, following".to_string()
        } else {
            "● live, paused".to_string()
        };
    }
    let how = match s.play.pacing {
        Pacing::Capture => " capture time",
        Pacing::Teach => " teaching pace",
    };
    format!(
        "{} {}{}",
        if s.play.playing { "▶" } else { "⏸" },
        s.play.speed_label(),
        if pace { how } else { "" }
    )
}

/// `indexing 42%…`, or `reading… 12 MB` when the size is unknown.
fn progress(p: Progress) -> String {
    match p.total {
        Some(total) if total > 0 => format!(
            "indexing {}%…",
            (p.done.saturating_mul(100) / total).min(99)
        ),
        _ => format!("reading… {} MB", p.done / 1_000_000),
    }
}
