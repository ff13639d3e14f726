//! What each endpoint's TCP stack held at a cursor, inferred from the segments
//! that passed the capture point up to it (RFC 9293 §3.3.1 names): state,
//! SND.UNA, SND.NXT, RCV.NXT, bytes in flight, the advertised window, bytes
//! received but not yet read by the application, retransmissions so far.
//!
//! A view asks for these at every key press, anywhere in a capture of
//! millions of segments, so [`KernelIndex`] keeps a snapshot every
//! [`CHECKPOINT`] segments of a connection and replays at most that many:
//! the cost of a question does not grow with the capture.
//!
//! Everything here is inferred "as seen at the capture point": a segment seen
//! leaving one side may not have reached the other yet.

use crate::capture::Timestamp;
use crate::finding::Provenance;
use crate::socket::{Endpoint, SocketCall};
use crate::tcp::{Dir, Flag, SegmentRecord, TcpState};

use super::Timeline;

/// Segments between two snapshots of a connection's kernel state.
pub const CHECKPOINT: usize = 64;

/// One endpoint's stack at the cursor. Sequence numbers are relative (0 =
/// the endpoint's SYN), unwrapped past 2³².
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndpointKernel {
    pub state: TcpState,
    /// Oldest byte it sent that the peer has not acknowledged yet.
    pub snd_una: Option<u64>,
    /// Next sequence number it will send.
    pub snd_nxt: Option<u64>,
    /// Next sequence number it expects from the peer.
    pub rcv_nxt: Option<u64>,
    /// The window it advertised last (scaled), in bytes.
    pub window: Option<u64>,
    /// Payload bytes from the peer it holds in order (stream octets).
    pub received: u64,
    /// Of those, bytes its application has read.
    pub read: u64,
    /// Whether [`EndpointKernel::read`] comes from recorded calls (true) or
    /// from the inference that read() runs at each wake-up.
    pub reads_observed: bool,
    /// Segments it sent so far, and how many repeated earlier bytes.
    pub segments: u64,
    pub retransmissions: u64,
}

impl EndpointKernel {
    /// Bytes sent and not yet acknowledged.
    pub fn in_flight(&self) -> Option<u64> {
        Some(self.snd_nxt?.saturating_sub(self.snd_una?))
    }

    /// Bytes received in order that the application has not read.
    pub fn unread(&self) -> u64 {
        self.received.saturating_sub(self.read)
    }
}

/// Both endpoints at the cursor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelAt {
    pub client: EndpointKernel,
    pub server: EndpointKernel,
}

impl KernelAt {
    pub fn side(&self, e: Endpoint) -> &EndpointKernel {
        match e {
            Endpoint::Client => &self.client,
            Endpoint::Server => &self.server,
        }
    }
}

/// The state the replay carries from segment to segment (one per sender).
#[derive(Clone, Copy, Debug, Default)]
struct Half {
    /// Highest sequence number sent + its length.
    nxt: Option<i64>,
    /// Highest acknowledgement received for its bytes.
    una: Option<i64>,
    /// Next in-order byte expected from the peer.
    rcv: Option<i64>,
    /// The peer's FIN was received in order (it occupies one number).
    fin_in: bool,
    window: Option<u64>,
    /// Highest acknowledgement it sent.
    acked: Option<i64>,
    /// Right edge of the window it advertised last (its ACK + window): the
    /// peer's bytes past it are outside the window and dropped.
    right: Option<i64>,
    /// It sent a SYN the capture saw, so its window scale is known.
    syn_seen: bool,
    segments: u64,
    retransmissions: u64,
    state: TcpState,
}

#[derive(Clone, Copy, Debug, Default)]
struct Snapshot {
    halves: [Half; 2],
}

/// One read() of the application, for the unread count.
#[derive(Clone, Copy, Debug)]
struct ReadMark {
    /// The frame the socket layer lists it at (the socket pane shows it
    /// from there on, and so does the unread count), and its time.
    frame: u64,
    time: Timestamp,
    endpoint: Endpoint,
    /// Stream offset one past the last byte read.
    end: u64,
    observed: bool,
}

