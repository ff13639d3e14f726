//! Reassembly of one direction of a connection into the ordered byte stream the
//! receiving application reads (RFC 9293 §3.10.7.4: segments are processed in
//! sequence order; later bytes wait for the hole before them to fill).
//!
//! Offsets here are stream offsets: 0 is the first data byte after the SYN.
//!
//! Policy, stated once (docs/reassembly.md says why, with the receivers'
//! differences):
//! * **What the receiver accepted.** When the receiver's window is known (both
//!   SYNs seen), bytes past the right edge it advertised (its ACK plus its
//!   window, RFC 9293 §3.10.7.4 segment acceptability) are not part of the
//!   stream: they are kept aside, never delivered, only to be compared with a
//!   later copy inside the window, which wins ([`OverlapRule::Window`]). Only
//!   when the receiver acknowledges bytes of such a copy and no other copy
//!   came is it delivered (its ACK proves it accepted them).
//! * **Otherwise the first copy wins.** Bytes already delivered can never
//!   change, and for bytes waiting out of order the copy that arrived first is
//!   kept too. When a later copy carries *different* bytes, the push reports a
//!   [`Conflict`] with both copies: real receivers differ here (Linux keeps the
//!   newer copy when it covers the older one entirely), which is exactly what
//!   an IDS-evasion trick relies on (Ptacek & Newsham 1998), so sockscope never
//!   chooses silently.
//! * **Holes never stall the stream.** A hole becomes an explicit
//!   [`Chunk::Gap`] when the peer acknowledges past it (the bytes reached the
//!   receiver, the capture missed them), when the out-of-order buffer reaches
//!   its cap, and at the end of the capture.
//! * **Bounded memory.** At most [`PENDING_CAP`] bytes wait out of order per
//!   direction, and the last [`RECENT_CAP`] delivered bytes are kept to compare
//!   retransmissions against; older retransmitted bytes are counted as not
//!   compared. Out-of-window copies are kept up to [`OUTSIDE_CAP`] bytes, and
//!   the last [`CONFLICTS_KEPT`] conflicts with both versions.

use std::collections::{BTreeMap, VecDeque};

use crate::capture::Timestamp;

/// Out-of-order bytes held per direction before the hole is declared a gap.
pub const PENDING_CAP: usize = 4 * 1024 * 1024;
/// Delivered bytes kept to compare retransmissions with.
pub const RECENT_CAP: usize = 64 * 1024;
/// Bytes of each copy kept in a conflict report.
const CONFLICT_SHOW: usize = 32;
/// Out-of-window bytes kept per direction to compare later copies with; more
/// are dropped uncompared (the receiver dropped them too).
pub const OUTSIDE_CAP: usize = 256 * 1024;
/// Conflicts kept per direction with both versions, for the view.
pub const CONFLICTS_KEPT: usize = 16;

/// What became readable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunk<'a> {
    Data(&'a [u8]),
    /// Bytes the capture never showed; the stream goes on after them.
    Gap(u64),
}

/// A run of stream bytes that became readable, in order.
#[derive(Clone, Copy, Debug)]
pub struct Delivery<'a> {
    pub offset: u64,
    pub chunk: Chunk<'a>,
    /// The frame that carried these bytes (for a gap: the frame that made sockscope
    /// give up waiting).
    pub frame: u64,
    pub time: Timestamp,
}

impl Delivery<'_> {
    pub fn len(&self) -> u64 {
        match self.chunk {
            Chunk::Data(d) => d.len() as u64,
            Chunk::Gap(n) => n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where a run of stream bytes came from: the stream's map back to frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub offset: u64,
    pub len: u64,
    pub frame: u64,
    pub gap: bool,
}

/// Which rule chose the copy kept when two copies differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlapRule {
    /// The receiver's window: the other copy lay past its right edge.
    Window,
    /// No evidence from the receiver: the first copy seen is kept.
    FirstCopy,
}

/// The same stream bytes carried twice with different contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// Stream offset of the first differing byte.
    pub offset: u64,
    /// Length of the compared overlap.
    pub len: u64,
    /// Frame of the copy that was kept.
    pub kept_frame: u64,
    /// Frame of the copy that was not.
    pub other_frame: u64,
    /// Up to 32 bytes of each copy, from `offset`.
    pub kept: Vec<u8>,
    pub other: Vec<u8>,
    pub rule: OverlapRule,
}

