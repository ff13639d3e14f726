//! The follow-stream overlay (`f`): the connection's bytes as they were
//! sent, the client's and the server's interleaved in the order their
//! segments passed the capture point, each in its side's colour, and a rule
//! where each segment began — so a reply that came in two pieces shows as
//! two pieces. Bytes are escaped as everywhere (⏎ for CRLF).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::tcp::Dir;
use crate::text::escape_bytes;
use crate::ui::data::PaneData;
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, pane_block, wrap_runs};

pub fn draw(f: &mut Frame, size: Rect, s: &ViewState, d: &PaneData, t: &Theme) {
    let area = centered(
        size,
        size.width.saturating_sub(6).min(120),
        size.height.saturating_sub(2),
    );
    f.render_widget(Clear, area);
    let title = vec![
        Span::styled(format!("follow stream · conn {}", s.conn), t.title()),
        Span::styled(" · ", t.dim()),
        Span::styled("client", t.client()),
        Span::styled(" and ", t.dim()),
        Span::styled("server", t.server()),
        Span::styled(" bytes as sent · ↑/↓ PgUp/PgDn scroll · Esc back", t.dim()),
    ];
    let block = pane_block(title, true, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(view) = d.stream else { return };
    let w = usize::from(inner.width);
    let cursor = s.cursor_frame(d.data).unwrap_or(0);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut hidden = false;
    for item in &view.items {
        // Without spoilers the bytes sent after the cursor are not shown.
        if !s.spoilers && item.frame > cursor {
            hidden = true;
            break;
        }
        let (who, style) = match item.dir {
            Dir::C2s => ("client", t.client()),
            Dir::S2c => ("server", t.server()),
        };
        let here = if item.frame == cursor {
            " ◀ the cursor"
        } else {
            ""
        };
        let again = if item.again { " · sent again" } else { "" };
        let cut = if (item.bytes.len() as u64) < u64::from(item.len) {
            " · cut by the snap length"
        } else {
            ""
        };
        lines.push(Line::from(Span::styled(
            format!(
                "┄┄ #{} {who} · {} B{again}{cut}{here} ┄┄",
                item.frame, item.len
            ),
            if item.frame == cursor {
                t.key()
            } else {
                t.dim()
            },
        )));
        // A line per CRLF: the stream reads as the dialogue does.
        let text = escape_bytes(&item.bytes);
        for piece in text.split_inclusive('⏎') {
            let st = if item.again {
                style.patch(t.future())
            } else {
                style
            };
            lines.extend(wrap_runs(&[(piece.to_string(), st)], w, "", "  "));
        }
        if lines.len() > usize::from(inner.height) * 2 {
            break;
        }
    }
    if view.items.is_empty() {
        lines.push(Line::from(Span::styled(
            "No data from here on: only handshake and ACKs.",
            t.dim(),
        )));
    } else if hidden {
        lines.push(Line::from(Span::styled(
            "⋯ what comes next is hidden (s shows it)",
            t.dim(),
        )));
    } else if view.more {
        lines.push(Line::from(Span::styled("… ↓ for more", t.dim())));
    }
    lines.truncate(usize::from(inner.height));
    f.render_widget(Paragraph::new(lines), inner);
}