/// Per connection: where its records are, and kernel snapshots.
#[derive(Debug, Default)]
struct ConnKernel {
    /// Positions in [`Timeline::segments`], in frame order.
    segments: Vec<u32>,
    /// Positions in [`Timeline::socket`], in frame order.
    socket: Vec<u32>,
    /// Snapshot before segment `k * CHECKPOINT` of the connection.
    checkpoints: Vec<Snapshot>,
    /// Reads sorted by frame, with the running maximum of `end` per endpoint.
    reads: Vec<(ReadMark, [u64; 2])>,
}

/// Positions and snapshots for every connection of a timeline, built once
/// (linear in the capture); each question then costs at most [`CHECKPOINT`]
/// steps and a binary search.
#[derive(Debug, Default)]
pub struct KernelIndex {
    conns: Vec<ConnKernel>,
}

impl KernelIndex {
    pub fn build(t: &Timeline) -> Self {
        let mut conns: Vec<ConnKernel> = (0..t.connections.len())
            .map(|_| ConnKernel::default())
            .collect();
        for (i, s) in t.segments.iter().enumerate() {
            if let Some(c) = slot(&mut conns, s.conn) {
                c.segments.push(i as u32);
            }
        }
        for (i, e) in t.socket.iter().enumerate() {
            if let Some(c) = slot(&mut conns, e.conn) {
                c.socket.push(i as u32);
                if let SocketCall::Read { offset, len, .. } = e.call {
                    c.reads.push((
                        ReadMark {
                            frame: e.frame,
                            time: e.time,
                            endpoint: e.endpoint,
                            end: offset.saturating_add(len),
                            observed: e.provenance != Provenance::Inferred,
                        },
                        [0, 0],
                    ));
                }
            }
        }
        for c in &mut conns {
            c.reads.sort_by_key(|(m, _)| (m.frame, m.time));
            let mut best = [0u64; 2];
            for (m, run) in &mut c.reads {
                let k = m.endpoint as usize;
                best[k] = best[k].max(m.end);
                *run = best;
            }
            let mut snap = Snapshot::default();
            for (k, &i) in c.segments.iter().enumerate() {
                if k % CHECKPOINT == 0 {
                    c.checkpoints.push(snap);
                }
                if let Some(s) = t.segments.get(i as usize) {
                    step(&mut snap, s);
                }
            }
        }
        KernelIndex { conns }
    }

    /// Positions in [`Timeline::segments`] of a connection's segments.
    pub fn segments_of(&self, conn: u32) -> &[u32] {
        self.get(conn).map_or(&[], |c| c.segments.as_slice())
    }

    /// Positions in [`Timeline::socket`] of a connection's socket events.
    pub fn socket_of(&self, conn: u32) -> &[u32] {
        self.get(conn).map_or(&[], |c| c.socket.as_slice())
    }

    fn get(&self, conn: u32) -> Option<&ConnKernel> {
        self.conns.get((conn as usize).checked_sub(1)?)
    }

    /// Both endpoints just after the connection's `pos`-th segment (0-based).
    pub fn at(&self, t: &Timeline, conn: u32, pos: usize) -> Option<KernelAt> {
        let c = self.get(conn)?;
        c.segments.get(pos)?;
        let mut snap = *c.checkpoints.get(pos / CHECKPOINT)?;
        for &i in &c.segments[pos / CHECKPOINT * CHECKPOINT..=pos] {
            step(&mut snap, t.segments.get(i as usize)?);
        }
        // The reads listed at this frame or before it: the socket pane and
        // the unread count agree.
        let frame = t
            .segments
            .get(c.segments[pos] as usize)
            .map_or(0, |s| s.frame);
        let n = c.reads.partition_point(|(m, _)| m.frame <= frame);
        let read_end = n
            .checked_sub(1)
            .and_then(|i| c.reads.get(i))
            .map_or([0, 0], |r| r.1);
        let observed = c.reads.first().is_some_and(|(m, _)| m.observed);
        let side = |e: Endpoint| {
            let h = &snap.halves[e as usize];
            // A listening socket has no connection yet: the SYN passing the
            // capture point creates one only when the stack answers it
            // (RFC 9293 §3.10.7.2; Linux keeps the listener in LISTEN and
            // the half-open connection in a separate request socket), so
            // it expects no sequence number of its own yet.
            let listening = h.state == TcpState::Listen;
            // Offset 0 of the stream is relative sequence number 1 (the byte
            // after the SYN); a FIN takes a number but carries no byte.
            let received = h
                .rcv
                .map_or(0, |r| (r - 1 - i64::from(h.fin_in)).max(0) as u64);
            EndpointKernel {
                state: h.state,
                snd_una: h.una.map(clamp),
                snd_nxt: h.nxt.map(clamp),
                rcv_nxt: h.rcv.filter(|_| !listening).map(clamp),
                window: h.window,
                received,
                read: read_end[e as usize].min(received),
                reads_observed: observed,
                segments: h.segments,
                retransmissions: h.retransmissions,
            }
        };
        Some(KernelAt {
            client: side(Endpoint::Client),
            server: side(Endpoint::Server),
        })
    }
}

