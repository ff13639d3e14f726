//! Per-segment annotations, named and decided as Wireshark's TCP analysis does
//! (`epan/dissectors/packet-tcp.c`, `tcp_analyze_sequence_number`), each with a
//! sentence saying which rule fired; and `Flow`, what that analysis remembers
//! of each direction to judge the next segment.
//!
//! The annotations reassembly decides (overlap with different data, and ACKed
//! unseen for a hole the capture never filled) are set where the segment is
//! fed to reassembly (`stream_feed`); port reuse is set by the connection table.

use std::fmt;

use super::reassembly::Reassembler;
use super::relative::Rel;
use crate::capture::Timestamp;
use crate::wire::TcpSegment;

/// Wireshark's out-of-order threshold when no RTT is known: 3 ms.
const DEFAULT_OOO_NANOS: i64 = 3_000_000;
/// Wireshark's window for a fast retransmission after the duplicate ACKs: 20 ms.
const FAST_RETRANS_NANOS: i64 = 20_000_000;

/// One annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Flag {
    Retransmission,
    FastRetransmission,
    SpuriousRetransmission,
    OutOfOrder,
    LostSegment,
    AckLostSegment,
    DuplicateAck,
    ZeroWindow,
    ZeroWindowProbe,
    ZeroWindowProbeAck,
    WindowFull,
    WindowUpdate,
    KeepAlive,
    KeepAliveAck,
    Reset,
    OverlapConflict,
    PortReuse,
    WindowShrunk,
}

impl Flag {
    pub const ALL: [Flag; 18] = [
        Flag::Retransmission,
        Flag::FastRetransmission,
        Flag::SpuriousRetransmission,
        Flag::OutOfOrder,
        Flag::LostSegment,
        Flag::AckLostSegment,
        Flag::DuplicateAck,
        Flag::ZeroWindow,
        Flag::ZeroWindowProbe,
        Flag::ZeroWindowProbeAck,
        Flag::WindowFull,
        Flag::WindowUpdate,
        Flag::KeepAlive,
        Flag::KeepAliveAck,
        Flag::Reset,
        Flag::OverlapConflict,
        Flag::PortReuse,
        Flag::WindowShrunk,
    ];

    /// The name in the report: Wireshark's `tcp.analysis.*` field suffix where
    /// one exists.
    pub fn name(self) -> &'static str {
        match self {
            Flag::Retransmission => "retransmission",
            Flag::FastRetransmission => "fast_retransmission",
            Flag::SpuriousRetransmission => "spurious_retransmission",
            Flag::OutOfOrder => "out_of_order",
            Flag::LostSegment => "lost_segment",
            Flag::AckLostSegment => "ack_lost_segment",
            Flag::DuplicateAck => "duplicate_ack",
            Flag::ZeroWindow => "zero_window",
            Flag::ZeroWindowProbe => "zero_window_probe",
            Flag::ZeroWindowProbeAck => "zero_window_probe_ack",
            Flag::WindowFull => "window_full",
            Flag::WindowUpdate => "window_update",
            Flag::KeepAlive => "keep_alive",
            Flag::KeepAliveAck => "keep_alive_ack",
            Flag::Reset => "reset",
            Flag::OverlapConflict => "overlap_conflict",
            Flag::PortReuse => "reused_ports",
            // Wireshark has no such annotation.
            Flag::WindowShrunk => "window_shrunk",
        }
    }

    /// Wireshark's short label, as in its Info column.
    pub fn label(self) -> &'static str {
        match self {
            Flag::Retransmission => "TCP Retransmission",
            Flag::FastRetransmission => "TCP Fast Retransmission",
            Flag::SpuriousRetransmission => "TCP Spurious Retransmission",
            Flag::OutOfOrder => "TCP Out-Of-Order",
            Flag::LostSegment => "TCP Previous segment not captured",
            Flag::AckLostSegment => "TCP ACKed unseen segment",
            Flag::DuplicateAck => "TCP Dup ACK",
            Flag::ZeroWindow => "TCP ZeroWindow",
            Flag::ZeroWindowProbe => "TCP ZeroWindowProbe",
            Flag::ZeroWindowProbeAck => "TCP ZeroWindowProbeAck",
            Flag::WindowFull => "TCP Window Full",
            Flag::WindowUpdate => "TCP Window Update",
            Flag::KeepAlive => "TCP Keep-Alive",
            Flag::KeepAliveAck => "TCP Keep-Alive ACK",
            Flag::Reset => "TCP Reset",
            Flag::OverlapConflict => "TCP overlap with different data",
            Flag::PortReuse => "TCP Port numbers reused",
            Flag::WindowShrunk => "TCP Window Shrunk",
        }
    }
}

