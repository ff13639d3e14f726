//! The help overlay: every key (from the same table the handler reads), the
//! mouse, and what the colours, marks and labels on the screen mean.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::finding::{Provenance, Severity};
use crate::ui::keys::BINDINGS;
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, clip, pane_block, spans_width, width};
use crate::wire::TcpFlags;

pub fn lines(t: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled("keys", t.title()))];
    for (keys, what, _) in BINDINGS {
        out.push(Line::from(vec![
            Span::styled(format!("  {keys:<14}"), t.key()),
            Span::raw(*what),
        ]));
    }
    out.push(Line::from(vec![
        Span::styled(format!("  {:<14}", "mouse"), t.key()),
        Span::raw("wheel scrolls the pane under it · a click selects (segment, line, tab, strip…)"),
    ]));
    out.push(Line::from(""));
    out.push(Line::from(Span::styled("what the screen shows", t.title())));
    let mut flags = vec![Span::raw("  flags  ")];
    for (name, bits) in [
        ("SYN", TcpFlags::SYN),
        ("SYN,ACK", TcpFlags::SYN | TcpFlags::ACK),
        ("PSH,ACK", TcpFlags::PSH | TcpFlags::ACK),
        ("ACK", TcpFlags::ACK),
        ("FIN,ACK", TcpFlags::FIN | TcpFlags::ACK),
        ("RST", TcpFlags::RST),
    ] {
        flags.push(Span::styled(name, t.flags(TcpFlags(bits))));
        flags.push(Span::raw("  "));
    }
    out.push(Line::from(flags));
    out.push(Line::from(vec![
        Span::raw("  ─▶ client to server   ◀─ server to client   "),
        Span::styled("▶ highlighted", t.cursor()),
        Span::raw(" the cursor   "),
        Span::styled("dim", t.dim()),
        Span::raw(" not yet happened"),
    ]));
    out.push(Line::from(vec![
        Span::raw("  "),
        Span::styled("✖ error", t.severity(Severity::Error)),
        Span::raw("  "),
        Span::styled("⚠ warning", t.severity(Severity::Warning)),
        Span::raw("  "),
        Span::styled("ℹ info", t.severity(Severity::Info)),
        Span::raw(" findings   ⚑ TCP analysis (retransmission, dup ACK, …)"),
    ]));
    out.push(Line::from(
        "  every finding id, its severity and its RFC: docs/findings.md (error: protocol broken or data lost; \
         warning: act on it; info: worth knowing)",
    ));
    out.push(Line::from(vec![
        Span::raw("  "),
        Span::styled("observed", t.provenance(Provenance::Observed)),
        Span::raw(" seen in the capture or recorded from real calls   "),
        Span::styled("inferred", t.provenance(Provenance::Inferred)),
        Span::raw(" deduced by sockscope"),
    ]));
    out.push(Line::from(
        "  payload: ⏎ = CRLF, \\r \\n = a bare CR or LF, \\xNN = any other byte that is not printable",
    ));
    out.push(Line::from(
        "  seq/ack are relative (0 = the sender's SYN), as Wireshark shows them; #N is a frame number",
    ));
    out.push(Line::from(
        "  a narrow arrow writes seq/ack and length short: PSH,ACK 194/105 90B = seq 194 ack 105 len 90",
    ));
    out.push(Line::from(
        "  80×24: the panes fold into tabs (Tab or 1…6); wider than 110×28 they sit side by side",
    ));
    out.push(Line::from(
        "  NO_COLOR=1 drops colours and keeps bold, underline and reverse",
    ));
    out
}

/// The overlay over a screen of `size`, scrolled `scroll` lines.
pub fn draw(f: &mut Frame, size: Rect, t: &Theme, scroll: u16) {
    let area = centered(size, 100, 34);
    f.render_widget(Clear, area);
    let block = pane_block(
        vec![
            Span::styled("help", t.title()),
            Span::styled(" · ↑/↓ scroll · Esc or ? closes", t.dim()),
        ],
        true,
        t,
    );
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    // Long lines wrap under their text (a key's meaning under the meaning),
    // so a narrow terminal loses nothing.
    let lines: Vec<Line> = lines(t)
        .into_iter()
        .flat_map(|l| wrap_line(l, w))
        .skip(usize::from(scroll))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// A styled line broken at spaces to `w` columns; continuation lines are
/// indented as far as the first word after the line's leading key column
/// (16) or its indent (2).
fn wrap_line(line: Line<'static>, w: usize) -> Vec<Line<'static>> {
    let total = spans_width(&line.spans);
    if total <= w || w < 24 {
        return vec![Line::from(clip(line.spans, w))];
    }
    let keyed = line
        .spans
        .first()
        .is_some_and(|s| width(&s.content) == 16 && s.content.starts_with("  "));
    let indent = if keyed { 16 } else { 4 };
    let mut out = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let style = span.style;
        for piece in span.content.split_inclusive(' ') {
            let n = width(piece);
            let visible = width(piece.trim_end());
            if used > 0 && used + visible > w && used > indent {
                out.push(Line::from(clip(std::mem::take(&mut cur), w)));
                cur.push(Span::raw(" ".repeat(indent)));
                used = indent;
                let piece = piece.trim_start().to_string();
                used += width(&piece);
                cur.push(Span::styled(piece, style));
                continue;
            }
            used += n;
            cur.push(Span::styled(piece.to_string(), style));
        }
    }
    if !cur.is_empty() {
        out.push(Line::from(clip(cur, w)));
    }
    out
}
