//! The strict reader of dot-terminated content: where the data ends, the
//! transparency dots, and the byte-at-a-time bookkeeping that feeds the
//! notes, the smuggling reading and the header fields.

use super::headers::Headers;
use super::notes::{ContentNote, Details, Kind, Notes, DOT_LINE_KEEP};
use super::recent::{Recent, RECENT};
use super::smuggling::{dot_line, DotLine, Smuggle, Smuggling};
use crate::capture::Timestamp;
use crate::proto::dialogue::LenientReading;
use crate::proto::stream::{ByteQueue, Taken};

/// RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with its CRLF
/// (the dot doubled for transparency not counted).
const MAX_TEXT_LINE: u64 = 1000;
/// Largest piece taken from the queue at once, so the copy `ByteQueue::take`
/// makes stays small however much the caller queued.
const CHUNK: usize = 64 * 1024;

/// Reads the content after a 354 (or a RETR/TOP `+OK`) until the end-of-data
/// line, without ever holding the whole message.
#[derive(Clone, Debug)]
pub struct DataReader {
    eight_bit_ok: bool,
    /// Content bytes consumed so far (wire octets, stuffing dots included).
    seen: u64,
    /// Lines that began with `..`: one octet each is transparency, not content.
    stuffed: u64,
    recent: Recent,
    line: LineState,
    pub(super) head: Headers,
    notes: Notes,
    pub(super) details: Details,
    smuggling: Smuggling,
    end: Option<DataEnd>,
}

/// The end of data was consumed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataEnd {
    /// Frame that carried the last byte of the terminating `.CRLF`.
    pub frame: u64,
    pub time: Timestamp,
    /// Stream offset one past the terminator.
    pub end: u64,
}

/// The strict line (cut at CR LF only) being read.
#[derive(Clone, Debug, Default)]
struct LineState {
    /// Octets so far, CR LF included once they arrive.
    len: u64,
    start_offset: u64,
    start_frame: u64,
    /// It starts with `.`.
    dot: bool,
    /// It starts with `..` (transparency).
    stuffed: bool,
    /// Already counted as too long.
    long: bool,
}

impl DataReader {
    /// `eight_bit_ok`: the client asked for BODY=8BITMIME (or BINARYMIME) on an 8BITMIME
    /// server.
    pub fn new(eight_bit_ok: bool) -> Self {
        DataReader {
            eight_bit_ok,
            seen: 0,
            stuffed: 0,
            recent: Recent::default(),
            line: LineState::default(),
            head: Headers::default(),
            notes: Notes::default(),
            details: Details::default(),
            smuggling: Smuggling::default(),
            end: None,
        }
    }

    /// Consumes content bytes from `q`. Returns Some(end) once the terminating line was consumed
    /// (bytes after it stay in `q`: they are the next commands); None when it consumed
    /// everything queued and needs more. The terminator is `.` CR LF at the start of the content
    /// or right after a CR LF — exactly CRLF.CRLF, nothing else (a lenient `\n.\n` does NOT end
    /// the data; it is a smuggling note).
    ///
    /// Once the end was consumed, later calls consume nothing and return the same end.
    pub fn feed(&mut self, q: &mut ByteQueue) -> Option<DataEnd> {
        if let Some(end) = &self.end {
            return Some(end.clone());
        }
        // Find the end first: `take` cannot give bytes back, and the
        // commands after the end are not ours to consume.
        let until = self.find_end(q);
        let mut left = until.unwrap_or(q.len());
        while left > 0 {
            let t = q.take(left.min(CHUNK));
            if t.bytes.is_empty() {
                break;
            }
            left = left.saturating_sub(t.bytes.len());
            self.piece(&t, until.is_some() && left == 0);
            if until.is_some() && left == 0 {
                let end = DataEnd {
                    frame: t.last_frame(),
                    time: t.time,
                    end: t.offset + t.bytes.len() as u64,
                };
                self.end = Some(end.clone());
                self.refresh();
                return Some(end);
            }
        }
        self.refresh();
        None
    }