/// The set of annotations on one segment.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Analysis(u32);

impl Analysis {
    pub fn set(&mut self, f: Flag) {
        self.0 |= 1 << f as u8;
    }
    pub fn has(self, f: Flag) -> bool {
        self.0 & (1 << f as u8) != 0
    }
    /// The segment carries bytes sent before (a retransmission of any kind,
    /// a zero-window probe, a keep-alive): they add nothing to the stream.
    pub fn sends_again(self) -> bool {
        [
            Flag::Retransmission,
            Flag::FastRetransmission,
            Flag::SpuriousRetransmission,
            Flag::ZeroWindowProbe,
            Flag::KeepAlive,
        ]
        .iter()
        .any(|f| self.has(*f))
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Flag> {
        Flag::ALL.into_iter().filter(move |f| self.has(*f))
    }
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Flag::name).collect()
    }
}

impl fmt::Debug for Analysis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(Flag::name)).finish()
    }
}

/// Numbers a sentence may cite.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context {
    /// Frame that first carried these bytes (retransmissions).
    pub original_frame: Option<u64>,
    /// The n-th duplicate of an ACK.
    pub dup_ack_num: u32,
    /// Frame of the ACK being duplicated.
    pub dup_ack_of: Option<u64>,
    /// Whether window scaling is known (the handshake was captured).
    pub scale_known: bool,
    /// Sent while the peer advertised a zero window (a retransmission then
    /// doubles as the window probe).
    pub into_zero_window: bool,
    /// How far the right edge of the window moved left (window shrunk).
    pub shrunk_by: u64,
    /// What a duplicate ACK's SACK option says (RFC 2018 §3, RFC 2883 §4);
    /// its blocks themselves are in the frame (NIC pane). One byte: every
    /// segment record carries a context.
    pub sack: Sack,
}

/// What an ACK's SACK option reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sack {
    /// No SACK option.
    #[default]
    None,
    /// Blocks above the acknowledgement number: later bytes that arrived,
    /// so only what lies before them is missing (RFC 2018 §3).
    Later,
    /// The first block lies below the acknowledgement number: a D-SACK,
    /// bytes received twice (RFC 2883 §4).
    Duplicate,
}

/// What a duplicate ACK says, read with its SACK option if it has one.
fn dup_ack_reason(ctx: &Context) -> &'static str {
    match ctx.sack {
        Sack::Duplicate => "its SACK option reports bytes below the acknowledgement number: a D-SACK, the \
             receiver saying it got those bytes twice (RFC 2883 §4). Nothing is missing; a copy was resent \
             that did not need to be.",
        Sack::Later => "the receiver is asking again for the byte it expects, and its SACK option lists later \
             bytes that did arrive: only what lies before them is missing (RFC 2018 §3; three in a row \
             trigger fast retransmit, RFC 5681 §3.2).",
        Sack::None => "the receiver is asking again for the byte it expects (three in a row trigger fast \
             retransmit, RFC 5681 §3.2).",
    }
}

