//! The sequence graph overlay (`v`): for one direction of the selected
//! connection, the bytes sent over time (each segment a point at its last
//! byte, bytes sent again marked apart), the receiver's ACK line under them
//! and its window edge (ACK + window) above — as Stevens and tcptrace draw
//! it, and Wireshark's stream graphs show. Where the window edge comes down
//! to the data, the sender must wait: a receiver that stopped reading. The
//! cursor's moment is a vertical line; ←/→ move it.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Clear, Dataset, GraphType, Paragraph};
use ratatui::Frame;

use crate::tcp::seqgraph::{build, SeqGraph};
use crate::tcp::Dir;
use crate::ui::data::PaneData;
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered, pane_block};
use crate::wire::TcpFlags;

pub fn draw(f: &mut Frame, size: Rect, s: &ViewState, d: &PaneData, t: &Theme, dir: Dir) {
    let area = centered(
        size,
        size.width.saturating_sub(4),
        size.height.saturating_sub(2),
    );
    f.render_widget(Clear, area);
    let g = build(d.data.timeline.segments_of(s.conn), dir);
    let title = vec![
        Span::styled(
            format!(
                "sequence graph · conn {} · {} → {}",
                s.conn,
                dir.sender(),
                dir.receiver()
            ),
            t.title(),
        ),
        Span::styled(" · Tab the other way · ←/→ step · Esc back", t.dim()),
    ];
    let block = pane_block(title, true, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if g.data.is_empty() && g.again.is_empty() {
        let msg = format!(
            "The {} sent no data on this connection: Tab shows the other way.",
            dir.sender()
        );
        f.render_widget(Paragraph::new(Span::styled(msg, t.dim())), inner);
        return;
    }
    let [legend_area, chart_area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(1),
        ratatui::layout::Constraint::Min(3),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(legend(t)), legend_area);
    chart(f, chart_area, s, d, t, &g);
}

fn legend(t: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled("• data sent", data_style(t)),
        Span::raw("   "),
        Span::styled(
            "× sent again",
            t.severity(crate::finding::Severity::Warning),
        ),
        Span::raw("   "),
        Span::styled(
            "─ ACK (what the receiver has)",
            t.flags(TcpFlags(TcpFlags::ACK)),
        ),
        Span::raw("   "),
        Span::styled(
            "─ window edge (ACK + window: how far the sender may go)",
            t.flags(TcpFlags(TcpFlags::SYN)),
        ),
        Span::raw("   "),
        Span::styled("│ the cursor", t.key()),
    ])
}

fn data_style(t: &Theme) -> Style {
    t.flags(TcpFlags(TcpFlags::PSH | TcpFlags::ACK))
}

fn chart(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme, g: &SeqGraph) {
    let ends: Vec<(f64, f64)> = g.data.iter().map(|&(x, _, e)| (x, e)).collect();
    let again: Vec<(f64, f64)> = g.again.iter().map(|&(x, _, e)| (x, e)).collect();
    let top_window = g.window.iter().map(|p| p.1).fold(0.0f64, f64::max);
    // The window edge can be far above the data (a 64 KiB window for a
    // 200-byte dialogue): the scale follows the data, and the edge is drawn
    // as far as it fits.
    let y_max = (g.max_seq * 1.15)
        .max(top_window.min(g.max_seq * 3.0))
        .max(1.0);
    let x_max = g.max_time.max(1e-6) * 1.02;
    let now = s
        .segment(d.data)
        .map(|seg| seg.time.secs_since(g.t0).max(0.0))
        .unwrap_or(0.0);
    let cursor = [(now, 0.0), (now, y_max)];
    let datasets = vec![
        Dataset::default()
            .name("window edge")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.flags(TcpFlags(TcpFlags::SYN)))
            .data(&g.window),
        Dataset::default()
            .name("ACK")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.flags(TcpFlags(TcpFlags::ACK)))
            .data(&g.acks),
        Dataset::default()
            .name("data")
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(data_style(t))
            .data(&ends),
        Dataset::default()
            .name("again")
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .style(t.severity(crate::finding::Severity::Warning))
            .data(&again),
        Dataset::default()
            .name("cursor")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.key())
            .data(&cursor),
    ];
    let x_labels = vec![
        Span::raw("0 s"),
        Span::raw(format!("{:.3} s", x_max / 2.0)),
        Span::raw(format!("{:.3} s", x_max)),
    ];
    let y_labels = vec![
        Span::raw("0"),
        Span::raw(format!("{:.0}", y_max / 2.0)),
        Span::raw(format!("{:.0}", y_max)),
    ];
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .title("time")
                .bounds([0.0, x_max])
                .labels(x_labels)
                .style(t.dim()),
        )
        .y_axis(
            Axis::default()
                .title("byte")
                .bounds([0.0, y_max])
                .labels(y_labels)
                .style(t.dim()),
        )
        .legend_position(None);
    f.render_widget(chart, area);
}
