//! The TCP connection states of RFC 9293 §3.3.2, for one endpoint, inferred from
//! what passes the capture point, and the machine that moves both endpoints of
//! a connection segment by segment (`step`), with Zeek's coarser view of
//! each endpoint beside it. The transitions follow the state diagram
//! (RFC 9293 Figure 5); a capture cannot see the instant the endpoint itself
//! changed state, so each change is dated by the segment that causes it.

use std::fmt;

use serde::Serialize;

use super::event::{At, ConnEvent, Sink};
use super::history::ZeekEndpoint;
use super::relative::Rel;
use crate::wire::TcpSegment;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum TcpState {
    #[default]
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

impl TcpState {
    /// The RFC's name.
    pub fn name(self) -> &'static str {
        match self {
            TcpState::Closed => "CLOSED",
            TcpState::Listen => "LISTEN",
            TcpState::SynSent => "SYN-SENT",
            TcpState::SynReceived => "SYN-RECEIVED",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait1 => "FIN-WAIT-1",
            TcpState::FinWait2 => "FIN-WAIT-2",
            TcpState::CloseWait => "CLOSE-WAIT",
            TcpState::Closing => "CLOSING",
            TcpState::LastAck => "LAST-ACK",
            TcpState::TimeWait => "TIME-WAIT",
        }
    }

    /// The endpoint has sent its FIN (or is gone).
    pub fn has_closed_send_side(self) -> bool {
        matches!(
            self,
            TcpState::FinWait1
                | TcpState::FinWait2
                | TcpState::Closing
                | TcpState::LastAck
                | TcpState::TimeWait
        )
    }

    /// This endpoint sent a FIN.
    pub fn on_send_fin(self) -> Self {
        match self {
            TcpState::Established | TcpState::SynReceived => TcpState::FinWait1,
            TcpState::CloseWait => TcpState::LastAck,
            other => other,
        }
    }

    /// This endpoint received the peer's FIN.
    pub fn on_receive_fin(self) -> Self {
        match self {
            TcpState::Established | TcpState::SynReceived => TcpState::CloseWait,
            TcpState::FinWait1 => TcpState::Closing,
            TcpState::FinWait2 => TcpState::TimeWait,
            other => other,
        }
    }

    /// The peer acknowledged this endpoint's FIN.
    pub fn on_fin_acked(self) -> Self {
        match self {
            TcpState::FinWait1 => TcpState::FinWait2,
            TcpState::Closing => TcpState::TimeWait,
            TcpState::LastAck => TcpState::Closed,
            other => other,
        }
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One endpoint as its segments show it: its RFC 9293 state, Zeek's view, and
/// how far its close or reset went.
#[derive(Debug, Default)]
pub(super) struct Endpoint {
    pub state: TcpState,
    pub zeek: ZeekEndpoint,
    /// Relative sequence number of this endpoint's FIN.
    pub fin: Option<i64>,
    /// The peer acknowledged this endpoint's FIN.
    pub fin_acked: bool,
    /// This endpoint sent its FIN before receiving the peer's (simultaneous
    /// close): it takes the peer's FIN as received when it acknowledges it.
    pub fin_receipt_deferred: bool,
    pub reset: bool,
}

impl Endpoint {
    /// Sent FIN or RST, or is gone: nothing more will come from it.
    pub fn is_done(&self) -> bool {
        self.reset
            || matches!(self.state, TcpState::Closed | TcpState::TimeWait)
            || self.fin.is_some()
    }
}

/// What one segment from `fwd` to `rev` does to both endpoints (RFC 9293
/// §3.3.2, §3.5, §3.6): reports the handshake's milestones and a first reset
/// to `sink`, and returns true when this segment is the sender's first RST.
pub(super) fn step(
    fwd: &mut Endpoint,
    rev: &mut Endpoint,
    seg: &TcpSegment,
    rel: &Rel,
    at: At,
    sink: &mut Sink<'_>,
) -> bool {
    let f = seg.flags;
    if f.syn() && !f.ack() {
        on_syn(fwd, rev, at, sink);
    } else if f.syn() && f.ack() {
        on_syn_ack(fwd, rev, at, sink);
    }
    if f.ack() && !f.syn() {
        on_ack(fwd, rev, rel.ack, at, sink);
    }
    zeek_step(fwd, rev, seg);
    if f.fin() {
        on_fin(fwd, rev, seg, rel.ack);
    }
    if f.rst() {
        fwd.state = TcpState::Closed;
        rev.state = TcpState::Closed;
        fwd.zeek = ZeekEndpoint::Reset;
    }
    if f.fin() && fwd.fin.is_none() {
        fwd.fin = Some(rel.seq + i64::from(f.syn()) + rel.len);
    }
    let first_reset = f.rst() && !fwd.reset;
    if first_reset {
        fwd.reset = true;
        sink(ConnEvent::Reset {
            dir: at.dir,
            frame: at.frame,
            time: at.time,
        });
    }
    first_reset
}

/// A SYN: the sender called connect() (RFC 9293 §3.5), the peer is taken to
/// be listening.
fn on_syn(fwd: &mut Endpoint, rev: &mut Endpoint, at: At, sink: &mut Sink<'_>) {
    if matches!(fwd.state, TcpState::Closed | TcpState::SynSent) {
        if fwd.state == TcpState::Closed {
            sink(ConnEvent::Syn {
                frame: at.frame,
                time: at.time,
            });
        }
        fwd.state = TcpState::SynSent;
    }
    if rev.state == TcpState::Closed {
        rev.state = TcpState::Listen;
    }
    if fwd.zeek == ZeekEndpoint::Inactive {
        fwd.zeek = ZeekEndpoint::SynSent;
    }
}

/// A SYN/ACK: the sender was listening and answers (RFC 9293 §3.5).
fn on_syn_ack(fwd: &mut Endpoint, rev: &mut Endpoint, at: At, sink: &mut Sink<'_>) {
    if matches!(fwd.state, TcpState::Closed | TcpState::Listen) {
        sink(ConnEvent::SynAck {
            frame: at.frame,
            time: at.time,
        });
        fwd.state = TcpState::SynReceived;
    }
    if rev.state == TcpState::SynSent {
        // The client's connect() returns on receiving the SYN/ACK.
        rev.state = TcpState::Established;
    }
    if matches!(fwd.zeek, ZeekEndpoint::Inactive) {
        fwd.zeek = ZeekEndpoint::SynAckSent;
    }
}

/// An ACK (without SYN): it completes the handshake, and acknowledges the
/// peer's FIN once it covers it (RFC 9293 §3.6).
fn on_ack(fwd: &mut Endpoint, rev: &mut Endpoint, rel_ack: i64, at: At, sink: &mut Sink<'_>) {
    // An ACK from a side still in SYN-SENT proves it got the SYN/ACK the
    // capture missed.
    if fwd.state == TcpState::SynSent {
        fwd.state = TcpState::Established;
    }
    if matches!(rev.state, TcpState::SynReceived | TcpState::Listen) && rel_ack >= 1 {
        rev.state = TcpState::Established;
        sink(ConnEvent::Established {
            frame: at.frame,
            time: at.time,
        });
    }
    if let Some(fin) = rev.fin {
        if rel_ack > fin && !rev.fin_acked {
            rev.fin_acked = true;
            rev.state = rev.state.on_fin_acked();
            // A FIN this side had not yet received when it sent its own
            // (see `on_fin`) is received now.
            if fwd.fin_receipt_deferred {
                fwd.fin_receipt_deferred = false;
                fwd.state = fwd.state.on_receive_fin();
            }
        }
    }
}

/// Zeek's coarse states: a sender seen without a handshake is partial; the
/// ACK of a SYN/ACK establishes both.
fn zeek_step(fwd: &mut Endpoint, rev: &mut Endpoint, seg: &TcpSegment) {
    let f = seg.flags;
    let (fz, rz) = (fwd.zeek, rev.zeek);
    if !f.syn() && fz == ZeekEndpoint::Inactive {
        fwd.zeek = ZeekEndpoint::Partial;
    }
    if f.ack() && !f.syn() && fz == ZeekEndpoint::SynSent && rz == ZeekEndpoint::SynAckSent {
        fwd.zeek = ZeekEndpoint::Established;
        rev.zeek = ZeekEndpoint::Established;
    }
}

/// A FIN: the sender closes its side, the peer receives it.
fn on_fin(fwd: &mut Endpoint, rev: &mut Endpoint, seg: &TcpSegment, rel_ack: i64) {
    // The peer's FIN is taken as received when it passes the tap. But if
    // this FIN does not acknowledge it, this side sent its FIN before the
    // peer's arrived: a simultaneous close (RFC 9293 §3.6, Figure 13).
    // Then this side went ESTABLISHED → FIN-WAIT-1, and receives the
    // peer's FIN only when its ACK shows it, ending in TIME-WAIT.
    let peer_fin_unacked = rev.fin.is_some_and(|pf| !(seg.flags.ack() && rel_ack > pf));
    if peer_fin_unacked && fwd.state == TcpState::CloseWait {
        fwd.state = TcpState::FinWait1;
        fwd.fin_receipt_deferred = true;
    } else {
        fwd.state = fwd.state.on_send_fin();
    }
    if fwd.fin.is_none() {
        rev.state = rev.state.on_receive_fin();
    }
    if fwd.zeek != ZeekEndpoint::Reset {
        fwd.zeek = ZeekEndpoint::Closed;
    }
}

#[cfg(test)]
mod tests {
    use super::TcpState::*;
    use super::*;
    use crate::capture::Timestamp;
    use crate::tcp::Dir;
    use crate::wire::TcpFlags;

    /// Runs one segment from `fwd` to `rev`; returns its events (by name) and
    /// whether it was the sender's first reset.
    fn run(
        fwd: &mut Endpoint,
        rev: &mut Endpoint,
        flags: u16,
        seq: i64,
        ack: i64,
    ) -> (Vec<&'static str>, bool) {
        let seg = TcpSegment::test(flags, 0, 0, b"");
        let rel = Rel::test(&seg, seq, ack);
        let at = At {
            dir: Dir::C2s,
            frame: 1,
            time: Timestamp(0),
        };
        let mut events = Vec::new();
        let reset = step(fwd, rev, &seg, &rel, at, &mut |e| {
            events.push(match e {
                ConnEvent::Syn { .. } => "syn",
                ConnEvent::SynAck { .. } => "syn-ack",
                ConnEvent::Established { .. } => "established",
                ConnEvent::Reset { .. } => "reset",
                _ => "other",
            })
        });
        (events, reset)
    }

    #[test]
    fn the_handshake_and_a_reset_move_both_endpoints() {
        let (mut c, mut s) = (Endpoint::default(), Endpoint::default());
        assert_eq!(run(&mut c, &mut s, TcpFlags::SYN, 0, 0).0, ["syn"]);
        assert_eq!((c.state, s.state), (SynSent, Listen));
        let syn_ack = TcpFlags::SYN | TcpFlags::ACK;
        assert_eq!(run(&mut s, &mut c, syn_ack, 0, 1).0, ["syn-ack"]);
        assert_eq!((c.state, s.state), (Established, SynReceived));
        assert_eq!(run(&mut c, &mut s, TcpFlags::ACK, 1, 1).0, ["established"]);
        assert_eq!((c.state, s.state), (Established, Established));
        assert_eq!(
            (c.zeek, s.zeek),
            (ZeekEndpoint::Established, ZeekEndpoint::Established)
        );
        let rst = TcpFlags::RST | TcpFlags::ACK;
        assert_eq!(run(&mut s, &mut c, rst, 1, 1), (vec!["reset"], true));
        assert_eq!((c.state, s.state), (Closed, Closed));
        assert!(
            !run(&mut s, &mut c, rst, 1, 1).1,
            "only the first RST counts"
        );
    }

    /// RFC 9293 Figure 13: each side sends its FIN before the other's arrives;
    /// both end in TIME-WAIT whichever ACK passes the tap first.
    #[test]
    fn a_simultaneous_close_ends_in_time_wait_on_both_sides() {
        let established = || Endpoint {
            state: Established,
            ..Endpoint::default()
        };
        let (mut c, mut s) = (established(), established());
        let fin = TcpFlags::FIN | TcpFlags::ACK;
        run(&mut c, &mut s, fin, 1, 1);
        run(&mut s, &mut c, fin, 1, 1);
        assert_eq!((c.state, s.state), (Closing, FinWait1));
        run(&mut c, &mut s, TcpFlags::ACK, 2, 2);
        run(&mut s, &mut c, TcpFlags::ACK, 2, 2);
        assert_eq!((c.state, s.state), (TimeWait, TimeWait));
        assert!(c.is_done() && s.is_done());
    }

    #[test]
    fn active_close_walks_the_diagram() {
        let s = Established.on_send_fin();
        assert_eq!(s, FinWait1);
        let s = s.on_fin_acked();
        assert_eq!(s, FinWait2);
        assert_eq!(s.on_receive_fin(), TimeWait);
        // Simultaneous close: FIN-WAIT-1 receives a FIN, then its FIN is acked.
        assert_eq!(FinWait1.on_receive_fin().on_fin_acked(), TimeWait);
        // Passive close.
        assert_eq!(
            Established.on_receive_fin().on_send_fin().on_fin_acked(),
            Closed
        );
    }
}