    /// Steps through one piece taken from the queue, each byte with the
    /// frame that carried it; `ends` says the piece ends with the terminator.
    ///
    /// Most content is plain text in the middle of a line, where a byte
    /// changes nothing but counts; such runs are taken whole (see
    /// [`Self::plain_run`]), so the byte-at-a-time path only sees line
    /// starts, line ends and unusual bytes.
    fn piece(&mut self, t: &Taken, ends: bool) {
        let mut frames = t.frames.iter();
        let mut current = frames.next().copied().unwrap_or((0, u32::MAX));
        let mut used = 0u32;
        let mut i = 0;
        while let Some(&b) = t.bytes.get(i) {
            if used >= current.1 {
                if let Some(&next) = frames.next() {
                    current = next;
                    used = 0;
                }
            }
            let in_frame = current.1.saturating_sub(used) as usize;
            let rest = t
                .bytes
                .get(i..i + in_frame.min(t.bytes.len() - i))
                .unwrap_or(&[]);
            let line = self.plain_line(rest);
            if line > 0 {
                self.seen += line as u64;
                self.remember(rest.get(..line).unwrap_or(&[]), current.0);
                used = used.saturating_add(line as u32);
                i += line;
                continue;
            }
            let run = self.plain_run(rest);
            if run > 0 {
                self.take_plain(rest.get(..run).unwrap_or(&[]), current.0);
                used = used.saturating_add(run as u32);
                i += run;
                continue;
            }
            used = used.saturating_add(1);
            let offset = t.offset + i as u64;
            let last = i + 1 == t.bytes.len();
            self.step(b, offset, current.0, ends && last);
            i += 1;
        }
    }

    /// How many bytes at the start of `bytes` are plain: inside a line past
    /// its first octet (past its first three if it starts with a dot: that
    /// is where transparency is decided), not right after a CR (a bare CR
    /// or a dot line is decided by the bytes after it), outside the
    /// header section and any lenient reading or kept dot line, and neither
    /// CR, LF, NUL nor (without 8BITMIME) an octet over 127. [`Self::step`]
    /// would only count them.
    fn plain_run(&self, bytes: &[u8]) -> usize {
        let quiet = self.line.len >= if self.line.dot { 3 } else { 1 }
            && !self.head.open
            && !self.details.dot_line_open
            && self.smuggling.idle()
            && !matches!(self.recent.byte(0), Some(b'\r' | b'\n'))
            && self.recent.byte(1) != Some(b'\r');
        if !quiet {
            return 0;
        }
        let mut run = memchr::memchr3(b'\r', b'\n', 0, bytes).unwrap_or(bytes.len());
        if !self.eight_bit_ok {
            if let Some(head) = bytes.get(..run) {
                if !head.is_ascii() {
                    run = head.iter().position(|&b| b >= 0x80).unwrap_or(run);
                }
            }
        }
        run
    }

    /// The length of a whole plain line at the start of `bytes` (0 if there
    /// is none): right after a CR LF, outside the header section and any
    /// lenient reading, a line that does not begin with a dot, holds no CR,
    /// LF or NUL but its final CR LF, no octet over 127 without 8BITMIME,
    /// and is not too long. Such a line is content and nothing else: no
    /// note, no transparency, no variant (RFC 5321 §4.5.2), so
    /// [`Self::step`] would only count it.
    fn plain_line(&self, bytes: &[u8]) -> usize {
        let quiet = self.line.len == 0
            && !self.head.open
            && !self.details.dot_line_open
            && self.smuggling.idle()
            && self.recent.byte(0) == Some(b'\n')
            && self.recent.byte(1) == Some(b'\r');
        if !quiet || matches!(bytes.first(), None | Some(b'.' | b'\r' | b'\n' | 0)) {
            return 0;
        }
        let Some(cr) = memchr::memchr3(b'\r', b'\n', 0, bytes) else {
            return 0;
        };
        let whole = bytes.get(cr) == Some(&b'\r') && bytes.get(cr + 1) == Some(&b'\n');
        let ascii_ok = self.eight_bit_ok || bytes.get(..cr).is_some_and(<[u8]>::is_ascii);
        if whole && ascii_ok && (cr + 2) as u64 <= MAX_TEXT_LINE {
            cr + 2
        } else {
            0
        }
    }

    /// The last bytes of a run taken whole, as [`Self::step`] would have
    /// left them in `recent`.
    fn remember(&mut self, run: &[u8], frame: u64) {
        let keep = run.len().saturating_sub(RECENT);
        for &b in run.get(keep..).unwrap_or(&[]) {
            self.recent.push(b, frame);
        }
    }

