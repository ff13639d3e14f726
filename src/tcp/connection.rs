//! One TCP connection: its two directions, who is client and server, and what
//! each segment does to sequence space, reassembly, state and history.
//!
//! The per-segment analysis follows Wireshark's order of tests so a frame gets
//! the annotations a Wireshark user expects; reassembly and states follow
//! RFC 9293; the summary follows Zeek's conn.log.

use std::net::SocketAddr;

use super::analysis::{explain, Analysis, Context, Flag};
use super::history::{conn_state, History, LogLetter, OnceLetter, SeqLetter, ZeekEndpoint};
use super::reassembly::{Chunk, Delivery, Reassembler, PENDING_CAP};
use super::segment::{Dir, Preview, SegmentRecord};
use super::seq;
use super::state::TcpState;
use crate::capture::{FrameMeta, Timestamp};
use crate::finding::{Finding, Findings, Severity};
use crate::wire::TcpSegment;

/// Wireshark's out-of-order threshold when no RTT is known: 3 ms.
const DEFAULT_OOO_NANOS: i64 = 3_000_000;
/// Wireshark's window for a fast retransmission after the duplicate ACKs: 20 ms.
const FAST_RETRANS_NANOS: i64 = 20_000_000;

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

/// What happened to the byte streams and the connection, for the socket layer
/// and for stream consumers.
#[derive(Clone, Copy, Debug)]
pub enum ConnEvent<'a> {
    /// The client sent a SYN (connect() was called).
    Syn { frame: u64, time: Timestamp },
    /// The server answered SYN/ACK (a socket was listening).
    SynAck { frame: u64, time: Timestamp },
    /// The handshake completed as seen from this side of the tap.
    Established { frame: u64, time: Timestamp },
    /// The sender of `dir` sent bytes (or a FIN) for the first time: its
    /// application handed them over (write()) or closed before this.
    /// Retransmitted and keep-alive bytes are not reported again.
    Sent {
        dir: Dir,
        /// Stream offset of the first new byte.
        offset: u64,
        /// New payload bytes (the segment's length, not what was captured).
        len: u64,
        /// The new bytes the capture holds (fewer when the frame was cut).
        bytes: &'a [u8],
        /// The segment carries PSH: the end of what was handed over.
        push: bool,
        /// The sender's first FIN.
        fin: bool,
    },
    /// Bytes of direction `dir` became readable by its receiver.
    Delivered { dir: Dir, delivery: Delivery<'a> },
    /// The sender of `dir` closed its side and every byte before the FIN was
    /// delivered: the receiver's read() returns 0.
    Eof {
        dir: Dir,
        frame: u64,
        time: Timestamp,
    },
    /// The sender of `dir` reset the connection.
    Reset {
        dir: Dir,
        frame: u64,
        time: Timestamp,
    },
}

