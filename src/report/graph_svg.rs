//! The sequence graph of one direction of a connection as an SVG, for
//! slides and paper (`sockscope export graph --svg FILE`): bytes sent over
//! time as short vertical bars (the segment's first to last byte), bytes
//! sent again in orange, the receiver's ACK as a stepped grey line and its
//! window edge (ACK + window) in green above — the picture Stevens and
//! tcptrace made famous.

use std::fmt::Write;

use crate::tcp::seqgraph::SeqGraph;

const W: f64 = 760.0;
const H: f64 = 460.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The graph as an SVG document titled `title`.
pub fn graph_svg(g: &SeqGraph, title: &str) -> String {
    let x_max = g.max_time.max(1e-6) * 1.02;
    let top_window = g.window.iter().map(|p| p.1).fold(0.0f64, f64::max);
    let y_max = (g.max_seq * 1.15)
        .max(top_window.min(g.max_seq * 3.0))
        .max(1.0);
    let x = |t: f64| LEFT + t / x_max * (W - LEFT - RIGHT);
    let y = |v: f64| H - BOTTOM - v.min(y_max) / y_max * (H - TOP - BOTTOM);
    let mut out = String::with_capacity(8192);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="DejaVu Sans, sans-serif" font-size="12">
<title>{t}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="{cx}" y="22" text-anchor="middle" font-size="14" font-weight="bold">{t}</text>
"##,
        t = xml(title),
        cx = W / 2.0
    );
    axes(&mut out, x_max, y_max);
    steps(&mut out, &g.window, "#2e7d32", &x, &y);
    steps(&mut out, &g.acks, "#757575", &x, &y);
    for (pts, colour) in [(&g.data, "#1565c0"), (&g.again, "#e65100")] {
        for &(t, a, b) in pts.iter() {
            let _ = writeln!(
                out,
                r##"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="{colour}" stroke-width="2"/>"##,
                x(t),
                y(a),
                y(b).min(y(a) - 1.5)
            );
        }
    }
    legend(&mut out);
    out.push_str("</svg>\n");
    out
}

/// A stepped line through `pts`: each value holds until the next.
fn steps(
    out: &mut String,
    pts: &[(f64, f64)],
    colour: &str,
    x: &dyn Fn(f64) -> f64,
    y: &dyn Fn(f64) -> f64,
) {
    if pts.is_empty() {
        return;
    }
    let mut d = String::new();
    let mut last: Option<f64> = None;
    for &(t, v) in pts {
        match last {
            None => {
                let _ = write!(d, "M{:.1},{:.1}", x(t), y(v));
            }
            Some(_) => {
                let _ = write!(d, " H{:.1} V{:.1}", x(t), y(v));
            }
        }
        last = Some(v);
    }
    let _ = writeln!(
        out,
        r##"<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"/>"##
    );
}

fn axes(out: &mut String, x_max: f64, y_max: f64) {
    let (x0, y0, x1, y1) = (LEFT, H - BOTTOM, W - RIGHT, TOP);
    let _ = writeln!(
        out,
        r##"<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#333"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#333"/>"##
    );
    for k in 0..=4 {
        let f = f64::from(k) / 4.0;
        let xt = x0 + f * (x1 - x0);
        let yt = y0 - f * (y0 - y1);
        let _ = writeln!(
            out,
            r##"<text x="{xt:.1}" y="{:.1}" text-anchor="middle" fill="#555">{:.3} s</text><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555">{:.0}</text>"##,
            y0 + 16.0,
            f * x_max,
            x0 - 6.0,
            yt + 4.0,
            f * y_max
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">time since the connection's first segment</text><text x="16" y="{:.1}" transform="rotate(-90 16 {:.1})" text-anchor="middle" fill="#333">byte of the stream (relative)</text>"##,
        (x0 + x1) / 2.0,
        H - 22.0,
        (y0 + y1) / 2.0,
        (y0 + y1) / 2.0
    );
}

fn legend(out: &mut String) {
    let items = [
        ("#1565c0", "data sent"),
        ("#e65100", "sent again"),
        ("#757575", "ACK"),
        ("#2e7d32", "window edge (ACK + window)"),
    ];
    let mut x = LEFT;
    for (colour, name) in items {
        let _ = writeln!(
            out,
            r##"<line x1="{x}" y1="36" x2="{}" y2="36" stroke="{colour}" stroke-width="3"/><text x="{}" y="40" fill="{colour}">{name}</text>"##,
            x + 20.0,
            x + 26.0
        );
        x += 40.0 + name.len() as f64 * 7.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_with_every_series() {
        let g = SeqGraph {
            data: vec![(0.0, 1.0, 100.0)],
            again: vec![(0.5, 1.0, 100.0)],
            acks: vec![(0.1, 100.0), (0.6, 100.0)],
            window: vec![(0.1, 200.0), (0.6, 300.0)],
            max_time: 0.6,
            max_seq: 100.0,
            ..SeqGraph::default()
        };
        let svg = graph_svg(&g, "a <test>");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("a &lt;test&gt;"));
        assert_eq!(
            svg.matches("stroke=\"#1565c0\" stroke-width=\"2\"").count(),
            1
        );
        assert_eq!(svg.matches("<path").count(), 2, "ACK and window lines");
    }
}