    /// What [`Self::step`] does for each byte of a plain run, at once.
    fn take_plain(&mut self, run: &[u8], frame: u64) {
        let n = run.len() as u64;
        self.seen += n;
        self.remember(run, frame);
        self.line.len += n;
        self.count_long_line();
    }

    /// Octets of content after un-stuffing (a leading `..` counts as one `.`), including the CRLF
    /// that ends the last line, excluding the terminating `.CRLF`. Before the end: the octets
    /// consumed so far (un-stuffed the same way).
    pub fn size(&self) -> u64 {
        let wire = if self.end.is_some() {
            // The terminator's `.CRLF` is not content.
            self.seen.saturating_sub(3)
        } else {
            self.seen
        };
        wire.saturating_sub(self.stuffed)
    }

    /// The header fields a person looks for first, first occurrence of each of From, To, Subject,
    /// Date, Message-ID (case-insensitive names, returned with canonical capitalisation), value
    /// unfolded (RFC 5322 §2.2.3: CRLF followed by WSP), leading WSP trimmed, at most 998 bytes.
    /// Headers end at the first empty line (or at the first line that is neither a field nor a
    /// continuation: the body began without one). Lines end at CR LF only, as everywhere here.
    pub fn headers(&self) -> &[(String, Vec<u8>)] {
        &self.head.fields
    }

    /// Notes so far, one per id (counted), in order of first occurrence.
    pub fn notes(&self) -> &[ContentNote] {
        self.notes.list()
    }

    /// How a lenient receiver reads this content: the first end-of-data
    /// variant followed by command lines (or, if none was, the first variant).
    pub fn lenient(&self) -> Option<LenientReading> {
        self.smuggling.lenient()
    }

    /// The end was consumed (later feeds consume nothing).
    pub fn is_done(&self) -> bool {
        self.end.is_some()
    }

    /// Queue length up to and including the terminator, if it is queued: the
    /// first `\n` with `.\r` before it and a CR LF (or the content's start)
    /// before the dot. The bytes before the queue come from `recent`.
    fn find_end(&self, q: &ByteQueue) -> Option<usize> {
        let back = |i: usize, k: usize| -> Option<u8> {
            if k <= i {
                q.at(i - k)
            } else {
                self.recent.byte(k - i - 1)
            }
        };
        let (a, b) = q.peek();
        let lfs =
            memchr::memchr_iter(b'\n', a).chain(memchr::memchr_iter(b'\n', b).map(|p| a.len() + p));
        for at in lfs {
            if back(at, 1) == Some(b'\r') && back(at, 2) == Some(b'.') {
                let dot_index = (self.seen + at as u64).checked_sub(2);
                if dot_index == Some(0)
                    || (back(at, 3) == Some(b'\n') && back(at, 4) == Some(b'\r'))
                {
                    return Some(at + 1);
                }
            }
        }
        None
    }

    /// One content byte. `end` says it is the terminator's LF (found by
    /// [`Self::find_end`]), so its dot line is the end, not a variant.
    fn step(&mut self, b: u8, offset: u64, frame: u64, end: bool) {
        let prev = self.recent.byte(0);
        self.recent.push(b, frame);
        self.seen += 1;
        self.line_ends(b, prev, offset, frame);
        if b == 0 || (b >= 0x80 && !self.eight_bit_ok) {
            if b == 0 {
                self.details.nul = self.details.nul.saturating_add(1);
            } else {
                if self.details.high == 0 {
                    self.details.first_high = b;
                }
                self.details.high = self.details.high.saturating_add(1);
            }
            self.notes.note(Kind::EightBit, offset, frame);
        }

        // Lenient readings of the bytes after earlier variants.
        if self.smuggling.feed(b) {
            self.notes.touch(Kind::Smuggling);
        }

        if end {
            // The terminator line is neither content nor a header line.
            return;
        }
        if let Some(d) = dot_line(&self.recent) {
            if !d.standard {
                self.variant(&d, offset, b);
            }
        }
        self.line_byte(b, offset, frame);
    }