/// One direction: what its sender sent and what its receiver assembled.
#[derive(Debug, Default)]
struct Half {
    /// Raw sequence number that is relative 0 (the ISN).
    base: Option<u32>,
    syn_seen: bool,
    window_scale: Option<u8>,
    /// Highest relative sequence number sent + its length (Wireshark's nextseq).
    next_seq: Option<i64>,
    next_seq_time: Timestamp,
    /// Last acknowledgement this sender sent (relative to the peer's ISN).
    last_ack: Option<i64>,
    last_ack_time: Timestamp,
    last_ack_frame: u64,
    /// Window this sender advertised (scaled).
    window: Option<u64>,
    dup_acks: u32,
    last_analysis: Analysis,
    /// Relative sequence number of this sender's FIN.
    fin: Option<i64>,
    /// The peer acknowledged this sender's FIN.
    fin_acked: bool,
    /// This sender sent its FIN before receiving the peer's (simultaneous
    /// close): it takes the peer's FIN as received when it acknowledges it.
    fin_receipt_deferred: bool,
    eof_sent: bool,
    reset: bool,
    wrap_reported: bool,
    data_after_peer_fin_reported: bool,
    zero_window: bool,
    reasm: Reassembler,
    /// Stream offset one past the last byte sent for the first time.
    sent: u64,
    state: TcpState,
    zeek: ZeekEndpoint,
    segments: u64,
    /// Per annotation: count and first frame, summarised as findings at the end.
    tally: [(u32, u64); Flag::ALL.len()],
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
    history: History,
    syn_time: Option<Timestamp>,
    /// Initial RTT: from the client's SYN to its ACK of the SYN/ACK.
    irtt: Option<i64>,
    scale_known: bool,
    findings: Findings,
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
            history: History::default(),
            syn_time: None,
            irtt: None,
            scale_known: false,
            findings: Findings::new(id),
            finished: false,
        };
        if src != client {
            c.history.flipped();
        }
        if !first.flags.syn() {
            c.findings.add(
                frame.number,
                "tcp_midstream",
                Severity::Info,
                format!(
                    "The capture starts in the middle of this connection (its first segment is not a SYN), so the \
                     handshake, the initial sequence numbers and the window scale are unknown; the client is \
                     taken to be {client}, the side with the higher port."
                ),
                "RFC 9293 §3.5",
            );
            for h in &mut c.halves {
                h.state = TcpState::Established;
            }
        }
        c
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
        self.history.as_str()
    }

    /// Zeek's conn_state code.
    pub fn conn_state(&self) -> &'static str {
        let payload = self
            .halves
            .iter()
            .any(|h| h.reasm.delivered_bytes() + h.reasm.gap_bytes() > 0);
        conn_state(self.halves[0].zeek, self.halves[1].zeek, payload)
    }

    /// RFC 9293 state of the client or server now.
    pub fn state(&self, dir: Dir) -> TcpState {
        self.halves[dir.index()].state
    }

    /// Reassembled payload octets of a direction (gaps excluded).
    pub fn bytes(&self, dir: Dir) -> u64 {
        self.halves[dir.index()].reasm.delivered_bytes()
    }

    /// Bytes of a direction the capture missed.
    pub fn gap_bytes(&self, dir: Dir) -> u64 {
        self.halves[dir.index()].reasm.gap_bytes()
    }

    /// Segments sent in a direction.
    pub fn segments(&self, dir: Dir) -> u64 {
        self.halves[dir.index()].segments
    }

    /// Which frame delivered which stream bytes.
    pub fn spans(&self, dir: Dir) -> &[super::reassembly::Span] {
        self.halves[dir.index()].reasm.spans()
    }

    /// Initial round-trip time (SYN to the ACK of the SYN/ACK), if seen.
    pub fn irtt_nanos(&self) -> Option<i64> {
        self.irtt
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings.list
    }

    /// True once both sides are closed: a new SYN on the same ports is a new
    /// connection.
    pub fn is_closed(&self) -> bool {
        let done = |h: &Half| {
            h.reset || matches!(h.state, TcpState::Closed | TcpState::TimeWait) || h.fin.is_some()
        };
        self.halves.iter().any(|h| h.reset) || self.halves.iter().all(done)
    }

    /// True if a SYN from the sender of `dir` with sequence number `seq` does not
    /// belong to this connection: that side's initial sequence number is known
    /// (from its SYN, or implied by the peer's acknowledgements) and differs.
    pub fn is_new_syn(&self, dir: Dir, seq: u32) -> bool {
        self.halves[dir.index()].base.is_some_and(|b| b != seq)
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
        let (fi, ri) = (dir.index(), dir.other().index());
        let f = seg.flags;
        let time = frame.time;
        let number = frame.number;
        self.last_frame = number;
        self.last_time = time;
        let client = dir == Dir::C2s;

        // --- Sequence bases (Wireshark's relative numbers) ---
        if f.syn() {
            let h = &mut self.halves[fi];
            if !h.syn_seen {
                h.syn_seen = true;
                h.base = Some(seg.seq);
                h.window_scale = seg.options.window_scale;
            }
            if !f.ack() && self.syn_time.is_none() {
                self.syn_time = Some(time);
            }
            self.scale_known = self.halves[0].syn_seen && self.halves[1].syn_seen;
        }
        if self.halves[fi].base.is_none() {
            // No SYN seen: the first byte we see is relative 1, as in Wireshark.
            self.halves[fi].base = Some(seg.seq.wrapping_sub(1));
        }
        if f.ack() && self.halves[ri].base.is_none() {
            self.halves[ri].base = Some(seg.ack.wrapping_sub(1));
        }
        let base = self.halves[fi].base.unwrap_or(0);
        let peer_base = self.halves[ri].base.unwrap_or(0);
        let near = self.halves[fi].next_seq.unwrap_or(i64::from(!f.syn()));
        let rel_seq = seq::unwrap(seg.seq, base, near);
        let rel_ack = if f.ack() {
            let near = self.halves[ri]
                .next_seq
                .or(self.halves[fi].last_ack)
                .unwrap_or(1);
            seq::unwrap(seg.ack, peer_base, near)
        } else {
            0
        };
        let seglen = i64::from(seg.payload_len);
        let seq_end = rel_seq + i64::from(seg.seq_len());
        let shift = if !f.syn() && self.scale_known {
            // RFC 7323 §2.3: the shift applies only when both SYNs carried the option.
            match (self.halves[0].window_scale, self.halves[1].window_scale) {
                (Some(_), Some(_)) => self.halves[fi].window_scale.unwrap_or(0).min(14),
                _ => 0,
            }
        } else {
            0
        };
        let win = u64::from(seg.window) << shift;

        // --- Analysis, in Wireshark's order ---
        let mut a = Analysis::default();
        let mut ctx = Context {
            scale_known: self.scale_known,
            ..Context::default()
        };
        let plain = !(f.syn() || f.fin() || f.rst());
        {
            let (fwd, rev) = pair(&self.halves, fi, ri);
            if seglen == 1 && fwd.next_seq == Some(rel_seq) && rev.window == Some(0) {
                a.set(Flag::ZeroWindowProbe);
            }
            if seg.window == 0 && plain {
                a.set(Flag::ZeroWindow);
            }
            if fwd.next_seq.is_some_and(|n| rel_seq > n) && !f.rst() {
                a.set(Flag::LostSegment);
            }
            if seglen <= 1 && plain && fwd.next_seq.is_some_and(|n| n - 1 == rel_seq) {
                a.set(Flag::KeepAlive);
            }
            let same_place = seglen == 0
                && plain
                && fwd.next_seq == Some(rel_seq)
                && f.ack()
                && fwd.last_ack == Some(rel_ack);
            // Wireshark: a window update has a non-zero window (closing to zero is
            // a zero window, not an update).
            if same_place && win != 0 && fwd.window.is_some_and(|w| w != win) {
                a.set(Flag::WindowUpdate);
            }
            if seglen > 0 && plain {
                if let (Some(w), Some(la)) = (rev.window, rev.last_ack) {
                    if w > 0 && seq_end == la + w as i64 {
                        a.set(Flag::WindowFull);
                    }
                }
            }
            if same_place && fwd.window == Some(win) {
                if rev.last_analysis.has(Flag::KeepAlive) {
                    a.set(Flag::KeepAliveAck);
                } else if win == 0 && rev.last_analysis.has(Flag::ZeroWindowProbe) {
                    a.set(Flag::ZeroWindowProbeAck);
                } else if win != 0 {
                    a.set(Flag::DuplicateAck);
                    ctx.dup_ack_num = fwd.dup_acks + 1;
                    ctx.dup_ack_of = Some(fwd.last_ack_frame);
                }
            }
            // ACKed unseen, part 1: beyond anything the peer sent. Part 2 (an ACK
            // covering a hole the capture never filled) is decided below, where
            // reassembly declares the gap. Wireshark instead compares with the end
            // of the first unbroken run of data, which also flags ACKs after
            // overlapping retransmissions although every byte was seen; we flag
            // only bytes that really are missing.
            if f.ack() && rev.next_seq.is_some_and(|n| rel_ack > n) {
                a.set(Flag::AckLostSegment);
            }
            if !a.has(Flag::KeepAlive)
                && (seglen > 0 || f.syn() || f.fin())
                && fwd.next_seq.is_some_and(|n| rel_seq < n)
            {
                let since_dup = time.nanos_since(rev.last_ack_time);
                let since_high = time.nanos_since(fwd.next_seq_time);
                let ooo = self.irtt.unwrap_or(DEFAULT_OOO_NANOS);
                if rev.dup_acks >= 2
                    && rev.last_ack == Some(rel_seq)
                    && since_dup < FAST_RETRANS_NANOS
                {
                    a.set(Flag::FastRetransmission);
                    a.set(Flag::Retransmission);
                } else if since_high < ooo && fwd.next_seq != Some(seq_end) {
                    a.set(Flag::OutOfOrder);
                } else if seglen > 0 && rev.last_ack.is_some_and(|la| seq_end <= la) {
                    a.set(Flag::SpuriousRetransmission);
                    a.set(Flag::Retransmission);
                } else {
                    a.set(Flag::Retransmission);
                }
                if seglen > 0 {
                    let off = (rel_seq + i64::from(f.syn()) - 1).max(0) as u64;
                    ctx.original_frame = fwd.reasm.frame_of(off);
                }
            }
            if f.rst() {
                a.set(Flag::Reset);
            }
        }

        // --- Sequence bookkeeping ---
        {
            let fwd = &mut self.halves[fi];
            fwd.segments += 1;
            // Keep-alives and zero-window probes do not advance the next expected
            // sequence number (as in Wireshark): the probe byte is sent again
            // when the window opens, and that is not a retransmission.
            let probe = a.has(Flag::KeepAlive) || a.has(Flag::ZeroWindowProbe);
            if !probe && fwd.next_seq.is_none_or(|n| seq_end > n) {
                fwd.next_seq = Some(seq_end);
                fwd.next_seq_time = time;
            }
            if f.ack() {
                if fwd.last_ack.is_none_or(|l| rel_ack > l) {
                    fwd.last_ack = Some(rel_ack);
                    fwd.last_ack_frame = number;
                    fwd.dup_acks = 0;
                    fwd.last_ack_time = time;
                } else if a.has(Flag::DuplicateAck) {
                    fwd.dup_acks += 1;
                    fwd.last_ack_time = time;
                }
            }
            fwd.window = Some(win);
            fwd.last_analysis = a;
        }
        if f.ack() && !f.syn() && self.irtt.is_none() && client && self.halves[1].syn_seen {
            if let Some(t) = self.syn_time {
                self.irtt = Some(time.nanos_since(t).max(1));
            }
        }

        // --- What the application handed over (for the socket layer) ---
        if !f.rst() {
            let start = rel_seq + i64::from(f.syn()) - 1;
            let end = start + seglen;
            let h = &mut self.halves[fi];
            let from = start.max(h.sent as i64).max(0);
            let fin = f.fin() && h.fin.is_none();
            let new_bytes = end > from;
            if new_bytes {
                h.sent = end as u64;
            }
            if new_bytes || fin {
                let skip = usize::try_from(from - start).unwrap_or(usize::MAX);
                sink(ConnEvent::Sent {
                    dir,
                    offset: from as u64,
                    len: (end - from).max(0) as u64,
                    bytes: seg.payload.get(skip..).unwrap_or(&[]),
                    push: f.psh(),
                    fin,
                });
            }
        }

        // --- Reassembly ---
        let mut deliver = |d: Delivery<'_>| sink(ConnEvent::Delivered { dir, delivery: d });
        if seglen > 0 && !a.has(Flag::KeepAlive) && !f.rst() {
            let start = rel_seq + i64::from(f.syn()) - 1;
            let skip = (-start).max(0) as usize;
            let payload = seg.payload.get(skip..).unwrap_or(&[]);
            if !payload.is_empty() {
                let out = self.halves[fi].reasm.push(
                    start.max(0) as u64,
                    payload,
                    number,
                    time,
                    &mut deliver,
                );
                if let Some(c) = &out.conflict {
                    a.set(Flag::OverlapConflict);
                    ctx.original_frame = Some(c.first_frame);
                    let msg = format!(
                        "Frame {number} carries stream bytes {}..{} of the {} again, but different from frame {}: \
                         kept \"{}\", other copy \"{}\". Receivers differ on which copy wins (first-wins here), so an \
                         observer and the application may see different text.",
                        c.offset,
                        c.offset + c.kept.len() as u64,
                        dir.sender(),
                        c.first_frame,
                        crate::text::escape_bytes(&c.kept),
                        crate::text::escape_bytes(&c.other),
                    );
                    self.findings.add(
                        number,
                        "tcp_overlap_conflict",
                        Severity::Error,
                        msg,
                        "RFC 9293 §3.10.7.4",
                    );
                }
                if out.limit_hit {
                    self.history.log(client, LogLetter::Gap);
                    let msg = format!(
                        "More than {} KiB of the {}'s bytes waited behind a hole; sockscope stopped waiting and \
                         marked the hole as a gap so the stream goes on.",
                        PENDING_CAP / 1024,
                        dir.sender()
                    );
                    self.findings.add(
                        number,
                        "tcp_reassembly_limit",
                        Severity::Warning,
                        msg,
                        "RFC 9293 §3.10.7.4",
                    );
                }
            }
            // The snap length cut this segment: its tail was on the wire but is not
            // in the file. When the captured part arrived in order, the tail is a
            // gap right away (the segment was seen, so this is no "ACKed unseen").
            let captured_end = start.max(0) + payload.len() as i64;
            let end = start + seglen;
            let reasm = &mut self.halves[fi].reasm;
            if seg.is_cut() && end > captured_end && reasm.next_offset() as i64 == captured_end {
                reasm.acknowledged(end as u64, number, time, &mut deliver);
                self.history.log(client, LogLetter::Gap);
                let msg = format!(
                    "The snap length cut frame {number}: {} of its {seglen} payload bytes are not in the file. The \
                     {}'s stream continues after a gap of {} bytes.",
                    payload.len(),
                    dir.sender(),
                    end - captured_end
                );
                self.findings
                    .add(number, "tcp_gap", Severity::Warning, msg, "RFC 9293 §3.4");
            }
        }
        if f.syn() && seglen > 0 {
            let msg = format!(
                "The {} put {seglen} bytes of data on its {}; this is legal (TCP Fast Open, RFC 7413), but the bytes \
                 are held until the handshake completes.",
                dir.sender(),
                if f.ack() { "SYN/ACK" } else { "SYN" }
            );
            self.findings.add(
                number,
                "tcp_syn_with_data",
                Severity::Info,
                msg,
                "RFC 9293 §3.5; RFC 7413",
            );
        }
        if seq::crosses_wrap(seg.seq, seg.seq_len()) && !self.halves[fi].wrap_reported {
            self.halves[fi].wrap_reported = true;
            let msg = format!(
                "The {}'s sequence numbers wrap past 2³² here; sequence space is a circle, so sockscope continues \
                 with 64-bit offsets (PAWS keeps old segments from aliasing new ones).",
                dir.sender()
            );
            self.findings.add(
                number,
                "tcp_seq_wraparound",
                Severity::Info,
                msg,
                "RFC 9293 §3.4; RFC 7323 §5",
            );
        }
        // Data after the peer's FIN: a half-closed connection in use.
        if seglen > 0
            && self.halves[ri].fin.is_some()
            && !self.halves[fi].data_after_peer_fin_reported
        {
            self.halves[fi].data_after_peer_fin_reported = true;
            let msg = format!(
                "The {} still sends data after the {} closed its side with FIN: a half-close (shutdown(SHUT_WR)); \
                 the {}'s read() returned 0 but it can still receive.",
                dir.sender(),
                dir.receiver(),
                dir.receiver()
            );
            self.findings.add(
                number,
                "tcp_half_close",
                Severity::Info,
                msg,
                "RFC 9293 §3.6.1",
            );
        }
        // The peer acknowledged bytes: holes below the ACK are capture gaps.
        if f.ack() && !f.rst() {
            let rev = &mut self.halves[ri];
            // Only bytes the peer is known to have sent can be declared missing:
            // an ACK beyond them proves nothing about what they were, and must
            // not be able to skip data that comes later.
            let mut upto = rel_ack.min(rev.next_seq.unwrap_or(0)) - 1;
            if let Some(fin) = rev.fin {
                upto = upto.min(fin - 1);
            }
            if upto > 0 {
                let mut peer_deliver = |d: Delivery<'_>| {
                    sink(ConnEvent::Delivered {
                        dir: dir.other(),
                        delivery: d,
                    })
                };
                let before = rev.reasm.gap_bytes();
                if rev
                    .reasm
                    .acknowledged(upto as u64, number, time, &mut peer_deliver)
                {
                    a.set(Flag::AckLostSegment);
                    let missing = rev.reasm.gap_bytes() - before;
                    let msg = format!(
                        "{missing} bytes from the {} never appeared in this capture, yet the {} acknowledged them in \
                         this frame: the receiver got them, the capture missed them. The stream continues after a \
                         gap.",
                        dir.receiver(),
                        dir.sender()
                    );
                    self.history.log(!client, LogLetter::Gap);
                    self.findings
                        .add(number, "tcp_gap", Severity::Warning, msg, "RFC 9293 §3.4");
                }
            }
        }

        // --- States (RFC 9293 §3.3.2) and Zeek's endpoint view ---
        self.update_states(seg, dir, rel_ack, time, number, sink);
        if f.fin() && self.halves[fi].fin.is_none() {
            self.halves[fi].fin = Some(rel_seq + i64::from(f.syn()) + seglen);
        }
        if f.rst() && !self.halves[fi].reset {
            self.halves[fi].reset = true;
            sink(ConnEvent::Reset {
                dir,
                frame: number,
                time,
            });
            let unread = self.halves[ri].reasm.pending_bytes();
            let msg = format!(
                "The {} reset the connection (RST){}: it is aborted at once, data not yet read is discarded, and the \
                 {}'s next read() or write() fails with ECONNRESET.",
                dir.sender(),
                if unread > 0 {
                    format!(" while {unread} bytes were still waiting")
                } else {
                    String::new()
                },
                dir.receiver()
            );
            self.findings.add(
                number,
                "tcp_rst",
                Severity::Warning,
                msg,
                "RFC 9293 §3.5.2-3; RFC 5961 §3",
            );
        }
        self.check_eof(number, time, sink);

        // --- Zero-window episodes ---
        {
            let fwd = &mut self.halves[fi];
            let zero = seg.window == 0 && plain;
            let opened = zero && !fwd.zero_window;
            if !f.rst() {
                fwd.zero_window = zero;
            }
            if opened {
                let msg = format!(
                    "The {} advertises a zero window: its receive buffer is full because its application is not \
                     calling read(); the {} must stop sending and probe.",
                    dir.sender(),
                    dir.receiver()
                );
                self.findings.add(
                    number,
                    "tcp_zero_window",
                    Severity::Warning,
                    msg,
                    "RFC 9293 §3.8.6.1",
                );
            }
        }

        // --- History (Zeek) ---
        self.update_history(seg, client, &a);
        for flag in a.iter() {
            let t = &mut self.halves[fi].tally[flag as usize];
            if t.0 == 0 {
                t.1 = number;
            }
            t.0 += 1;
        }

        if self.is_closed() {
            for h in &mut self.halves {
                h.reasm.release_history();
            }
        }
        let states = [self.halves[0].state, self.halves[1].state];
        SegmentRecord {
            conn: self.id,
            frame: number,
            time,
            dir,
            flags: f,
            seq: seg.seq.wrapping_sub(base),
            ack: if f.ack() {
                seg.ack.wrapping_sub(peer_base)
            } else {
                0
            },
            len: seg.payload_len,
            captured: seg.payload.len() as u32,
            window: seg.window,
            window_scaled: win,
            analysis: a,
            context: ctx,
            preview: Preview::of(seg.payload),
            syn_options: f.syn().then(|| Box::new(seg.options.clone())),
            states,
        }
    }

    fn update_states(
        &mut self,
        seg: &TcpSegment,
        dir: Dir,
        rel_ack: i64,
        time: Timestamp,
        number: u64,
        sink: &mut dyn FnMut(ConnEvent<'_>),
    ) {
        let (fi, ri) = (dir.index(), dir.other().index());
        let f = seg.flags;
        if f.syn() && !f.ack() {
            if self.halves[fi].state == TcpState::Closed
                || self.halves[fi].state == TcpState::SynSent
            {
                if self.halves[fi].state == TcpState::Closed {
                    sink(ConnEvent::Syn {
                        frame: number,
                        time,
                    });
                }
                self.halves[fi].state = TcpState::SynSent;
            }
            if self.halves[ri].state == TcpState::Closed {
                self.halves[ri].state = TcpState::Listen;
            }
            if self.halves[fi].zeek == ZeekEndpoint::Inactive {
                self.halves[fi].zeek = ZeekEndpoint::SynSent;
            }
        } else if f.syn() && f.ack() {
            if matches!(self.halves[fi].state, TcpState::Closed | TcpState::Listen) {
                sink(ConnEvent::SynAck {
                    frame: number,
                    time,
                });
                self.halves[fi].state = TcpState::SynReceived;
            }
            if self.halves[ri].state == TcpState::SynSent {
                // The client's connect() returns on receiving the SYN/ACK.
                self.halves[ri].state = TcpState::Established;
            }
            if matches!(self.halves[fi].zeek, ZeekEndpoint::Inactive) {
                self.halves[fi].zeek = ZeekEndpoint::SynAckSent;
            }
        }
        if f.ack() && !f.syn() {
            // An ACK from a side still in SYN-SENT proves it got the SYN/ACK the
            // capture missed.
            if self.halves[fi].state == TcpState::SynSent {
                self.halves[fi].state = TcpState::Established;
            }
            if matches!(
                self.halves[ri].state,
                TcpState::SynReceived | TcpState::Listen
            ) && rel_ack >= 1
            {
                self.halves[ri].state = TcpState::Established;
                sink(ConnEvent::Established {
                    frame: number,
                    time,
                });
            }
            if let Some(fin) = self.halves[ri].fin {
                if rel_ack > fin && !self.halves[ri].fin_acked {
                    self.halves[ri].fin_acked = true;
                    self.halves[ri].state = self.halves[ri].state.on_fin_acked();
                    // A FIN this side had not yet received when it sent its own
                    // (see below) is received now.
                    if self.halves[fi].fin_receipt_deferred {
                        self.halves[fi].fin_receipt_deferred = false;
                        self.halves[fi].state = self.halves[fi].state.on_receive_fin();
                    }
                }
            }
        }
        // Zeek's coarse states.
        {
            let (fz, rz) = (self.halves[fi].zeek, self.halves[ri].zeek);
            if !f.syn() && fz == ZeekEndpoint::Inactive {
                self.halves[fi].zeek = ZeekEndpoint::Partial;
            }
            if f.ack() && !f.syn() && fz == ZeekEndpoint::SynSent && rz == ZeekEndpoint::SynAckSent
            {
                self.halves[fi].zeek = ZeekEndpoint::Established;
                self.halves[ri].zeek = ZeekEndpoint::Established;
            }
        }
        if f.fin() {
            // The peer's FIN is taken as received when it passes the tap. But if
            // this FIN does not acknowledge it, this side sent its FIN before the
            // peer's arrived: a simultaneous close (RFC 9293 §3.6, Figure 13).
            // Then this side went ESTABLISHED → FIN-WAIT-1, and receives the
            // peer's FIN only when its ACK shows it, ending in TIME-WAIT.
            let peer_fin_unacked = self.halves[ri]
                .fin
                .is_some_and(|pf| !(f.ack() && rel_ack > pf));
            if peer_fin_unacked && self.halves[fi].state == TcpState::CloseWait {
                self.halves[fi].state = TcpState::FinWait1;
                self.halves[fi].fin_receipt_deferred = true;
            } else {
                self.halves[fi].state = self.halves[fi].state.on_send_fin();
            }
            if self.halves[fi].fin.is_none() {
                self.halves[ri].state = self.halves[ri].state.on_receive_fin();
            }
            if self.halves[fi].zeek != ZeekEndpoint::Reset {
                self.halves[fi].zeek = ZeekEndpoint::Closed;
            }
        }
        if f.rst() {
            self.halves[fi].state = TcpState::Closed;
            self.halves[ri].state = TcpState::Closed;
            self.halves[fi].zeek = ZeekEndpoint::Reset;
        }
    }

    /// Zeek's `TCPSessionAdapter::UpdateHistory`, letter for letter: a packet
    /// with two of SYN/FIN/RST records only `I` (FIN+RST) or `Q`; one of them
    /// records its letter (again when its sequence number changed; a FIN's is
    /// taken after its data); D and A only on packets with none of the three.
    fn update_history(&mut self, seg: &TcpSegment, client: bool, a: &Analysis) {
        let f = seg.flags;
        let h = &mut self.history;
        let control = u8::from(f.syn()) + u8::from(f.fin()) + u8::from(f.rst());
        if control > 1 {
            let which = if f.fin() && f.rst() {
                OnceLetter::Inconsistent
            } else {
                OnceLetter::MultiFlag
            };
            h.once(client, which);
        } else if f.syn() {
            let which = if f.ack() {
                SeqLetter::SynAck
            } else {
                SeqLetter::Syn
            };
            h.seq_letter(client, which, seg.seq);
        } else if f.fin() {
            h.seq_letter(
                client,
                SeqLetter::Fin,
                seg.seq.wrapping_add(seg.payload_len),
            );
        } else if f.rst() {
            h.seq_letter(client, SeqLetter::Rst, seg.seq);
        } else if seg.payload_len > 0 {
            h.once(client, OnceLetter::Data);
        } else if f.ack() {
            h.once(client, OnceLetter::Ack);
        }
        // Zeek counts retransmitted payload only.
        if a.has(Flag::Retransmission) && seg.payload_len > 0 {
            h.log(client, LogLetter::Retransmission);
        }
        if seg.window == 0 && !f.syn() && !f.rst() {
            h.log(client, LogLetter::ZeroWindow);
        }
    }

    /// Emits EOF for each direction whose FIN has been reached by reassembly.
    fn check_eof(&mut self, number: u64, time: Timestamp, sink: &mut dyn FnMut(ConnEvent<'_>)) {
        for dir in [Dir::C2s, Dir::S2c] {
            let h = &mut self.halves[dir.index()];
            if let Some(fin) = h.fin {
                if !h.eof_sent && h.reasm.next_offset() as i64 >= fin - 1 {
                    h.eof_sent = true;
                    sink(ConnEvent::Eof {
                        dir,
                        frame: number,
                        time,
                    });
                }
            }
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
        for dir in [Dir::C2s, Dir::S2c] {
            let h = &mut self.halves[dir.index()];
            let before = h.reasm.gap_bytes();
            let mut first_gap = None;
            h.reasm.finish(frame, time, &mut |d| {
                if matches!(d.chunk, Chunk::Gap(_)) && first_gap.is_none() {
                    first_gap = Some(d.offset);
                }
                sink(ConnEvent::Delivered { dir, delivery: d })
            });
            let missing = h.reasm.gap_bytes() - before;
            if let Some(at) = first_gap {
                let msg = format!(
                    "{missing} bytes from the {} were never captured (first hole at stream offset {at}); later bytes \
                     waited behind the hole until the end of the capture and are delivered after a gap.",
                    dir.sender()
                );
                self.history.log(dir == Dir::C2s, LogLetter::Gap);
                self.findings
                    .add(frame, "tcp_gap", Severity::Warning, msg, "RFC 9293 §3.4");
            }
        }
        self.check_eof(frame, time, sink);
        self.summarise_annotations();
    }

    /// One finding per (direction, annotation) for the catalogue's TCP entries
    /// that are per-segment annotations, citing the first frame and the count.
    fn summarise_annotations(&mut self) {
        const SUMMARISED: [(Flag, &str, &str); 5] = [
            (
                Flag::Retransmission,
                "tcp_retransmission",
                "RFC 6298; RFC 9293 §3.8.1",
            ),
            (Flag::OutOfOrder, "tcp_out_of_order", "RFC 9293 §3.10.7.4"),
            (Flag::DuplicateAck, "tcp_dup_ack", "RFC 5681 §2, §3.2"),
            (Flag::KeepAlive, "tcp_keep_alive", "RFC 1122 §4.2.3.6"),
            (Flag::WindowFull, "tcp_window_full", "RFC 9293 §3.8.6"),
        ];
        for dir in [Dir::C2s, Dir::S2c] {
            for (flag, id, reference) in SUMMARISED {
                let (count, first) = self.halves[dir.index()].tally[flag as usize];
                if count == 0 {
                    continue;
                }
                let ctx = Context {
                    scale_known: self.scale_known,
                    ..Context::default()
                };
                let rule = explain(flag, &ctx);
                let msg = format!(
                    "{} segment(s) from the {} marked \"{}\", first in frame {first}. {rule}",
                    count,
                    dir.sender(),
                    flag.label()
                );
                self.findings.add(first, id, Severity::Info, msg, reference);
            }
        }
        self.findings.close();
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
        self.findings.add(frame, id, severity, message, reference);
    }
}

fn pair(halves: &[Half; 2], fi: usize, ri: usize) -> (&Half, &Half) {
    (&halves[fi], &halves[ri])
}
