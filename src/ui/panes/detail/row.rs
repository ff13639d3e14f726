//! The details of a dialogue row: a message, a command, a reply, the start
//! of TLS or a stray server line, with every frame that carried it.

use ratatui::text::{Line, Span};

use crate::proto::Dialogue;
use crate::text::{escape_str, preview};
use crate::ui::data::{Data, RowKind};
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;

/// Row `r` of the selected connection's dialogue into `out`; its title.
pub(super) fn lines(
    s: &ViewState,
    data: &Data,
    t: &Theme,
    r: usize,
    out: &mut Vec<Line<'static>>,
) -> String {
    let Some(d) = data.dialogue(s.conn) else {
        return "dialogue".into();
    };
    let Some(kind) = s.row_kind(data, r) else {
        return "dialogue".into();
    };
    match kind {
        RowKind::Message(i) => message(d, t, i, out),
        RowKind::Command(i) => command(d, t, i, out),
        RowKind::Reply(i) => reply(d, t, i, out),
        RowKind::Tls => tls(d, t, out),
        RowKind::Stray(i) => stray(d, t, i, out),
    }
}

/// A mail message: size, where its content travelled, envelope, headers,
/// verdict, and how a lenient receiver would read it instead.
fn message(d: &Dialogue, t: &Theme, i: usize, out: &mut Vec<Line<'static>>) -> String {
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

/// A command: as sent, the frames and line end that carried it, its
/// answer, and what a one-read-per-reply client took instead.
fn command(d: &Dialogue, t: &Theme, i: usize, out: &mut Vec<Line<'static>>) -> String {
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
                crate::proto::stream::LineEnd::Gap => "none (bytes the capture missed)",
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

/// A reply line by line, the segments it was built from, and what it answers.
fn reply(d: &Dialogue, t: &Theme, i: usize, out: &mut Vec<Line<'static>>) -> String {
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

/// The TLS records after STARTTLS/STLS, named.
fn tls(d: &Dialogue, t: &Theme, out: &mut Vec<Line<'static>>) -> String {
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

/// A server line that is no reply, and why a client reads it anyway.
fn stray(d: &Dialogue, t: &Theme, i: usize, out: &mut Vec<Line<'static>>) -> String {
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