/// The rule that fired, in a sentence a student can read.
pub fn explain(flag: Flag, ctx: &Context) -> String {
    let orig = ctx
        .original_frame
        .map(|f| format!(" (first sent in frame {f})"))
        .unwrap_or_default();
    match flag {
        Flag::Retransmission if ctx.into_zero_window => format!(
            "Retransmission: these bytes lie below the highest sequence number this side had already sent{orig}. \
             The peer's window is zero, so this resend is also the probe a sender must keep sending into a \
             closed window to learn when it reopens (RFC 9293 §3.8.6.1); Wireshark calls a segment a \
             zero-window probe only when it is one new byte, so it labels this a retransmission. The \
             application reads these bytes only once."
        ),
        Flag::Retransmission => format!(
            "Retransmission: these bytes lie below the highest sequence number this side had already sent{orig}; \
             a timeout or lost segment made the sender repeat itself. The application reads them only once."
        ),
        Flag::FastRetransmission => format!(
            "Fast retransmission: sent right after the peer's duplicate ACKs asked for exactly this sequence \
             number (RFC 5681 §3.2){orig}."
        ),
        Flag::SpuriousRetransmission => format!(
            "Spurious retransmission: the peer had already acknowledged these bytes{orig}, so resending them was unnecessary."
        ),
        Flag::OutOfOrder if ctx.original_frame.is_some() => format!(
            "Out of order: arrived shortly after a segment with higher sequence numbers, sooner than a round \
             trip (Wireshark's rule). This capture saw these bytes before{orig}: they were sent again, most \
             likely because the receiver never got the first copy and its ACKs said so (RFC 5681 §3.2, \
             RFC 2018). TCP holds later bytes until this hole fills, so read() never sees the disorder."
        ),
        Flag::OutOfOrder => "Out of order: arrived shortly after a segment with higher sequence numbers; TCP holds \
             later bytes until this hole fills, so read() never sees the disorder."
            .to_string(),
        Flag::LostSegment => "Previous segment not captured: this segment starts beyond the next expected \
             sequence number, so bytes before it are missing from the capture (so far)."
            .to_string(),
        Flag::AckLostSegment => "ACKed unseen segment: the ACK covers bytes this capture never showed; the \
             receiver got them, the capture missed them."
            .to_string(),
        Flag::DuplicateAck => format!(
            "Duplicate ACK{}: the same acknowledgement number and window again{}; {}",
            // A finding's summary has no one ACK to count.
            Some(ctx.dup_ack_num)
                .filter(|&n| n > 0)
                .map(|n| format!(" #{n}"))
                .unwrap_or_default(),
            ctx.dup_ack_of
                .map(|f| format!(" as frame {f}"))
                .unwrap_or_default(),
            dup_ack_reason(ctx)
        ),
        Flag::ZeroWindow => "Zero window: the receiver advertises no room; its application is not calling \
             read() and its buffer is full (RFC 9293 §3.8.6.1)."
            .to_string(),
        Flag::ZeroWindowProbe => "Zero-window probe: one byte sent into a closed window to learn when it \
             reopens (RFC 9293 §3.8.6.1)."
            .to_string(),
        Flag::ZeroWindowProbeAck => "Acknowledges a zero-window probe: the window is still closed.".to_string(),
        Flag::WindowFull => format!(
            "Window full: this segment fills the receiver's advertised window; the receiver, not the network, \
             is now pacing the sender{}.",
            if ctx.scale_known {
                ""
            } else {
                " (window scale unknown without the handshake: judged on unscaled values)"
            }
        ),
        Flag::WindowUpdate => "Window update: nothing new but a changed window, telling the peer it may send \
             more (the application read some bytes)."
            .to_string(),
        Flag::KeepAlive => "Keep-alive: zero or one byte at the next expected sequence number minus one, asking \
             \"still there?\" (RFC 1122 §4.2.3.6). The byte is not stream data."
            .to_string(),
        Flag::KeepAliveAck => "Acknowledges a keep-alive: the peer is still there.".to_string(),
        Flag::Reset => "Reset: the connection is aborted at once; unread data is discarded and the peer's \
             next read() or write() fails with ECONNRESET (RFC 9293 §3.5.2)."
            .to_string(),
        Flag::OverlapConflict => format!(
            "Overlap with different data: bytes already received arrive again with other contents{orig}; \
             receivers differ on which copy wins, so sockscope keeps the first and reports both."
        ),
        Flag::WindowShrunk => format!(
            "Window shrunk: acknowledgement number plus window ends {} bytes before where this side's previous \
             segment said its window ended, so bytes the peer was allowed to send are now outside it. RFC 9293 \
             §3.8.6 strongly discourages shrinking the window; a sender that already sent those bytes must \
             send them again{}.",
            ctx.shrunk_by,
            if ctx.scale_known {
                ""
            } else {
                " (window scale unknown without the handshake: judged on unscaled values)"
            }
        ),
        Flag::PortReuse => "Port numbers reused: a new SYN on an address/port pair that carried an earlier \
             connection; this starts a new connection."
            .to_string(),
    }
}

/// What Wireshark's analysis remembers of one direction to judge its next
/// segment (its `tcp_flow_t`): how far the sender got, what it acknowledged
/// last and which window it advertised.
#[derive(Debug, Default)]
pub(super) struct Flow {
    /// Highest relative sequence number sent + its length (Wireshark's nextseq).
    pub next_seq: Option<i64>,
    pub next_seq_time: Timestamp,
    /// Last acknowledgement this sender sent (relative to the peer's ISN).
    pub last_ack: Option<i64>,
    pub last_ack_time: Timestamp,
    pub last_ack_frame: u64,
    /// Window this sender advertised (scaled).
    pub window: Option<u64>,
    pub dup_acks: u32,
    pub last_analysis: Analysis,
}