    /// Bare CR and bare LF (RFC 5321 §2.3.8). A CR is bare only once the
    /// next byte is known; it may have come in an earlier feed, which is why
    /// its frame is kept in `recent`.
    fn line_ends(&mut self, b: u8, prev: Option<u8>, offset: u64, frame: u64) {
        if prev == Some(b'\r')
            && b != b'\n'
            && self
                .notes
                .note(Kind::BareCr, offset.saturating_sub(1), self.recent.frame(1))
        {
            self.details.cr_context = (self.recent.tail(RECENT), self.seen > RECENT as u64);
        }
        if b == b'\n' {
            if prev != Some(b'\r') {
                if self.notes.note(Kind::BareLf, offset, frame) {
                    self.details.lf_context = (self.recent.tail(RECENT), self.seen > RECENT as u64);
                }
            } else if self.recent.byte(2) == Some(b'\r') {
                // CR CR LF: the first CR was counted as bare; name the sub-kind.
                self.details.cr_cr_lf = self.details.cr_cr_lf.saturating_add(1);
                self.notes.touch(Kind::BareCr);
            }
        }
    }

    /// A dot line that is not the end: counted, and followed to see whether
    /// commands come after it.
    fn variant(&mut self, d: &DotLine, offset: u64, b: u8) {
        let s = Smuggle::at(d, &self.recent, offset, b, self.seen);
        let first = self.notes.note(Kind::Smuggling, s.offset, s.frame);
        self.smuggling.add(s, first);
    }

    /// Strict line bookkeeping: stuffing, undoubled dots, length, headers.
    fn line_byte(&mut self, b: u8, offset: u64, frame: u64) {
        let prev = self.recent.byte(1);
        if self.line.len == 0 {
            self.line = LineState {
                len: 0,
                start_offset: offset,
                start_frame: frame,
                dot: b == b'.',
                stuffed: false,
                long: false,
            };
        }
        self.line.len += 1;
        if self.details.dot_line_open {
            if matches!(b, b'\r' | b'\n') || self.details.dot_line.len() >= DOT_LINE_KEEP {
                self.details.dot_line_open = false;
            } else {
                self.details.dot_line.push(b);
            }
            self.notes.touch(Kind::DotMissing);
        }
        if self.line.dot {
            self.dot_byte(b, prev);
        }

        let octets = self.count_long_line();
        self.head.push(b);

        if b == b'\n' && prev == Some(b'\r') {
            if self.details.long_open {
                self.details.long_open = false;
                self.details.long_len = Some(octets);
                self.notes.touch(Kind::LongLine);
            }
            self.head.line_ended(self.line.len, self.line.stuffed);
            self.line.len = 0;
        }
    }

    /// Notes the line once it passes the limit of RFC 5321 §4.5.3.1.6;
    /// returns its length in octets (the transparency dot not counted).
    fn count_long_line(&mut self) -> u64 {
        let octets = self.line.len - u64::from(self.line.stuffed);
        if octets > MAX_TEXT_LINE && !self.line.long {
            self.line.long = true;
            let (offset, frame) = (self.line.start_offset, self.line.start_frame);
            if self.notes.note(Kind::LongLine, offset, frame) {
                self.details.long_open = true;
            }
        }
        octets
    }

    /// A byte of a line that starts with a dot: transparency (RFC 5321
    /// §4.5.2) or a dot that was not doubled.
    fn dot_byte(&mut self, b: u8, prev: Option<u8>) {
        match self.line.len {
            2 if b == b'.' => {
                self.line.stuffed = true;
                self.stuffed += 1;
            }
            // `.\r` and `.\n` (and `.\0\r`, `.\0\n`) are the end or a
            // variant, noted as such; a NUL after the dot waits a byte.
            2 if matches!(b, b'\r' | b'\n' | 0) => {}
            2 => self.dot_missing(),
            3 if prev == Some(0) && !matches!(b, b'\r' | b'\n') => self.dot_missing(),
            _ => {}
        }
    }

    fn dot_missing(&mut self) {
        let (offset, frame) = (self.line.start_offset, self.line.start_frame);
        if self.notes.note(Kind::DotMissing, offset, frame) {
            let n = usize::try_from(self.line.len).unwrap_or(RECENT).min(RECENT);
            self.details.dot_line = self.recent.tail(n);
            self.details.dot_line_open = true;
        }
    }

    /// Rebuilds the details that changed; once per feed, not per byte.
    fn refresh(&mut self) {
        self.notes.refresh(&self.details, &self.smuggling);
    }
}
