//! The `tcp_*` entries of the findings catalogue (`docs/findings.md`) that a
//! connection raises, one function per finding with its sentence and its RFC,
//! and Zeek's history letters that go with them (a gap is also Zeek's `g`).
//! What makes a finding due is mostly decided by the step that sees it (the
//! stream feed, the state machine), which then calls here; the facts of a
//! single segment no step owns (data on a SYN, sequence numbers wrapping, a
//! half-close, a zero-window episode) are decided here too.
//!
//! The connection table raises `tcp_port_reuse` itself.

use std::net::SocketAddr;

use super::analysis::{explain, plain, Analysis, Context, Flag};
use super::dir::Dir;
use super::event::At;
use super::history::{History, LogLetter};
use super::reassembly::{Conflict, OverlapRule, OUTSIDE_CAP, PENDING_CAP};
use super::relative::Rel;
use super::seq;
use crate::finding::{Findings, Severity};
use crate::wire::TcpSegment;

/// What a connection noticed: its findings, and Zeek's history string.
#[derive(Debug)]
pub(super) struct Notes {
    pub findings: Findings,
    pub history: History,
}

/// The findings a direction raises once, or once per episode, and whether it
/// has.
#[derive(Debug, Default)]
pub(super) struct Raised {
    wrap: bool,
    /// A segment outside any window was reported (once per direction).
    pub foreign: bool,
    half_close: bool,
    /// A zero-window episode is under way.
    zero_window: bool,
}

/// Per annotation: how many segments of a direction carried it and the frame
/// of the first, summarised as findings at the end.
#[derive(Debug, Default)]
pub(super) struct Tally([(u32, u64); Flag::ALL.len()]);

impl Tally {
    pub fn add(&mut self, a: Analysis, frame: u64) {
        for (flag, t) in Flag::ALL.iter().zip(&mut self.0) {
            if !a.has(*flag) {
                continue;
            }
            if t.0 == 0 {
                t.1 = frame;
            }
            t.0 += 1;
        }
    }

    fn get(&self, flag: Flag) -> (u32, u64) {
        self.0.get(flag as usize).copied().unwrap_or_default()
    }
}

/// The annotations summarised per direction, with their finding id and RFC.
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

impl Notes {
    pub fn new(id: u32) -> Self {
        Notes {
            findings: Findings::new(id),
            history: History::default(),
        }
    }

    /// The capture starts after the handshake (RFC 9293 §3.5).
    pub fn midstream(&mut self, frame: u64, client: SocketAddr) {
        self.findings.add(
            frame,
            "tcp_midstream",
            Severity::Info,
            format!(
                "The capture starts in the middle of this connection (its first segment is not a SYN), so the \
                 handshake, the initial sequence numbers and the window scale are unknown; the client is \
                 taken to be {client}, the side with the higher port."
            ),
            "RFC 9293 §3.5",
        );
    }

    /// Bytes of the stream of `at.dir` the capture missed: Zeek's `g`, and a
    /// `tcp_gap` saying why (RFC 9293 §3.4).
    fn gap(&mut self, at: At, msg: String) {
        self.history.log(at.client(), LogLetter::Gap);
        self.findings
            .add(at.frame, "tcp_gap", Severity::Warning, msg, "RFC 9293 §3.4");
    }

