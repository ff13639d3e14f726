//! When a connection's state is freed, so that memory follows the
//! connections open at one time, not all those a capture ever held
//! (`docs/pipeline.md` explains the choices, after Zeek's timeouts):
//!
//! * **Closed**: both sides sent a FIN, or one sent a RST — released once
//!   [`CLOSE_DELAY`] of capture time passed without a segment (the last ACK
//!   and late retransmissions still find it), or at once when more than
//!   [`MAX_CLOSING`] closed connections wait.
//! * **Idle**: no segment for [`IDLE_TIMEOUT`] of capture time.
//! * **Too many open**: past [`MAX_HALF_OPEN`] connections that never
//!   completed a handshake, or [`MAX_OPEN`] in all, the least recently
//!   active make room; a capture finding says so once.
//!
//! The table is swept every [`SWEEP_FRAMES`] frames, so the cost per frame
//! stays constant however many connections are open.

use crate::capture::Timestamp;
use crate::tcp::table::ConnTable;
use crate::tcp::TcpState;

use super::records::Ended;
use super::upper::Upper;

/// Capture time a closed connection is kept for late segments (Zeek's
/// `tcp_close_delay`).
pub const CLOSE_DELAY: i64 = 5_000_000_000;
/// Capture time without a segment after which a connection is taken as over
/// (Zeek's `tcp_inactivity_timeout`).
pub const IDLE_TIMEOUT: i64 = 300_000_000_000;
/// Closed connections kept waiting for late segments at once.
pub const MAX_CLOSING: usize = 1024;
/// Connections that never completed a handshake kept at once (a SYN flood's
/// half-open entries; Linux's `tcp_max_syn_backlog` plays this part).
pub const MAX_HALF_OPEN: usize = 10_000;
/// Connections kept open at once.
pub const MAX_OPEN: usize = 20_000;
/// Frames between two sweeps of the table.
pub const SWEEP_FRAMES: u64 = 4096;

/// Which limit made a connection go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pressure {
    None,
    HalfOpen,
    Open,
}

/// The connections to release now, with why; `now` is the capture's clock
/// (the latest frame time seen). Called every [`SWEEP_FRAMES`] frames.
pub fn due(table: &ConnTable<Upper>, now: Timestamp) -> (Vec<(u32, Ended)>, Pressure) {
    let mut out = Vec::new();
    let mut closing = Vec::new();
    let mut half_open = Vec::new();
    let mut open = Vec::new();
    for e in table.entries() {
        let c = &e.conn;
        let quiet = now.nanos_since(c.last_time);
        if c.is_closed() {
            if quiet >= CLOSE_DELAY {
                out.push((c.id, Ended::Closed));
            } else {
                closing.push((c.last_time, c.id));
            }
        } else if quiet >= IDLE_TIMEOUT {
            out.push((c.id, Ended::Idle));
        } else if never_established(c) {
            half_open.push((c.last_time, c.id));
        } else {
            open.push((c.last_time, c.id));
        }
    }
    // The oldest first, down to each limit.
    let mut pressure = Pressure::None;
    trim(&mut closing, MAX_CLOSING, Ended::Closed, &mut out);
    if trim(&mut half_open, MAX_HALF_OPEN, Ended::Evicted, &mut out) {
        pressure = Pressure::HalfOpen;
    }
    let others = closing.len().min(MAX_CLOSING) + half_open.len().min(MAX_HALF_OPEN);
    if trim(
        &mut open,
        MAX_OPEN.saturating_sub(others),
        Ended::Evicted,
        &mut out,
    ) {
        pressure = Pressure::Open;
    }
    // The table iterates in hash order: hand over in id order, so the same
    // capture always gives the same report.
    out.sort_unstable_by_key(|&(id, _)| id);
    (out, pressure)
}

/// Moves the oldest of `list` past `cap` into `out`; whether any moved.
fn trim(
    list: &mut [(Timestamp, u32)],
    cap: usize,
    ended: Ended,
    out: &mut Vec<(u32, Ended)>,
) -> bool {
    if list.len() <= cap {
        return false;
    }
    // Release down to 7/8 of the cap, so a flood is not swept every time.
    let keep = cap - cap / 8;
    list.sort_unstable();
    let n = list.len() - keep;
    out.extend(list.iter().take(n).map(|&(_, id)| (id, ended)));
    true
}

/// A connection neither side of which reached ESTABLISHED.
fn never_established(c: &crate::tcp::Connection) -> bool {
    let pre = |s: TcpState| {
        matches!(
            s,
            TcpState::Closed | TcpState::Listen | TcpState::SynSent | TcpState::SynReceived
        )
    };
    pre(c.state(crate::tcp::Dir::C2s)) && pre(c.state(crate::tcp::Dir::S2c))
}
