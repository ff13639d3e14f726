//! The dialogue pane: SMTP/POP3 lines as the application reads them, placed
//! by the frame that completed them, each reply with the segments it was
//! built from. A line still arriving at the cursor shows the bytes it has so
//! far ("no CRLF yet": the ccNotes moment); findings are marked where they
//! happen; for a client out of step, each command shows beside the server's
//! answer what a one-read-per-reply client took instead, and when there is
//! room the two pairings are tabled side by side.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::data::model::{Row, RowKind};
use super::{clip, fit, pane_block, App, Theme};
use crate::finding::Severity;
use crate::proto::{Dialogue, Origin, Protocol};
use crate::text::preview;

/// Reply lines shown per reply before "… N more".
const MAX_REPLY_LINES: usize = 6;

/// One row's lines and whether it is still arriving at the cursor.
struct Drawn {
    lines: Vec<Line<'static>>,
}

/// Rows from `start`, with their heights, until `height` lines are filled.
fn visible(app: &App, width: usize, height: usize) -> Vec<(usize, Drawn)> {
    let Some(d) = app.data.dialogue(app.conn) else {
        return Vec::new();
    };
    let rows = app.data.rows_of(app.conn);
    // Long replies fold only when the whole dialogue would not fit
    // unfolded (a short dialogue in a tall pane shows every line).
    let fold = rows.len() > height
        || (0..rows.len())
            .map(|k| row_lines(app, d, rows, k, width, false).lines.len())
            .sum::<usize>()
            > height;
    let lines_of = |k| row_lines(app, d, rows, k, width, fold);
    let cur = app.row_at_cursor().unwrap_or(0);
    // Walk back from the cursor's row while the history fits in two thirds.
    let mut start = cur;
    let mut used = lines_of(cur).lines.len();
    while start > 0 {
        let h = lines_of(start - 1).lines.len();
        if used + h > height * 2 / 3 {
            break;
        }
        used += h;
        start -= 1;
    }
    let mut out = Vec::new();
    let mut filled = 0;
    let mut k = start;
    while k < rows.len() && filled < height {
        let r = lines_of(k);
        filled += r.lines.len();
        out.push((k, r));
        k += 1;
    }
    // Near the end, the rows before fill what is left: no blank lines
    // under the last row while earlier ones are scrolled away.
    while start > 0 {
        let r = lines_of(start - 1);
        if filled + r.lines.len() > height {
            break;
        }
        filled += r.lines.len();
        start -= 1;
        out.insert(0, (start, r));
    }
    out
}

/// The dialogue row at screen row `y`, for a click.
pub fn row_at(app: &App, area: Rect, y: u16) -> Option<usize> {
    let inner_y = area.y + 1;
    let mut line = usize::from(y.checked_sub(inner_y)?);
    let width = usize::from(area.width.saturating_sub(2));
    for (k, r) in visible(app, width, usize::from(area.height.saturating_sub(2))) {
        if line < r.lines.len() {
            return Some(k);
        }
        line -= r.lines.len();
    }
    None
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, focused: bool) {
    let t = app.theme;
    let d = app.data.dialogue(app.conn);
    let mut title = vec![Span::styled("dialogue", t.title())];
    if let Some(d) = d {
        title.push(Span::styled(
            format!(" · {} · as the application reads it", d.protocol.name()),
            t.dim(),
        ));
    }
    let block = pane_block(title, focused, app);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(d) = d else {
        let proto = app
            .data
            .timeline
            .connection(app.conn)
            .map(|c| format!("{} → port {}", c.client, c.server.port()));
        let msg = match proto {
            Some(p) => format!("No SMTP or POP3 dialogue on this connection ({p})."),
            None => String::new(),
        };
        f.render_widget(Paragraph::new(Span::styled(msg, t.dim())), inner);
        return;
    };
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let shown = visible(app, width, height);
    let rows = app.data.rows_of(app.conn);
    let all_shown = shown.first().is_none_or(|(k, _)| *k == 0)
        && shown.last().is_none_or(|(k, _)| k + 1 >= rows.len());
    let mut lines: Vec<Line> = shown.into_iter().flat_map(|(_, r)| r.lines).collect();
    if rows.is_empty() {
        lines.push(Line::from(Span::styled("(nothing said yet)", t.dim())));
    }
    // The two pairings side by side, when the whole dialogue is on screen
    // and the table fits under it.
    if all_shown && !d.pairings.is_empty() && lines.len() + d.pairings.len() + 2 <= height {
        lines.extend(pairing_table(app, d, width));
    }
    lines.truncate(height);
    f.render_widget(Paragraph::new(lines), inner);
}

