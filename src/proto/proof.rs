//! What a capture proves about timing: a client segment's ACK number says how
//! much of the server's stream the client had received when it sent the
//! segment, at any tap (RFC 9293 §3.4: the ACK number is the next byte the
//! sender expects, so everything before it had arrived). Shared by the SMTP and
//! POP3 timing findings.

use crate::finding::Provenance;
use crate::tcp::{Dir, SegmentRecord};

/// The stream offset congruent to the 32-bit relative `ack` (bytes of the
/// server's stream acknowledged, modulo 2³², RFC 9293 §3.4) that lies nearest
/// to `near`: past 4 GiB the ACK field wraps, and taken at face value it would
/// "prove" a command early.
fn unwrap_near(ack: u32, near: u64) -> u64 {
    const WRAP: u64 = 1 << 32;
    let base = (near & !(WRAP - 1)) | u64::from(ack);
    [base.checked_sub(WRAP), Some(base), base.checked_add(WRAP)]
        .into_iter()
        .flatten()
        .min_by_key(|c| c.abs_diff(near))
        .unwrap_or(base)
}

/// The proof the capture gives that a client segment left before the client
/// had the server's bytes up to `reply_end`: its ACK number says how much of
/// the server's stream it had received (RFC 9293 §3.4). Without
/// an ACK, only the order of frames at the capture point says so (inferred).
/// None when the ACK covers the reply: the client had it, and the frame order
/// misleads (captures merged from several points).
pub fn ack_proof(seg: Option<&SegmentRecord>, reply_end: u64) -> Option<(u64, String, Provenance)> {
    let ack = seg
        .filter(|s| s.dir == Dir::C2s && s.flags.ack())
        // Relative ACK 1 acknowledges the SYN only: no byte yet; 0 is 2³² − 1
        // bytes after a wrap.
        .map(|s| unwrap_near(s.ack.wrapping_sub(1), reply_end));
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

#[cfg(test)]
mod tests {
    use super::unwrap_near;

    #[test]
    fn acks_unwrap_past_four_gibibytes() {
        assert_eq!(unwrap_near(17, 30), 17);
        assert_eq!(unwrap_near(10, (1 << 32) + 20), (1 << 32) + 10);
        assert_eq!(unwrap_near(u32::MAX - 5, (1 << 32) + 20), (1 << 32) - 6);
    }
}
