//! What a capture proves about timing: a client segment's ACK number says how
//! much of the server's stream the client had received when it sent the
//! segment, at any tap (anomalies.md §0 "ACK proof"). Shared by the SMTP and
//! POP3 timing findings.

use crate::finding::Provenance;
use crate::tcp::{Dir, SegmentRecord};

/// The proof the capture gives that a client segment left before the client
/// had the server's bytes up to `reply_end`: its ACK number says how much of
/// the server's stream it had received (anomalies.md §0 "ACK proof"). Without
/// an ACK, only the order of frames at the capture point says so (inferred).
/// None when the ACK covers the reply: the client had it, and the frame order
/// misleads (captures merged from several points).
pub fn ack_proof(seg: Option<&SegmentRecord>, reply_end: u64) -> Option<(u64, String, Provenance)> {
    let ack = seg
        .filter(|s| s.dir == Dir::C2s && s.flags.ack())
        .map(|s| u64::from(s.ack.saturating_sub(1)));
    match ack {
        Some(a) if a < reply_end => Some((
            a,
            format!(
                "proved by its ACK number: it acknowledges {a} bytes of the server's stream, and the reply ends at \
                 byte {reply_end}"
            ),
            Provenance::Observed,
        )),
        Some(_) => None,
        None => Some((
            0,
            "inferred from the order of frames at the capture point".to_string(),
            Provenance::Inferred,
        )),
    }
}
