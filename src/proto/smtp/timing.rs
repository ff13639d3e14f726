//! Who spoke when: the SMTP findings that need the whole dialogue and the TCP
//! segments together. A command sent before the reply it should wait for
//! (pregreet, lock-step and pipelining rules, RFC 5321 §4.3.1, RFC 2920
//! §3.1), proved by the command segment's ACK number where the capture allows
//! (see [`crate::proto::proof`]), content sent before the 354, and the
//! out-of-step pairing of a client that reads one segment per reply.

use super::closing::closing;
use super::split::split_lines;
use crate::finding::Findings;
use crate::finding::{Provenance, Severity};
use crate::proto::dialogue::early::{early_commands, Early};
use crate::proto::dialogue::{Dialogue, PairRow, Took};
use crate::proto::proof::ack_proof;
use crate::proto::segments;
use crate::tcp::{Dir, Flag, SegmentRecord};

/// Commands that end a PIPELINING group (RFC 2920 §3.1, RFC 3207 §4, RFC 4954
/// §4, RFC 3030 §2): nothing may follow them before their reply.
const GROUP_ENDERS: &[&str] = &[
    "EHLO", "HELO", "DATA", "VRFY", "EXPN", "TURN", "QUIT", "NOOP", "STARTTLS", "AUTH",
];

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
    let pipelining = d.has_capability("PIPELINING");
    let mut first_early: Option<usize> = None;
    for e in early_commands(d) {
        let prev = e.previous.map(|c| c.verb.as_str());
        if pipelining && e.index > 0 && prev.is_some_and(|v| !GROUP_ENDERS.contains(&v)) {
            continue; // RFC 2920: allowed inside a group.
        }
        let seg = segments::at(segments, e.start);
        let Some((ack, proof, provenance)) = ack_proof(seg, e.awaited.origin.end) else {
            continue;
        };
        first_early.get_or_insert(e.index);
        let (id, severity, reference, what) = early_finding(d, &e, ack, &proof, pipelining);
        f.push(e.start, id, severity, what, reference, provenance);
    }
    content_before_354(d, segments, f);
    split_lines(d, segments, f);
    closing(d, segments, f);
    match first_early {
        Some(k) => out_of_step(d, segments, k, f),
        None => Vec::new(),
    }
}

/// The finding for a command sent early: before the greeting ended
/// (`smtp_pregreet`), across a pipelining group's end, or in lock-step.
fn early_finding(
    d: &Dialogue,
    e: &Early<'_>,
    ack: u64,
    proof: &str,
    pipelining: bool,
) -> (&'static str, Severity, &'static str, String) {
    let verb = &e.command.verb;
    let prev = e.previous.map_or("", |c| c.verb.as_str());
    if e.index == 0 {
        let had = usize::try_from(ack).unwrap_or(usize::MAX).min(64);
        let partial = if had > 0 {
            format!(" The client had only \"{}\".", greeting_prefix(d, had))
        } else {
            String::new()
        };
        let kind = if e.awaited.origin.first_frame() < e.start {
            "mid-greeting: part of the greeting had arrived, not its end"
        } else {
            "before any greeting byte"
        };
        return (
            "smtp_pregreet",
            Severity::Warning,
            "RFC 5321 §3.1, §4.3.1",
            format!(
                "{verb} was sent before the greeting ended ({kind}); {proof}.{partial} The server speaks first, and the \
                 client must read every greeting line up to the one with a space after 220."
            ),
        );
    }
    if pipelining {
        return (
            "smtp_pipelining_group_violation",
            Severity::Error,
            "RFC 2920 §3.1",
            format!(
                "{verb} was sent before the reply to {prev} although {prev} ends a pipelining group; {proof}."
            ),
        );
    }
    (
        "smtp_command_before_reply",
        Severity::Warning,
        "RFC 5321 §4.3.1, §4.2.1",
        format!(
            "{verb} was sent before the reply to {prev} ended, and the server did not offer PIPELINING; {proof}. \
             Plain SMTP is lock-step: the sender \"MUST wait for this response\"."
        ),
    )
}

fn greeting_prefix(d: &Dialogue, n: usize) -> String {
    let g = d.replies.first().map(|r| {
        let mut b = format!("{}", r.code).into_bytes();
        b.push(if r.lines.len() > 1 { b'-' } else { b' ' });
        b.extend_from_slice(r.lines.first().map_or(&[][..], Vec::as_slice));
        b
    });
    g.map(|b| crate::text::escape_bytes(b.get(..n).unwrap_or(&b)))
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

/// Each command beside the server segment a one-read-per-reply client would
/// have taken as its answer.
fn one_read_per_reply(d: &Dialogue, segments: &[&SegmentRecord]) -> Vec<PairRow> {
    let reads = server_reads(segments);
    // Read 0 is taken as the greeting; then each command takes one read per
    // reply it is owed — one, but two for DATA (the 354, then the verdict on
    // the content) and one per step of an AUTH exchange — and is paired with
    // the first of them.
    let mut next = 1usize;
    (0..d.commands.len())
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
        .collect()
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
    let rows = one_read_per_reply(d, segments);
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
            let verb = d.commands.get(r.command).map_or("", |c| c.verb.as_str());
            let no_code = if bytes
                .get(..3)
                .is_some_and(|c| c.iter().all(u8::is_ascii_digit))
            {
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
        shifted
            .first()
            .and_then(|r| d.commands.get(r.command))
            .map_or(0, |c| c.origin.first_frame()),
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
        "RFC 5321 §4.3.1; RFC 2920 §3.1; RFC 821 App. E",
        Provenance::Inferred,
    );
    rows
}
