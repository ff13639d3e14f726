//! What each segment gives one direction's byte stream: which of its bytes the
//! sender hands over for the first time ([`ConnEvent::Sent`]), what
//! reassembly makes readable ([`ConnEvent::Delivered`]), which holes the
//! peer's ACKs and the snap length turn into gaps, and when the receiver
//! reads the end of the stream ([`ConnEvent::Eof`]). The policy of
//! reassembly itself is in [`super::reassembly`].

use super::event::{At, ConnEvent, Sink};
use super::findings::Notes;
use super::reassembly::{Chunk, Delivery, Reassembler};
use super::relative::Rel;
use crate::wire::TcpSegment;

/// One direction's stream as its sender put it out and its receiver reads it.
#[derive(Debug, Default)]
pub(super) struct Feed {
    pub reasm: Reassembler,
    /// Stream offset one past the last byte sent for the first time.
    sent: u64,
    eof_sent: bool,
}

impl Feed {
    /// Reports the bytes of `seg` past everything sent before, and its FIN if
    /// it is the sender's first (`first_fin`), as sent. Retransmitted bytes
    /// are not sent again; a RST sends nothing.
    pub(super) fn sent(
        &mut self,
        seg: &TcpSegment,
        rel: &Rel,
        first_fin: bool,
        at: At,
        sink: &mut Sink<'_>,
    ) {
        let f = seg.flags;
        if f.rst() {
            return;
        }
        let start = rel.stream_start(f.syn());
        let end = start + rel.len;
        let from = start.max(self.sent as i64).max(0);
        let new_bytes = end > from;
        if new_bytes {
            self.sent = end as u64;
        }
        if new_bytes || first_fin {
            let skip = usize::try_from(from - start).unwrap_or(usize::MAX);
            sink(ConnEvent::Sent {
                dir: at.dir,
                offset: from as u64,
                len: (end - from).max(0) as u64,
                bytes: seg.payload.get(skip..).unwrap_or(&[]),
                push: f.psh(),
                fin: first_fin,
            });
        }
    }

    /// Feeds the captured payload of `seg` to reassembly (RFC 9293
    /// §3.10.7.4) and delivers what became readable. When the snap length cut
    /// the segment and its captured part arrived in order, the missing tail is
    /// a gap right away (the segment was seen, so this is no "ACKed unseen").
    /// Returns the frame of the copy kept when this one carried different
    /// bytes for the same offsets.
    pub(super) fn push(
        &mut self,
        seg: &TcpSegment,
        rel: &Rel,
        at: At,
        sink: &mut Sink<'_>,
        notes: &mut Notes,
    ) -> Option<u64> {
        let mut deliver = |d: Delivery<'_>| sink(at.delivered(d));
        let start = rel.stream_start(seg.flags.syn());
        let skip = (-start).max(0) as usize;
        let payload = seg.payload.get(skip..).unwrap_or(&[]);
        let mut conflict = None;
        if !payload.is_empty() {
            let out = self.reasm.push(
                start.max(0) as u64,
                payload,
                at.frame,
                at.time,
                &mut deliver,
            );
            if let Some(c) = &out.conflict {
                conflict = Some(c.earlier_frame());
                notes.overlap_conflict(at, c);
            }
            if out.limit_hit {
                notes.reassembly_limit(at);
            }
            if out.outside_limit_hit {
                notes.outside_window_limit(at);
            }
        }
        let captured_end = start.max(0) + payload.len() as i64;
        let end = start + rel.len;
        if seg.is_cut() && end > captured_end && self.reasm.next_offset() as i64 == captured_end {
            self.reasm
                .acknowledged(end as u64, at.frame, at.time, &mut deliver);
            notes.snaplen_cut(at, payload.len(), rel.len, end - captured_end);
        }
        conflict
    }

