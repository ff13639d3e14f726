//! The details overlay (⏎): everything known about what the focused pane
//! points at — the segment with its annotations, findings and calls; a
//! finding's full sentence and reference; a dialogue line with every frame
//! that carried it; or what the kernel pane's names mean.

use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::Detail;
use super::data::model::RowKind;
use super::{centered, pane_block, App};
use crate::tcp::analysis::explain;
use crate::text::{escape_str, preview};

pub fn lines(app: &App, what: Detail) -> (String, Vec<Line<'static>>) {
    let t = app.theme;
    let tl = &app.data.timeline;
    let mut out: Vec<Line<'static>> = Vec::new();
    let title = match what {
        Detail::Segment => {
            // The narration in full: the line under the panes may cut it.
            let (text, _) = super::narration::narrate(app);
            out.push(Line::from(Span::styled("what happens", t.title())));
            out.push(Line::from(text));
            out.push(Line::from(""));
            out.extend(super::nic::lines(app));
            if let Some(s) = app.segment() {
                for flag in s.analysis.iter() {
                    out.push(Line::from(""));
                    out.push(Line::from(Span::styled(
                        format!("⚑ {}: {}", flag.label(), explain(flag, &s.context)),
                        t.severity(crate::finding::Severity::Warning),
                    )));
                }
                for f in super::ladder::findings_at(app, s.conn, s.frame) {
                    out.push(Line::from(""));
                    out.push(Line::from(Span::styled(
                        format!(
                            "⚠ {} {}: {} [{}]",
                            f.severity,
                            f.id,
                            escape_str(&f.message),
                            f.reference
                        ),
                        t.severity(f.severity),
                    )));
                }
                let idx = app.data.kernel.socket_of(s.conn);
                let ev = &tl.socket;
                let start =
                    idx.partition_point(|&i| ev.get(i as usize).is_some_and(|e| e.frame < s.frame));
                let calls: Vec<_> = idx[start..]
                    .iter()
                    .filter_map(|&i| ev.get(i as usize))
                    .take_while(|e| e.frame == s.frame)
                    .take(50)
                    .collect();
                if !calls.is_empty() {
                    out.push(Line::from(""));
                    out.push(Line::from(Span::styled(
                        "socket calls at this segment",
                        t.title(),
                    )));
                    for e in calls {
                        let mut spans = super::socket::line(app, e, false);
                        // The pane's line names only the inferred ones.
                        if e.provenance != crate::finding::Provenance::Inferred {
                            spans.push(Span::styled(format!(" ({})", e.provenance), t.dim()));
                        }
                        out.push(Line::from(spans));
                    }
                }
                if let Some(c) = tl.comment(s.frame) {
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
                format!("segment #{}", s.frame)
            } else {
                "segment".to_string()
            }
        }
        Detail::Finding(i) => {
            let Some(f) = tl.findings.get(i as usize) else {
                return ("finding".into(), out);
            };
            out.push(Line::from(vec![
                Span::styled(format!("⚠ {} ", f.severity), t.severity(f.severity)),
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
        Detail::Row(r) => row(app, r, &mut out),
        Detail::Kernel => {
            out.push(Line::from(
                "What each endpoint's TCP stack holds, inferred from the segments that passed the \
                 capture point up to the cursor (a segment seen leaving one host may not have reached \
                 the other yet). Sequence numbers are relative: 0 is the endpoint's SYN, and its first \
                 data byte is 1.",
            ));
            out.push(Line::from(""));
            for (name, what) in super::kernel::ROWS {
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
    };
    (title, out)
}

fn row(app: &App, r: usize, out: &mut Vec<Line<'static>>) -> String {
    let t = app.theme;
    let Some(d) = app.data.dialogue(app.conn) else {
        return "dialogue".into();
    };
    let Some(kind) = app.row_kind(r) else {
        return "dialogue".into();
    };
    match kind {
        RowKind::Message(i) => {
            let Some(m) = d.messages.get(i) else {
                return "message".into();
            };
            let mut field = |name: &str, value: String| {
                out.push(Line::from(vec![
                    Span::styled(format!("{name:<10}"), t.dim()),
                    Span::raw(value),
                ]));
            };
            field("size", format!("{} B after un-stuffing", m.size));
            let carried = match m.content_frame {
                Some(first) if first != m.frame => format!("#{first} to #{}", m.frame),
                _ => format!("#{}", m.frame),
            };
            field("content", carried);
            if let Some(from) = &m.from {
                field("MAIL FROM", format!("<{}>", escape_str(from)));
            }
            for to in &m.to {
                field("RCPT TO", format!("<{}>", escape_str(to)));
            }
            for (name, value) in &m.headers {
                field(&format!("{}:", escape_str(name)), preview(value, 200));
            }
            field(
                "verdict",
                match m.accepted {
                    Some(true) => "accepted by the server".to_string(),
                    Some(false) => "refused by the server".to_string(),
                    None => "no final reply".to_string(),
                },
            );
            if let Some(l) = &m.lenient {
                out.push(Line::from(""));
                out.push(Line::from(Span::styled(
                    format!(
                        "A strict receiver (RFC 5321 §4.1.1.4) ends the content only at CRLF.CRLF: \
                         one message of {} B. A lenient one ends it at {} (#{}) after {} B and reads \
                         {} line(s) after it as commands{}{}.",
                        m.size,
                        l.variant,
                        l.frame,
                        l.size,
                        l.commands,
                        if l.verbs.is_empty() { "" } else { ": " },
                        l.verbs.join(", ")
                    ),
                    t.severity(crate::finding::Severity::Error),
                )));
            }
            format!("message {}", i + 1)
        }
        RowKind::Command(i) => {
            let Some(c) = d.commands.get(i) else {
                return "command".into();
            };
            out.push(Line::from(vec![
                Span::styled("C ", t.client()),
                Span::raw(format!("{} {}", c.verb, preview(&c.shown_arg(false), 200))),
            ]));
            out.push(Line::from(Span::styled(
                format!(
                    "carried by {} · line end: {}",
                    c.origin.describe(),
                    match c.line_end {
                        crate::proto::stream::LineEnd::CrLf => "CRLF",
                        crate::proto::stream::LineEnd::Lf => "a bare LF",
                        crate::proto::stream::LineEnd::Cut => "none (cut at the line limit)",
                    }
                ),
                t.dim(),
            )));
            if let Some(rep) = c.reply.and_then(|k| d.replies.get(k)) {
                out.push(Line::from(format!(
                    "answered by {} (#{})",
                    rep.code,
                    rep.origin.last_frame()
                )));
            }
            if let Some(p) = d.pairings.iter().find(|p| p.command == i) {
                if let Some(took) = &p.client_took {
                    out.push(Line::from(Span::styled(
                        format!(
                            "a one-read-per-reply client took \"{}\" (#{}) as its answer (inferred)",
                            took.shown(60),
                            took.frame
                        ),
                        t.partial(),
                    )));
                }
            }
            format!("command {}", c.verb)
        }
        RowKind::Reply(i) => {
            let Some(rep) = d.replies.get(i) else {
                return "reply".into();
            };
            // As on the wire: SMTP's continuation lines carry a hyphen after
            // the code and only the last a space (RFC 5321 §4.2.1); POP3
            // states its verdict once.
            let n = rep.lines.len();
            for (k, line) in rep.lines.iter().enumerate().take(200) {
                let code = match d.protocol {
                    crate::proto::Protocol::Smtp if k + 1 < n => format!("{}-", rep.code),
                    crate::proto::Protocol::Pop3 if k > 0 => String::new(),
                    _ => format!("{} ", rep.code),
                };
                out.push(Line::from(vec![
                    Span::styled("S ", t.server()),
                    Span::styled(code, t.bold()),
                    Span::raw(preview(line, 200)),
                ]));
            }
            out.push(Line::from(Span::styled(
                format!("built from {}", rep.origin.describe()),
                t.dim(),
            )));
            if let Some(c) = rep.command.and_then(|k| d.commands.get(k)) {
                out.push(Line::from(format!("answers {}", c.verb)));
            }
            if let Some(at) = rep.split_at {
                out.push(Line::from(Span::styled(
                    format!("TCP cut a line of it: #{at} ended without CRLF"),
                    t.partial(),
                )));
            }
            format!("reply {}", rep.code)
        }
        RowKind::Tls => {
            let from = d.tls_from.unwrap_or(0);
            out.push(Line::from(format!(
                "After the go-ahead at #{from} both sides speak TLS: the bytes are records, their \
                 content encrypted. sockscope names each record and decodes nothing more."
            )));
            for (frame, name) in d.tls_records.iter().take(200) {
                out.push(Line::from(vec![
                    Span::styled(format!("#{frame:<6}"), t.dim()),
                    Span::raw(crate::text::escape_str(name)),
                ]));
            }
            "TLS".into()
        }
        RowKind::Stray(i) => {
            let Some(l) = d.stray.get(i) else {
                return "line".into();
            };
            out.push(Line::from(vec![
                Span::styled("S ", t.server()),
                Span::raw(preview(&l.text, 200)),
            ]));
            out.push(Line::from(Span::styled(
                format!("no reply: {} ({})", l.why, l.finding),
                t.severity(crate::finding::Severity::Error),
            )));
            out.push(Line::from(Span::styled(
                format!("built from {}", l.origin.describe()),
                t.dim(),
            )));
            out.push(Line::from(
                "A client reads it all the same: it waits for a verdict, so the server's next \
                 line may be taken as the answer to the wrong command.",
            ));
            "server line, no reply".into()
        }
    }
}

pub fn draw(f: &mut Frame, app: &App, what: Detail, scroll: u16) {
    let t = app.theme;
    let area = centered(f.area(), 100, f.area().height.saturating_sub(4));
    f.render_widget(Clear, area);
    let (title, lines) = lines(app, what);
    let block = pane_block(
        vec![
            Span::styled(title, t.title()),
            Span::styled(" · ↑/↓ scroll · Esc back", t.dim()),
        ],
        true,
        app,
    );
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}
