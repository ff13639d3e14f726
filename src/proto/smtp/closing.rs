//! Facts about an SMTP session as a whole, read at its end: a greeting that
//! never came or refused the session (RFC 5321 §3.1, §4.5.3.2.1), a close
//! without QUIT (§4.1.1.10), and STARTTLS offered but not used (RFC 3207 §4).

use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{Code, Dialogue};
use crate::tcp::{Dir, SegmentRecord};
use crate::text::preview;

/// `smtp_no_greeting`, `smtp_closed_without_quit`, and STARTTLS offered but
/// not used: facts about the session as a whole.
pub fn closing(d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) {
    let end = segments.iter().find(|s| s.flags.fin() || s.flags.rst());
    no_greeting(d, segments, end.copied(), f);
    let quit_ok = d.commands.iter().any(|c| {
        c.verb == "QUIT"
            && c.reply
                .and_then(|r| d.replies.get(r))
                .is_some_and(|r| r.code == Code::Smtp(221))
    });
    // Past the dialogue limit the end of the session was not read: whether a
    // QUIT came is unknown, and a limit must never make a finding false
    // (`dialogue_limit` already says where reading stopped).
    let unread_end = d.over_budget();
    if let (false, None, Some(end), false) = (quit_ok, d.tls_from, end, unread_end) {
        let who = match end.dir {
            Dir::C2s => "client",
            Dir::S2c => "server",
        };
        let how = if end.flags.rst() {
            "reset (RST)"
        } else {
            "closed (FIN)"
        };
        let mid_data = d
            .messages
            .iter()
            .any(|m| m.content_frame.is_some() && m.accepted.is_none());
        let state = if mid_data {
            " in the middle of DATA: the server never took the mail"
        } else {
            ""
        };
        f.add(
            end.frame,
            "smtp_closed_without_quit",
            Severity::Info,
            format!("The {who} {how} the connection without QUIT → 221{state}."),
            "RFC 5321 §4.1.1.10",
        );
    }
    let starttls_used = d.commands.iter().any(|c| c.verb == "STARTTLS");
    let sensitive = d
        .commands
        .iter()
        .find(|c| c.verb == "AUTH" || c.verb == "MAIL");
    if d.has_capability("STARTTLS") && !starttls_used {
        if let Some(c) = sensitive {
            f.add(
                c.origin.last_frame(),
                "smtp_starttls_not_used",
                Severity::Info,
                format!(
                    "STARTTLS offered, not used: the server offered TLS in its EHLO reply and the client sent {} \
                     without it, as SMTP allows (opportunistic TLS is optional, RFC 3207 §4). Everything after is \
                     readable on the path; a client that must have TLS asks for it.",
                    c.verb
                ),
                "RFC 3207 §4; RFC 8314",
            );
        }
    }
}

/// RFC 5321 §4.5.3.2.1: a client waits 5 minutes for the initial 220.
const GREETING_WAIT_SECS: f64 = 300.0;

/// `smtp_no_greeting`: no server bytes before the close or within 5 minutes,
/// and a client that goes on after a 554 greeting instead of sending QUIT (the
/// 554/421 greeting itself is noted where it is read, in the session).
fn no_greeting(
    d: &Dialogue,
    segments: &[&SegmentRecord],
    end: Option<&SegmentRecord>,
    f: &mut Findings,
) {
    const RFC: &str = "RFC 5321 §3.1, §4.5.3.2.1";
    let Some(start) = segments.first() else {
        return;
    };
    let first_server = segments.iter().find(|s| s.dir == Dir::S2c && s.len > 0);
    match (first_server, end) {
        (Some(s), _) if s.time.secs_since(start.time) > GREETING_WAIT_SECS => f.add(
            s.frame,
            "smtp_no_greeting",
            Severity::Warning,
            format!(
                "The server's first bytes came {:.0} s after the connection opened: a client waits 5 minutes for the \
                 220 greeting and may give up before it comes.",
                s.time.secs_since(start.time)
            ),
            RFC,
        ),
        (Some(_), _) => {}
        (None, Some(end)) => {
            let who = match end.dir {
                Dir::C2s => "the client",
                Dir::S2c => "the server",
            };
            f.add(
                end.frame,
                "smtp_no_greeting",
                Severity::Warning,
                format!(
                    "The connection was closed by {who} after {:.1} s and the server never sent its greeting: the \
                     server speaks first in SMTP, and a client must wait for the 220 before it says anything.",
                    end.time.secs_since(start.time)
                ),
                RFC,
            );
        }
        (None, None) => {
            let last = segments.last().unwrap_or(start);
            let waited = last.time.secs_since(start.time);
            if waited > GREETING_WAIT_SECS {
                f.add(
                    last.frame,
                    "smtp_no_greeting",
                    Severity::Warning,
                    format!(
                        "No greeting in the {waited:.0} s this capture shows: past the 5 minutes a client waits for \
                         the 220, it gives up."
                    ),
                    RFC,
                );
            }
        }
    }
    // After a 554 greeting the server "MUST NOT" do mail; it answers 503 to
    // everything but QUIT (§3.1), so going on is pointless.
    let refused = d
        .replies
        .first()
        .is_some_and(|r| r.command.is_none() && r.code == Code::Smtp(554));
    if let Some(c) = d.commands.iter().find(|c| refused && c.verb != "QUIT") {
        f.add(
            c.origin.last_frame(),
            "smtp_no_greeting",
            Severity::Warning,
            format!(
                "The client sent {} after the server refused the session with 554: such a server answers 503 to \
                 everything but QUIT, so the client should QUIT.",
                preview(c.verb.as_bytes(), 16)
            ),
            RFC,
        );
    }
}