/// Neither SYN, FIN nor RST: the segments Wireshark's window and keep-alive
/// tests look at.
pub(super) fn plain(seg: &TcpSegment) -> bool {
    let f = seg.flags;
    !(f.syn() || f.fin() || f.rst())
}

impl Flow {
    /// Judges one segment this direction sent, `rev` being the other
    /// direction's flow and `sent` this direction's reassembly (which frame
    /// first carried repeated bytes). The tests run in the order of
    /// Wireshark's `tcp_analyze_sequence_number`; the context's `scale_known`
    /// is left for the caller.
    pub(super) fn judge(
        &self,
        rev: &Flow,
        seg: &TcpSegment,
        rel: &Rel,
        time: Timestamp,
        sent: &Reassembler,
        irtt: Option<i64>,
    ) -> (Analysis, Context) {
        let f = seg.flags;
        let mut a = Analysis::default();
        let mut ctx = Context::default();
        self.position_tests(rev, seg, rel, &mut a);
        self.window_tests(rev, seg, rel, &mut a, &mut ctx);
        // ACKed unseen, part 1: beyond anything the peer sent. Part 2 (an ACK
        // covering a hole the capture never filled) is decided where
        // reassembly declares the gap. Wireshark instead compares with the end
        // of the first unbroken run of data, which also flags ACKs after
        // overlapping retransmissions although every byte was seen; we flag
        // only bytes that really are missing.
        if f.ack() && rev.next_seq.is_some_and(|n| rel.ack > n) {
            a.set(Flag::AckLostSegment);
        }
        if !a.has(Flag::KeepAlive)
            && (rel.len > 0 || f.syn() || f.fin())
            && self.next_seq.is_some_and(|n| rel.seq < n)
        {
            let kind = self.retransmission_kind(rev, rel, time, irtt);
            a.set(kind);
            // Fast and spurious retransmissions are retransmissions too;
            // out-of-order segments are not.
            if kind != Flag::OutOfOrder {
                a.set(Flag::Retransmission);
            }
            ctx.into_zero_window = rev.window == Some(0);
            if rel.len > 0 {
                let off = rel.stream_start(f.syn()).max(0) as u64;
                ctx.original_frame = sent.frame_of(off);
            }
        }
        if f.rst() {
            a.set(Flag::Reset);
        }
        (a, ctx)
    }

    /// Where the segment sits against the next expected sequence number:
    /// zero-window probe, zero window, a segment not captured before it,
    /// keep-alive.
    fn position_tests(&self, rev: &Flow, seg: &TcpSegment, rel: &Rel, a: &mut Analysis) {
        let f = seg.flags;
        let plain = plain(seg);
        if rel.len == 1 && self.next_seq == Some(rel.seq) && rev.window == Some(0) {
            a.set(Flag::ZeroWindowProbe);
        }
        if seg.window == 0 && plain {
            a.set(Flag::ZeroWindow);
        }
        if self.next_seq.is_some_and(|n| rel.seq > n) && !f.rst() {
            a.set(Flag::LostSegment);
        }
        if rel.len <= 1 && plain && self.next_seq.is_some_and(|n| n - 1 == rel.seq) {
            a.set(Flag::KeepAlive);
        }
    }

