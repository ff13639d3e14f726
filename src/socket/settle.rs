//! Where a connection's socket calls finally sit, once all its segments are
//! known: inferred reads of bytes a full receiver dropped move to where it
//! took them, listen() goes before connect(), and within one frame a write()
//! goes before the read() that returned its bytes.

use super::{SocketCall, SocketEvent};
use crate::finding::Provenance;
use crate::tcp::{KernelModel, SegmentRecord};

/// Puts one connection's events in their final order. `segments` are the
/// connection's, in frame order; `server_port` is the listening port.
pub fn settle(events: &mut [SocketEvent], segments: &[SegmentRecord], server_port: u16) {
    settle_inferred_reads(events, segments);
    // listen() is dated at the SYN it answered but learned at the SYN/ACK:
    // it goes before connect(). Nearly sorted already, so the stable sort
    // costs about one pass.
    events.sort_by_key(|e| {
        let later = !matches!(e.call, SocketCall::Listening { .. });
        (e.frame, later)
    });
    // The listening port is the server's, known once roles are settled.
    for ev in events.iter_mut() {
        if let SocketCall::Listening { port } = &mut ev.call {
            *port = server_port;
        }
    }
}

/// Moves each inferred read() to the segment from which its bytes stay
/// received. The inference reads bytes as they pass the capture point, but a
/// receiver with a full buffer drops some (the slow reader: its zero-window
/// ACK says so a segment later) and takes them only when they are sent again.
/// With the kernel model the view shows ([`KernelModel`]), the read is placed
/// where the receiver holds its last byte for good. Recorded (observed)
/// calls are left as they are. Returns whether any read moved.
pub fn settle_inferred_reads(events: &mut [SocketEvent], segments: &[SegmentRecord]) -> bool {
    let is_inferred_read = |e: &SocketEvent| {
        e.provenance == Provenance::Inferred && matches!(e.call, SocketCall::Read { .. })
    };
    if !events.iter().any(is_inferred_read) {
        return false;
    }
    // Per segment: RCV.NXT of each endpoint after it, and the lowest it has
    // from then on (a suffix minimum).
    let mut model = KernelModel::default();
    let seen: Vec<[i64; 2]> = segments
        .iter()
        .map(|s| {
            model.step(s);
            model.rcv_nxt()
        })
        .collect();
    let mut held = seen.clone();
    let mut low = [i64::MAX; 2];
    for h in held.iter_mut().rev() {
        low = [low[0].min(h[0]), low[1].min(h[1])];
        *h = low;
    }
    let mut moved = false;
    for ev in events.iter_mut().filter(|e| is_inferred_read(e)) {
        let SocketCall::Read { offset, len, .. } = ev.call else {
            continue;
        };
        let e = ev.endpoint.index();
        // Stream offset o is relative sequence number o + 1.
        let need = offset.saturating_add(len).saturating_add(1) as i64;
        let from = segments.partition_point(|s| s.frame < ev.frame);
        // Only bytes the model took at the read and gave back later (a
        // zero-window ACK below them) move: the model keeps no out-of-order
        // queue, so bytes it never took at the read's frame (a hole filled
        // there) are left to the reassembly.
        let at = |v: &[[i64; 2]], k: usize| v.get(k).and_then(|h| h.get(e).copied());
        let took = at(&seen, from).is_some_and(|r| r >= need);
        let kept = at(&held, from).is_some_and(|r| r >= need);
        if !took || kept {
            continue;
        }
        // `held` only grows from `from` on: the first for good.
        let rest = held.get(from..).unwrap_or(&[]);
        let k = from + rest.partition_point(|h| h.get(e).is_some_and(|&r| r < need));
        if let Some(seg) = segments.get(k).filter(|s| s.frame > ev.frame) {
            ev.frame = seg.frame;
            ev.time = seg.time;
            moved = true;
        }
    }
    moved
}

/// Within one frame, a write() goes before the read() that returned its
/// bytes. On loopback the reader can return before the writer's call does
/// (the kernel delivers during the write), so sorting by return time put the
/// effect before its cause; a student should see the bytes written, then
/// read. Other calls keep their order (a server reads a command and then
/// writes its reply, both at the command's frame). `events` are sorted by
/// frame.
pub fn writes_before_their_reads(events: &mut [SocketEvent]) {
    let mut rest = events;
    while let Some(first) = rest.first() {
        let key = (first.frame, first.conn);
        let n = rest.iter().take_while(|e| (e.frame, e.conn) == key).count();
        let (group, tail) = std::mem::take(&mut rest).split_at_mut(n);
        // Groups are a few calls; a hostile one is left as it is.
        if group.len() <= 64 {
            writes_first(group);
        }
        rest = tail;
    }
}

/// One frame's calls of one connection: each read() whose bytes a later
/// write() of the other side in the group handed over moves after it.
fn writes_first(group: &mut [SocketEvent]) {
    let mut i = 0;
    while i < group.len() {
        let read = group.get(i).and_then(|e| match e.call {
            SocketCall::Read { offset, .. } => Some((offset, e.endpoint)),
            _ => None,
        });
        let cause = read.and_then(|(at, reader)| {
            let later = group.get(i + 1..).unwrap_or(&[]);
            later
                .iter()
                .position(|w| match w.call {
                    SocketCall::Write { offset, len, .. } => {
                        w.endpoint != reader && offset <= at && at < offset + len
                    }
                    _ => false,
                })
                .map(|p| i + 1 + p)
        });
        if let Some(j) = cause {
            if let Some(span) = group.get_mut(i..=j) {
                span.rotate_right(1);
            }
        }
        i += 1;
    }
}