impl Conflict {
    /// The frame that carried these bytes before the segment that raised the
    /// conflict.
    pub fn earlier_frame(&self) -> u64 {
        match self.rule {
            OverlapRule::Window => self.other_frame,
            OverlapRule::FirstCopy => self.kept_frame,
        }
    }
}

/// What one push found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushOutcome {
    /// Bytes that were already delivered or already waiting (a retransmission).
    pub repeated: u64,
    /// Of those, bytes too old to compare.
    pub uncompared: u64,
    /// New bytes that had to wait behind a hole.
    pub buffered: u64,
    pub conflict: Option<Conflict>,
    /// The out-of-order cap forced a gap.
    pub limit_hit: bool,
    /// New bytes past the receiver's window, not delivered.
    pub outside: u64,
    /// [`OUTSIDE_CAP`] was reached: out-of-window bytes were dropped
    /// uncompared.
    pub outside_limit_hit: bool,
}

#[derive(Debug)]
struct Pending {
    data: Vec<u8>,
    frame: u64,
    time: Timestamp,
}

/// One direction's reassembly state.
#[derive(Debug, Default)]
pub struct Reassembler {
    next: u64,
    pending: BTreeMap<u64, Pending>,
    pending_bytes: usize,
    recent: VecDeque<u8>,
    map: Vec<Span>,
    delivered_bytes: u64,
    gap_bytes: u64,
    /// The receiver's right window edge as a stream offset, when known.
    edge: Option<u64>,
    /// Copies that lay past `edge` when they came, by offset.
    outside: BTreeMap<u64, Pending>,
    outside_bytes: usize,
    /// The window rule was given up for this direction (see `push`).
    window_off: bool,
    conflicts: VecDeque<Conflict>,
}

impl Reassembler {
    /// Offset of the next byte the application would read.
    pub fn next_offset(&self) -> u64 {
        self.next
    }

    /// Bytes waiting behind a hole.
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    /// Offset of the first waiting byte, if any.
    pub fn first_pending(&self) -> Option<u64> {
        self.pending.keys().next().copied()
    }

    /// Real bytes delivered (gaps excluded).
    pub fn delivered_bytes(&self) -> u64 {
        self.delivered_bytes
    }

    pub fn gap_bytes(&self) -> u64 {
        self.gap_bytes
    }

    /// The receiver's right window edge (stream offset), when known.
    pub fn window_edge(&self) -> Option<u64> {
        self.edge
    }

    /// The receiver advertised a window: `edge` is its ACK's stream offset
    /// plus the window. The edge only moves right: an older, smaller
    /// advertisement arriving late must not shrink what was allowed.
    pub fn advertised(&mut self, edge: u64) {
        if !self.window_off {
            self.edge = Some(self.edge.map_or(edge, |e| e.max(edge)));
        }
    }

    /// The last conflicts found, with both copies (oldest first).
    pub fn conflicts(&self) -> impl Iterator<Item = &Conflict> {
        self.conflicts.iter()
    }

    /// Which frame delivered which bytes, in stream order.
    pub fn spans(&self) -> &[Span] {
        &self.map
    }

    /// The frame that carried the byte at `offset`, if it was delivered.
    pub fn frame_of(&self, offset: u64) -> Option<u64> {
        let i = self.map.partition_point(|s| s.offset + s.len <= offset);
        self.map
            .get(i)
            .filter(|s| s.offset <= offset && !s.gap)
            .map(|s| s.frame)
    }

