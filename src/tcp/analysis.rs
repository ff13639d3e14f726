//! Per-segment annotations, named and decided as Wireshark's TCP analysis does
//! (`epan/dissectors/packet-tcp.c`, `tcp_analyze_sequence_number`), each with a
//! sentence saying which rule fired.

use std::fmt;

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
}

impl Flag {
    pub const ALL: [Flag; 17] = [
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
}

/// The rule that fired, in a sentence a student can read.
pub fn explain(flag: Flag, ctx: &Context) -> String {
    let orig = ctx
        .original_frame
        .map(|f| format!(" (first sent in frame {f})"))
        .unwrap_or_default();
    match flag {
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
            "Duplicate ACK #{}: the same acknowledgement number and window again{}; the receiver is asking \
             again for the byte it expects (three in a row trigger fast retransmit, RFC 5681 §3.2).",
            ctx.dup_ack_num,
            ctx.dup_ack_of
                .map(|f| format!(" as frame {f}"))
                .unwrap_or_default()
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
        Flag::PortReuse => "Port numbers reused: a new SYN on an address/port pair that carried an earlier \
             connection; this starts a new connection."
            .to_string(),
    }
}
