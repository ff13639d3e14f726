//! The dialogue part of the text report: commands and replies as the
//! application reads them, each reply with the segments it was built from,
//! messages, TLS, credentials, and — for a client out of step — both pairings
//! side by side.

use std::io::{self, Write};

use super::text::wrapped;
use crate::proto::dialogue::Item;
use crate::proto::{Dialogue, LenientReading, Message};
use crate::text::{escape_bytes, preview};

/// Writes one connection's dialogue.
pub fn write_dialogue(out: &mut dyn Write, d: &Dialogue, show_secrets: bool) -> io::Result<()> {
    writeln!(
        out,
        "\n  dialogue · {} · one reader over each byte stream; #N = frame of the line's last byte",
        d.protocol.name()
    )?;
    for (frame, item) in d.in_order(false) {
        match item {
            Item::Command(i) => command_line(out, d, i, frame, show_secrets)?,
            Item::Stray(i) => stray_line(out, d, i, frame)?,
            Item::Reply(i) => reply_lines(out, d, i, frame)?,
            _ => {}
        }
    }
    messages(out, d)?;
    tls(out, d)?;
    credentials(out, d, show_secrets)?;
    pairings(out, d)
}

/// A command, and every reply that answers it.
fn command_line(
    out: &mut dyn Write,
    d: &Dialogue,
    i: usize,
    frame: u64,
    show_secrets: bool,
) -> io::Result<()> {
    let c = &d.commands[i];
    let arg = if c.arg.is_empty() {
        String::new()
    } else {
        format!(" {}", preview(&c.shown_arg(show_secrets), 60))
    };
    // DATA and AUTH are answered in steps (354 then 250; 334s then 235):
    // all of them, in order.
    let answers: Vec<String> = d
        .answers_to(i, 4)
        .iter()
        .map(|r| format!("{} (#{})", r.code, r.origin.last_frame()))
        .collect();
    let answer = if answers.is_empty() {
        "  → no reply".to_string()
    } else {
        format!("  → {}", answers.join(" · "))
    };
    let line = format!("{:>6}  C {}{arg}{answer}", format!("#{frame}"), c.verb);
    wrapped(out, &line, 2, 14)
}

/// A line that is neither command nor reply, and why.
fn stray_line(out: &mut dyn Write, d: &Dialogue, i: usize, frame: u64) -> io::Result<()> {
    let l = &d.stray[i];
    let (who, not) = match l.dir {
        crate::tcp::Dir::C2s => ("C", "not read"),
        crate::tcp::Dir::S2c => ("S", "no reply"),
    };
    let line = format!(
        "{:>6}  {who} \"{}\"  ✗ {not}: {} ({})",
        format!("#{frame}"),
        preview(&l.text, 60),
        l.why,
        l.finding
    );
    wrapped(out, &line, 2, 14)
}

/// A reply, line by line. The line that carries its verdict — SMTP's
/// final line (RFC 5321 §4.2.1), POP3's status line (RFC 1939 §3) — also
/// carries its frame, the segments it was built from and what it answers.
fn reply_lines(out: &mut dyn Write, d: &Dialogue, i: usize, frame: u64) -> io::Result<()> {
    let r = &d.replies[i];
    let n = r.lines.len();
    let smtp = d.protocol == crate::proto::Protocol::Smtp;
    let verdict = if smtp { n.saturating_sub(1) } else { 0 };
    for (k, line) in r.lines.iter().enumerate() {
        // SMTP continuation lines carry a hyphen after the code; POP3
        // states its verdict once.
        let code = if !smtp && k > 0 {
            String::new()
        } else {
            format!("{}{}", r.code, r.separator(k, smtp))
        };
        let more = if k + 1 == n && r.more_lines > 0 {
            format!("  (and {} more lines, not kept)", r.more_lines)
        } else {
            String::new()
        };
        let (lead, note) = if k == verdict {
            let built = if r.origin.frames.len() > 1 {
                format!("  = {}", r.origin.describe())
            } else {
                String::new()
            };
            (
                format!("#{frame}"),
                format!("{built} · {}", d.reply_role(i)),
            )
        } else {
            (String::new(), String::new())
        };
        let text = preview(line, 70);
        wrapped(
            out,
            &format!("{lead:>6}  S {code}{text}{more}{note}"),
            2,
            14,
        )?;
    }
    Ok(())
}

