//! What the real kernel said (a [`KernelSample`], *observed*) beside what the
//! kernel model works out from the segments ([`EndpointKernel`],
//! *inferred*), field by field, and why a field may differ (docs/kernel.md,
//! "Why they differ"). The kernel pane shows this comparison and
//! `tests/kernel_agreement.rs` counts it over every lab scenario.

use super::kernel_sample::KernelSample;
use crate::tcp::EndpointKernel;

/// The fields both sides of the comparison know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// RFC 9293 §3.3.2 state against `tcpi_state`.
    State,
    /// Bytes received in order and not read against `SIOCINQ`.
    Unread,
    /// SND.NXT − SND.UNA against `SIOCOUTQ − SIOCOUTQNSD`.
    InFlight,
    /// The window this endpoint advertised last, against the peer
    /// kernel's `tcpi_snd_wnd` (the window the peer holds for it).
    Window,
    /// Segments sent again against `tcpi_total_retrans`.
    Retrans,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::State,
        Field::Unread,
        Field::InFlight,
        Field::Window,
        Field::Retrans,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::State => "state",
            Field::Unread => "unread",
            Field::InFlight => "in flight",
            Field::Window => "window",
            Field::Retrans => "retrans",
        }
    }

    /// Where the observed value comes from.
    pub fn source(self) -> &'static str {
        match self {
            Field::State => "tcpi_state",
            Field::Unread => "SIOCINQ",
            Field::InFlight => "SIOCOUTQ − SIOCOUTQNSD",
            Field::Window => "the peer's tcpi_snd_wnd",
            Field::Retrans => "tcpi_total_retrans",
        }
    }
}

/// One field's two values, as shown (`42 B`, `ESTABLISHED`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    pub field: Field,
    pub inferred: Option<String>,
    pub observed: Option<String>,
}

impl Pair {
    /// Both are known and differ.
    pub fn differs(&self) -> bool {
        matches!((&self.inferred, &self.observed), (Some(i), Some(o)) if i != o)
    }
}

/// The inferred value of `field` for one endpoint.
pub fn inferred(field: Field, k: &EndpointKernel) -> Option<String> {
    match field {
        Field::State => Some(k.state.name().to_string()),
        Field::Unread => Some(bytes(k.unread())),
        Field::InFlight => k.in_flight().map(bytes),
        Field::Window => k.window.map(bytes),
        Field::Retrans => Some(k.retransmissions.to_string()),
    }
}

/// The observed value of `field` for the endpoint sampled in `own`;
/// `peer` is the other endpoint's latest sample (the window is held there).
pub fn observed(field: Field, own: &KernelSample, peer: Option<&KernelSample>) -> Option<String> {
    match field {
        Field::State => Some(own.state.clone()),
        Field::Unread => own.inq.map(bytes),
        Field::InFlight => own.in_flight().map(bytes),
        Field::Window => peer.filter(|p| p.state != "LISTEN")?.snd_wnd.map(bytes),
        Field::Retrans => (own.state != "LISTEN").then(|| own.retransmits.to_string()),
    }
}

/// Every field of one endpoint, inferred beside observed.
pub fn compare(k: &EndpointKernel, own: &KernelSample, peer: Option<&KernelSample>) -> Vec<Pair> {
    Field::ALL
        .iter()
        .map(|&field| Pair {
            field,
            inferred: inferred(field, k),
            observed: observed(field, own, peer),
        })
        .collect()
}

fn bytes(n: u64) -> String {
    format!("{n} B")
}

/// The usual reason `field` differs, in one sentence a student can check
/// (docs/kernel.md, "Why they differ").
pub fn usual_cause(field: Field) -> &'static str {
    match field {
        Field::State => {
            "the sample is taken between two captured segments: a FIN or ACK the capture \
             shows may not have been processed by the stack yet (or was processed just before \
             the segment's copy reached the capture)"
        }
        Field::Unread => {
            "the receive queue counts bytes the stack holds and the application has not read: \
             a read() made just before or after the sample, or bytes seen leaving the peer but \
             not yet queued, move it by a segment"
        }
        Field::InFlight => {
            "SIOCOUTQ counts bytes until their ACK is processed: a delayed ACK (RFC 1122 \
             §4.2.3.2) or Nagle's hold (RFC 896) moves the moment the two agree; bytes the \
             kernel has not sent yet are SIOCOUTQNSD, not in flight"
        }
        Field::Window => {
            "the peer holds the window from the last segment it processed; a window update the \
             capture shows may not have arrived yet, and receive-buffer autotuning changes it \
             between segments"
        }
        Field::Retrans => {
            "the kernel counts a retransmission when it sends it; a zero-window probe or a \
             tail-loss probe the capture marks as a retransmission may not be counted the same way"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::Endpoint;
    use crate::tcp::TcpState;

    fn sample(inq: u64, outq: u64, unsent: u64) -> KernelSample {
        KernelSample {
            t: 1,
            side: Endpoint::Server,
            local: None,
            peer: None,
            at: "after read".into(),
            state: "ESTABLISHED".into(),
            inq: Some(inq),
            outq: Some(outq),
            unsent: Some(unsent),
            accept_queue: None,
            accept_backlog: None,
            unacked: 0,
            retransmits: 0,
            snd_mss: 1448,
            rcv_mss: 536,
            snd_cwnd: 10,
            rcv_space: 14480,
            snd_wnd: Some(4096),
            rtt_us: 30,
            rttvar_us: 10,
            bytes_acked: None,
            bytes_received: None,
            delivery_rate: None,
        }
    }

    #[test]
    fn equal_values_agree_and_a_different_queue_differs() {
        let k = EndpointKernel {
            state: TcpState::Established,
            snd_una: Some(10),
            snd_nxt: Some(30),
            received: 50,
            read: 8,
            window: Some(4096),
            ..EndpointKernel::default()
        };
        let own = sample(42, 25, 5);
        let pairs = compare(&k, &own, Some(&own));
        let get = |f| pairs.iter().find(|p| p.field == f).unwrap();
        assert!(!get(Field::State).differs());
        assert!(!get(Field::Unread).differs(), "{:?}", get(Field::Unread));
        assert!(!get(Field::InFlight).differs());
        assert!(!get(Field::Window).differs());
        let other = compare(&k, &sample(41, 25, 0), None);
        let get = |f| other.iter().find(|p| p.field == f).unwrap();
        assert!(get(Field::Unread).differs());
        assert!(get(Field::InFlight).differs());
        // Without the peer's sample the window is not observed: no verdict.
        assert!(!get(Field::Window).differs());
        assert_eq!(get(Field::Window).observed, None);
    }
}