    /// The peer acknowledged this stream up to relative sequence number
    /// `ack` (`at` is this stream's direction): holes below it are capture
    /// gaps. Only bytes the sender is known to have sent (below `next_seq`,
    /// and before its `fin`) can be declared missing: an ACK beyond them
    /// proves nothing about what they were, and must not be able to skip data
    /// that comes later. `window` is the window the ACK advertised, when its
    /// scale is known: it moves the right edge past which the receiver takes
    /// nothing (RFC 9293 §3.10.7.4). Returns true when a gap was declared.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn acknowledged(
        &mut self,
        ack: i64,
        window: Option<u64>,
        next_seq: Option<i64>,
        fin: Option<i64>,
        at: At,
        sink: &mut Sink<'_>,
        notes: &mut Notes,
    ) -> bool {
        if let (Some(w), Ok(acked)) = (window, u64::try_from(ack - 1)) {
            self.reasm.advertised(acked.saturating_add(w));
        }
        let mut upto = ack.min(next_seq.unwrap_or(0)) - 1;
        if let Some(fin) = fin {
            upto = upto.min(fin - 1);
        }
        if upto <= 0 {
            return false;
        }
        let before = self.reasm.gap_bytes();
        let gap = self
            .reasm
            .acknowledged(upto as u64, at.frame, at.time, &mut |d| {
                sink(at.delivered(d))
            });
        if gap {
            notes.acked_unseen(at, self.reasm.gap_bytes() - before);
        }
        gap
    }

    /// Reports the end of the stream once reassembly reached the sender's
    /// `fin`: the receiver's read() returns 0 (RFC 9293 §3.6).
    pub(super) fn eof(&mut self, fin: Option<i64>, at: At, sink: &mut Sink<'_>) {
        let Some(fin) = fin else { return };
        if !self.eof_sent && self.reasm.next_offset() as i64 >= fin - 1 {
            self.eof_sent = true;
            sink(ConnEvent::Eof {
                dir: at.dir,
                frame: at.frame,
                time: at.time,
            });
        }
    }

    /// The capture ended: holes become gaps and waiting bytes are delivered.
    pub(super) fn finish(&mut self, at: At, sink: &mut Sink<'_>, notes: &mut Notes) {
        let before = self.reasm.gap_bytes();
        let mut first_gap = None;
        self.reasm.finish(at.frame, at.time, &mut |d| {
            if matches!(d.chunk, Chunk::Gap(_)) && first_gap.is_none() {
                first_gap = Some(d.offset);
            }
            sink(at.delivered(d))
        });
        if let Some(first) = first_gap {
            notes.never_captured(at, self.reasm.gap_bytes() - before, first);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;
    use crate::tcp::Dir;
    use crate::wire::TcpFlags;

    const AT: At = At {
        dir: Dir::C2s,
        frame: 7,
        time: Timestamp(0),
    };

    /// What `sent` reported for a segment at relative `seq`: (offset, len, fin).
    fn sent(feed: &mut Feed, flags: u16, seq: i64, payload: &[u8]) -> Vec<(u64, u64, bool)> {
        let seg = TcpSegment::test(flags, 0, 0, payload);
        let mut got = Vec::new();
        let first_fin = seg.flags.fin();
        feed.sent(&seg, &Rel::test(&seg, seq, 0), first_fin, AT, &mut |e| {
            if let ConnEvent::Sent {
                offset, len, fin, ..
            } = e
            {
                got.push((offset, len, fin));
            }
        });
        got
    }

    #[test]
    fn bytes_are_sent_once_however_often_they_pass() {
        let mut feed = Feed::default();
        assert_eq!(sent(&mut feed, TcpFlags::ACK, 1, b"hello"), [(0, 5, false)]);
        assert_eq!(sent(&mut feed, TcpFlags::ACK, 1, b"hello"), []);
        assert_eq!(sent(&mut feed, TcpFlags::ACK, 4, b"lo wo"), [(5, 3, false)]);
        assert_eq!(sent(&mut feed, TcpFlags::FIN, 9, b""), [(8, 0, true)]);
        assert_eq!(sent(&mut feed, TcpFlags::RST, 9, b"zz"), []);
    }

    /// What an ACK of relative `ack` delivers, the sender having sent up to
    /// relative `next_seq`: (offset, len, gap), and the notes it raised.
    fn acknowledge(feed: &mut Feed, ack: i64, next_seq: i64) -> (Vec<(u64, u64, bool)>, Notes) {
        let mut notes = Notes::new(1);
        let mut got = Vec::new();
        let mut sink = |e: ConnEvent<'_>| {
            if let ConnEvent::Delivered { delivery: d, .. } = e {
                got.push((d.offset, d.len(), matches!(d.chunk, Chunk::Gap(_))));
            }
        };
        feed.acknowledged(ack, None, Some(next_seq), None, AT, &mut sink, &mut notes);
        (got, notes)
    }

    #[test]
    fn an_ack_past_a_hole_declares_a_gap_up_to_what_was_sent() {
        let mut feed = Feed::default();
        feed.reasm.push(5, b"later", 6, Timestamp(0), &mut |_| {});
        let (got, notes) = acknowledge(&mut feed, 100, 11);
        assert_eq!(got, [(0, 5, true), (5, 5, false)]);
        assert_eq!(notes.findings.list.len(), 1);
        assert_eq!(notes.history.as_str(), "G");
        // Beyond what the sender is known to have sent, an ACK proves nothing.
        let (got, _) = acknowledge(&mut feed, 100, 13);
        assert_eq!(got, [(10, 2, true)]);
    }
}
