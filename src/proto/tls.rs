//! After STARTTLS/STLS the connection is TLS: nothing is decoded, but the TLS
//! records are named (RFC 8446 §5.1) and their bytes dropped, so a long TLS
//! session costs no memory.

use super::dialogue::model::Dialogue;
use super::stream::ByteQueue;

/// Record names kept per dialogue; later records are counted out, not named.
const MAX_NAMED: usize = 64;
/// Bytes of plaintext kept to show an injection.
const INJECTION_HEAD: usize = 80;

/// One direction of a connection after STARTTLS/STLS: its TLS records are
/// named and dropped, and bytes that are not TLS — at the start (the classic
/// plaintext injection, CVE-2011-0411) or between records later — are
/// reported once.
#[derive(Debug, Default)]
pub struct TlsWatch {
    started: bool,
    reported: bool,
    /// The capture missed bytes of this direction: record boundaries are lost
    /// for good, so nothing after is taken for plaintext.
    lost: bool,
}

impl TlsWatch {
    /// Consumes what is queued in `q`. The first time bytes that are not TLS
    /// show up, `report` sees them at the front of `q`; they are then dropped.
    pub fn read(
        &mut self,
        q: &mut ByteQueue,
        who: &str,
        d: &mut Dialogue,
        report: impl FnOnce(&ByteQueue),
    ) {
        if q.is_empty() {
            return;
        }
        // A hole in the capture (queued as zero bytes) is no injection, but
        // after it the records can no longer be told apart.
        if self.lost || q.has_gap() {
            self.lost = true;
            self.started = true;
            q.take(q.len());
            return;
        }
        // The first record after the go-ahead must be a handshake (RFC 8446
        // §4.1.2, RFC 5246 §7.4.1.2: the ClientHello/ServerHello).
        let first_bad = !self.started && q.at(0) != Some(22);
        self.started = true;
        if first_bad || !drain(q, who, d) {
            if !self.reported {
                self.reported = true;
                report(q);
            }
            q.take(q.len());
        }
    }

    /// As [`TlsWatch::read`]; the first time bytes that are not TLS show up,
    /// returns the frame that carried the first of them and their first
    /// `INJECTION_HEAD` bytes (RFC 3207 §4.2, RFC 2595 §4: a peer that keeps
    /// them runs them inside TLS as if they were protected).
    pub fn read_checked(
        &mut self,
        q: &mut ByteQueue,
        who: &str,
        d: &mut Dialogue,
    ) -> Option<(u64, Vec<u8>)> {
        let mut bad = None;
        self.read(q, who, d, |q| {
            let (a, b) = q.peek();
            let head = a.iter().chain(b).take(INJECTION_HEAD).copied().collect();
            bad = Some((q.frame_at(q.offset()).unwrap_or(0), head));
        });
        bad
    }
}

/// Names and consumes the complete TLS records queued in `q`. Returns false
/// when it stopped at bytes that are not a TLS record, leaving them queued.
fn drain(q: &mut ByteQueue, who: &str, d: &mut Dialogue) -> bool {
    loop {
        let Some(ty) = q.at(0) else { return true };
        // ChangeCipherSpec, Alert, Handshake, ApplicationData, Heartbeat
        // (RFC 8446 §5.1, RFC 6520 §2).
        if !(20..=24).contains(&ty) {
            return false;
        }
        let (Some(hi), Some(lo)) = (q.at(3), q.at(4)) else {
            return true; // wait for the record header
        };
        let len = 5 + (usize::from(hi) << 8 | usize::from(lo));
        if q.len() < len {
            return true; // wait for the rest of the record
        }
        let name = match (ty, q.at(5)) {
            (20, _) => "ChangeCipherSpec",
            (21, _) => "Alert",
            (22, Some(1)) => "Handshake: ClientHello",
            (22, Some(2)) => "Handshake: ServerHello",
            (22, Some(11)) => "Handshake: Certificate",
            (22, Some(12)) => "Handshake: ServerKeyExchange",
            (22, Some(14)) => "Handshake: ServerHelloDone",
            (22, Some(16)) => "Handshake: ClientKeyExchange",
            (22, _) => "Handshake",
            (24, _) => "Heartbeat",
            _ => "ApplicationData",
        };
        let t = q.take(len);
        if d.tls_records.len() < MAX_NAMED {
            d.tls_records
                .push((t.first_frame(), format!("{who} {name}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;
    use crate::proto::Protocol;

    #[test]
    fn records_are_named_and_dropped() {
        let mut d = Dialogue::new(1, Protocol::Smtp);
        let mut q = ByteQueue::default();
        q.push(0, &[22, 3, 1, 0, 2, 1, 0, 23, 3, 3], 5, Timestamp(0));
        drain(&mut q, "client", &mut d);
        assert_eq!(
            d.tls_records,
            vec![(5, "client Handshake: ClientHello".to_string())]
        );
        assert_eq!(q.len(), 3, "a partial record waits");
        for i in 0..10_000u64 {
            q.push(10 + i * 5, &[0, 0, 23, 3, 3], 6, Timestamp(0));
        }
        drain(&mut q, "client", &mut d);
        assert!(q.len() < 8, "consumed as it goes");
        assert_eq!(d.tls_records.len(), MAX_NAMED);
    }

    #[test]
    fn plaintext_between_records_is_reported_once() {
        let mut d = Dialogue::new(1, Protocol::Smtp);
        let mut w = TlsWatch::default();
        let mut q = ByteQueue::default();
        let mut seen = Vec::new();
        q.push(0, &[22, 3, 1, 0, 1, 1], 1, Timestamp(0));
        w.read(&mut q, "client", &mut d, |_| seen.push(0));
        assert!(seen.is_empty() && q.is_empty());
        q.push(6, b"RSET\r\n", 2, Timestamp(0));
        w.read(&mut q, "client", &mut d, |q| {
            seen.push(q.at(0).unwrap_or(0))
        });
        assert_eq!(seen, [b'R']);
        assert!(q.is_empty(), "dropped once reported");
        q.push(12, b"NOOP\r\n", 3, Timestamp(0));
        w.read(&mut q, "client", &mut d, |_| seen.push(1));
        assert_eq!(seen.len(), 1, "reported once");
        let mut first = TlsWatch::default();
        q.push(18, b"RSET\r\n", 4, Timestamp(0));
        first.read(&mut q, "client", &mut d, |q| {
            seen.push(q.at(0).unwrap_or(0))
        });
        assert_eq!(seen, [b'R', b'R'], "plaintext first is reported too");
        // Bytes the capture missed are no plaintext.
        let mut after_gap = TlsWatch::default();
        q.push(24, &[22, 3, 1, 0, 1, 1], 5, Timestamp(0));
        after_gap.read(&mut q, "client", &mut d, |_| seen.push(2));
        q.gap(30, 100, 6, Timestamp(0));
        q.push(130, &[23, 3, 3, 0, 1, 9], 7, Timestamp(0));
        after_gap.read(&mut q, "client", &mut d, |_| seen.push(3));
        q.push(136, b"\x01\x02 misaligned", 8, Timestamp(0));
        after_gap.read(&mut q, "client", &mut d, |_| seen.push(4));
        assert_eq!(seen.len(), 2, "no injection reported after a gap: {seen:?}");
        assert!(q.is_empty());
    }
}
