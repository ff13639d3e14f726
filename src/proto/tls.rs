//! After STARTTLS/STLS the connection is TLS: nothing is decoded, but the TLS
//! records are named (RFC 8446 §5.1) and their bytes dropped, so a long TLS
//! session costs no memory.

use super::dialogue::Dialogue;
use super::stream::ByteQueue;

/// Record names kept per dialogue; later records are counted out, not named.
const MAX_NAMED: usize = 64;

/// Names and consumes the complete TLS records queued in `q`; bytes that are
/// not TLS at all are dropped (their injection was reported when they came).
pub fn drain(q: &mut ByteQueue, who: &str, d: &mut Dialogue) {
    loop {
        let (Some(ty), Some(hi), Some(lo)) = (q.at(0), q.at(3), q.at(4)) else {
            if !matches!(q.at(0), Some(20..=23)) {
                q.take(q.len());
            }
            return;
        };
        if !(20..=23).contains(&ty) {
            q.take(q.len());
            return;
        }
        let len = 5 + (usize::from(hi) << 8 | usize::from(lo));
        if q.len() < len {
            return; // wait for the rest of the record
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
}