/// Findings of this connection raised at any of the frames that carried a line.
fn marks(app: &App, o: &Origin) -> Option<crate::finding::Severity> {
    o.frames
        .iter()
        .flat_map(|(fr, _)| super::ladder::findings_at(app, app.conn, *fr))
        .map(|f| f.severity)
        .max()
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

/// How one row is drawn: highlighted across the pane at the cursor, dimmed
/// while it has not happened yet.
struct RowPaint {
    t: Theme,
    base: Style,
    future: bool,
    here: bool,
    width: usize,
}

impl RowPaint {
    fn new(app: &App, row: &Row, here: bool, width: usize) -> Self {
        let t = app.theme;
        let future = row.first > app.cursor_frame().unwrap_or(0);
        let base = t.row(here, future);
        RowPaint {
            t,
            base,
            future,
            here,
            width,
        }
    }

    fn paint(&self, st: Style) -> Style {
        if self.future {
            self.t.dim()
        } else {
            self.base.patch(st)
        }
    }

    /// The line clipped to the pane, filled to its edge at the cursor.
    fn finish(&self, spans: Vec<Span<'static>>) -> Line<'static> {
        let mut spans = clip(spans, self.width);
        if self.here {
            let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
            spans.push(Span::styled(
                " ".repeat(self.width.saturating_sub(used)),
                self.base,
            ));
        }
        Line::from(spans)
    }

    /// The gutter's finding mark, in the worst severity's colour.
    fn mark(&self, worst: Option<Severity>) -> Span<'static> {
        match worst {
            Some(sev) if !self.future => Span::styled("⚠ ", self.base.patch(self.t.severity(sev))),
            _ => Span::styled("  ", self.base),
        }
    }
}

/// Row `k` as lines; `fold`: a reply longer than [`MAX_REPLY_LINES`] shows
/// its first lines, how many are left out, and its last line.
fn row_lines(app: &App, d: &Dialogue, rows: &[Row], k: usize, width: usize, fold: bool) -> Drawn {
    let t = app.theme;
    let Some(row) = rows.get(k) else {
        return Drawn { lines: Vec::new() };
    };
    let cursor = app.cursor_frame().unwrap_or(0);
    let p = RowPaint::new(app, row, app.row_at_cursor() == Some(k), width);
    let base = p.base;
    let paint = |st: Style| p.paint(st);
    let finish = |spans: Vec<Span<'static>>| p.finish(spans);
    let mark = |o: &Origin| p.mark(marks(app, o));
    let mut lines = Vec::new();
    match row.kind {
        RowKind::Message(i) => lines = message_lines(app, d, i, row, &p),
        RowKind::Command(i) => {
            let Some(c) = d.commands.get(i) else {
                return Drawn { lines };
            };
            let gutter = Span::styled(format!("{:>5} ", format!("#{}", row.last)), paint(t.dim()));
            let who = Span::styled("C ", paint(t.client()));
            if let Some(so_far) = arrived(&c.origin, cursor) {
                // As it is on the wire so far (the verb's case kept), placed
                // by its first frame like a reply still arriving.
                let gutter = Span::styled(
                    format!("{:>5} ", format!("#{}", c.origin.first_frame())),
                    paint(t.dim()),
                );
                let text = [c.verb_as_sent.as_bytes(), b" ", &c.shown_arg(false)].concat();
                let part = &text[..(so_far as usize).min(text.len())];
                lines.push(finish(vec![
                    gutter,
                    mark(&c.origin),
                    who,
                    Span::styled(
                        format!("\"{}\"", preview(part, width / 2)),
                        paint(t.partial()),
                    ),
                    Span::styled(
                        format!("  {so_far} B so far, no CRLF yet"),
                        paint(t.partial()),
                    ),
                ]));
                return Drawn { lines };
            }
            let arg = c.shown_arg(false);
            let text = if arg.is_empty() {
                c.verb.clone()
            } else {
                format!("{} {}", c.verb, preview(&arg, 80))
            };
            // DATA and AUTH are answered in steps (354 then 250; 334s then
            // 235): all of them, in order.
            let answers: Vec<String> = d
                .answers_to(i, 4)
                .iter()
                .map(|r| format!("{} #{}", r.code, r.origin.last_frame()))
                .collect();
            let answer = if answers.is_empty() {
                "  → no reply".to_string()
            } else {
                format!("  → {}", answers.join(" · "))
            };
            lines.push(finish(vec![
                gutter,
                mark(&c.origin),
                who,
                Span::styled(fit(&text, width.saturating_sub(22)), paint(t.text())),
                Span::styled(answer, paint(t.dim())),
            ]));
            // Out of step: what a one-read-per-reply client took instead.
            if let Some(p) = d.pairings.iter().find(|p| p.command == i) {
                let server_frame = p
                    .reply
                    .and_then(|r| d.replies.get(r))
                    .map(|r| r.origin.last_frame());
                if let Some(took) = &p.client_took {
                    let frame = took.frame;
                    if Some(frame) != server_frame {
                        // Not yet happened at the cursor: dimmed like the future.
                        let later = frame > cursor;
                        let paint = |st: Style| if later { t.dim() } else { paint(st) };
                        lines.push(finish(vec![
                            Span::styled(
                                "         ≠ ",
                                paint(t.severity(crate::finding::Severity::Error)),
                            ),
                            Span::styled("client took ", paint(t.dim())),
                            Span::styled(
                                format!(
                                    "\"{}\" #{frame}",
                                    took.shown(width.saturating_sub(30).max(8))
                                ),
                                paint(t.partial()),
                            ),
                            Span::styled(" (inferred)", paint(t.dim())),
                        ]));
                    }
                }
            }
        }
        RowKind::Reply(i) => {
            let Some(r) = d.replies.get(i) else {
                return Drawn { lines };
            };
            let who = || Span::styled("S ", paint(t.server()));
            if let Some(so_far) = arrived(&r.origin, cursor) {
                let wire = wire_text(d.protocol, r);
                let part = &wire[..(so_far as usize).min(wire.len())];
                lines.push(finish(vec![
                    Span::styled(
                        format!("{:>5} ", format!("#{}", r.origin.first_frame())),
                        paint(t.dim()),
                    ),
                    mark(&r.origin),
                    who(),
                    Span::styled(
                        format!("\"{}\"", preview(part, width / 2)),
                        paint(t.partial()),
                    ),
                    Span::styled(
                        format!("  {so_far} B so far, no CRLF yet"),
                        paint(t.partial()),
                    ),
                ]));
                return Drawn { lines };
            }
            let n = r.lines.len();
            // A long reply folds in the middle: its first lines, how many
            // are left out, and always its last line (SMTP's final line,
            // the one with a space after the code, is the one that counts).
            // (Folding away a single line would save nothing.)
            let folded = fold && n > MAX_REPLY_LINES + 1;
            let shown: Vec<usize> = if folded {
                (0..MAX_REPLY_LINES - 1).chain([n - 1]).collect()
            } else {
                (0..n).collect()
            };
            for (k, &li) in shown.iter().enumerate() {
                let Some(text) = r.lines.get(li) else { break };
                let last = k + 1 == shown.len();
                if folded && last {
                    lines.push(finish(vec![
                        Span::styled("        ", base),
                        Span::styled(
                            format!("  … {} more lines", n - MAX_REPLY_LINES),
                            paint(t.dim()),
                        ),
                    ]));
                }
                let sep = if li + 1 < n && d.protocol == Protocol::Smtp {
                    "-"
                } else {
                    " "
                };
                let code = if d.protocol == Protocol::Pop3 && li > 0 {
                    String::new()
                } else {
                    format!("{}{sep}", r.code)
                };
                let gutter = if last {
                    format!("{:>5} ", format!("#{}", row.last))
                } else {
                    "      ".to_string()
                };
                let mut spans = vec![
                    Span::styled(gutter, paint(t.dim())),
                    if li == 0 {
                        mark(&r.origin)
                    } else {
                        Span::styled("  ", base)
                    },
                    who(),
                    Span::styled(code, paint(t.bold())),
                    Span::styled(preview(text, 100), paint(t.text())),
                ];
                if last {
                    if r.more_lines > 0 {
                        spans.push(Span::styled(
                            format!("  (+{} lines not kept)", r.more_lines),
                            paint(t.dim()),
                        ));
                    }
                    let built = if r.origin.frames.len() > 1 {
                        format!("  = {}", r.origin.describe())
                    } else {
                        String::new()
                    };
                    let answers = format!(" · {}", d.reply_role(i));
                    spans.push(Span::styled(format!("{built}{answers}"), paint(t.dim())));
                }
                lines.push(finish(spans));
            }
        }
        RowKind::Tls => {
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
            lines.push(finish(vec![
                Span::styled(format!("{:>5} ", format!("#{}", row.last)), paint(t.dim())),
                Span::styled("  ", base),
                Span::styled("⇄ TLS ", paint(t.bold())),
                Span::styled(
                    format!("from here: {records} · encrypted, nothing more decoded"),
                    paint(t.dim()),
                ),
            ]));
        }
        RowKind::Stray(i) => {
            let Some(l) = d.stray.get(i) else {
                return Drawn { lines };
            };
            let bad = t.severity(crate::finding::Severity::Error);
            lines.push(finish(vec![
                Span::styled(format!("{:>5} ", format!("#{}", row.last)), paint(t.dim())),
                mark(&l.origin),
                Span::styled("S ", paint(t.server())),
                Span::styled(
                    format!("\"{}\"", preview(&l.text, width.saturating_sub(40).max(8))),
                    paint(t.partial()),
                ),
                Span::styled(format!("  ✗ no reply: {}", l.why), paint(bad)),
            ]));
        }
    }
    Drawn { lines }
}

/// A reply as it travelled: code, separator, text and CRLF per line.
fn wire_text(p: Protocol, r: &crate::proto::Reply) -> Vec<u8> {
    let mut out = Vec::new();
    let n = r.lines.len();
    for (i, l) in r.lines.iter().enumerate() {
        if p == Protocol::Smtp || i == 0 {
            out.extend_from_slice(r.code.to_string().as_bytes());
            out.push(if i + 1 < n && p == Protocol::Smtp {
                b'-'
            } else {
                b' '
            });
        }
        out.extend_from_slice(l);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A message row: its summary once its end has passed the cursor, "arriving"
/// while its content is on the wire, and — for content a lenient receiver
/// would end early (SMTP smuggling) — that other reading under it.
fn message_lines(app: &App, d: &Dialogue, i: usize, row: &Row, p: &RowPaint) -> Vec<Line<'static>> {
    let t = app.theme;
    let Some(m) = d.messages.get(i) else {
        return Vec::new();
    };
    let cursor = app.cursor_frame().unwrap_or(0);
    let paint = |st: Style| p.paint(st);
    let finish = |spans: Vec<Span<'static>>| p.finish(spans);
    let worst = [row.first, row.last]
        .iter()
        .flat_map(|fr| super::ladder::findings_at(app, app.conn, *fr))
        .map(|f| f.severity)
        .max();
    let mark = p.mark(worst);
    let gutter = Span::styled(format!("{:>5} ", format!("#{}", row.last)), paint(t.dim()));
    let body = if row.first <= cursor && cursor < row.last {
        Span::styled(
            format!("message {} · content arriving since #{}", i + 1, row.first),
            paint(t.partial()),
        )
    } else {
        Span::styled(
            format!("message {} · {}", i + 1, m.describe()),
            paint(t.text()),
        )
    };
    let mut out = vec![finish(vec![
        gutter,
        mark,
        Span::styled("✉ ", paint(t.client())),
        body,
    ])];
    if let Some(l) = &m.lenient {
        let later = l.frame > cursor;
        let paint = |st: Style| if later { t.dim() } else { paint(st) };
        let then = if l.commands == 0 {
            String::new()
        } else {
            format!(", then runs {} as commands", l.verbs.join(", "))
        };
        out.push(finish(vec![
            Span::styled(
                "         ≠ ",
                paint(t.severity(crate::finding::Severity::Error)),
            ),
            Span::styled(
                format!(
                    "a lenient receiver ends it at {} (#{}) after {} B{then}",
                    l.variant, l.frame, l.size
                ),
                paint(t.partial()),
            ),
        ]));
    }
    out
}

/// The server's pairing beside a one-read-per-reply client's.
fn pairing_table(app: &App, d: &Dialogue, width: usize) -> Vec<Line<'static>> {
    let t = app.theme;
    let cursor = app.cursor_frame().unwrap_or(0);
    let col = width.saturating_sub(4) / 3;
    let mut out = vec![
        Line::from(Span::styled(
            fit("out of step (inferred): server's pairing │ client's", width),
            t.severity(crate::finding::Severity::Error),
        )),
        Line::from(Span::styled(
            fit(
                &format!(
                    "{:<col$} {:<col$}   {}",
                    "command", "answered by (server)", "taken by client"
                ),
                width,
            ),
            t.dim(),
        )),
    ];
    for p in &d.pairings {
        let Some(c) = d.commands.get(p.command) else {
            continue;
        };
        let future = c.origin.first_frame() > cursor;
        let cmd = preview(
            format!(
                "{} {}",
                c.verb,
                String::from_utf8_lossy(&c.shown_arg(false))
            )
            .trim_end()
            .as_bytes(),
            col,
        );
        let reply = p.reply.and_then(|r| d.replies.get(r));
        let server = reply
            .map(|r| {
                let text = r.lines.first().map_or(String::new(), |l| preview(l, col));
                format!("{} {text} #{}", r.code, r.origin.last_frame())
            })
            .unwrap_or_else(|| "—".to_string());
        let client = p
            .client_took
            .as_ref()
            .map(|t| format!("\"{}\" #{}", t.shown(col), t.frame))
            .unwrap_or_else(|| "nothing left".to_string());
        let differs =
            p.client_took.as_ref().map(|x| x.frame) != reply.map(|r| r.origin.last_frame());
        let st = if future { t.dim() } else { Style::new() };
        out.push(Line::from(clip(
            vec![
                Span::styled(format!("{} ", super::pad(&cmd, col)), st),
                Span::styled(format!("{} ", super::pad(&server, col)), st),
                Span::styled(
                    if differs { "≠ " } else { "= " },
                    if future {
                        t.dim()
                    } else {
                        t.severity(crate::finding::Severity::Error)
                    },
                ),
                Span::styled(
                    fit(&client, col),
                    if future { t.dim() } else { t.partial() },
                ),
            ],
            width,
        )));
    }
    out
}