/// Moves each inferred read() to the segment from which its bytes stay
/// received. The inference reads bytes as they pass the capture point, but
/// a receiver with a full buffer drops some (the slow reader: its
/// zero-window ACK says so a segment later) and takes them only when they
/// are sent again. With the same receiver model as the kernel pane, the
/// read is placed where the receiver holds its last byte for good. Recorded
/// (observed) calls are left as they are. Returns whether any read moved.
pub(crate) fn settle_inferred_reads(t: &mut Timeline) -> bool {
    let n = t.connections.len();
    let mut segs: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, s) in t.segments.iter().enumerate() {
        if let Some(v) = (s.conn as usize)
            .checked_sub(1)
            .and_then(|k| segs.get_mut(k))
        {
            v.push(i as u32);
        }
    }
    let mut reads: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, e) in t.socket.iter().enumerate() {
        if e.provenance == Provenance::Inferred && matches!(e.call, SocketCall::Read { .. }) {
            if let Some(v) = (e.conn as usize)
                .checked_sub(1)
                .and_then(|k| reads.get_mut(k))
            {
                v.push(i as u32);
            }
        }
    }
    let mut moved = false;
    for (positions, events) in segs.iter().zip(&reads) {
        if events.is_empty() {
            continue;
        }
        // Per segment: the lowest RCV.NXT each endpoint has from then on.
        let mut snap = Snapshot::default();
        let mut seen: Vec<[i64; 2]> = Vec::with_capacity(positions.len());
        for &i in positions {
            let Some(s) = t.segments.get(i as usize) else {
                break;
            };
            step(&mut snap, s);
            seen.push([0, 1].map(|k| snap.halves[k].rcv.unwrap_or(0)));
        }
        // The lowest from each segment on: a suffix minimum.
        let mut held = seen.clone();
        let mut low = [i64::MAX; 2];
        for h in held.iter_mut().rev() {
            low = [low[0].min(h[0]), low[1].min(h[1])];
            *h = low;
        }
        for &ei in events {
            let Some(ev) = t.socket.get(ei as usize) else {
                continue;
            };
            let SocketCall::Read { offset, len, .. } = ev.call else {
                continue;
            };
            let e = ev.endpoint as usize;
            // Stream offset o is relative sequence number o + 1.
            let need = offset.saturating_add(len).saturating_add(1) as i64;
            let from = positions.partition_point(|&i| {
                t.segments
                    .get(i as usize)
                    .is_some_and(|s| s.frame < ev.frame)
            });
            // Only bytes the model took at the read and gave back later
            // (a zero-window ACK below them) move: the model keeps no
            // out-of-order queue, so bytes it never took at the read's
            // frame (a hole filled there) are left to the reassembly.
            let took = seen.get(from).is_some_and(|h| h[e] >= need);
            let kept = held.get(from).is_some_and(|h| h[e] >= need);
            if !took || kept {
                continue;
            }
            // `held` only grows from `from` on: the first for good.
            let k = from + held[from.min(held.len())..].partition_point(|h| h[e] < need);
            let Some(seg) = positions.get(k).and_then(|&i| t.segments.get(i as usize)) else {
                continue;
            };
            if seg.frame > ev.frame {
                let (frame, time) = (seg.frame, seg.time);
                if let Some(ev) = t.socket.get_mut(ei as usize) {
                    ev.frame = frame;
                    ev.time = time;
                    moved = true;
                }
            }
        }
    }
    moved
}

fn slot(conns: &mut [ConnKernel], conn: u32) -> Option<&mut ConnKernel> {
    conns.get_mut((conn as usize).checked_sub(1)?)
}

fn clamp(v: i64) -> u64 {
    v.max(0) as u64
}

