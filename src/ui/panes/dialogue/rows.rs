//! One dialogue row as lines: a command with its answers (and, out of step,
//! what a one-read-per-reply client took instead), a reply line by line
//! (folded when long), a mail message (and a lenient receiver's other
//! reading of it), the start of TLS, or a server line that is no reply. A
//! line still arriving at the cursor shows the bytes it has so far.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::finding::Severity;
use crate::proto::{Dialogue, LenientReading, Origin, Protocol, Reply};
use crate::text::preview;
use crate::ui::data::{Data, Row, RowKind};
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{fit, RowPaint};

/// What drawing a row reads: the connection's dialogue and rows, and the
/// cursor, looked up once per draw.
pub(super) struct Ctx<'a> {
    pub t: &'a Theme,
    pub data: &'a Data,
    pub conn: u32,
    pub d: &'a Dialogue,
    pub rows: &'a [Row],
    /// The cursor's frame (0 without one).
    pub cursor: u64,
    /// The row at the cursor.
    pub at_cursor: Option<usize>,
    pub width: usize,
    /// What comes after the cursor is shown (dimmed); off, it is hidden.
    pub spoilers: bool,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(s: &ViewState, data: &'a Data, t: &'a Theme, width: usize) -> Option<Self> {
        Some(Ctx {
            t,
            data,
            conn: s.conn,
            d: data.dialogue(s.conn)?,
            rows: data.rows_of(s.conn),
            cursor: s.cursor_frame(data).unwrap_or(0),
            at_cursor: s.row_at_cursor(data),
            width,
            spoilers: s.spoilers,
        })
    }

    /// Whether a row is shown: without spoilers, not before its first byte
    /// passed the capture point.
    pub(super) fn shows(&self, k: usize) -> bool {
        self.spoilers || self.rows.get(k).is_some_and(|r| r.first <= self.cursor)
    }
}

/// Reply lines shown per reply before "… N more".
const MAX_REPLY_LINES: usize = 6;

