//! One TCP connection: its two directions, who is client and server, and the
//! coordinator that takes each segment through the steps of the kernel's
//! view. The steps run in this order, which is the order of the events and
//! findings a segment raises (the analysis itself runs Wireshark's tests in
//! Wireshark's order):
//!
//! 1. its numbers relative to each side's ISN (`relative`);
//! 2. the per-segment analysis as Wireshark decides it, then what the analysis
//!    remembers for the next segment (`analysis`);
//! 3. its bytes: what is sent for the first time, what reassembly delivers,
//!    which holes the ACK declares gaps (`stream_feed`);
//! 4. both endpoints' RFC 9293 states, the end of each stream (`state`);
//! 5. a zero-window episode, Zeek's history letters, and the annotation
//!    counts summarised at the end.
//!
//! The words of the findings are in `findings`.

use std::net::SocketAddr;

use super::analysis::{Analysis, Context, Flag, Flow};
use super::dir::Dir;
use super::event::{At, ConnEvent, Sink};
use super::findings::{Notes, Raised, Tally};
use super::history::conn_state;
use super::relative::{self, Origin, Rel};
use super::segment::{Preview, SegmentRecord};
use super::state::{self, Endpoint, TcpState};
use super::stream_feed::Feed;
use crate::capture::{FrameMeta, Timestamp};
use crate::finding::{Finding, Severity};
use crate::wire::TcpSegment;

/// Both directions, client's first.
const BOTH: [Dir; 2] = [Dir::C2s, Dir::S2c];

/// How the client/server roles were decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleSource {
    /// The client sent the first SYN.
    Syn,
    /// The first segment seen was a SYN/ACK, so its sender is the server.
    SynAck,
    /// No handshake seen: the side with the higher port is taken as the client.
    Ports,
}

/// One direction: what its sender sent and what its receiver assembled.
#[derive(Debug, Default)]
struct Half {
    /// Where its sequence space starts.
    origin: Origin,
    /// What the analysis remembers of it.
    flow: Flow,
    /// Its sender's state.
    end: Endpoint,
    /// Its byte stream.
    feed: Feed,
    raised: Raised,
    segments: u64,
    tally: Tally,
}

/// The halves of `dir`'s sender and of its peer.
fn pair(halves: &[Half; 2], dir: Dir) -> (&Half, &Half) {
    let [c2s, s2c] = halves;
    match dir {
        Dir::C2s => (c2s, s2c),
        Dir::S2c => (s2c, c2s),
    }
}

/// As [`pair`], to change them.
fn pair_mut(halves: &mut [Half; 2], dir: Dir) -> (&mut Half, &mut Half) {
    let [c2s, s2c] = halves;
    match dir {
        Dir::C2s => (c2s, s2c),
        Dir::S2c => (s2c, c2s),
    }
}

/// A TCP connection between a client and a server.
#[derive(Debug)]
pub struct Connection {
    pub id: u32,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub roles: RoleSource,
    pub first_frame: u64,
    pub last_frame: u64,
    pub first_time: Timestamp,
    pub last_time: Timestamp,
    halves: [Half; 2],
    notes: Notes,
    syn_time: Option<Timestamp>,
    /// Initial RTT: from the client's SYN to its ACK of the SYN/ACK.
    irtt: Option<i64>,
    finished: bool,
}

/// What kind of first segment opened a connection, to pick roles.
pub fn roles_for(
    first: &TcpSegment,
    src: SocketAddr,
    dst: SocketAddr,
) -> (SocketAddr, SocketAddr, RoleSource) {
    let f = first.flags;
    if f.syn() && !f.ack() {
        (src, dst, RoleSource::Syn)
    } else if f.syn() && f.ack() {
        (dst, src, RoleSource::SynAck)
    } else if src.port() >= dst.port() {
        (src, dst, RoleSource::Ports)
    } else {
        (dst, src, RoleSource::Ports)
    }
}

impl Connection {
    pub fn new(
        id: u32,
        frame: &FrameMeta,
        first: &TcpSegment,
        src: SocketAddr,
        dst: SocketAddr,
    ) -> Self {
        let (client, server, roles) = roles_for(first, src, dst);
        let mut c = Connection {
            id,
            client,
            server,
            roles,
            first_frame: frame.number,
            last_frame: frame.number,
            first_time: frame.time,
            last_time: frame.time,
            halves: Default::default(),
            notes: Notes::new(id),
            syn_time: None,
            irtt: None,
            finished: false,
        };
        if src != client {
            c.notes.history.flipped();
        }
        if !first.flags.syn() {
            c.notes.midstream(frame.number, client);
            for h in &mut c.halves {
                h.end.state = TcpState::Established;
            }
        }
        c
    }

