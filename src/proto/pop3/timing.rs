//! `pop3_command_before_response`: a command sent before the previous
//! response (or the greeting) ended, proved by its ACK where possible
//! (see [`crate::proto::proof`]). POP3 is one command, one response
//! (RFC 1939 §3), unless the server pipelines (RFC 2449 §6.6).

use crate::finding::{Findings, Severity};
use crate::proto::dialogue::early::early_commands;
use crate::proto::dialogue::Dialogue;
use crate::proto::proof::ack_proof;
use crate::proto::segments;
use crate::tcp::SegmentRecord;
use crate::text::escape_str;

pub fn timing(d: &Dialogue, segs: &[&SegmentRecord], f: &mut Findings) {
    let pipelining = d.has_capability("PIPELINING");
    for e in early_commands(d) {
        let seg = segments::at(segs, e.start);
        let Some((_, proof, provenance)) = ack_proof(seg, e.awaited.origin.end) else {
            continue;
        };
        let severity = if pipelining {
            Severity::Info
        } else {
            Severity::Warning
        };
        f.push(
            e.start,
            "pop3_command_before_response",
            severity,
            format!(
                "{} was sent before the previous response ended ({proof}){}: POP3 is one command, one response, unless \
                 the server pipelines.",
                escape_str(&e.command.verb),
                if pipelining { ", which CAPA PIPELINING allows" } else { "" }
            ),
            "RFC 1939 §3–4; RFC 2449 §6.6",
            provenance,
        );
    }
}
