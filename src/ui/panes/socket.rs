//! The socket pane: the calls each application made (or, from a plain
//! capture, would have had to make) up to the cursor, newest last, labelled
//! `observed` (recorded by the lab) or `inferred`. Calls at the cursor's
//! segment are highlighted.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::finding::Provenance;
use crate::socket::{Endpoint, SocketEvent};
use crate::ui::data::PaneData;
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{clip, pane_block};

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme, focused: bool) {
    let d = d.data;
    let idx = d.kernel.socket_of(s.conn);
    let events = &d.timeline.socket;
    let observed = idx
        .first()
        .and_then(|&i| events.get(i as usize))
        .is_some_and(|e| e.provenance != Provenance::Inferred);
    let title = vec![
        Span::styled("socket", t.title()),
        Span::styled(" · calls so far · ", t.dim()),
        if observed {
            Span::styled("observed (lab)", t.provenance(Provenance::Observed))
        } else {
            Span::styled("inferred", t.provenance(Provenance::Inferred))
        },
    ];
    let block = pane_block(title, focused, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(cursor) = s.cursor_frame(d) else {
        return;
    };
    // Calls up to the cursor: a binary search, then only what fits.
    let upto = idx.partition_point(|&i| events.get(i as usize).is_some_and(|e| e.frame <= cursor));
    let h = usize::from(inner.height);
    let end = upto.saturating_sub(s.scroll.socket_back).max(h.min(upto));
    let start = end.saturating_sub(h);
    let w = usize::from(inner.width);
    let mut lines = Vec::new();
    if upto == 0 {
        lines.push(Line::from(Span::styled("(no call yet)", t.dim())));
    }
    for &i in &idx[start..end] {
        let Some(e) = events.get(i as usize) else {
            continue;
        };
        lines.push(Line::from(clip(line(t, e, e.frame == cursor), w)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// `#4 client read() → 17 B "220 smtp.tele.fi "`.
pub fn line(t: &Theme, e: &SocketEvent, here: bool) -> Vec<Span<'static>> {
    let base = if here {
        t.cursor()
    } else {
        ratatui::style::Style::new()
    };
    let who = match e.endpoint {
        Endpoint::Client => t.client(),
        Endpoint::Server => t.server(),
    };
    let mut spans = vec![
        Span::styled(
            format!("{:>5} ", format!("#{}", e.frame)),
            base.patch(t.dim()),
        ),
        Span::styled(format!("{} ", e.endpoint.name()), base.patch(who)),
        Span::styled(e.describe(), base),
    ];
    if e.provenance == Provenance::Inferred {
        spans.push(Span::styled(
            " (inferred)",
            base.patch(t.provenance(e.provenance)),
        ));
    }
    spans
}