    fn half(&self, dir: Dir) -> &Half {
        pair(&self.halves, dir).0
    }

    /// Which direction a segment from `src` travels.
    pub fn dir_of(&self, src: SocketAddr) -> Dir {
        if src == self.client {
            Dir::C2s
        } else {
            Dir::S2c
        }
    }

    /// Zeek's history string.
    pub fn history(&self) -> &str {
        self.notes.history.as_str()
    }

    /// Zeek's conn_state code.
    pub fn conn_state(&self) -> &'static str {
        let payload = self
            .halves
            .iter()
            .any(|h| h.feed.reasm.delivered_bytes() + h.feed.reasm.gap_bytes() > 0);
        let [c2s, s2c] = &self.halves;
        conn_state(c2s.end.zeek, s2c.end.zeek, payload)
    }

    /// RFC 9293 state of the client or server now.
    pub fn state(&self, dir: Dir) -> TcpState {
        self.half(dir).end.state
    }

    /// Reassembled payload octets of a direction (gaps excluded).
    pub fn bytes(&self, dir: Dir) -> u64 {
        self.half(dir).feed.reasm.delivered_bytes()
    }

    /// Bytes of a direction the capture missed.
    pub fn gap_bytes(&self, dir: Dir) -> u64 {
        self.half(dir).feed.reasm.gap_bytes()
    }

    /// Segments sent in a direction.
    pub fn segments(&self, dir: Dir) -> u64 {
        self.half(dir).segments
    }

    /// Which frame delivered which stream bytes.
    pub fn spans(&self, dir: Dir) -> &[super::reassembly::Span] {
        self.half(dir).feed.reasm.spans()
    }

    /// The last copies of a direction's bytes that differed from another
    /// copy, with both versions and the rule that chose (docs/reassembly.md).
    pub fn overlap_conflicts(
        &self,
        dir: Dir,
    ) -> impl Iterator<Item = &super::reassembly::Conflict> {
        self.half(dir).feed.reasm.conflicts()
    }

    /// Initial round-trip time (SYN to the ACK of the SYN/ACK), if seen.
    pub fn irtt_nanos(&self) -> Option<i64> {
        self.irtt
    }

    pub fn findings(&self) -> &[Finding] {
        &self.notes.findings.list
    }

    /// True once both sides are closed: a new SYN on the same ports is a new
    /// connection.
    pub fn is_closed(&self) -> bool {
        self.halves.iter().any(|h| h.end.reset) || self.halves.iter().all(|h| h.end.is_done())
    }

    /// True if a SYN from the sender of `dir` with sequence number `seq` does not
    /// belong to this connection: that side's initial sequence number is known
    /// (from its SYN, or implied by the peer's acknowledgements) and differs.
    pub fn is_new_syn(&self, dir: Dir, seq: u32) -> bool {
        self.half(dir).origin.base.is_some_and(|b| b != seq)
    }

    /// Whether both SYNs were seen, so window scaling is known.
    fn scale_known(&self) -> bool {
        let [c2s, s2c] = &self.halves;
        relative::scale_known(&c2s.origin, &s2c.origin)
    }

    /// Processes one segment of this connection; reports stream deliveries and
    /// milestones to `sink`.
    pub fn process(
        &mut self,
        frame: &FrameMeta,
        seg: &TcpSegment,
        dir: Dir,
        sink: &mut dyn FnMut(ConnEvent<'_>),
    ) -> SegmentRecord {
        let at = At {
            dir,
            frame: frame.number,
            time: frame.time,
        };
        self.last_frame = at.frame;
        self.last_time = at.time;
        let rel = self.relate(seg, at);
        if let Some((by, ahead)) = self.foreign(&rel, at) {
            // Outside any window: shown, reported, and kept out of the
            // analysis, the stream and the states (RFC 9293 §3.10.7.4).
            let (fwd, _) = pair_mut(&mut self.halves, dir);
            fwd.segments += 1;
            self.notes.foreign(&mut fwd.raised, at, by, ahead);
            return self.record(seg, &rel, at, Analysis::default(), Context::default());
        }
        let (mut a, mut ctx) = self.judge(seg, &rel, at);
        self.feed(seg, &rel, at, &mut a, &mut ctx, sink);
        self.states(seg, &rel, at, sink);
        // Step 5: a zero-window episode, Zeek's letters, the annotation counts.
        let (fwd, _) = pair_mut(&mut self.halves, dir);
        self.notes.zero_window(&mut fwd.raised, seg, at);
        self.notes.history.segment(seg, at.client(), a);
        fwd.tally.add(a, at.frame);
        // The connection is over: free the bytes kept to compare retransmissions
        // with (a late one is counted as not compared).
        if self.is_closed() {
            for h in &mut self.halves {
                h.feed.reasm.release_history();
            }
        }
        self.record(seg, &rel, at, a, ctx)
    }

    /// How far a segment's sequence number lies outside anything its
    /// receiver's window could ever admit, and whether ahead of it: more
    /// than 2^30 bytes (the largest scaled window, RFC 7323 §2.3) from the
    /// receiver's last acknowledgement (or the sender's own highest byte, if
    /// lower). Such a segment would otherwise make
    /// a phantom gap of gigabytes, or pull the unwrapping of the sequence
    /// numbers after it 2^32 away.
    fn foreign(&self, rel: &Rel, at: At) -> Option<(u64, bool)> {
        const REACH: i64 = 1 << 30;
        let (fwd, rev) = pair(&self.halves, at.dir);
        // The receiver's ACK, but never past what the sender is known to
        // have sent: a wild ACK must not make the sender's real bytes look
        // foreign.
        let acked = match (rev.flow.last_ack, fwd.flow.next_seq) {
            (Some(a), Some(n)) => a.min(n),
            (a, n) => a.or(n)?,
        };
        let window = i64::try_from(rev.flow.window.unwrap_or(0)).unwrap_or(i64::MAX);
        let edge = acked.saturating_add(window);
        if rel.seq > edge.saturating_add(REACH) {
            return Some((u64::try_from(rel.seq - edge).unwrap_or(u64::MAX), true));
        }
        if rel.end < acked.saturating_sub(REACH) {
            return Some((u64::try_from(acked - rel.end).unwrap_or(u64::MAX), false));
        }
        None
    }

    /// Step 1: the ISNs the segment shows, and its relative numbers.
    fn relate(&mut self, seg: &TcpSegment, at: At) -> Rel {
        let f = seg.flags;
        if f.syn() && !f.ack() && self.syn_time.is_none() {
            self.syn_time = Some(at.time);
        }
        let (fwd, rev) = pair_mut(&mut self.halves, at.dir);
        let ack_near = rev.flow.next_seq.or(fwd.flow.last_ack);
        relative::relate(
            &mut fwd.origin,
            &mut rev.origin,
            seg,
            fwd.flow.next_seq,
            ack_near,
        )
    }

    /// Step 2: the annotations, then what the analysis keeps for the next
    /// segment, and the initial RTT when this is the handshake's last ACK.
    fn judge(&mut self, seg: &TcpSegment, rel: &Rel, at: At) -> (Analysis, Context) {
        let (fwd, rev) = pair(&self.halves, at.dir);
        let (a, mut ctx) = fwd
            .flow
            .judge(&rev.flow, seg, rel, at.time, &fwd.feed.reasm, self.irtt);
        ctx.scale_known = self.scale_known();
        let (fwd, _) = pair_mut(&mut self.halves, at.dir);
        fwd.segments += 1;
        fwd.flow.record(seg, rel, a, at.frame, at.time);
        let f = seg.flags;
        let [_, server] = &self.halves;
        if f.ack() && !f.syn() && self.irtt.is_none() && at.client() && server.origin.syn_seen {
            if let Some(t) = self.syn_time {
                self.irtt = Some(at.time.nanos_since(t).max(1));
            }
        }
        (a, ctx)
    }

    /// Step 3: what the sender handed over, what became readable, and the
    /// holes the ACK shows the capture missed; the annotations reassembly
    /// decides are added to `a` (and the frame of the copy kept to `ctx`).
    fn feed(
        &mut self,
        seg: &TcpSegment,
        rel: &Rel,
        at: At,
        a: &mut Analysis,
        ctx: &mut Context,
        sink: &mut Sink<'_>,
    ) {
        let f = seg.flags;
        // The window is only known in bytes when both SYNs gave the scale.
        let window = self.scale_known().then_some(rel.win);
        let (fwd, rev) = pair_mut(&mut self.halves, at.dir);
        let first_fin = f.fin() && fwd.end.fin.is_none();
        fwd.feed.sent(seg, rel, first_fin, at, sink);
        if rel.len > 0 && !a.has(Flag::KeepAlive) && !f.rst() {
            if let Some(first) = fwd.feed.push(seg, rel, at, sink, &mut self.notes) {
                a.set(Flag::OverlapConflict);
                ctx.original_frame = Some(first);
            }
        }
        self.notes
            .segment(&mut fwd.raised, seg, rel, rev.end.fin.is_some(), at);
        // The peer acknowledged bytes: holes below the ACK are capture gaps.
        if f.ack()
            && !f.rst()
            && rev.feed.acknowledged(
                rel.ack,
                window,
                rev.flow.next_seq,
                rev.end.fin,
                at.reverse(),
                sink,
                &mut self.notes,
            )
        {
            a.set(Flag::AckLostSegment);
        }
    }

    /// Step 4: both endpoints' states (RFC 9293 §3.3.2) and Zeek's view of
    /// them; a reset; the end of each stream.
    fn states(&mut self, seg: &TcpSegment, rel: &Rel, at: At, sink: &mut Sink<'_>) {
        let (fwd, rev) = pair_mut(&mut self.halves, at.dir);
        let closing = fwd.end.fin.is_some() || rev.end.fin.is_some();
        // A reset that reaches an endpoint still in SYN-SENT answers its SYN.
        let refused = rev.end.state == TcpState::SynSent;
        if state::step(&mut fwd.end, &mut rev.end, seg, rel, at, sink) {
            if refused {
                self.notes.refused(at);
            } else {
                self.notes
                    .reset(at, rev.feed.reasm.pending_bytes(), closing);
            }
        }
        self.eof(at.frame, at.time, sink);
    }

    /// Emits EOF for each direction whose FIN has been reached by reassembly.
    fn eof(&mut self, frame: u64, time: Timestamp, sink: &mut Sink<'_>) {
        for dir in BOTH {
            let (h, _) = pair_mut(&mut self.halves, dir);
            h.feed.eof(h.end.fin, At { dir, frame, time }, sink);
        }
    }

    /// The record the report and the views keep of the segment.
    fn record(
        &self,
        seg: &TcpSegment,
        rel: &Rel,
        at: At,
        analysis: Analysis,
        context: Context,
    ) -> SegmentRecord {
        let f = seg.flags;
        let [c2s, s2c] = &self.halves;
        SegmentRecord {
            conn: self.id,
            frame: at.frame,
            time: at.time,
            dir: at.dir,
            flags: f,
            seq: seg.seq.wrapping_sub(rel.base),
            ack: if f.ack() {
                seg.ack.wrapping_sub(rel.peer_base)
            } else {
                0
            },
            len: seg.payload_len,
            captured: seg.payload.len() as u32,
            window: seg.window,
            window_scaled: rel.win,
            analysis,
            context,
            preview: Preview::of(seg.payload),
            syn_options: f.syn().then(|| Box::new(seg.options.clone())),
            states: [c2s.end.state, s2c.end.state],
        }
    }

    /// The capture ended (or the ports were reused): holes become gaps, waiting
    /// bytes are delivered, and per-segment annotations are summarised.
    pub fn finish(&mut self, sink: &mut dyn FnMut(ConnEvent<'_>)) {
        if self.finished {
            return;
        }
        self.finished = true;
        let (frame, time) = (self.last_frame, self.last_time);
        for dir in BOTH {
            let (h, _) = pair_mut(&mut self.halves, dir);
            h.feed
                .finish(At { dir, frame, time }, sink, &mut self.notes);
        }
        self.eof(frame, time, sink);
        // One finding per (direction, annotation) for the catalogue's TCP
        // entries that are per-segment annotations.
        let scale_known = self.scale_known();
        for dir in BOTH {
            let (h, _) = pair(&self.halves, dir);
            self.notes.summarise(dir, &h.tally, scale_known);
        }
        self.notes.findings.close();
    }

    /// Whether [`Connection::finish`] ran.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Records a finding raised by the connection table about this connection.
    pub fn note(
        &mut self,
        frame: u64,
        id: &'static str,
        severity: Severity,
        message: String,
        reference: &'static str,
    ) {
        self.notes
            .findings
            .add(frame, id, severity, message, reference);
    }
}