    /// What the segment says about windows and acknowledgements: window
    /// update, window full, and for a bare ACK repeating the last one, an ACK
    /// of a keep-alive or of a zero-window probe, or a duplicate ACK.
    fn window_tests(
        &self,
        rev: &Flow,
        seg: &TcpSegment,
        rel: &Rel,
        a: &mut Analysis,
        ctx: &mut Context,
    ) {
        let plain = plain(seg);
        let win = rel.win;
        let same_place = rel.len == 0
            && plain
            && self.next_seq == Some(rel.seq)
            && seg.flags.ack()
            && self.last_ack == Some(rel.ack);
        // Wireshark: a window update has a non-zero window (closing to zero is
        // a zero window, not an update).
        if same_place && win != 0 && self.window.is_some_and(|w| w != win) {
            a.set(Flag::WindowUpdate);
        }
        if rel.len > 0 && plain {
            if let (Some(w), Some(la)) = (rev.window, rev.last_ack) {
                if w > 0 && rel.end == la + w as i64 {
                    a.set(Flag::WindowFull);
                }
            }
        }
        if let Some(by) = self.shrunk_by(seg, rel) {
            a.set(Flag::WindowShrunk);
            ctx.shrunk_by = by;
        }
        if same_place && self.window == Some(win) {
            if rev.last_analysis.has(Flag::KeepAlive) {
                a.set(Flag::KeepAliveAck);
            } else if win == 0 && rev.last_analysis.has(Flag::ZeroWindowProbe) {
                a.set(Flag::ZeroWindowProbeAck);
            } else if win != 0 {
                a.set(Flag::DuplicateAck);
                ctx.dup_ack_num = self.dup_acks + 1;
                ctx.dup_ack_of = Some(self.last_ack_frame);
                if let Some(&(left, _)) = seg.options.sack.first() {
                    ctx.sack = if super::seq::unwrap(left, rel.peer_base, rel.ack) < rel.ack {
                        Sack::Duplicate
                    } else {
                        Sack::Later
                    };
                }
            }
        }
    }

    /// How far this segment moves the right edge of its sender's receive
    /// window (acknowledgement number + window) left of where its previous
    /// segment put it (RFC 9293 §3.8.6), if it does. A scaled window can only
    /// say multiples of `1 << shift`, so an edge less than one step back is
    /// rounding (RFC 7323 §2.4), not shrinking.
    fn shrunk_by(&self, seg: &TcpSegment, rel: &Rel) -> Option<u64> {
        if !seg.flags.ack() || !plain(seg) {
            return None;
        }
        let (la, w) = (self.last_ack?, self.window?);
        let old = la.checked_add(i64::try_from(w).ok()?)?;
        let new = rel.ack.checked_add(i64::try_from(rel.win).ok()?)?;
        let by = u64::try_from(old.checked_sub(new)?).ok()?;
        (by >= 1u64 << rel.win_shift.min(14)).then_some(by)
    }

    /// A segment below the highest sequence number already sent: a fast
    /// retransmission (right after the peer's duplicate ACKs asked for it),
    /// out of order (shortly after a higher one), spurious (already
    /// acknowledged) or a plain retransmission.
    fn retransmission_kind(
        &self,
        rev: &Flow,
        rel: &Rel,
        time: Timestamp,
        irtt: Option<i64>,
    ) -> Flag {
        let since_dup = time.nanos_since(rev.last_ack_time);
        let since_high = time.nanos_since(self.next_seq_time);
        let ooo = irtt.unwrap_or(DEFAULT_OOO_NANOS);
        if rev.dup_acks >= 2 && rev.last_ack == Some(rel.seq) && since_dup < FAST_RETRANS_NANOS {
            Flag::FastRetransmission
        } else if since_high < ooo && self.next_seq != Some(rel.end) {
            Flag::OutOfOrder
        } else if rel.len > 0 && rev.last_ack.is_some_and(|la| rel.end <= la) {
            Flag::SpuriousRetransmission
        } else {
            Flag::Retransmission
        }
    }

