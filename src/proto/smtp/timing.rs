//! Who spoke when: the findings that need the whole dialogue and the TCP
//! segments together. A command sent before the reply it should wait for
//! (pregreet, lock-step and pipelining rules), proved by the command segment's
//! ACK number where the capture allows (anomalies.md §0 "ACK proof"), and the
//! out-of-step pairing of a client that reads one segment per reply (seed 001).

use crate::finding::Findings;
use crate::finding::{Provenance, Severity};
use crate::proto::dialogue::{Code, Dialogue};
use crate::proto::proof::ack_proof;
use crate::proto::segments;
use crate::tcp::{Dir, Flag, SegmentRecord};
use crate::text::{preview, preview_prefix};

/// Commands that end a PIPELINING group (RFC 2920 §3.1, RFC 3207 §4, RFC 4954
/// §4, RFC 3030 §2): nothing may follow them before their reply.
const GROUP_ENDERS: &[&str] = &[
    "EHLO", "HELO", "DATA", "VRFY", "EXPN", "TURN", "QUIT", "NOOP", "STARTTLS", "AUTH",
];

/// One row of the two pairings shown side by side for an out-of-step session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairRow {
    /// Command index.
    pub command: usize,
    /// The reply a client should read first after it (server's meaning):
    /// its only reply, or the 354 of a DATA, the first 334 of an AUTH.
    pub reply: Option<usize>,
    /// The server segment a one-read-per-reply client took as its answer.
    pub client_took: Option<Took>,
}

/// A server segment a one-read-per-reply client took as an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Took {
    pub frame: u64,
    /// Its first bytes (the segment record's preview).
    pub first_bytes: Vec<u8>,
    /// Its whole payload length.
    pub len: u64,
}

impl Took {
    /// The bytes as text in at most `max` characters, "…" when only the start.
    pub fn shown(&self, max: usize) -> String {
        preview_prefix(&self.first_bytes, self.len, max)
    }
}

/// Server bytes a client could read: data segments that are not repeats.
fn server_reads<'a>(segments: &[&'a SegmentRecord]) -> Vec<&'a SegmentRecord> {
    segments
        .iter()
        .copied()
        .filter(|s| {
            s.dir == Dir::S2c
                && s.len > 0
                && !s.analysis.has(Flag::Retransmission)
                && !s.analysis.has(Flag::KeepAlive)
                && !s.analysis.has(Flag::OutOfOrder)
        })
        .collect()
}

/// Raises the timing findings of one SMTP dialogue; returns the two pairings
/// when the client fell out of step.
pub fn analyse(d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) -> Vec<PairRow> {
    let greeting = d.replies.first().filter(|r| r.command.is_none());
    let seg_of = |frame: u64| segments::at(segments, frame);
    let pipelining = d.has_capability("PIPELINING");
    let mut first_early: Option<usize> = None;
    for (k, cmd) in d.commands.iter().enumerate() {
        // The reply this command should have waited for in lock-step.
        let expected = if k == 0 {
            greeting
        } else {
            d.commands[k - 1].reply.and_then(|r| d.replies.get(r))
        };
        let Some(expected) = expected else { continue };
        let start = cmd.origin.first_frame();
        if start >= expected.origin.last_frame() {
            continue;
        }
        let prev = k.checked_sub(1).map(|p| d.commands[p].verb.as_str());
        if pipelining && k > 0 && prev.is_some_and(|v| !GROUP_ENDERS.contains(&v)) {
            continue; // RFC 2920: allowed inside a group.
        }
        let Some((ack, proof, provenance)) = ack_proof(seg_of(start), expected.origin.end) else {
            continue;
        };
        let had = (ack as usize).min(64);
        let partial = if k == 0 && had > 0 {
            format!(" The client had only \"{}\".", greeting_prefix(d, had))
        } else {
            String::new()
        };
        first_early.get_or_insert(k);
        let (id, severity, reference, what) = if k == 0 {
            let kind = if expected.origin.first_frame() < start {
                "mid-greeting: part of the greeting had arrived, not its end"
            } else {
                "before any greeting byte"
            };
            (
                "smtp_pregreet",
                Severity::Warning,
                "RFC 5321 §3.1, §4.3.1",
                format!(
                    "{} was sent before the greeting ended ({kind}); {proof}.{partial} The server speaks first, and the \
                     client must read every greeting line up to the one with a space after 220.",
                    cmd.verb
                ),
            )
        } else if pipelining {
            (
                "smtp_pipelining_group_violation",
                Severity::Error,
                "RFC 2920 §3.1",
                format!(
                    "{} was sent before the reply to {} although {} ends a pipelining group; {proof}.",
                    cmd.verb,
                    prev.unwrap_or(""),
                    prev.unwrap_or("")
                ),
            )
        } else {
            (
                "smtp_command_before_reply",
                Severity::Warning,
                "RFC 5321 §4.3.1, §4.2.1",
                format!(
                    "{} was sent before the reply to {} ended, and the server did not offer PIPELINING; {proof}. \
                     Plain SMTP is lock-step: the sender \"MUST wait for this response\".",
                    cmd.verb,
                    prev.unwrap_or("")
                ),
            )
        };
        f.push(start, id, severity, what, reference, provenance);
    }
    content_before_354(d, segments, f);
    split_lines(d, segments, f);
    closing(d, segments, f);
    match first_early {
        Some(k) => out_of_step(d, segments, k, f),
        None => Vec::new(),
    }
}

