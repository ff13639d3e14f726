//! The one reader's input: a direction's reassembled bytes, queued with the
//! frames that carried them, from which lines (or counted/raw content) are
//! taken. A segment is never a line (RFC 9293 §3.7.4: TCP carries bytes, not
//! messages): lines are cut here,
//! from the byte stream, wherever TCP happened to cut it.

use std::collections::VecDeque;

use crate::capture::Timestamp;

/// Longest line kept whole; a longer one is delivered cut (and flagged by the
/// caller), so a peer that never sends LF cannot make the queue grow forever.
pub const MAX_LINE: usize = 64 * 1024;

/// How a line ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnd {
    /// CR LF, the only terminator SMTP and POP3 recognise (RFC 5321 §2.3.8).
    CrLf,
    /// A bare LF.
    Lf,
    /// Cut at [`MAX_LINE`] without any LF: the rest of the line, up to its
    /// LF, is skipped (never read as further lines).
    Cut,
    /// Ended by bytes the capture missed: the real bytes before the gap, the
    /// gap consumed with them (docs/robustness.md: never decode what was not
    /// captured).
    Gap,
}

/// Bytes taken from the stream, with where they came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    /// The bytes (for a line: without its terminator).
    pub bytes: Vec<u8>,
    /// Stream offset of the first byte.
    pub offset: u64,
    /// Every frame that carried part of it, with how many of its bytes, in order.
    pub frames: Vec<(u64, u32)>,
    /// Time of the frame that carried the last byte.
    pub time: Timestamp,
    /// For lines: how the line ended.
    pub end: LineEnd,
    /// A gap (bytes the capture missed) lies inside.
    pub gap: bool,
    /// The first line after a gap: where it starts is not known (its start
    /// may have been in the gap), so a reader takes it as a line only if it
    /// reads as the start of one.
    pub after_gap: bool,
    /// For a gap: how many bytes the capture missed.
    pub gap_len: u64,
}

impl Taken {
    /// The frame that carried the final byte.
    pub fn last_frame(&self) -> u64 {
        self.frames.last().map_or(0, |f| f.0)
    }
    pub fn first_frame(&self) -> u64 {
        self.frames.first().map_or(0, |f| f.0)
    }
    /// Length including the terminator.
    pub fn wire_len(&self) -> u64 {
        self.bytes.len() as u64
            + match self.end {
                LineEnd::CrLf => 2,
                LineEnd::Lf => 1,
                LineEnd::Cut | LineEnd::Gap => 0,
            }
    }
}

#[derive(Clone, Copy, Debug)]
struct Run {
    /// Stream offset one past this run's last byte.
    end: u64,
    frame: u64,
    time: Timestamp,
    gap: bool,
    /// For a gap: its bytes not queued (a gap is queued as at most
    /// [`MAX_LINE`] placeholder bytes); added to the offsets when it is
    /// consumed, so offsets after it stay the stream's.
    unqueued: u64,
    /// For a gap: its full length.
    gap_len: u64,
}

/// A direction's bytes not yet consumed by a parser.
#[derive(Debug, Default)]
pub struct ByteQueue {
    buf: VecDeque<u8>,
    /// Stream offset of `buf[0]`.
    start: u64,
    runs: VecDeque<Run>,
    /// Queued bytes at the front already searched for a LF without finding
    /// one: a line that arrives a byte per segment is searched once, not once
    /// per segment (which made a long LF-less line quadratic).
    scanned: usize,
    /// Gap runs queued (most queues have none: the gap search is skipped).
    gaps: usize,
    /// The next line follows a gap.
    after_gap: bool,
    /// Inside a line longer than [`MAX_LINE`]: bytes are dropped up to its LF.
    skipping: bool,
}

impl ByteQueue {
    /// Appends delivered bytes (gaps as zero bytes, marked as such).
    pub fn push(&mut self, offset: u64, bytes: &[u8], frame: u64, time: Timestamp) {
        self.append(offset, bytes.len() as u64, frame, time, false, Some(bytes));
    }

    /// Appends a gap of `len` bytes; it is queued as at most [`MAX_LINE`] zero
    /// bytes (a parser only needs to know a gap is there, not its full size).
    pub fn gap(&mut self, offset: u64, len: u64, frame: u64, time: Timestamp) {
        let queued = len.min(MAX_LINE as u64);
        self.append(offset, queued, frame, time, true, None);
        if let Some(r) = self.runs.back_mut() {
            r.unqueued += len - queued;
            r.gap_len += len;
        }
    }

