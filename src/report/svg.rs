//! A connection's ladder as an SVG sequence diagram, for slides and paper:
//! the client's line on the left, the server's on the right, one arrow per
//! segment with its flags, length and payload, coloured as in the view (SYN
//! green, SYN/ACK cyan, PSH blue, bare ACK grey, FIN magenta, RST red), and
//! the segment a lesson step is about on a highlighted band. Every text from
//! the capture is escaped for the terminal's rules first, then for XML.

use std::fmt::Write;

use crate::capture::Timestamp;
use crate::tcp::{Dir, SegmentRecord};
use crate::text::preview_prefix;

const WIDTH: u32 = 760;
const LEFT: u32 = 170;
const RIGHT: u32 = 650;
const ROW: u32 = 46;
const TOP: u32 = 78;

/// What an arrow's colour and name say about a segment's flags.
pub fn flag_class(s: &SegmentRecord) -> (&'static str, &'static str) {
    let f = s.flags;
    if f.rst() {
        ("rst", "#c62828")
    } else if f.syn() && f.ack() {
        ("synack", "#00838f")
    } else if f.syn() {
        ("syn", "#2e7d32")
    } else if f.fin() {
        ("fin", "#ad1457")
    } else if s.len > 0 || f.psh() {
        ("psh", "#1565c0")
    } else {
        ("ack", "#757575")
    }
}

/// XML text: `&`, `<`, `>` and quotes escaped.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The ladder of `segments`; `highlight` is a frame to mark, `start` the
/// time the left column counts from, `title` the caption.
pub fn ladder_svg(
    segments: &[&SegmentRecord],
    highlight: Option<u64>,
    (client, server): (&str, &str),
    start: Timestamp,
    title: &str,
) -> String {
    let height = TOP + ROW * segments.len() as u32 + 70;
    let mut out = String::with_capacity(4096 + 400 * segments.len());
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans Mono, monospace" font-size="12">
<title>{}</title>
<defs>"##,
        xml(title)
    );
    for (class, colour) in CLASSES {
        let _ = write!(
            out,
            r##"<marker id="a-{class}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>"##
        );
    }
    out.push_str("</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    let _ = writeln!(
        out,
        r##"<text x="{}" y="20" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"##,
        WIDTH / 2,
        xml(title)
    );
    for (x, name) in [(LEFT, client), (RIGHT, server)] {
        let _ = writeln!(
            out,
            r##"<text x="{x}" y="44" text-anchor="middle" font-weight="bold">{}</text><line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#333" stroke-width="2"/>"##,
            xml(name),
            TOP - 12,
            height - 56
        );
    }
    for (i, s) in segments.iter().enumerate() {
        row(
            &mut out,
            s,
            TOP + ROW * i as u32,
            highlight == Some(s.frame),
            start,
        );
    }
    legend(&mut out, height - 30);
    out.push_str("</svg>\n");
    out
}

const CLASSES: [(&str, &str); 6] = [
    ("syn", "#2e7d32"),
    ("synack", "#00838f"),
    ("psh", "#1565c0"),
    ("ack", "#757575"),
    ("fin", "#ad1457"),
    ("rst", "#c62828"),
];

fn row(out: &mut String, s: &SegmentRecord, y: u32, marked: bool, start: Timestamp) {
    let (class, colour) = flag_class(s);
    if marked {
        let _ = writeln!(
            out,
            r##"<rect x="4" y="{}" width="{}" height="{ROW}" fill="#fff3b0"/>"##,
            y - 16,
            WIDTH - 8
        );
    }
    let (x1, x2) = match s.dir {
        Dir::C2s => (LEFT, RIGHT),
        Dir::S2c => (RIGHT, LEFT),
    };
    let width = if marked { 3 } else { 2 };
    let _ = writeln!(
        out,
        r##"<text x="8" y="{}" fill="#555">#{} +{:.3}s</text>"##,
        y + 8,
        s.frame,
        s.time.secs_since(start)
    );
    let _ = writeln!(
        out,
        r##"<line x1="{x1}" y1="{}" x2="{x2}" y2="{}" stroke="{colour}" stroke-width="{width}" marker-end="url(#a-{class})"/>"##,
        y + 2,
        y + 12
    );
    let mut label = format!("{} seq={} ack={}", s.flags, s.seq, s.ack);
    if s.len > 0 {
        let _ = write!(label, " {} B", s.len);
    }
    let mid = (LEFT + RIGHT) / 2;
    let _ = writeln!(
        out,
        r##"<text x="{mid}" y="{}" text-anchor="middle" fill="{colour}" font-weight="bold">{}</text>"##,
        y - 3,
        xml(&label)
    );
    if s.captured > 0 {
        let shown = preview_prefix(&s.preview, u64::from(s.len), 48);
        let _ = writeln!(
            out,
            r##"<text x="{mid}" y="{}" text-anchor="middle" fill="#222">"{}"</text>"##,
            y + 25,
            xml(&shown)
        );
    }
    let tags = s.analysis.names();
    if !tags.is_empty() {
        let _ = writeln!(
            out,
            r##"<text x="8" y="{}" fill="#b45309" font-size="10">⚑ {}</text>"##,
            y + 22,
            xml(&tags.join(", "))
        );
    }
}

fn legend(out: &mut String, y: u32) {
    let names = ["SYN", "SYN,ACK", "data (PSH)", "bare ACK", "FIN", "RST"];
    let mut x = 20;
    for ((_, colour), name) in CLASSES.iter().zip(names) {
        let _ = writeln!(
            out,
            r##"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="3"/><text x="{}" y="{}" fill="{colour}">{name}</text>"##,
            x + 24,
            x + 30,
            y + 4
        );
        x += 120;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(xml("<a&b>\""), "&lt;a&amp;b&gt;&quot;");
    }
}