/// `smtp_no_greeting`, `smtp_closed_without_quit`, and STARTTLS offered but
/// not used: facts about the session as a whole.
fn closing(d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) {
    let end = segments.iter().find(|s| s.flags.fin() || s.flags.rst());
    no_greeting(d, segments, end.copied(), f);
    let quit_ok = d.commands.iter().any(|c| {
        c.verb == "QUIT"
            && c.reply
                .and_then(|r| d.replies.get(r))
                .is_some_and(|r| r.code == Code::Smtp(221))
    });
    if let (false, None, Some(end)) = (quit_ok, d.tls_from, end) {
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
                "smtp_starttls_failed",
                Severity::Warning,
                format!(
                    "The server offered STARTTLS but the client sent {} in plaintext: opportunistic TLS fails open, and \
                     everything after is readable.",
                    c.verb
                ),
                "RFC 3207 §4; RFC 8314",
            );
        }
    }
}

/// `smtp_reply_split_across_segments`, for replies and commands: anchored at
/// the segment that ended inside the line (the ccNotes trigger), with how long
/// the rest took and what the peer sent meanwhile (anomalies.md §1).
fn split_lines(d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) {
    let replies = d.replies.iter().filter_map(|r| {
        Some((
            r.split_at?,
            &r.origin,
            Dir::S2c,
            format!("{} reply", r.code),
        ))
    });
    let commands = d
        .commands
        .iter()
        .filter(|c| c.origin.frames.len() > 1)
        .map(|c| {
            let what = format!("command {}", preview(c.verb.as_bytes(), 16));
            (c.origin.first_frame(), &c.origin, Dir::C2s, what)
        });
    for (at, origin, dir, what) in replies.chain(commands) {
        let time_of = |frame: u64| segments::at(segments, frame).map(|s| s.time);
        let gap = match (time_of(at), time_of(origin.last_frame())) {
            (Some(a), Some(b)) => format!(", {:.3} s later", b.secs_since(a)),
            _ => String::new(),
        };
        // The peer's data segments while the line waited for its end: the
        // first three are named, the rest counted.
        let mut meanwhile: Vec<String> = Vec::new();
        let mut n = 0usize;
        for s in segments::between(segments, at, origin.last_frame()) {
            if s.dir == dir.other() && s.len > 0 {
                n += 1;
                if meanwhile.len() < 3 {
                    meanwhile.push(format!(
                        "#{} \"{}\"",
                        s.frame,
                        preview_prefix(&s.preview, u64::from(s.len), 24)
                    ));
                }
            }
        }
        let peer = match n {
            0 => String::new(),
            n => format!(
                " Meanwhile the {} sent {}{}.",
                dir.other().sender(),
                meanwhile.join(", "),
                if n > 3 {
                    format!(" and {} more", n - 3)
                } else {
                    String::new()
                }
            ),
        };
        let rule = match dir {
            Dir::S2c => "a reader must collect bytes until the line with a space after the code ends with CRLF",
            Dir::C2s => "the server must read until CRLF (a person typing into telnet sends a byte per segment)",
        };
        f.add(
            at,
            "smtp_reply_split_across_segments",
            Severity::Info,
            format!(
                "Frame #{at} ended inside a line of this {what} (no CRLF yet); the rest came in #{}{gap}: {}.{peer} \
                 Legal: TCP carries bytes, not messages (\"no necessary relationship between push functions and \
                 segment boundaries\"), so {rule}.",
                origin.last_frame(),
                origin.describe()
            ),
            "RFC 9293 §3.7.4; RFC 5321 §4.2",
        );
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

fn greeting_prefix(d: &Dialogue, n: usize) -> String {
    let g = d.replies.first().map(|r| {
        let mut b = format!("{}", r.code).into_bytes();
        b.push(if r.lines.len() > 1 { b'-' } else { b' ' });
        b.extend_from_slice(r.lines.first().map_or(&[][..], Vec::as_slice));
        b
    });
    g.map(|b| crate::text::escape_bytes(&b[..n.min(b.len())]))
        .unwrap_or_default()
}

/// Content sent before the 354: the commonest pipelining group violation.
fn content_before_354(d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) {
    for m in &d.messages {
        let (Some(content), Some(ready)) = (m.content_frame, m.ready_frame) else {
            continue;
        };
        if content >= ready {
            continue;
        }
        let ready_end = m
            .ready_reply
            .and_then(|i| d.replies.get(i))
            .map_or(0, |r| r.origin.end); // 0: no proof possible
        let seg = segments::at(segments, content);
        let Some((_, proof, provenance)) = ack_proof(seg, ready_end) else {
            continue;
        };
        f.push(
            content,
            "smtp_pipelining_group_violation",
            Severity::Error,
            format!(
                "The message content left (frame {content}) before the server's 354 (frame {ready}); {proof}. DATA \
                 ends a pipelining group, and \"message data MUST NOT be sent unless a 354 reply is received\"."
            ),
            "RFC 2920 §3.1; RFC 5321 §3.3",
            provenance,
        );
    }
}

/// Pairs each command with the server segment a one-read-per-reply client
/// would have taken as its answer, and flags the session if that pairing is
/// shifted from the server's.
fn out_of_step(
    d: &Dialogue,
    segments: &[&SegmentRecord],
    from: usize,
    f: &mut Findings,
) -> Vec<PairRow> {
    let reads = server_reads(segments);
    // Read 0 is taken as the greeting; then each command takes one read per
    // reply it is owed — one, but two for DATA (the 354, then the verdict on
    // the content) and one per step of an AUTH exchange — and is paired with
    // the first of them.
    let mut next = 1usize;
    let rows: Vec<PairRow> = (0..d.commands.len())
        .map(|k| {
            let owed = d.answer_range(k, 8);
            let row = PairRow {
                command: k,
                reply: owed.as_ref().map(|r| *r.start()),
                client_took: reads.get(next).map(|s| Took {
                    frame: s.frame,
                    first_bytes: s.preview.to_vec(),
                    len: u64::from(s.len),
                }),
            };
            next += owed.map_or(1, |r| r.count());
            row
        })
        .collect();
    let shifted: Vec<&PairRow> = rows
        .iter()
        .skip(from)
        .filter(|r| {
            let true_end = r
                .reply
                .and_then(|i| d.replies.get(i))
                .map(|rep| rep.origin.last_frame());
            r.client_took.as_ref().map(|t| t.frame) != true_end
        })
        .collect();
    if shifted.len() < 2 {
        return Vec::new();
    }
    // Four examples cover the founding story (HELO, MAIL, RCPT, QUIT); a
    // longer session says how many more rather than growing the sentence.
    const EXAMPLES: usize = 4;
    let mut examples: Vec<String> = shifted
        .iter()
        .take(EXAMPLES)
        .filter_map(|r| {
            let took = r.client_took.as_ref()?;
            let (frame, bytes) = (took.frame, &took.first_bytes);
            let verb = &d.commands[r.command].verb;
            let no_code = if bytes.len() >= 3 && bytes[..3].iter().all(u8::is_ascii_digit) {
                ""
            } else {
                " (a reply with no code)"
            };
            Some(format!(
                "\"{}\" (#{frame}){no_code} as the answer to {verb}",
                took.shown(30)
            ))
        })
        .collect();
    if shifted.len() > EXAMPLES {
        examples.push(format!("and {} more", shifted.len() - EXAMPLES));
    }
    f.push(
        d.commands[shifted[0].command].origin.first_frame(),
        "smtp_client_out_of_step",
        Severity::Error,
        format!(
            "After the early command, a client that reads one segment per reply is out of step with the server for \
             {} of the {} commands that follow: it took {}. Every reply arrives one step late. One reader that \
             loops until the final reply line (RFC 821 App. E) cannot fall out of step.",
            shifted.len(),
            d.commands.len() - from,
            examples.join("; ")
        ),
        "RFC 5321 §4.3.1; RFC 2920 §3.1; seed 001",
        Provenance::Inferred,
    );
    rows
}