    /// The same stream bytes came again with different contents
    /// (RFC 9293 §3.10.7.4 leaves the choice of copy to the receiver).
    pub fn overlap_conflict(&mut self, at: At, c: &Conflict) {
        let number = at.frame;
        let rule = match c.rule {
            OverlapRule::Window => format!(
                "frame {}'s copy lay past the window the receiver advertised, so the receiver took this one",
                c.other_frame
            ),
            OverlapRule::FirstCopy => format!(
                "nothing the receiver sent says which copy it took; the first (frame {}) is kept, as Windows \
                 would, while Linux may keep the later one",
                c.kept_frame
            ),
        };
        let msg = format!(
            "Frame {number} carries stream bytes {}..{} of the {} again, but different from frame {}: \
             kept \"{}\", other copy \"{}\" ({rule}; docs/reassembly.md). An observer and the application \
             may see different text.",
            c.offset,
            c.offset + c.kept.len() as u64,
            at.dir.sender(),
            c.earlier_frame(),
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

    /// The out-of-order buffer reached its cap and a hole became a gap.
    pub fn reassembly_limit(&mut self, at: At) {
        self.history.log(at.client(), LogLetter::Gap);
        let msg = format!(
            "More than {} KiB of the {}'s bytes waited behind a hole; sockscope stopped waiting and \
             marked the hole as a gap so the stream goes on.",
            PENDING_CAP / 1024,
            at.dir.sender()
        );
        self.findings.add(
            at.frame,
            "tcp_reassembly_limit",
            Severity::Warning,
            msg,
            "RFC 9293 §3.10.7.4",
        );
    }

    /// More bytes came past the receiver's window than sockscope keeps to
    /// compare with later copies; the rest were dropped uncompared.
    pub fn outside_window_limit(&mut self, at: At) {
        let msg = format!(
            "More than {} KiB of the {}'s bytes lay past the window the receiver advertised; \
             sockscope keeps no more of them to compare with later copies (docs/reassembly.md).",
            OUTSIDE_CAP / 1024,
            at.dir.sender()
        );
        self.findings.add(
            at.frame,
            "tcp_reassembly_limit",
            Severity::Warning,
            msg,
            "RFC 9293 §3.10.7.4",
        );
    }

    /// The snap length cut the segment: `captured` of its `seglen` bytes are
    /// in the file, `missing` bytes became a gap.
    pub fn snaplen_cut(&mut self, at: At, captured: usize, seglen: i64, missing: i64) {
        let number = at.frame;
        let msg = format!(
            "The snap length cut frame {number}: {captured} of its {seglen} payload bytes are not in the file. The \
             {}'s stream continues after a gap of {missing} bytes.",
            at.dir.sender(),
        );
        self.gap(at, msg);
    }

    /// The receiver acknowledged `missing` bytes of the stream of `at.dir`
    /// that the capture never showed.
    pub fn acked_unseen(&mut self, at: At, missing: u64) {
        let msg = format!(
            "{missing} bytes from the {} never appeared in this capture, yet the {} acknowledged them in \
             this frame: the receiver got them, the capture missed them. The stream continues after a \
             gap.",
            at.dir.sender(),
            at.dir.receiver()
        );
        self.gap(at, msg);
    }

    /// At the end of the capture, holes of the stream of `at.dir` (the first
    /// at stream offset `first`) were never filled.
    pub fn never_captured(&mut self, at: At, missing: u64, first: u64) {
        let msg = format!(
            "{missing} bytes from the {} were never captured (first hole at stream offset {first}); later bytes \
             waited behind the hole until the end of the capture and are delivered after a gap.",
            at.dir.sender()
        );
        self.gap(at, msg);
    }

    /// What a segment says about its connection beyond the annotations: data
    /// on a SYN, the sequence numbers wrapping, data after the peer's FIN.
    /// Raised in this order, the last two once per direction.
    pub fn segment(
        &mut self,
        raised: &mut Raised,
        seg: &TcpSegment,
        rel: &Rel,
        peer_fin: bool,
        at: At,
    ) {
        let f = seg.flags;
        let seglen = rel.len;
        if f.syn() && seglen > 0 {
            self.syn_with_data(at, seglen, f.ack());
        }
        if seq::crosses_wrap(seg.seq, seg.seq_len()) && !raised.wrap {
            raised.wrap = true;
            self.seq_wraparound(at);
        }
        // Data after the peer's FIN: a half-closed connection in use.
        if seglen > 0 && peer_fin && !raised.half_close {
            raised.half_close = true;
            self.half_close(at);
        }
    }

    fn syn_with_data(&mut self, at: At, seglen: i64, syn_ack: bool) {
        let msg = format!(
            "The {} put {seglen} bytes of data on its {}; this is legal (TCP Fast Open, RFC 7413), but the bytes \
             are held until the handshake completes.",
            at.dir.sender(),
            if syn_ack { "SYN/ACK" } else { "SYN" }
        );
        self.findings.add(
            at.frame,
            "tcp_syn_with_data",
            Severity::Info,
            msg,
            "RFC 9293 §3.5; RFC 7413",
        );
    }

    fn seq_wraparound(&mut self, at: At) {
        let msg = format!(
            "The {}'s sequence numbers wrap past 2³² here; sequence space is a circle, so sockscope continues \
             with 64-bit offsets (PAWS keeps old segments from aliasing new ones).",
            at.dir.sender()
        );
        self.findings.add(
            at.frame,
            "tcp_seq_wraparound",
            Severity::Info,
            msg,
            "RFC 9293 §3.4; RFC 7323 §5",
        );
    }

    fn half_close(&mut self, at: At) {
        let dir = at.dir;
        let msg = format!(
            "The {} still sends data after the {} sent its FIN. The {} called shutdown(SHUT_WR) (a half-close: \
             it can still receive) or close() (then its kernel answers this data with RST); the FIN alone \
             does not say which. The {}'s read() returned 0 at the FIN.",
            dir.sender(),
            dir.receiver(),
            dir.receiver(),
            dir.sender()
        );
        self.findings.add(
            at.frame,
            "tcp_half_close",
            Severity::Info,
            msg,
            "RFC 9293 §3.6.1",
        );
    }

    /// The sender of `at.dir` answered its peer's SYN with RST: the
    /// connection never existed. RFC 9293 §3.10.7.1: a SYN for a port on
    /// which nothing listens is answered with a reset, and connect() fails
    /// with ECONNREFUSED.
    pub fn refused(&mut self, at: At) {
        let dir = at.dir;
        let msg = format!(
            "The {} refused the connection: its kernel answered the {}'s SYN with RST because no socket \
             listens on that port (or a firewall rejects it), so the connection never opened and the {}'s \
             connect() fails with ECONNREFUSED.",
            dir.sender(),
            dir.receiver(),
            dir.receiver()
        );
        self.findings.add(
            at.frame,
            "tcp_connection_refused",
            Severity::Warning,
            msg,
            "RFC 9293 §3.10.7.1",
        );
    }

    /// A segment of `at.dir` whose sequence number lies `by` bytes beyond
    /// what any window could reach (`ahead`) or behind it.
    pub fn foreign(&mut self, raised: &mut Raised, at: At, by: u64, ahead: bool) {
        if std::mem::replace(&mut raised.foreign, true) {
            return;
        }
        let dir = at.dir;
        let msg = format!(
            "A segment from the {} whose sequence number lies {by} bytes {} the {}'s window: no window can \
             reach that far (at most 2^30 bytes with scaling, RFC 7323 §2.3), so it fails TCP's acceptability \
             test (RFC 9293 §3.10.7.4) and the receiving kernel drops it. Injected, from another connection \
             on the same ports, or corrupt: its bytes are shown as they were on the wire but are not part of \
             the stream, are no gap, and are never read as commands or replies.",
            dir.sender(),
            if ahead { "beyond" } else { "behind" },
            dir.receiver(),
        );
        self.findings.add(
            at.frame,
            "tcp_foreign_segment",
            Severity::Warning,
            msg,
            "RFC 9293 §3.10.7.4; RFC 7323 §2.3",
        );
    }

    /// The sender of `at.dir` reset the connection while `unread` bytes it
    /// had received were still waiting. `closing`: a FIN had already been
    /// sent, by it or by its peer (the session was ending).
    pub fn reset(&mut self, at: At, unread: usize, closing: bool) {
        let dir = at.dir;
        if closing {
            // close() on a socket with unread bytes, or data arriving for a
            // socket the application closed, is answered with RST (RFC 9293
            // §3.6.1, RFC 2525 §2.17): how stacks end a session whose peer
            // still sends at the end (a TLS close_notify after QUIT), not an
            // error.
            let msg = format!(
                "The {} reset the connection while it was closing (a FIN had been sent): its application \
                 called close() with data still arriving or unread (often a TLS close_notify), or asked for \
                 an abort (SO_LINGER 0), and its kernel answers with RST instead of FIN. This is how close() \
                 ends such a session, not an error; the {} loses nothing it was waiting for.",
                dir.sender(),
                dir.receiver()
            );
            self.findings.add(
                at.frame,
                "tcp_rst_after_close",
                Severity::Info,
                msg,
                "RFC 9293 §3.6.1; RFC 2525 §2.17",
            );
            return;
        }
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
            at.frame,
            "tcp_rst",
            Severity::Warning,
            msg,
            "RFC 9293 §3.5.2-3; RFC 5961 §3",
        );
    }

    /// A zero window advertised after an open one starts an episode, raised
    /// once until the window opens again (RFC 9293 §3.8.6.1).
    pub fn zero_window(&mut self, raised: &mut Raised, seg: &TcpSegment, at: At) {
        let zero = seg.window == 0 && plain(seg);
        let opened = zero && !raised.zero_window;
        if !seg.flags.rst() {
            raised.zero_window = zero;
        }
        if opened {
            let msg = format!(
                "The {} advertises a zero window: its receive buffer is full because its application is not \
                 calling read(); the {} must stop sending and probe.",
                at.dir.sender(),
                at.dir.receiver()
            );
            self.findings.add(
                at.frame,
                "tcp_zero_window",
                Severity::Warning,
                msg,
                "RFC 9293 §3.8.6.1",
            );
        }
    }

    /// One finding per annotation of [`SUMMARISED`] the sender of `dir`
    /// carried, citing the first frame and the count.
    pub fn summarise(&mut self, dir: Dir, tally: &Tally, scale_known: bool) {
        for (flag, id, reference) in SUMMARISED {
            let (count, first) = tally.get(flag);
            if count == 0 {
                continue;
            }
            let ctx = Context {
                scale_known,
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;
    use crate::wire::TcpFlags;

    fn at(frame: u64) -> At {
        At {
            dir: Dir::S2c,
            frame,
            time: Timestamp(0),
        }
    }

    #[test]
    fn a_zero_window_episode_is_raised_once_until_the_window_opens() {
        let mut notes = Notes::new(1);
        let mut raised = Raised::default();
        let mut zero = TcpSegment::test(TcpFlags::ACK, 0, 0, b"");
        zero.window = 0;
        let open = TcpSegment::test(TcpFlags::ACK, 0, 0, b"");
        for (frame, seg) in [(1, &zero), (2, &zero), (3, &open), (4, &zero)] {
            notes.zero_window(&mut raised, seg, at(frame));
        }
        let frames: Vec<u64> = notes.findings.list.iter().map(|f| f.frame).collect();
        assert_eq!(frames, [1, 4]);
    }

    #[test]
    fn annotations_are_summarised_with_their_count_and_first_frame() {
        let mut tally = Tally::default();
        let mut a = Analysis::default();
        a.set(Flag::Retransmission);
        a.set(Flag::FastRetransmission);
        tally.add(a, 5);
        tally.add(a, 9);
        let mut notes = Notes::new(1);
        notes.summarise(Dir::C2s, &tally, true);
        let [f] = &notes.findings.list[..] else {
            panic!("one finding: fast retransmissions are not summarised");
        };
        assert_eq!((f.id, f.frame), ("tcp_retransmission", 5));
        assert!(f.message.starts_with("2 segment(s) from the client"));
    }
}