/// Unwraps a relative 32-bit number near a known 64-bit one.
fn near(raw: u32, known: Option<i64>) -> i64 {
    match known {
        Some(k) => k + i64::from(raw.wrapping_sub(k as u32) as i32),
        None => i64::from(raw),
    }
}

/// What one segment changes for its sender and its receiver.
fn step(snap: &mut Snapshot, s: &SegmentRecord) {
    let (me, peer) = match s.dir {
        Dir::C2s => (0, 1),
        Dir::S2c => (1, 0),
    };
    let syn = u32::from(s.flags.syn());
    let fin = u32::from(s.flags.fin());
    let keep_alive = s.analysis.has(Flag::KeepAlive);
    let seq = near(s.seq, snap.halves[me].nxt);
    // A keep-alive's byte lies below SND.NXT and is not data.
    let len = if keep_alive { 0 } else { s.len };
    let end = seq + i64::from(len + syn + fin);
    let peer_nxt = snap.halves[peer].nxt;
    {
        let h = &mut snap.halves[me];
        h.segments += 1;
        if s.analysis.has(Flag::Retransmission)
            || s.analysis.has(Flag::FastRetransmission)
            || s.analysis.has(Flag::SpuriousRetransmission)
        {
            h.retransmissions += 1;
        }
        h.nxt = Some(h.nxt.map_or(end, |n| n.max(end)));
        h.window = Some(s.window_scaled);
        h.state = s.states[me];
        h.syn_seen |= syn == 1;
        if s.flags.ack() {
            // Its ACK is its RCV.NXT when it sent it (RFC 9293 §3.3.1).
            // Bytes that passed the capture point past it are usually still
            // on their way (a capture near the sender sees them leave before
            // the ACK of earlier ones comes back): they stay counted. But an
            // ACK below them that also closes the window says its buffer is
            // full: those bytes were dropped (the slow reader), and it holds
            // what its ACK says. An ACK older than one it sent already
            // (reordered) says nothing new.
            let ack = near(s.ack, h.rcv.or(peer_nxt));
            if h.acked.is_none_or(|a| ack >= a) {
                let dropped = s.window_scaled == 0 && h.rcv.is_some_and(|r| ack < r);
                if dropped {
                    h.fin_in = false;
                    h.rcv = Some(ack);
                } else {
                    h.rcv = Some(h.rcv.map_or(ack, |r| r.max(ack)));
                }
                h.acked = Some(ack);
            }
            h.right = Some(ack + s.window_scaled.min(i64::MAX as u64 / 4) as i64);
        }
    }
    {
        let both_syns = snap.halves[0].syn_seen && snap.halves[1].syn_seen;
        let p = &mut snap.halves[peer];
        p.state = s.states[peer];
        // RFC 9293 §3.10.7.4: the receiver keeps only the bytes inside the
        // window it advertised (a zero-window probe's byte is dropped). A
        // FIN needs no window room (Linux accepts one at a zero window), but
        // counts only if every byte before it was taken. Without both SYNs
        // the window scale is unknown and the edge too low to trust.
        let data_end = end - i64::from(fin);
        let edge = if both_syns { p.right } else { None };
        let took = edge.map_or(data_end, |right| data_end.min(right));
        let whole = took == data_end;
        let new_end = if whole { end } else { took };
        match p.rcv {
            None => p.rcv = Some(new_end),
            Some(r) if seq <= r && new_end > r => p.rcv = Some(new_end),
            _ => {}
        }
        if fin == 1 && whole && p.rcv == Some(end) {
            p.fin_in = true;
        }
    }
    if s.flags.ack() {
        // The acknowledgement covers the peer's bytes.
        let p = &mut snap.halves[peer];
        let ack = near(s.ack, p.nxt);
        p.una = Some(p.una.map_or(ack, |u| u.max(ack)));
    }
    // Before any acknowledgement, everything the sender sent is unacknowledged
    // from its initial sequence number on.
    let h = &mut snap.halves[me];
    if h.una.is_none() {
        h.una = Some(seq.min(h.nxt.unwrap_or(seq)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp::Preview;
    use crate::wire::TcpFlags;

    fn seg(dir: Dir, flags: u16, seq: u32, ack: u32, len: u32) -> SegmentRecord {
        SegmentRecord {
            conn: 1,
            frame: 0,
            time: Timestamp(0),
            dir,
            flags: TcpFlags(flags),
            seq,
            ack,
            len,
            captured: len,
            window: 100,
            window_scaled: 100,
            analysis: Default::default(),
            context: Default::default(),
            preview: Preview::of(b""),
            syn_options: None,
            states: [TcpState::Established; 2],
        }
    }

    #[test]
    fn a_handshake_then_data_in_flight() {
        const S: u16 = TcpFlags::SYN;
        const A: u16 = TcpFlags::ACK;
        const P: u16 = TcpFlags::PSH;
        let mut snap = Snapshot::default();
        for s in [
            seg(Dir::C2s, S, 0, 0, 0),
            seg(Dir::S2c, S | A, 0, 1, 0),
            seg(Dir::C2s, A, 1, 1, 0),
            seg(Dir::S2c, P | A, 1, 1, 17),
        ] {
            step(&mut snap, &s);
        }
        let (c, s) = (&snap.halves[0], &snap.halves[1]);
        assert_eq!((s.una, s.nxt), (Some(1), Some(18)), "17 B in flight");
        assert_eq!(c.rcv, Some(18), "the client holds 17 B after the SYN");
        assert_eq!((c.una, c.nxt), (Some(1), Some(1)));
        step(&mut snap, &seg(Dir::C2s, A, 1, 18, 0));
        assert_eq!(snap.halves[1].una, Some(18), "acknowledged: none in flight");
    }

    #[test]
    fn bytes_past_the_advertised_window_are_not_received() {
        const S: u16 = TcpFlags::SYN;
        const A: u16 = TcpFlags::ACK;
        const F: u16 = TcpFlags::FIN;
        let mut snap = Snapshot::default();
        let mut zero = seg(Dir::C2s, A, 1, 1, 0);
        zero.window_scaled = 0;
        for s in [
            seg(Dir::C2s, S, 0, 0, 0),
            seg(Dir::S2c, S | A, 0, 1, 0),
            zero,
            seg(Dir::S2c, A, 1, 1, 1),
        ] {
            step(&mut snap, &s);
        }
        assert_eq!(
            snap.halves[0].rcv,
            Some(1),
            "a zero-window probe is dropped"
        );
        let mut open = seg(Dir::C2s, A, 1, 1, 0);
        open.window_scaled = 10;
        step(&mut snap, &open);
        step(&mut snap, &seg(Dir::S2c, A, 1, 1, 30));
        assert_eq!(
            snap.halves[0].rcv,
            Some(11),
            "only the window's 10 B are taken"
        );
        step(&mut snap, &seg(Dir::S2c, F | A, 11, 1, 20));
        assert_eq!(snap.halves[0].rcv, Some(11));
        assert!(
            !snap.halves[0].fin_in,
            "a FIN after dropped bytes is not taken"
        );
    }

    #[test]
    fn the_receivers_own_ack_says_what_it_holds() {
        const S: u16 = TcpFlags::SYN;
        const A: u16 = TcpFlags::ACK;
        let mut snap = Snapshot::default();
        for s in [
            seg(Dir::C2s, S, 0, 0, 0),
            seg(Dir::S2c, S | A, 0, 1, 0),
            seg(Dir::C2s, A, 1, 1, 0),
            seg(Dir::S2c, A, 1, 1, 50),
            seg(Dir::S2c, A, 51, 1, 50),
        ] {
            step(&mut snap, &s);
        }
        assert_eq!(
            snap.halves[0].rcv,
            Some(101),
            "in the window: assumed taken"
        );
        // An ACK of the first segment only, window open: the second is on
        // its way (the capture is near the sender), still counted.
        step(&mut snap, &seg(Dir::C2s, A, 1, 51, 0));
        assert_eq!(snap.halves[0].rcv, Some(101));
        // The same ACK with a zero window: its buffer was full, the second
        // segment was dropped (the slow reader).
        let mut full = seg(Dir::C2s, A, 1, 51, 0);
        full.window_scaled = 0;
        step(&mut snap, &full);
        assert_eq!(snap.halves[0].rcv, Some(51));
        // A reordered older ACK changes nothing.
        step(&mut snap, &seg(Dir::C2s, A, 1, 1, 0));
        assert_eq!(snap.halves[0].rcv, Some(51));
    }
}