/// Row `k` as lines; `fold`: a reply longer than [`MAX_REPLY_LINES`] shows
/// its first lines, how many are left out, and its last line.
pub(super) fn lines(c: &Ctx<'_>, k: usize, fold: bool) -> Vec<Line<'static>> {
    let Some(row) = c.rows.get(k) else {
        return Vec::new();
    };
    let p = RowPaint::new(c.t, c.at_cursor == Some(k), row.first > c.cursor, c.width);
    match row.kind {
        RowKind::Message(i) => message_lines(c, i, row, &p),
        RowKind::Command(i) => command_lines(c, i, row, &p),
        RowKind::Reply(i) => reply_lines(c, i, row, &p, fold),
        RowKind::Tls => vec![tls_line(c, row, &p)],
        RowKind::Stray(i) => stray_line(c, i, row, &p).into_iter().collect(),
    }
}

/// `   #8 `: the frame a line is placed by.
fn gutter(frame: u64, c: &Ctx<'_>, p: &RowPaint) -> Span<'static> {
    Span::styled(format!("{:>5} ", format!("#{frame}")), p.paint(c.t.dim()))
}

/// The gutter's finding mark, in the worst severity's colour.
fn mark_of(p: &RowPaint, worst: Option<Severity>) -> Span<'static> {
    match worst {
        Some(sev) if !p.future => {
            Span::styled(format!("{} ", sev.glyph()), p.base.patch(p.t.severity(sev)))
        }
        _ => Span::styled("  ", p.base),
    }
}

/// The mark for findings of this connection raised at any of the frames
/// that carried a line.
fn mark(c: &Ctx<'_>, p: &RowPaint, o: &Origin) -> Span<'static> {
    let worst = o
        .frames
        .iter()
        .flat_map(|(fr, _)| c.data.findings_at(c.conn, *fr))
        .map(|f| f.severity)
        .max();
    mark_of(p, worst)
}

/// Bytes of a line that had arrived by the cursor frame, when it is still
/// arriving. (Not its total: at the cursor nobody can know it yet.)
fn arrived(o: &Origin, cursor: u64) -> Option<u64> {
    if o.first_frame() > cursor || o.last_frame() <= cursor {
        return None;
    }
    let so_far: u64 = o
        .frames
        .iter()
        .filter(|(f, _)| *f <= cursor)
        .map(|(_, n)| u64::from(*n))
        .sum();
    Some(so_far)
}

/// A line still arriving: as it is on the wire so far (a verb's case
/// kept), placed by its first frame.
fn arriving(
    c: &Ctx<'_>,
    p: &RowPaint,
    o: &Origin,
    who: Span<'static>,
    wire: &[u8],
    so_far: u64,
) -> Line<'static> {
    let part = &wire[..(so_far as usize).min(wire.len())];
    p.finish(vec![
        gutter(o.first_frame(), c, p),
        mark(c, p, o),
        who,
        Span::styled(
            format!("\"{}\"", preview(part, c.width / 2)),
            p.paint(c.t.partial()),
        ),
        Span::styled(
            format!("  {so_far} B so far, no CRLF yet"),
            p.paint(c.t.partial()),
        ),
    ])
}

fn command_lines(c: &Ctx<'_>, i: usize, row: &Row, p: &RowPaint) -> Vec<Line<'static>> {
    let (t, d) = (c.t, c.d);
    let Some(cmd) = d.commands.get(i) else {
        return Vec::new();
    };
    let who = Span::styled("C ", p.paint(t.client()));
    if let Some(so_far) = arrived(&cmd.origin, c.cursor) {
        let text = [cmd.verb_as_sent.as_bytes(), b" ", &cmd.shown_arg(false)].concat();
        return vec![arriving(c, p, &cmd.origin, who, &text, so_far)];
    }
    let arg = cmd.shown_arg(false);
    let text = if arg.is_empty() {
        cmd.verb.clone()
    } else {
        format!("{} {}", cmd.verb, preview(&arg, 80))
    };
    // DATA and AUTH are answered in steps (354 then 250; 334s then
    // 235): all of them, in order (without spoilers, those seen so far).
    let all = d.answers_to(i, 4);
    let seen: Vec<String> = all
        .iter()
        .filter(|r| c.spoilers || r.origin.last_frame() <= c.cursor)
        .map(|r| format!("{} #{}", r.code, r.origin.last_frame()))
        .collect();
    let answer = match (seen.is_empty(), all.is_empty()) {
        (false, _) => format!("  → {}", seen.join(" · ")),
        (true, true) if c.spoilers => "  → no reply".to_string(),
        (true, _) => "  → (no answer yet)".to_string(),
    };
    let spans = vec![
        gutter(row.last, c, p),
        mark(c, p, &cmd.origin),
        who,
        Span::styled(fit(&text, c.width.saturating_sub(22)), p.paint(t.text())),
        Span::styled(answer, p.paint(t.dim())),
    ];
    let mut out = vec![p.finish(spans)];
    if let Some(note) = interrupted(c, cmd.origin.last_frame()) {
        out.push(p.finish(vec![
            Span::styled("         ↳ ", p.paint(t.dim())),
            Span::styled(note, p.paint(t.partial())),
        ]));
    }
    out.extend(took_line(c, i, p));
    out
}

/// The dialogue lists lines by the frame of their last byte, so a command
/// sent while a reply was still arriving is listed above it: said plainly,
/// so nobody reads it as "the command came first".
fn interrupted(c: &Ctx<'_>, frame: u64) -> Option<String> {
    let replies = &c.d.replies;
    // Replies come in the server's stream order: their last frames grow.
    let k = replies.partition_point(|r| r.origin.last_frame() <= frame);
    let r = replies.get(k)?;
    (r.origin.first_frame() < frame && (c.spoilers || r.origin.first_frame() <= c.cursor)).then(
        || {
            format!(
                "sent while the {} was still arriving (from #{})",
                r.code,
                r.origin.first_frame()
            )
        },
    )
}

/// Out of step: what a one-read-per-reply client took instead of the
/// server's answer to command `i`.
fn took_line(c: &Ctx<'_>, i: usize, p: &RowPaint) -> Option<Line<'static>> {
    let (t, d) = (c.t, c.d);
    let pairing = d.pairings.iter().find(|p| p.command == i)?;
    let server_frame = pairing
        .reply
        .and_then(|r| d.replies.get(r))
        .map(|r| r.origin.last_frame());
    let took = pairing.client_took.as_ref()?;
    let frame = took.frame;
    if Some(frame) == server_frame || (!c.spoilers && frame > c.cursor) {
        return None;
    }
    // Not yet happened at the cursor: dimmed like the future.
    let later = frame > c.cursor;
    let paint = |st: Style| if later { t.dim() } else { p.paint(st) };
    Some(p.finish(vec![
        Span::styled("         ≠ ", paint(t.severity(Severity::Error))),
        Span::styled("client took ", paint(t.dim())),
        Span::styled(
            format!(
                "\"{}\" #{frame}",
                took.shown(c.width.saturating_sub(30).max(8))
            ),
            paint(t.partial()),
        ),
        Span::styled(" (inferred)", paint(t.dim())),
    ]))
}

fn reply_lines(c: &Ctx<'_>, i: usize, row: &Row, p: &RowPaint, fold: bool) -> Vec<Line<'static>> {
    let (t, d) = (c.t, c.d);
    let Some(r) = d.replies.get(i) else {
        return Vec::new();
    };
    let who = || Span::styled("S ", p.paint(t.server()));
    if let Some(so_far) = arrived(&r.origin, c.cursor) {
        let wire = wire_text(d.protocol, r);
        return vec![arriving(c, p, &r.origin, who(), &wire, so_far)];
    }
    let n = r.lines.len();
    // A long reply folds in the middle: its first lines, how many are
    // left out, and always its last line (SMTP's final line, the one with
    // a space after the code, is the one that counts). (Folding away a
    // single line would save nothing.)
    let folded = fold && n > MAX_REPLY_LINES + 1;
    let shown: Vec<usize> = if folded {
        (0..MAX_REPLY_LINES - 1).chain([n - 1]).collect()
    } else {
        (0..n).collect()
    };
    // Where the reply's verdict is: SMTP's final line (the one with a
    // space after the code, RFC 5321 §4.2.1), POP3's status line (the
    // lines after it are the listing or the message, RFC 1939 §3). That
    // line carries the frame and what the reply answers.
    let verdict = if d.protocol == Protocol::Pop3 {
        0
    } else {
        shown.len().saturating_sub(1)
    };
    let mut out = Vec::new();
    for (k, &li) in shown.iter().enumerate() {
        let Some(text) = r.lines.get(li) else { break };
        let last = k + 1 == shown.len();
        if folded && last {
            out.push(p.finish(vec![
                Span::styled("        ", p.base),
                Span::styled(
                    format!("  … {} more lines", n - MAX_REPLY_LINES),
                    p.paint(t.dim()),
                ),
            ]));
        }
        let gutter = if k == verdict {
            gutter(row.last, c, p)
        } else {
            Span::styled("      ", p.paint(t.dim()))
        };
        let mut spans = vec![
            gutter,
            if li == 0 {
                mark(c, p, &r.origin)
            } else {
                Span::styled("  ", p.base)
            },
            who(),
            Span::styled(reply_code(d.protocol, r, li), p.paint(t.bold())),
            Span::styled(preview(text, 100), p.paint(t.text())),
        ];
        if k == verdict {
            spans.extend(reply_tail(c, p, r, i));
        }
        out.push(p.finish(spans));
    }
    out
}

/// The code before line `li` of a reply: SMTP's continuation lines carry
/// a hyphen after it and only the last a space (RFC 5321 §4.2.1); POP3
/// states its verdict once (RFC 1939 §3).
fn reply_code(protocol: Protocol, r: &Reply, li: usize) -> String {
    let sep = r.separator(li, protocol == Protocol::Smtp);
    if protocol == Protocol::Pop3 && li > 0 {
        String::new()
    } else {
        format!("{}{sep}", r.code)
    }
}

/// After a reply's last line: lines not kept, the segments it was built
/// from, and what it answers.
fn reply_tail(c: &Ctx<'_>, p: &RowPaint, r: &Reply, i: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    if r.more_lines > 0 {
        out.push(Span::styled(
            format!("  (+{} lines not kept)", r.more_lines),
            p.paint(c.t.dim()),
        ));
    }
    let built = if r.origin.frames.len() > 1 {
        format!("  = {}", r.origin.describe())
    } else {
        String::new()
    };
    let answers = format!(" · {}", c.d.reply_role(i));
    out.push(Span::styled(
        format!("{built}{answers}"),
        p.paint(c.t.dim()),
    ));
    out
}

fn tls_line(c: &Ctx<'_>, row: &Row, p: &RowPaint) -> Line<'static> {
    let (t, d) = (c.t, c.d);
    let n = d.tls_records.len();
    let names: Vec<String> = d
        .tls_records
        .iter()
        .take(3)
        .map(|(_, name)| crate::text::escape_str(name))
        .collect();
    let more = if n > 3 {
        format!(" and {} more", n - 3)
    } else {
        String::new()
    };
    let records = if n == 0 {
        "no record captured".to_string()
    } else {
        format!("{}{more}", names.join(", "))
    };
    p.finish(vec![
        gutter(row.last, c, p),
        Span::styled("  ", p.base),
        Span::styled("⇄ TLS ", p.paint(t.bold())),
        Span::styled(
            format!("from here: {records} · encrypted, nothing more decoded"),
            p.paint(t.dim()),
        ),
    ])
}

fn stray_line(c: &Ctx<'_>, i: usize, row: &Row, p: &RowPaint) -> Option<Line<'static>> {
    let t = c.t;
    let l = c.d.stray.get(i)?;
    let bad = t.severity(Severity::Error);
    Some(p.finish(vec![
        gutter(row.last, c, p),
        mark(c, p, &l.origin),
        match l.dir {
            crate::tcp::Dir::C2s => Span::styled("C ", p.paint(t.client())),
            crate::tcp::Dir::S2c => Span::styled("S ", p.paint(t.server())),
        },
        Span::styled(
            format!(
                "\"{}\"",
                preview(&l.text, c.width.saturating_sub(40).max(8))
            ),
            p.paint(t.partial()),
        ),
        Span::styled(
            match l.dir {
                crate::tcp::Dir::C2s => format!("  ✗ not read: {}", l.why),
                crate::tcp::Dir::S2c => format!("  ✗ no reply: {}", l.why),
            },
            p.paint(bad),
        ),
    ]))
}

/// A reply as it travelled: code, separator, text and CRLF per line.
fn wire_text(p: Protocol, r: &Reply) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, l) in r.lines.iter().enumerate() {
        if p == Protocol::Smtp || i == 0 {
            out.extend_from_slice(r.code.to_string().as_bytes());
            out.push(r.separator(i, p == Protocol::Smtp) as u8);
        }
        out.extend_from_slice(l);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A message row: its summary once its end has passed the cursor, "arriving"
/// while its content is on the wire, and — for content a lenient receiver
/// would end early (SMTP smuggling) — that other reading under it.
fn message_lines(c: &Ctx<'_>, i: usize, row: &Row, p: &RowPaint) -> Vec<Line<'static>> {
    let t = c.t;
    let Some(m) = c.d.messages.get(i) else {
        return Vec::new();
    };
    let worst = [row.first, row.last]
        .iter()
        .flat_map(|fr| c.data.findings_at(c.conn, *fr))
        .map(|f| f.severity)
        .max();
    let arriving = row.first <= c.cursor && c.cursor < row.last;
    let body = if arriving {
        Span::styled(
            format!("message {} · content arriving since #{}", i + 1, row.first),
            p.paint(t.partial()),
        )
    } else {
        Span::styled(
            format!("message {} · {}", i + 1, m.describe()),
            p.paint(t.text()),
        )
    };
    // While it arrives, its end is still to come: numbering the row by that
    // frame would tell what comes next (spoilers hidden).
    let mut out = vec![p.finish(vec![
        gutter(if arriving { row.first } else { row.last }, c, p),
        mark_of(p, worst),
        Span::styled("✉ ", p.paint(t.client())),
        body,
    ])];
    if let Some(l) = &m.lenient {
        out.push(lenient_line(c, p, l));
    }
    out
}

/// Where a lenient receiver would end the content, and what it would run.
fn lenient_line(c: &Ctx<'_>, p: &RowPaint, l: &LenientReading) -> Line<'static> {
    let t = c.t;
    let later = l.frame > c.cursor;
    let paint = |st: Style| if later { t.dim() } else { p.paint(st) };
    let then = if l.commands == 0 {
        String::new()
    } else {
        format!(", then runs {} as commands", l.verbs.join(", "))
    };
    p.finish(vec![
        Span::styled("         ≠ ", paint(t.severity(Severity::Error))),
        Span::styled(
            format!(
                "a lenient receiver ends it at {} (#{}) after {} B{then}",
                l.variant, l.frame, l.size
            ),
            paint(t.partial()),
        ),
    ])
}