    fn append(
        &mut self,
        offset: u64,
        len: u64,
        frame: u64,
        time: Timestamp,
        gap: bool,
        bytes: Option<&[u8]>,
    ) {
        if self.buf.is_empty() && self.runs.is_empty() {
            self.start = offset;
        }
        let end = self.end() + len;
        match bytes {
            Some(b) => self.buf.extend(b.iter().copied()),
            None => self.buf.extend(std::iter::repeat_n(0u8, len as usize)),
        }
        match self.runs.back_mut() {
            Some(r) if r.frame == frame && r.gap == gap => r.end = end,
            _ => {
                self.gaps += usize::from(gap);
                self.runs.push_back(Run {
                    end,
                    frame,
                    time,
                    gap,
                    unqueued: 0,
                    gap_len: 0,
                })
            }
        }
    }

    /// Stream offset one past the last queued byte.
    pub fn end(&self) -> u64 {
        self.start + self.buf.len() as u64
    }

    /// Stream offset of the next byte to consume.
    pub fn offset(&self) -> u64 {
        self.start
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The queued bytes (two slices of a ring).
    pub fn peek(&self) -> (&[u8], &[u8]) {
        self.buf.as_slices()
    }

    /// The byte at `i` from the front.
    pub fn at(&self, i: usize) -> Option<u8> {
        self.buf.get(i).copied()
    }

    /// Takes the next line if a LF is queued (or the line reached
    /// [`MAX_LINE`]); the terminator is consumed but not returned. Bytes the
    /// capture missed are never part of a line: the line they cut comes out
    /// as [`LineEnd::Gap`] (its real bytes, the gap consumed), and the line
    /// after carries [`Taken::after_gap`]. A line cut at [`MAX_LINE`] comes
    /// out once; the rest of it, up to its LF, is dropped.
    pub fn line(&mut self) -> Option<Taken> {
        if self.skipping && !self.skip_to_line_end() {
            return None;
        }
        let limit = self.buf.len().min(MAX_LINE + 2);
        let from = self.scanned.min(limit);
        let lf = self.find_lf(from, limit);
        if lf.is_none() {
            self.scanned = limit;
        }
        if let Some((start, end)) = self.first_gap() {
            if lf.is_none_or(|i| start <= i) {
                let mut t = self.take(end);
                t.bytes.truncate(start);
                t.end = LineEnd::Gap;
                self.after_gap = true;
                return Some(t);
            }
        }
        let mut t = match lf {
            Some(i) => {
                let crlf = i.checked_sub(1).and_then(|p| self.buf.get(p)) == Some(&b'\r');
                let content = if crlf { i - 1 } else { i };
                let mut t = self.take(i + 1);
                t.bytes.truncate(content);
                t.end = if crlf { LineEnd::CrLf } else { LineEnd::Lf };
                t
            }
            None if self.buf.len() >= MAX_LINE => {
                let mut t = self.take(MAX_LINE);
                t.end = LineEnd::Cut;
                self.skipping = true;
                t
            }
            None => return None,
        };
        t.after_gap = std::mem::take(&mut self.after_gap);
        Some(t)
    }

    /// Drops the rest of an over-long line; true once its LF is consumed.
    fn skip_to_line_end(&mut self) -> bool {
        let lf = self.find_lf(0, self.buf.len());
        self.take(lf.map_or(self.buf.len(), |i| i + 1));
        self.skipping = lf.is_none();
        !self.skipping
    }

    /// Where the first queued gap lies, as indices into the queue.
    fn first_gap(&self) -> Option<(usize, usize)> {
        if self.gaps == 0 {
            return None;
        }
        let mut from = self.start;
        for r in &self.runs {
            if r.gap {
                let lo = from.saturating_sub(self.start) as usize;
                return Some((lo, r.end.saturating_sub(self.start) as usize));
            }
            from = r.end;
        }
        None
    }

    /// The index of the first LF queued in `from..limit`, searched in the
    /// ring's two slices.
    fn find_lf(&self, from: usize, limit: usize) -> Option<usize> {
        let (a, b) = self.buf.as_slices();
        let in_a = a
            .get(from.min(a.len())..limit.min(a.len()))
            .and_then(|s| memchr::memchr(b'\n', s))
            .map(|i| from + i);
        in_a.or_else(|| {
            let lo = from.saturating_sub(a.len());
            let hi = limit.saturating_sub(a.len());
            b.get(lo..hi)
                .and_then(|s| memchr::memchr(b'\n', s))
                .map(|i| a.len() + lo + i)
        })
    }

    /// Takes exactly `n` bytes (or fewer if fewer are queued).
    pub fn take(&mut self, n: usize) -> Taken {
        let n = n.min(self.buf.len());
        let offset = self.start;
        // Copied slice by slice: collecting the drain went a byte at a time.
        let (a, b) = self.buf.as_slices();
        let from_a = n.min(a.len());
        let mut bytes = Vec::with_capacity(n);
        bytes.extend_from_slice(a.get(..from_a).unwrap_or(&[]));
        bytes.extend_from_slice(b.get(..n - from_a).unwrap_or(&[]));
        self.buf.drain(..n);
        self.start += n as u64;
        self.scanned = self.scanned.saturating_sub(n);
        let mut frames: Vec<(u64, u32)> = Vec::new();
        let mut gap = false;
        let mut gap_len = 0;
        let mut unqueued = 0;
        let mut time = Timestamp::default();
        let mut pos = offset;
        while pos < self.start {
            let Some(run) = self.runs.front().copied() else {
                break;
            };
            let upto = run.end.min(self.start);
            let count = (upto - pos) as u32;
            if count > 0 {
                match frames.last_mut() {
                    Some(last) if last.0 == run.frame => last.1 += count,
                    _ => frames.push((run.frame, count)),
                }
                gap |= run.gap;
                time = run.time;
            }
            pos = upto;
            if run.end <= self.start {
                self.runs.pop_front();
                if run.gap {
                    self.gaps = self.gaps.saturating_sub(1);
                    gap_len += run.gap_len;
                    unqueued += run.unqueued;
                }
            } else {
                break;
            }
        }
        if unqueued > 0 {
            // The gap's bytes that were never queued: offsets move past them.
            self.start += unqueued;
            for r in &mut self.runs {
                r.end += unqueued;
            }
        }
        Taken {
            bytes,
            offset,
            frames,
            time,
            end: LineEnd::Cut,
            gap,
            after_gap: false,
            gap_len,
        }
    }

    /// The frames that carry the next `n` queued bytes, with how many of them
    /// each, without consuming anything (for a reader that consumes through
    /// its own loop, such as a message body).
    pub fn frames_of(&self, n: usize) -> Vec<(u64, u32)> {
        let upto = self.start + n.min(self.buf.len()) as u64;
        let mut pos = self.start;
        let mut frames: Vec<(u64, u32)> = Vec::new();
        for run in &self.runs {
            if pos >= upto {
                break;
            }
            let end = run.end.min(upto);
            if end > pos {
                let count = (end - pos).min(u64::from(u32::MAX)) as u32;
                match frames.last_mut() {
                    Some(last) if last.0 == run.frame => last.1 = last.1.saturating_add(count),
                    _ => frames.push((run.frame, count)),
                }
                pos = end;
            }
        }
        frames
    }

    /// Whether any queued byte stands for bytes the capture missed.
    pub fn has_gap(&self) -> bool {
        self.runs.iter().any(|r| r.gap)
    }

    /// The frame that carried the byte at stream offset `at`, if still queued.
    pub fn frame_at(&self, at: u64) -> Option<u64> {
        if at < self.start {
            return None;
        }
        self.runs.iter().find(|r| r.end > at).map(|r| r.frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_remembers_every_frame_that_carried_it() {
        let mut q = ByteQueue::default();
        q.push(0, b"220 smtp.tele.fi ", 4, Timestamp(1));
        assert_eq!(
            q.line(),
            None,
            "no LF yet: not a line, whatever the segment"
        );
        q.push(17, b"ESMTP ready\r\n250", 8, Timestamp(2));
        let l = q.line().expect("line");
        assert_eq!(l.bytes, b"220 smtp.tele.fi ESMTP ready");
        assert_eq!(l.frames, vec![(4, 17), (8, 13)]);
        assert_eq!(l.last_frame(), 8);
        assert_eq!(l.end, LineEnd::CrLf);
        assert_eq!(l.time, Timestamp(2));
        assert_eq!(q.offset(), 30);
        assert_eq!(q.len(), 3);
    }

    #[test]
    fn bare_lf_and_cut_lines() {
        let mut q = ByteQueue::default();
        q.push(0, b"+OK hi\nx", 1, Timestamp(0));
        let l = q.line().expect("line");
        assert_eq!(l.end, LineEnd::Lf);
        assert_eq!(l.bytes, b"+OK hi");
        q.push(8, &vec![b'a'; MAX_LINE], 2, Timestamp(0));
        let l = q.line().expect("cut");
        assert_eq!(l.end, LineEnd::Cut);
        assert_eq!(l.bytes.len(), MAX_LINE);
    }

    #[test]
    fn frames_of_looks_without_taking() {
        let mut q = ByteQueue::default();
        q.push(0, b"abc", 1, Timestamp(0));
        q.push(3, b"de", 2, Timestamp(0));
        q.push(5, b"f", 3, Timestamp(0));
        assert_eq!(q.frames_of(4), vec![(1, 3), (2, 1)]);
        assert_eq!(q.frames_of(99), vec![(1, 3), (2, 2), (3, 1)]);
        q.take(2);
        assert_eq!(q.frames_of(2), vec![(1, 1), (2, 1)]);
        assert_eq!(q.len(), 4);
    }

    #[test]
    fn a_line_built_a_byte_at_a_time_is_found_once_complete() {
        let mut q = ByteQueue::default();
        for (i, &b) in b"EHLO x\r\nQUIT\r\n".iter().enumerate() {
            q.push(i as u64, &[b], i as u64 + 1, Timestamp(0));
            if b != b'\n' {
                assert_eq!(q.line(), None, "no line before byte {i}");
                continue;
            }
            let l = q.line().expect("line");
            assert_eq!(l.frames.len(), if i < 8 { 8 } else { 6 });
        }
        assert!(q.is_empty());
        // Scanned bytes left after a take are not searched again but still
        // end a line when the LF arrives.
        q.push(14, b"ab\ncd", 20, Timestamp(0));
        assert_eq!(q.take(1).bytes, b"a");
        assert_eq!(q.line().map(|l| l.bytes), Some(b"b".to_vec()));
        assert_eq!(q.line(), None);
        q.push(19, b"\n", 21, Timestamp(0));
        assert_eq!(q.line().map(|l| l.bytes), Some(b"cd".to_vec()));
    }

    #[test]
    fn gaps_are_marked() {
        let mut q = ByteQueue::default();
        q.push(0, b"ab", 1, Timestamp(0));
        q.gap(2, 3, 2, Timestamp(0));
        q.push(5, b"c\r\n", 3, Timestamp(0));
        let g = q.line().expect("the gap");
        assert!(g.gap);
        assert_eq!(g.end, LineEnd::Gap);
        assert_eq!(g.bytes, b"ab", "only the bytes the capture has");
        assert_eq!(g.gap_len, 3);
        let l = q.line().expect("line");
        assert!(l.after_gap && !l.gap);
        assert_eq!(l.bytes, b"c");
        assert_eq!(l.offset, 5);
    }

    #[test]
    fn a_long_gap_keeps_the_offsets_after_it() {
        let mut q = ByteQueue::default();
        q.push(0, b"A\r\n", 1, Timestamp(0));
        q.gap(3, 1 << 20, 2, Timestamp(0));
        q.push(3 + (1 << 20), b"B\r\nC\r\n", 3, Timestamp(0));
        assert_eq!(q.line().expect("A").bytes, b"A");
        let g = q.line().expect("gap");
        assert_eq!((g.end, g.gap_len, g.offset), (LineEnd::Gap, 1 << 20, 3));
        let b = q.line().expect("B");
        assert_eq!((b.offset, b.after_gap), (3 + (1 << 20), true));
        let c = q.line().expect("C");
        assert_eq!((c.offset, c.after_gap), (6 + (1 << 20), false));
    }

    #[test]
    fn an_over_long_line_comes_out_once() {
        let mut q = ByteQueue::default();
        let chunk = vec![b'x'; 10_000];
        let mut off = 0;
        let mut cut = 0;
        for frame in 0..30u64 {
            q.push(off, &chunk, frame, Timestamp(0));
            off += chunk.len() as u64;
            while let Some(l) = q.line() {
                assert_eq!(l.end, LineEnd::Cut);
                cut += 1;
            }
        }
        q.push(off, b"yy\r\nNEXT\r\n", 31, Timestamp(0));
        let next = q.line().expect("the line after");
        assert_eq!(cut, 1, "one cut line for 300,000 bytes");
        assert_eq!(next.bytes, b"NEXT");
        assert_eq!(next.offset, off + 4);
    }
}
