//! The kernel's TCP state, inferred from the segments that pass the capture
//! point (RFC 9293 §3.3.1 names): each endpoint's state, SND.UNA, SND.NXT,
//! RCV.NXT, bytes in flight, the advertised window, bytes received in order,
//! retransmissions so far.
//!
//! [`KernelModel::step`] is the one place this is computed: the pipeline runs
//! it as segments arrive (to place inferred reads where the receiver really
//! holds their bytes, and to compare with what the lab's real kernel said),
//! and the view replays it from snapshots to answer "what did the kernel hold
//! here" at any cursor. Everything is inferred "as seen at the capture
//! point": a segment seen leaving one side may not have reached the other yet.

use super::analysis::Flag;
use super::dir::Dir;
use super::endpoint::Endpoint;
use super::segment::SegmentRecord;
use super::state::TcpState;

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

/// What the model carries from segment to segment, per sender.
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

/// Both senders' state, carried from segment to segment. Small and `Copy`,
/// so a view keeps one every few segments and replays from there.
#[derive(Clone, Copy, Debug, Default)]
pub struct KernelModel {
    halves: [Half; 2],
}

impl KernelModel {
    /// What one segment changes for its sender and its receiver.
    pub fn step(&mut self, s: &SegmentRecord) {
        step(self, s)
    }

    /// RCV.NXT of the receiver of each direction's bytes, as a 64-bit
    /// relative number (0 before anything is known): index 0 is the client.
    pub fn rcv_nxt(&self) -> [i64; 2] {
        self.halves.map(|h| h.rcv.unwrap_or(0))
    }

    /// Both endpoints as the kernel pane shows them. `read_end` is, per
    /// endpoint, the stream offset one past the last byte its application
    /// read; `reads_observed` whether those reads were recorded.
    pub fn endpoints(&self, read_end: [u64; 2], reads_observed: bool) -> KernelAt {
        let [client, server] = &self.halves;
        let [client_read, server_read] = read_end;
        let side = |h: &Half, read_end: u64| {
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
                read: read_end.min(received),
                reads_observed,
                segments: h.segments,
                retransmissions: h.retransmissions,
            }
        };
        KernelAt {
            client: side(client, client_read),
            server: side(server, server_read),
        }
    }
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

/// The sender's and the receiver's halves of a segment of `dir`.
fn sender_receiver(halves: &mut [Half; 2], dir: Dir) -> (&mut Half, &mut Half) {
    let [client, server] = halves;
    match dir {
        Dir::C2s => (client, server),
        Dir::S2c => (server, client),
    }
}

/// What one segment changes for its sender and its receiver.
fn step(snap: &mut KernelModel, s: &SegmentRecord) {
    let [client_state, server_state] = s.states;
    let (my_state, peer_state) = match s.dir {
        Dir::C2s => (client_state, server_state),
        Dir::S2c => (server_state, client_state),
    };
    let (me, peer) = sender_receiver(&mut snap.halves, s.dir);
    let syn = u32::from(s.flags.syn());
    let fin = u32::from(s.flags.fin());
    let seq = near(s.seq, me.nxt);
    // A keep-alive's byte lies below SND.NXT and is not data.
    let len = if s.analysis.has(Flag::KeepAlive) {
        0
    } else {
        s.len
    };
    let end = seq + i64::from(len + syn + fin);
    sender_step(me, peer.nxt, s, my_state, end);
    let both_syns = me.syn_seen && peer.syn_seen;
    receiver_step(peer, s, peer_state, seq, end, both_syns);
    if s.flags.ack() {
        // The acknowledgement covers the peer's bytes.
        let ack = near(s.ack, peer.nxt);
        peer.una = Some(peer.una.map_or(ack, |u| u.max(ack)));
    }
    // Before any acknowledgement, everything the sender sent is unacknowledged
    // from its initial sequence number on.
    if me.una.is_none() {
        me.una = Some(seq.min(me.nxt.unwrap_or(seq)));
    }
}

/// The sender's side of a segment ending at relative number `end`.
fn sender_step(h: &mut Half, peer_nxt: Option<i64>, s: &SegmentRecord, state: TcpState, end: i64) {
    h.segments += 1;
    if s.analysis.has(Flag::Retransmission)
        || s.analysis.has(Flag::FastRetransmission)
        || s.analysis.has(Flag::SpuriousRetransmission)
    {
        h.retransmissions += 1;
    }
    h.nxt = Some(h.nxt.map_or(end, |n| n.max(end)));
    h.window = Some(s.window_scaled);
    h.state = state;
    h.syn_seen |= s.flags.syn();
    if !s.flags.ack() {
        return;
    }
    // Its ACK is its RCV.NXT when it sent it (RFC 9293 §3.3.1). Bytes that
    // passed the capture point past it are usually still on their way (a
    // capture near the sender sees them leave before the ACK of earlier ones
    // comes back): they stay counted. But an ACK below them that also closes
    // the window says its buffer is full: those bytes were dropped (the slow
    // reader), and it holds what its ACK says. An ACK older than one it sent
    // already (reordered) says nothing new.
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

/// The receiver's side of a segment covering relative numbers `seq..end`.
fn receiver_step(
    p: &mut Half,
    s: &SegmentRecord,
    state: TcpState,
    seq: i64,
    end: i64,
    both_syns: bool,
) {
    p.state = state;
    let fin = i64::from(s.flags.fin());
    // RFC 9293 §3.10.7.4: the receiver keeps only the bytes inside the
    // window it advertised (a zero-window probe's byte is dropped). A FIN
    // needs no window room (Linux accepts one at a zero window), but counts
    // only if every byte before it was taken. Without both SYNs the window
    // scale is unknown and the edge too low to trust.
    let data_end = end - fin;
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

#[cfg(test)]
// Tests index the model's two halves by their known positions.
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;
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
        let mut snap = KernelModel::default();
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
        let mut snap = KernelModel::default();
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
        let mut snap = KernelModel::default();
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
