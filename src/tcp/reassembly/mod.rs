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
        if !data.is_empty() {
            self.place(offset, data, frame, time, out, &mut outcome);
            self.note_conflict(&mut outcome, frame);
        }
        outcome
    }

    /// [`Self::push`] of a non-empty run: what the application already has
    /// is compared, what lies past the receiver's window is kept aside, the
    /// rest delivered or stored out of order.
    fn place(
        &mut self,
        offset: u64,
        data: &[u8],
        frame: u64,
        time: Timestamp,
        out: &mut dyn FnMut(Delivery<'_>),
        outcome: &mut PushOutcome,
    ) {
        let (mut offset, mut data) = (offset, data);
        // Bytes the application already has: compare, never deliver again.
        if offset < self.next {
            let old = (self.next - offset).min(data.len() as u64) as usize;
            let (seen, rest) = data.split_at_checked(old).unwrap_or((data, &[]));
            self.compare_delivered(offset, seen, outcome);
            outcome.repeated += seen.len() as u64;
            offset += seen.len() as u64;
            data = rest;
            if data.is_empty() {
                return;
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
                self.keep_outside(offset + inside as u64, past, frame, time, outcome);
            }
            data = within;
            if data.is_empty() {
                return;
            }
            self.replace_outside(offset, data, frame, outcome);
        }
        let end = offset + data.len() as u64;
        // Fast path: exactly the next bytes, nothing waiting in their way.
        if offset == self.next && self.first_pending().is_none_or(|k| k >= end) {
            self.deliver(offset, Chunk::Data(data), frame, time, out);
        } else {
            self.store(offset, data, frame, time, out, outcome);
        }
        self.drain(out);
    }

    /// The slow path: stores what is new (the first copy wins), delivering a
    /// piece at once when it continues the stream or cannot wait.
    fn store(
        &mut self,
        offset: u64,
        data: &[u8],
        frame: u64,
        time: Timestamp,
        out: &mut dyn FnMut(Delivery<'_>),
        outcome: &mut PushOutcome,
    ) {
        for (at, bytes) in self.new_pieces(offset, data, outcome) {
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
            let piece = Pending {
                data: bytes,
                frame,
                time,
            };
            self.pending.insert(at, piece);
        }
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

mod outside;
#[cfg(test)]
mod tests;