    /// Adds the bytes of one segment starting at stream offset `offset`, and
    /// delivers whatever became readable to `out`.
    pub fn push(
        &mut self,
        offset: u64,
        data: &[u8],
        frame: u64,
        time: Timestamp,
        out: &mut dyn FnMut(Delivery<'_>),
    ) -> PushOutcome {
        let mut outcome = PushOutcome::default();
        if data.is_empty() {
            return outcome;
        }
        let (mut offset, mut data) = (offset, data);
        // Bytes the application already has: compare, never deliver again.
        if offset < self.next {
            let old = (self.next - offset).min(data.len() as u64) as usize;
            let (seen, rest) = data.split_at_checked(old).unwrap_or((data, &[]));
            self.compare_delivered(offset, seen, &mut outcome);
            outcome.repeated += seen.len() as u64;
            offset += seen.len() as u64;
            data = rest;
            if data.is_empty() {
                self.note_conflict(&mut outcome, frame);
                return outcome;
            }
        }
        // RFC 9293 §3.10.7.4: the receiver takes only what its window allows;
        // a copy inside it replaces one that came past it.
        if self.edge.is_some_and(|e| offset + data.len() as u64 > e) && !self.outside.is_empty() {
            // A second run past the window while one waits aside: the sender
            // keeps a different view of the window than the ACKs the capture
            // holds (ACKs or window updates not captured, or a sender that
            // ignores the window). The window proves nothing here: the rule
            // is given up for this direction and what waited is read.
            self.give_up_window(out);
        }
        if let Some(edge) = self.edge {
            // The sender moved on past bytes it sent beyond the window
            // without sending another copy of them: no other copy came, so
            // they are the stream (a capture that missed a window update
            // must not lose data).
            self.accept_outside(offset, out);
            let inside = edge.saturating_sub(offset).min(data.len() as u64) as usize;
            let (within, past) = data.split_at_checked(inside).unwrap_or((data, &[]));
            if !past.is_empty() {
                self.keep_outside(offset + inside as u64, past, frame, time, &mut outcome);
            }
            data = within;
            if data.is_empty() {
                self.note_conflict(&mut outcome, frame);
                return outcome;
            }
            self.replace_outside(offset, data, frame, &mut outcome);
        }
        let end = offset + data.len() as u64;
        // Fast path: exactly the next bytes, nothing waiting in their way.
        if offset == self.next && self.first_pending().is_none_or(|k| k >= end) {
            self.deliver(offset, Chunk::Data(data), frame, time, out);
            self.drain(out);
            self.note_conflict(&mut outcome, frame);
            return outcome;
        }
        // Slow path: store what is new (first copy wins), then drain.
        let pieces = self.new_pieces(offset, data, &mut outcome);
        for (at, bytes) in pieces {
            let len = bytes.len();
            // Make room by giving up on the lowest hole, but only on holes below
            // this piece: the piece itself must never be discarded.
            while self.pending_bytes + len > PENDING_CAP {
                match self.first_pending() {
                    Some(first) if first <= at => {
                        outcome.limit_hit = true;
                        self.skip_to(first, frame, time, out);
                    }
                    _ => break,
                }
            }
            let full = self.pending_bytes + len > PENDING_CAP;
            if at == self.next || full {
                // The piece continues the stream, or it is the lowest data there is
                // and cannot wait: a gap up to it (if any), then the piece.
                outcome.limit_hit |= at > self.next;
                self.skip_to(at, frame, time, out);
                self.deliver(at, Chunk::Data(&bytes), frame, time, out);
                self.drain(out);
                continue;
            }
            outcome.buffered += len as u64;
            self.pending_bytes += len;
            self.pending.insert(
                at,
                Pending {
                    data: bytes,
                    frame,
                    time,
                },
            );
        }
        self.drain(out);
        self.note_conflict(&mut outcome, frame);
        outcome
    }

    /// Keeps the conflict a push found for the view, the last
    /// [`CONFLICTS_KEPT`] of them.
    fn note_conflict(&mut self, outcome: &mut PushOutcome, frame: u64) {
        if let Some(c) = &mut outcome.conflict {
            if c.rule == OverlapRule::FirstCopy {
                c.other_frame = frame;
            }
            if self.conflicts.len() == CONFLICTS_KEPT {
                self.conflicts.pop_front();
            }
            self.conflicts.push_back(c.clone());
        }
    }

    /// Stops using the window for this direction; the copies kept aside go
    /// through the ordinary path (first copy wins) in stream order.
    fn give_up_window(&mut self, out: &mut dyn FnMut(Delivery<'_>)) {
        self.edge = None;
        self.window_off = true;
        self.outside_bytes = 0;
        for (k, p) in std::mem::take(&mut self.outside) {
            let o = self.push(k, &p.data, p.frame, p.time, out);
            if let Some(c) = o.conflict {
                if self.conflicts.len() == CONFLICTS_KEPT {
                    self.conflicts.pop_front();
                }
                self.conflicts.push_back(c);
            }
        }
    }

    /// Keeps bytes that came past the receiver's window aside: the first
    /// out-of-window copy of each byte, up to [`OUTSIDE_CAP`].
    fn keep_outside(
        &mut self,
        offset: u64,
        data: &[u8],
        frame: u64,
        time: Timestamp,
        outcome: &mut PushOutcome,
    ) {
        outcome.outside += data.len() as u64;
        let end = offset + data.len() as u64;
        let mut cursor = offset;
        let start = self
            .outside
            .range(..=offset)
            .next_back()
            .map_or(offset, |(k, _)| *k);
        let mut pieces = Vec::new();
        for (&k, p) in self.outside.range(start..end) {
            let p_end = k + p.data.len() as u64;
            if p_end <= cursor {
                continue;
            }
            if k > cursor {
                pieces.push((cursor, between(data, offset, cursor, k)));
            }
            cursor = cursor.max(p_end.min(end));
        }
        if cursor < end {
            pieces.push((cursor, between(data, offset, cursor, end)));
        }
        for (at, bytes) in pieces {
            if bytes.is_empty() {
                continue;
            }
            if self.outside_bytes + bytes.len() > OUTSIDE_CAP {
                outcome.outside_limit_hit = true;
                continue;
            }
            self.outside_bytes += bytes.len();
            let data = bytes.to_vec();
            self.outside.insert(at, Pending { data, frame, time });
        }
    }

    /// A copy inside the window came for bytes an out-of-window copy also
    /// carried: the one inside wins, and a difference is a conflict.
    fn replace_outside(&mut self, offset: u64, data: &[u8], frame: u64, outcome: &mut PushOutcome) {
        let end = offset + data.len() as u64;
        let start = self
            .outside
            .range(..=offset)
            .next_back()
            .map_or(offset, |(k, _)| *k);
        let hit: Vec<u64> = self
            .outside
            .range(start..end)
            .filter(|(k, p)| *k + p.data.len() as u64 > offset)
            .map(|(k, _)| *k)
            .collect();
        for k in hit {
            let Some(p) = self.outside.remove(&k) else {
                continue;
            };
            self.outside_bytes -= p.data.len();
            let p_end = k + p.data.len() as u64;
            let (from, to) = (k.max(offset), p_end.min(end));
            let theirs = between(&p.data, k, from, to);
            let mine = between(data, offset, from, to);
            if outcome.conflict.is_none() {
                outcome.conflict = conflict(from, mine, theirs, frame).map(|c| Conflict {
                    other_frame: p.frame,
                    rule: OverlapRule::Window,
                    ..c
                });
            }
            // What this copy does not cover stays aside.
            for (a, b) in [(k, from), (to, p_end)] {
                if a < b {
                    let rest = between(&p.data, k, a, b).to_vec();
                    self.outside_bytes += rest.len();
                    let (frame, time) = (p.frame, p.time);
                    self.outside.insert(
                        a,
                        Pending {
                            data: rest,
                            frame,
                            time,
                        },
                    );
                }
            }
        }
    }

    /// The receiver acknowledged bytes that only an out-of-window copy
    /// carried: its ACK proves it accepted that copy, so it is delivered
    /// (up to `offset`) rather than declared a gap.
    fn accept_outside(&mut self, offset: u64, out: &mut dyn FnMut(Delivery<'_>)) {
        // Copies entirely behind the stream can never be read.
        while let Some(entry) = self.outside.first_entry() {
            let k = *entry.key();
            let p_end = k + entry.get().data.len() as u64;
            if p_end <= self.next {
                self.outside_bytes -= entry.remove().data.len();
                continue;
            }
            if k > self.next || self.next >= offset {
                break;
            }
            let p = entry.remove();
            self.outside_bytes -= p.data.len();
            let upto = offset
                .min(p_end)
                .min(self.first_pending().unwrap_or(u64::MAX));
            let part = between(&p.data, k, self.next, upto).to_vec();
            if upto < p_end {
                let rest = between(&p.data, k, upto, p_end).to_vec();
                self.outside_bytes += rest.len();
                let (frame, time) = (p.frame, p.time);
                self.outside.insert(
                    upto,
                    Pending {
                        data: rest,
                        frame,
                        time,
                    },
                );
            }
            if part.is_empty() {
                break;
            }
            let at = self.next;
            self.deliver(at, Chunk::Data(&part), p.frame, p.time, out);
            self.drain(out);
        }
    }

    /// The peer acknowledged everything before `offset`: bytes below it that the
    /// capture never showed are declared a gap. Returns true if a gap was made.
    pub fn acknowledged(
        &mut self,
        offset: u64,
        frame: u64,
        time: Timestamp,
        out: &mut dyn FnMut(Delivery<'_>),
    ) -> bool {
        self.accept_outside(offset, out);
        if offset <= self.next {
            return false;
        }
        let target = self.first_pending().map_or(offset, |k| k.min(offset));
        if target <= self.next {
            return false;
        }
        self.skip_to(target, frame, time, out);
        true
    }

    /// No more segments will come (end of capture, or a reset): every hole
    /// becomes a gap and everything waiting is delivered.
    pub fn finish(&mut self, frame: u64, time: Timestamp, out: &mut dyn FnMut(Delivery<'_>)) {
        while let Some(first) = self.first_pending() {
            self.skip_to(first, frame, time, out);
        }
    }

    /// Splits `[offset, offset + data.len())` (all at or after `next`) into the
    /// pieces no waiting segment covers yet; compares the pieces that are covered.
    fn new_pieces(
        &self,
        offset: u64,
        data: &[u8],
        outcome: &mut PushOutcome,
    ) -> Vec<(u64, Vec<u8>)> {
        let end = offset + data.len() as u64;
        let mut pieces = Vec::new();
        let mut cursor = offset;
        // Start from the last waiting segment that begins before `offset`.
        let start = self
            .pending
            .range(..=offset)
            .next_back()
            .map_or(offset, |(k, _)| *k);
        for (&k, p) in self.pending.range(start..end) {
            let p_end = k + p.data.len() as u64;
            if p_end <= cursor {
                continue;
            }
            if k > cursor {
                pieces.push((cursor, between(data, offset, cursor, k).to_vec()));
                cursor = k;
            }
            let ov_end = p_end.min(end);
            let mine = between(data, offset, cursor, ov_end);
            let theirs = between(&p.data, k, cursor, ov_end);
            outcome.repeated += mine.len() as u64;
            if outcome.conflict.is_none() {
                outcome.conflict = conflict(cursor, theirs, mine, p.frame);
            }
            cursor = ov_end;
            if cursor >= end {
                break;
            }
        }
        if cursor < end {
            pieces.push((cursor, between(data, offset, cursor, end).to_vec()));
        }
        pieces
    }

    /// Compares retransmitted bytes with the delivered copy still remembered.
    fn compare_delivered(&self, offset: u64, data: &[u8], outcome: &mut PushOutcome) {
        let recent_start = self.next - self.recent.len() as u64;
        let end = offset + data.len() as u64;
        let from = offset.max(recent_start);
        outcome.uncompared += from.saturating_sub(offset).min(data.len() as u64);
        if from >= end || outcome.conflict.is_some() {
            return;
        }
        let mine = between(data, offset, from, end);
        let (a, b) = self.recent.as_slices();
        let skip = (from - recent_start) as usize;
        let theirs: Vec<u8> = a
            .iter()
            .chain(b.iter())
            .skip(skip)
            .take(mine.len())
            .copied()
            .collect();
        let first_frame = self.frame_of(from).unwrap_or(0);
        outcome.conflict = conflict(from, &theirs, mine, first_frame);
    }

    fn deliver(
        &mut self,
        offset: u64,
        chunk: Chunk<'_>,
        frame: u64,
        time: Timestamp,
        out: &mut dyn FnMut(Delivery<'_>),
    ) {
        let d = Delivery {
            offset,
            chunk,
            frame,
            time,
        };
        let len = d.len();
        if len == 0 {
            return;
        }
        let gap = matches!(chunk, Chunk::Gap(_));
        match self.map.last_mut() {
            Some(last)
                if last.frame == frame && last.gap == gap && last.offset + last.len == offset =>
            {
                last.len += len
            }
            _ => self.map.push(Span {
                offset,
                len,
                frame,
                gap,
            }),
        }
        match chunk {
            Chunk::Data(bytes) => {
                self.delivered_bytes += len;
                self.recent.extend(bytes.iter().copied());
                let excess = self.recent.len().saturating_sub(RECENT_CAP);
                self.recent.drain(..excess);
            }
            Chunk::Gap(_) => {
                self.gap_bytes += len;
                self.recent.clear();
            }
        }
        self.next = offset + len;
        out(d);
    }

    /// Forgets the delivered bytes kept for comparisons (the connection is over;
    /// a late retransmission is then counted as not compared).
    pub fn release_history(&mut self) {
        self.recent = VecDeque::new();
    }

    /// Declares `[next, target)` a gap, then delivers what follows it.
    fn skip_to(
        &mut self,
        target: u64,
        frame: u64,
        time: Timestamp,
        out: &mut dyn FnMut(Delivery<'_>),
    ) {
        if target > self.next {
            let len = target - self.next;
            self.deliver(self.next, Chunk::Gap(len), frame, time, out);
        }
        self.drain(out);
    }

    /// Delivers waiting segments that now continue the stream.
    fn drain(&mut self, out: &mut dyn FnMut(Delivery<'_>)) {
        while let Some(entry) = self.pending.first_entry() {
            let k = *entry.key();
            if k > self.next {
                break;
            }
            let p = entry.remove();
            self.pending_bytes -= p.data.len();
            let rest = between(&p.data, k, self.next, k + p.data.len() as u64);
            if !rest.is_empty() {
                self.deliver(self.next, Chunk::Data(rest), p.frame, p.time, out);
            }
        }
    }
}

/// The bytes at stream offsets `[from, to)` of a run that starts at offset
/// `at`; empty if the run does not cover them all (callers pass ranges inside
/// the run, so this never drops bytes).
fn between(run: &[u8], at: u64, from: u64, to: u64) -> &[u8] {
    let index = |offset: u64| offset.checked_sub(at).and_then(|i| usize::try_from(i).ok());
    match (index(from), index(to)) {
        (Some(a), Some(b)) => run.get(a..b).unwrap_or_default(),
        _ => &[],
    }
}

/// The first byte where two copies of the same offsets differ, and up to
/// [`CONFLICT_SHOW`] bytes of each from there.
fn conflict(offset: u64, kept: &[u8], other: &[u8], first_frame: u64) -> Option<Conflict> {
    let n = kept.len().min(other.len());
    let at = kept.iter().zip(other).position(|(a, b)| a != b)?;
    let shown = |copy: &[u8]| {
        let compared = copy.iter().take(n);
        compared.skip(at).take(CONFLICT_SHOW).copied().collect()
    };
    Some(Conflict {
        offset: offset + at as u64,
        len: n as u64,
        kept_frame: first_frame,
        other_frame: 0,
        kept: shown(kept),
        other: shown(other),
        rule: OverlapRule::FirstCopy,
    })
}

#[cfg(test)]
// Tests index the values they built themselves: a panic is a failed test.
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// A delivery as (offset, Some(bytes) | None for a gap, len).
    type Got = (u64, Option<Vec<u8>>, u64);

    /// Collects deliveries.
    fn run(steps: &[(u64, &[u8])]) -> (Vec<Got>, Vec<PushOutcome>, Reassembler) {
        let mut r = Reassembler::default();
        let mut got = Vec::new();
        let mut outcomes = Vec::new();
        for (i, (off, data)) in steps.iter().enumerate() {
            let o = r.push(*off, data, i as u64 + 1, Timestamp(0), &mut |d| {
                got.push((
                    d.offset,
                    match d.chunk {
                        Chunk::Data(b) => Some(b.to_vec()),
                        Chunk::Gap(_) => None,
                    },
                    d.len(),
                ))
            });
            outcomes.push(o);
        }
        (got, outcomes, r)
    }

    fn stream(got: &[Got]) -> Vec<u8> {
        got.iter()
            .flat_map(|(_, b, n)| b.clone().unwrap_or_else(|| vec![0; *n as usize]))
            .collect()
    }

    #[test]
    fn in_order() {
        let (got, _, r) = run(&[(0, b"hello "), (6, b"world")]);
        assert_eq!(stream(&got), b"hello world");
        assert_eq!(r.spans().len(), 2);
        assert_eq!(r.frame_of(7), Some(2));
    }

    #[test]
    fn out_of_order_waits_for_the_hole() {
        let (got, outcomes, _) = run(&[(6, b"world"), (0, b"hello ")]);
        assert_eq!(outcomes[0].buffered, 5);
        assert_eq!(got.len(), 2, "both delivered when the hole fills");
        assert_eq!(stream(&got), b"hello world");
        assert_eq!(got[1].0, 6);
    }

    #[test]
    fn retransmission_same_bytes_is_no_conflict() {
        let (got, outcomes, _) = run(&[(0, b"hello"), (0, b"hello"), (3, b"lo wo")]);
        assert_eq!(stream(&got), b"hello wo");
        assert_eq!(outcomes[1].repeated, 5);
        assert_eq!(outcomes[1].conflict, None);
        assert_eq!(outcomes[2].repeated, 2);
    }

    #[test]
    fn overlap_with_different_bytes_keeps_the_first_copy() {
        let (got, outcomes, _) = run(&[(0, b"hello"), (0, b"help!")]);
        assert_eq!(stream(&got), b"hello");
        let c = outcomes[1].conflict.as_ref().expect("conflict");
        assert_eq!(c.offset, 3);
        assert_eq!(c.kept, b"lo");
        assert_eq!(c.other, b"p!");
        assert_eq!(c.kept_frame, 1);
        assert_eq!(c.rule, OverlapRule::FirstCopy);
    }

    #[test]
    fn conflict_between_waiting_copies() {
        let (got, outcomes, _) = run(&[(5, b"WORLD"), (5, b"world"), (0, b"hello")]);
        assert_eq!(stream(&got), b"helloWORLD");
        assert!(outcomes[1].conflict.is_some());
    }

    #[test]
    fn gap_on_acknowledgement() {
        let mut r = Reassembler::default();
        let mut got = Vec::new();
        let mut sink =
            |d: Delivery<'_>| got.push((d.offset, d.len(), matches!(d.chunk, Chunk::Gap(_))));
        r.push(0, b"abc", 1, Timestamp(0), &mut sink);
        r.push(10, b"xyz", 2, Timestamp(0), &mut sink);
        assert!(r.acknowledged(13, 3, Timestamp(0), &mut sink));
        assert_eq!(got, vec![(0, 3, false), (3, 7, true), (10, 3, false)]);
        assert_eq!(r.gap_bytes(), 7);
    }

    #[test]
    fn finish_turns_holes_into_gaps() {
        let mut r = Reassembler::default();
        let mut n = 0;
        r.push(4, b"late", 1, Timestamp(0), &mut |_| n += 1);
        assert_eq!(n, 0);
        r.finish(9, Timestamp(0), &mut |_| n += 1);
        assert_eq!(n, 2);
        assert_eq!(r.next_offset(), 8);
    }

    #[test]
    fn a_full_buffer_never_drops_the_piece_in_hand() {
        let mut r = Reassembler::default();
        let mut got = Vec::new();
        let mut sink =
            |d: Delivery<'_>| got.push((d.offset, d.len(), matches!(d.chunk, Chunk::Gap(_))));
        let block = vec![1u8; 64 * 1024];
        let mut off = 1000u64;
        while r.pending_bytes() + block.len() <= PENDING_CAP {
            r.push(off, &block, 1, Timestamp(0), &mut sink);
            off += block.len() as u64;
        }
        // The buffer is full; 500 bytes inside the hole before it arrive.
        let o = r.push(500, &[2u8; 500], 2, Timestamp(0), &mut sink);
        assert!(o.limit_hit);
        assert_eq!(
            got[0],
            (0, 500, true),
            "a gap of exactly the missing 500 bytes"
        );
        assert_eq!(got[1], (500, 500, false), "the piece in hand is delivered");
        assert_eq!(got[2], (1000, 64 * 1024, false));
        assert_eq!(r.gap_bytes(), 500);
    }

    #[test]
    fn the_cap_bounds_waiting_bytes() {
        let mut r = Reassembler::default();
        let block = vec![7u8; 64 * 1024];
        let mut hit = false;
        for i in 0..100u64 {
            let o = r.push(
                1 + i * block.len() as u64,
                &block,
                i,
                Timestamp(0),
                &mut |_| {},
            );
            hit |= o.limit_hit;
            assert!(r.pending_bytes() <= PENDING_CAP);
        }
        assert!(hit);
    }

    /// A sink that appends delivered data bytes to `got`.
    fn data_into(got: &mut Vec<u8>) -> impl FnMut(Delivery<'_>) + '_ {
        |d| {
            if let Chunk::Data(b) = d.chunk {
                got.extend_from_slice(b)
            }
        }
    }

    /// The 5,002-byte shape (docs/reassembly.md): the receiver's window takes
    /// only the first 5 bytes; later copies inside the window win.
    #[test]
    fn a_copy_inside_the_window_wins_over_one_past_it() {
        let mut r = Reassembler::default();
        let mut got = Vec::new();
        r.advertised(5);
        let o = r.push(
            0,
            b"hello PADDINGPADDING",
            1,
            Timestamp(0),
            &mut data_into(&mut got),
        );
        assert_eq!(o.outside, 15);
        r.advertised(5 + 1000);
        let o = r.push(5, b" world", 2, Timestamp(0), &mut data_into(&mut got));
        let c = o.conflict.expect("the out-of-window copy differs");
        assert_eq!(
            (c.rule, c.kept_frame, c.other_frame),
            (OverlapRule::Window, 2, 1)
        );
        assert_eq!(
            (c.kept.as_slice(), c.other.as_slice()),
            (&b"world"[..], &b"PADDI"[..])
        );
        assert_eq!(c.offset, 6);
        assert_eq!(r.conflicts().count(), 1);
        r.push(11, b"!", 3, Timestamp(0), &mut data_into(&mut got));
        assert_eq!(got, b"hello world!");
        // The rest of the padding was never accepted: no ACK covers it.
        r.finish(4, Timestamp(0), &mut data_into(&mut got));
        assert_eq!(got, b"hello world!");
        assert_eq!(r.gap_bytes(), 0);
    }

    #[test]
    fn an_ack_over_an_out_of_window_copy_delivers_it() {
        let mut r = Reassembler::default();
        let mut got = Vec::new();
        r.advertised(3);
        r.push(0, b"abcdef", 1, Timestamp(0), &mut data_into(&mut got));
        assert_eq!(got, b"abc");
        // The receiver acknowledges 5: it took those bytes after all.
        assert!(!r.acknowledged(5, 2, Timestamp(0), &mut data_into(&mut got)));
        assert_eq!(got, b"abcde");
        assert_eq!(r.gap_bytes(), 0);
        assert_eq!(r.next_offset(), 5);
    }

    /// A capture that missed the window update: the sender's next segment
    /// starts after its out-of-window bytes, so no other copy of them came.
    #[test]
    fn a_sender_moving_on_past_out_of_window_bytes_delivers_them() {
        let mut r = Reassembler::default();
        let mut got = Vec::new();
        r.advertised(3);
        r.push(0, b"abcdef", 1, Timestamp(0), &mut data_into(&mut got));
        assert_eq!(got, b"abc");
        // A second run past the window: the sender does not share the
        // capture's view of the window, so the rule is given up and all is read.
        r.push(6, b"ghi", 2, Timestamp(0), &mut data_into(&mut got));
        assert_eq!(got, b"abcdefghi");
        assert_eq!(r.gap_bytes(), 0);
        assert_eq!(r.window_edge(), None);
        r.advertised(100);
        assert_eq!(r.window_edge(), None, "given up for good");
    }

    #[test]
    fn the_edge_never_moves_left() {
        let mut r = Reassembler::default();
        r.advertised(100);
        r.advertised(10);
        assert_eq!(r.window_edge(), Some(100));
    }
}