/// Every message sent, with the lenient reading where one differs.
fn messages(out: &mut dyn Write, d: &Dialogue) -> io::Result<()> {
    for (k, m) in d.messages.iter().enumerate() {
        if !m.was_sent() {
            continue;
        }
        wrapped(
            out,
            &format!("#{} message {} · {}", m.frame, k + 1, m.describe()),
            4,
            8,
        )?;
        if let Some(l) = &m.lenient {
            readings(out, m, l)?;
        }
    }
    Ok(())
}

/// Where the connection turned into TLS, and its records.
fn tls(out: &mut dyn Write, d: &Dialogue) -> io::Result<()> {
    let Some(from) = d.tls_from else {
        return Ok(());
    };
    let records: Vec<String> = d
        .tls_records
        .iter()
        .take(8)
        .map(|(f, n)| format!("{n} (#{f})"))
        .collect();
    let list = if records.is_empty() {
        String::new()
    } else {
        format!("; records: {}", records.join(", "))
    };
    wrapped(
        out,
        &format!("after the go-ahead at frame {from} the connection is TLS: nothing more is decoded{list}"),
        4,
        8,
    )
}

/// Credentials sent in clear; the password only with `--show-secrets`.
fn credentials(out: &mut dyn Write, d: &Dialogue, show_secrets: bool) -> io::Result<()> {
    for c in &d.credentials {
        let password = match (&c.password, show_secrets) {
            (Some(p), true) => format!("password \"{}\"", escape_bytes(p)),
            (Some(p), false) => format!(
                "password of {} characters (hidden; --show-secrets shows it)",
                p.len()
            ),
            (None, _) => "no password seen".to_string(),
        };
        let line = format!(
            "#{} credentials in clear ({}): user \"{}\", {password}",
            c.frame,
            c.mechanism,
            escape_bytes(&c.user)
        );
        wrapped(out, &line, 4, 8)?;
    }
    Ok(())
}

/// The out-of-step table: the server's pairing beside what a client that
/// reads once per reply took as each answer.
fn pairings(out: &mut dyn Write, d: &Dialogue) -> io::Result<()> {
    if d.pairings.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\n  out of step (inferred): the server's pairing beside a one-read-per-reply client's"
    )?;
    writeln!(
        out,
        "    {:<24} {:<34} taken as its answer (client)",
        "command", "answered by (server)"
    )?;
    for row in &d.pairings {
        let c = &d.commands[row.command];
        let cmd = preview(
            format!("{} {}", c.verb, String::from_utf8_lossy(&c.arg))
                .trim_end()
                .as_bytes(),
            23,
        );
        let reply = row.reply.and_then(|r| d.replies.get(r));
        let server = reply
            .map(|r| {
                let text = r.lines.first().map_or(String::new(), |l| preview(l, 20));
                format!("{} {text} (#{})", r.code, r.origin.last_frame())
            })
            .unwrap_or_else(|| "—".to_string());
        let client = row
            .client_took
            .as_ref()
            .map(|t| format!("\"{}\" (#{})", t.shown(24), t.frame))
            .unwrap_or_else(|| "nothing left to read".to_string());
        let same =
            row.client_took.as_ref().map(|t| t.frame) == reply.map(|r| r.origin.last_frame());
        let mark = if same { " " } else { "≠" };
        let line = format!("    {cmd:<24} {server:<34} {mark} {client}");
        wrapped(out, line.trim_start(), 4, 8)?;
    }
    Ok(())
}

/// The strict and the lenient reading of content that holds an end-of-data
/// variant, side by side (`smtp_smuggling_eod_variant` in docs/findings.md).
fn readings(out: &mut dyn Write, m: &Message, l: &LenientReading) -> io::Result<()> {
    let lenient_end = if l.commands == 0 {
        "then more content, read as commands".to_string()
    } else {
        let plural = if l.commands == 1 { "" } else { "s" };
        format!(
            "then {} command line{plural}: {}",
            l.commands,
            l.verbs.join(", ")
        )
    };
    let rows = [
        (
            "strict receiver (RFC 5321 §4.1.1.4)".to_string(),
            format!("lenient receiver: ends at {}", l.variant),
        ),
        (
            format!("one message of {} B", m.size),
            format!("a message of {} B, ending in #{}", l.size, l.frame),
        ),
        ("ends only at CRLF.CRLF".to_string(), lenient_end),
    ];
    writeln!(
        out,
        "        two readings of this content (SMTP smuggling):"
    )?;
    for (strict, lenient) in rows {
        writeln!(out, "        {strict:<36} │ {lenient}")?;
    }
    Ok(())
}