    /// After the analysis: the sender's progress, its last ACK and window, for
    /// the next segment's tests.
    pub(super) fn record(
        &mut self,
        seg: &TcpSegment,
        rel: &Rel,
        a: Analysis,
        frame: u64,
        time: Timestamp,
    ) {
        // Keep-alives and zero-window probes do not advance the next expected
        // sequence number (as in Wireshark): the probe byte is sent again
        // when the window opens, and that is not a retransmission.
        let probe = a.has(Flag::KeepAlive) || a.has(Flag::ZeroWindowProbe);
        if !probe && self.next_seq.is_none_or(|n| rel.end > n) {
            self.next_seq = Some(rel.end);
            self.next_seq_time = time;
        }
        if seg.flags.ack() {
            if self.last_ack.is_none_or(|l| rel.ack > l) {
                self.last_ack = Some(rel.ack);
                self.last_ack_frame = frame;
                self.dup_acks = 0;
                self.last_ack_time = time;
            } else if a.has(Flag::DuplicateAck) {
                self.dup_acks += 1;
                self.last_ack_time = time;
            }
        }
        self.window = Some(rel.win);
        self.last_analysis = a;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::TcpFlags;

    /// A segment with `payload` at relative `seq`, acknowledging `ack`.
    fn segment(flags: u16, seq: i64, ack: i64, payload: &[u8]) -> (TcpSegment<'_>, Rel) {
        let seg = TcpSegment::test(flags, seq as u32, ack as u32, payload);
        let rel = Rel::test(&seg, seq, ack);
        (seg, rel)
    }

    fn at_ms(ms: i64) -> Timestamp {
        Timestamp(ms * 1_000_000)
    }

    /// A flow that sent `[1, next)` at 0 ms and last acknowledged 1 in frame 2.
    fn sent_up_to(next: i64) -> Flow {
        Flow {
            next_seq: Some(next),
            last_ack: Some(1),
            last_ack_frame: 2,
            window: Some(65535),
            ..Flow::default()
        }
    }

    #[test]
    fn the_same_bare_ack_again_is_a_duplicate() {
        let fwd = sent_up_to(1);
        let (seg, rel) = segment(TcpFlags::ACK, 1, 1, b"");
        let (a, ctx) = fwd.judge(
            &Flow::default(),
            &seg,
            &rel,
            at_ms(50),
            &Reassembler::default(),
            None,
        );
        assert_eq!(a.names(), ["duplicate_ack"]);
        assert_eq!((ctx.dup_ack_num, ctx.dup_ack_of), (1, Some(2)));
    }

    #[test]
    fn a_duplicate_ack_is_read_with_its_sack_block() {
        let judge = |block: (u32, u32)| {
            let (mut seg, rel) = segment(TcpFlags::ACK, 1, 101, b"");
            seg.options.sack = vec![block];
            let fwd = Flow {
                last_ack: Some(101),
                ..sent_up_to(1)
            };
            fwd.judge(
                &Flow::default(),
                &seg,
                &rel,
                at_ms(50),
                &Reassembler::default(),
                None,
            )
        };
        // Bytes beyond the ACK arrived: a hole before them (RFC 2018).
        let (a, ctx) = judge((201, 301));
        assert_eq!(a.names(), ["duplicate_ack"]);
        assert_eq!(ctx.sack, Sack::Later);
        assert!(explain(Flag::DuplicateAck, &ctx).contains("later bytes that did arrive"));
        // A block below the ACK: those bytes came twice (RFC 2883 §4).
        let (_, ctx) = judge((51, 101));
        assert_eq!(ctx.sack, Sack::Duplicate);
        assert!(explain(Flag::DuplicateAck, &ctx).contains("D-SACK"));
    }

    #[test]
    fn bytes_below_the_highest_sent_are_a_retransmission_of_their_frame() {
        let mut sent = Reassembler::default();
        sent.push(0, b"0123456789", 3, at_ms(0), &mut |_| {});
        let fwd = sent_up_to(11);
        let (seg, rel) = segment(TcpFlags::ACK, 1, 1, b"0123456789");
        let (a, ctx) = fwd.judge(&Flow::default(), &seg, &rel, at_ms(500), &sent, None);
        assert_eq!(a.names(), ["retransmission"]);
        assert_eq!(ctx.original_frame, Some(3));
        // Right after two duplicate ACKs asking for them: a fast one.
        let rev = Flow {
            dup_acks: 2,
            last_ack: Some(1),
            last_ack_time: at_ms(495),
            ..Flow::default()
        };
        let (a, _) = fwd.judge(&rev, &seg, &rel, at_ms(500), &sent, None);
        assert_eq!(a.names(), ["retransmission", "fast_retransmission"]);
        // Shortly after higher bytes, and not the last sent: out of order, not
        // a retransmission.
        let (seg, rel) = segment(TcpFlags::ACK, 1, 1, b"01234");
        let (a, _) = fwd.judge(&Flow::default(), &seg, &rel, at_ms(1), &sent, None);
        assert_eq!(a.names(), ["out_of_order"]);
    }

    #[test]
    fn a_keep_alive_is_not_a_retransmission_and_does_not_advance() {
        let mut fwd = sent_up_to(11);
        let (seg, rel) = segment(TcpFlags::ACK, 10, 1, b"");
        let (a, _) = fwd.judge(
            &Flow::default(),
            &seg,
            &rel,
            at_ms(500),
            &Reassembler::default(),
            None,
        );
        assert_eq!(a.names(), ["keep_alive"]);
        fwd.record(&seg, &rel, a, 9, at_ms(500));
        assert_eq!(fwd.next_seq, Some(11));
    }
}
