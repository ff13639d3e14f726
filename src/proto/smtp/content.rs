//! The content of a DATA transaction, read as it streams past: from the byte
//! after the 354 up to and including the end-of-data line, and no further.
//!
//! What this module owns:
//!
//! * **Where the data ends** (RFC 5321 §4.1.1.4): at `.` CR LF that starts the
//!   content or follows a CR LF — `CRLF.CRLF`, nothing else. Whatever follows
//!   stays in the [`ByteQueue`]: it is the client's next commands.
//! * **Transparency** (RFC 5321 §4.5.2): a line starting with `..` carries one
//!   `.`; [`DataReader::size`] counts the un-stuffed octets, as the `message`
//!   record's `size` does (DESIGN.md).
//! * **What a person looks for first**: From, To, Subject, Date, Message-ID
//!   (RFC 5322 §3.6), unfolded (§2.2.3).
//! * **Findings in the content** (anomalies.md §1–2): bare LF and bare CR
//!   (RFC 5321 §2.3.8), end-of-data variants that a lenient receiver takes for
//!   the end (SMTP smuggling, CVE-2023-51764/-51765/-51766), lines starting
//!   with an undoubled dot, text lines over 1000 octets (§4.5.3.1.6), and
//!   8-bit or NUL octets without BODY=8BITMIME (RFC 6152).
//!
//! Lines are cut only at CR LF, the one terminator RFC 5321 §2.3.8 allows:
//! this reader is the strict receiver, and the notes say where a lenient one
//! would have read the bytes differently.
//!
//! A message can be any size, so nothing here grows with it: a byte-at-a-time
//! state machine, the last few bytes for looking back, the first 1000 bytes of
//! a header line, and at most 998 bytes per kept header field. Bytes are
//! consumed in pieces of at most 64 KiB.

use crate::capture::Timestamp;
use crate::proto::dialogue::LenientReading;
use crate::proto::stream::ByteQueue;
use crate::text::escape_bytes;

/// RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with its CRLF
/// (the dot doubled for transparency not counted).
const MAX_TEXT_LINE: u64 = 1000;
/// RFC 5322 §2.1.1: a header line is at most 998 characters without its CRLF,
/// so that is all a kept value may hold (unfolded values are cut there too).
const MAX_VALUE: usize = 998;
/// Bytes of a header line kept for parsing; the rest of a longer line cannot
/// change which field it is, and a value is cut at [`MAX_VALUE`] anyway.
const HEADER_LINE_KEEP: usize = 1000;
/// Largest piece taken from the queue at once, so the copy `ByteQueue::take`
/// makes stays small however much the caller queued.
const CHUNK: usize = 64 * 1024;
/// How many recent bytes are remembered: the longest pattern looked back on is
/// a NUL variant such as `\r\n\0.\0\r\n` (7 bytes) seen from the byte after it.
const RECENT: usize = 8;
/// Bytes of a line kept to recognise a smuggled command verb (`MAIL FROM` and
/// the byte after a 4-letter verb).
const VERB_KEEP: usize = 10;
/// Bytes of an undoubled dot line kept to show it.
const DOT_LINE_KEEP: usize = 40;

/// The fields [`DataReader::headers`] keeps, with their canonical spelling.
const WANTED: [&str; 5] = ["From", "To", "Subject", "Date", "Message-ID"];

/// Command verbs whose appearance right after an end-of-data variant makes it
/// an attack rather than an accident: a lenient receiver would run them. The
/// flag says the verb is a whole word (followed by SP or the line end).
const VERBS: [(&str, bool); 7] = [
    ("MAIL FROM", false),
    ("RCPT TO", false),
    ("DATA", true),
    ("QUIT", true),
    ("RSET", true),
    ("HELO", true),
    ("EHLO", true),
];

/// Reads the content after a 354 until the end-of-data line, without ever holding the whole
/// message.
#[derive(Clone, Debug)]
pub struct DataReader {
    eight_bit_ok: bool,
    /// Content bytes consumed so far (wire octets, stuffing dots included).
    seen: u64,
    /// Lines that began with `..`: one octet each is transparency, not content.
    stuffed: u64,
    recent: Recent,
    line: LineState,
    headers: Vec<(String, Vec<u8>)>,
    head: HeaderState,
    notes: Vec<ContentNote>,
    /// Index into `notes` per [`Kind`].
    note_at: [Option<usize>; KINDS],
    /// Notes whose detail must be rebuilt before the caller looks.
    dirty: [bool; KINDS],
    details: Details,
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

/// Something worth a finding, found in the content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentNote {
    /// Finding id from anomalies.md: smtp_bare_lf, smtp_bare_cr, smtp_smuggling_eod_variant,
    /// smtp_dot_stuffing_missing, smtp_line_too_long, smtp_8bit_without_8bitmime.
    pub id: &'static str,
    /// Stream offset and frame of the first occurrence.
    pub offset: u64,
    pub frame: u64,
    /// How many occurrences (for the counted kinds).
    pub count: u32,
    /// A short, already-escaped detail for the message, e.g. the variant `\n.\n` and what follows.
    pub detail: String,
}

const KINDS: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    BareLf,
    BareCr,
    Smuggling,
    DotMissing,
    LongLine,
    EightBit,
}

impl Kind {
    fn id(self) -> &'static str {
        match self {
            Kind::BareLf => "smtp_bare_lf",
            Kind::BareCr => "smtp_bare_cr",
            Kind::Smuggling => "smtp_smuggling_eod_variant",
            Kind::DotMissing => "smtp_dot_stuffing_missing",
            Kind::LongLine => "smtp_line_too_long",
            Kind::EightBit => "smtp_8bit_without_8bitmime",
        }
    }
}

/// The last [`RECENT`] bytes with their frames: a CR, a dot line or a variant
/// can straddle two feeds, and its note must still name the frame of its
/// first byte after that byte left the queue.
#[derive(Clone, Copy, Debug, Default)]
struct Recent {
    bytes: [u8; RECENT],
    frames: [u64; RECENT],
    /// Slot the next byte goes to.
    next: usize,
    /// How many slots hold a byte (the content may be shorter than the ring).
    len: usize,
}

impl Recent {
    fn push(&mut self, b: u8, frame: u64) {
        self.bytes[self.next] = b;
        self.frames[self.next] = frame;
        self.next = (self.next + 1) % RECENT;
        self.len = (self.len + 1).min(RECENT);
    }

    fn slot(&self, k: usize) -> Option<usize> {
        (k < self.len).then(|| (self.next + RECENT - 1 - k) % RECENT)
    }

    /// The byte `k` back (0 = the latest); None before the content's start.
    fn byte(&self, k: usize) -> Option<u8> {
        self.slot(k).map(|s| self.bytes[s])
    }

    fn frame(&self, k: usize) -> u64 {
        self.slot(k).map_or(0, |s| self.frames[s])
    }

    /// The latest `n` bytes, oldest first.
    fn tail(&self, n: usize) -> Vec<u8> {
        (0..n.min(self.len))
            .rev()
            .filter_map(|k| self.byte(k))
            .collect()
    }
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

#[derive(Clone, Debug)]
struct HeaderState {
    /// Still in the header section (before the first empty line).
    open: bool,
    /// The first [`HEADER_LINE_KEEP`] bytes of the current line.
    line: Vec<u8>,
    /// The kept field that a continuation line would extend.
    current: Option<usize>,
}

/// What the notes' details are built from; all of it bounded.
#[derive(Clone, Debug, Default)]
struct Details {
    /// The bytes up to the first bare LF / bare CR (and the one after the
    /// CR), and whether more content came before them.
    lf_context: (Vec<u8>, bool),
    cr_context: (Vec<u8>, bool),
    /// Bare CRs that were the first of CR CR LF.
    cr_cr_lf: u32,
    /// The first end-of-data variant and what followed it.
    smuggle_first: Option<Smuggle>,
    /// A later variant that was followed by commands when the first was not.
    smuggle_later: Option<Smuggle>,
    /// The first undoubled dot line, and whether it is still being read.
    dot_line: Vec<u8>,
    dot_line_open: bool,
    /// Length of the first over-long line, once it ended.
    long_len: Option<u64>,
    long_open: bool,
    high: u32,
    first_high: u8,
    nul: u32,
}

/// An end-of-data variant, and the lines after it read the way a lenient
/// receiver would (ending at LF, CR or CR LF) while they look like commands.
#[derive(Clone, Debug)]
struct Smuggle {
    /// The variant, escaped (`\n.\n`).
    variant: String,
    offset: u64,
    /// Frame of its first byte.
    frame: u64,
    /// Content octets before it.
    before: u64,
    /// Command lines seen after it.
    lines: u32,
    /// Their verbs, the first few.
    verbs: Vec<&'static str>,
    /// The start of the current line.
    line: Vec<u8>,
    line_len: usize,
    /// The previous byte was a CR, so an LF now ends nothing new.
    after_cr: bool,
    /// A line that is not a command ended the run.
    done: bool,
}

const VERBS_SHOWN: usize = 4;

impl Smuggle {
    fn new(variant: String, offset: u64, frame: u64, before: u64) -> Self {
        Smuggle {
            variant,
            offset,
            frame,
            before,
            lines: 0,
            verbs: Vec::new(),
            line: Vec::with_capacity(VERB_KEEP),
            line_len: 0,
            after_cr: false,
            done: false,
        }
    }

    /// One byte after the variant; true when a command line was counted.
    fn feed(&mut self, b: u8) -> bool {
        if self.done {
            return false;
        }
        let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
        if b == b'\n' && after_cr {
            return false;
        }
        if b != b'\n' && b != b'\r' {
            if self.line.len() < VERB_KEEP {
                self.line.push(b);
            }
            self.line_len = self.line_len.saturating_add(1);
            return false;
        }
        // A lenient receiver ends the line here and runs it as a command.
        let verb = command_verb(&self.line, self.line_len);
        self.line.clear();
        self.line_len = 0;
        match verb {
            Some(v) => {
                self.lines = self.lines.saturating_add(1);
                if self.verbs.len() < VERBS_SHOWN + 1 {
                    self.verbs.push(v);
                }
                true
            }
            None => {
                self.done = true;
                false
            }
        }
    }

    fn describe(&self) -> String {
        let mut s = self.variant.clone();
        if self.lines > 0 {
            let mut verbs = self
                .verbs
                .iter()
                .take(VERBS_SHOWN)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if self.verbs.len() > VERBS_SHOWN {
                verbs.push_str(", …");
            }
            let plural = if self.lines == 1 { "" } else { "s" };
            s.push_str(&format!(
                " followed by {} smuggled command line{plural} ({verbs})",
                self.lines
            ));
        }
        s
    }
}

/// The command verb a line starts with, if any (case-insensitive).
fn command_verb(start: &[u8], len: usize) -> Option<&'static str> {
    VERBS.iter().find_map(|&(verb, word)| {
        let v = verb.as_bytes();
        let prefix = start.len() >= v.len() && start[..v.len()].eq_ignore_ascii_case(v);
        let whole = !word || len == v.len() || start.get(v.len()) == Some(&b' ');
        (prefix && whole).then_some(verb)
    })
}

/// A dot line found by looking back from the latest byte: optional delimiter
/// before, `.` (with optional NULs around it), delimiter after.
struct DotLine {
    /// How far back its first and last bytes are (0 = the latest byte).
    first: usize,
    last: usize,
    /// `CRLF.CRLF` (or `.CRLF` at the start): the real end of data.
    standard: bool,
}

/// Escapes a variant so its delimiters can be named: `\r`, `\n`, `\0`.
fn escape_variant(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            0 => s.push_str("\\0"),
            b'.' => s.push('.'),
            _ => s.push_str(&escape_bytes(&[b])),
        }
    }
    s
}

/// `First in "…abc\n".`: where a bare line end sits.
fn context((bytes, more): &(Vec<u8>, bool)) -> String {
    let dots = if *more { "…" } else { "" };
    format!("First in \"{dots}{}\".", escape_bytes(bytes))
}

fn trim_wsp(v: &[u8]) -> &[u8] {
    let n = v.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &v[n..]
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
            headers: Vec::new(),
            head: HeaderState {
                open: true,
                line: Vec::new(),
                current: None,
            },
            notes: Vec::new(),
            note_at: [None; KINDS],
            dirty: [false; KINDS],
            details: Details::default(),
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
            let mut frames = t.frames.iter();
            let mut current = frames.next().copied().unwrap_or((0, u32::MAX));
            let mut used = 0u32;
            for (i, &b) in t.bytes.iter().enumerate() {
                if used >= current.1 {
                    if let Some(&next) = frames.next() {
                        current = next;
                        used = 0;
                    }
                }
                used = used.saturating_add(1);
                let offset = t.offset + i as u64;
                let last = left == 0 && i + 1 == t.bytes.len();
                self.step(b, offset, current.0, until.is_some() && last);
            }
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
        &self.headers
    }

    /// Notes so far, one per id (counted), in order of first occurrence.
    pub fn notes(&self) -> &[ContentNote] {
        &self.notes
    }

    /// How a lenient receiver reads this content: the first end-of-data
    /// variant followed by command lines (or, if none was, the first variant).
    pub fn lenient(&self) -> Option<LenientReading> {
        let d = &self.details;
        let with_commands = |s: &&Smuggle| s.lines > 0;
        let s = d
            .smuggle_first
            .as_ref()
            .filter(with_commands)
            .or(d.smuggle_later.as_ref().filter(with_commands))
            .or(d.smuggle_first.as_ref())?;
        Some(LenientReading {
            variant: s.variant.clone(),
            frame: s.frame,
            size: s.before,
            commands: s.lines,
            verbs: s.verbs.iter().take(VERBS_SHOWN).copied().collect(),
        })
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
        let mut i = 0usize;
        for part in [a, b] {
            let mut from = 0usize;
            while let Some(p) = part[from..].iter().position(|&c| c == b'\n') {
                let at = i + from + p;
                if back(at, 1) == Some(b'\r') && back(at, 2) == Some(b'.') {
                    let dot_index = self.seen + at as u64 - 2;
                    if dot_index == 0 || (back(at, 3) == Some(b'\n') && back(at, 4) == Some(b'\r'))
                    {
                        return Some(at + 1);
                    }
                }
                from += p + 1;
            }
            i += part.len();
        }
        None
    }

    /// One content byte. `end` says it is the terminator's LF (found by
    /// [`Self::find_end`]), so its dot line is the end, not a variant.
    fn step(&mut self, b: u8, offset: u64, frame: u64, end: bool) {
        let prev = self.recent.byte(0);
        self.recent.push(b, frame);
        self.seen += 1;

        // A CR is bare only once the next byte is known; it may have come in
        // an earlier feed, which is why its frame is kept in `recent`.
        if prev == Some(b'\r')
            && b != b'\n'
            && self.note(Kind::BareCr, offset.saturating_sub(1), self.recent.frame(1))
        {
            self.details.cr_context = (self.recent.tail(RECENT), self.seen > RECENT as u64);
        }
        if b == b'\n' {
            if prev != Some(b'\r') {
                if self.note(Kind::BareLf, offset, frame) {
                    self.details.lf_context = (self.recent.tail(RECENT), self.seen > RECENT as u64);
                }
            } else if self.recent.byte(2) == Some(b'\r') {
                // CR CR LF: the first CR was counted as bare; name the sub-kind.
                self.details.cr_cr_lf = self.details.cr_cr_lf.saturating_add(1);
                self.dirty[Kind::BareCr as usize] = true;
            }
        }
        if b == 0 || (b >= 0x80 && !self.eight_bit_ok) {
            if b == 0 {
                self.details.nul = self.details.nul.saturating_add(1);
            } else {
                if self.details.high == 0 {
                    self.details.first_high = b;
                }
                self.details.high = self.details.high.saturating_add(1);
            }
            self.note(Kind::EightBit, offset, frame);
        }

        // Lenient readings of the bytes after earlier variants.
        let mut counted = false;
        for s in [
            &mut self.details.smuggle_first,
            &mut self.details.smuggle_later,
        ]
        .into_iter()
        .flatten()
        {
            counted |= s.feed(b);
        }
        if counted {
            self.dirty[Kind::Smuggling as usize] = true;
        }

        if end {
            // The terminator line is neither content nor a header line.
            return;
        }
        if let Some(d) = self.dot_line() {
            if !d.standard {
                self.variant(&d, offset, b);
            }
        }
        self.line_byte(b, offset, frame);
    }

    /// Looks back from the latest byte for a dot line. A trailing CR is only
    /// known to stand alone once the next byte is not LF, so `\r.\r` is
    /// recognised one byte late, and `\r\n.\r` followed by LF is the end.
    fn dot_line(&self) -> Option<DotLine> {
        let r = &self.recent;
        let (mut k, last, post_crlf) = match (r.byte(0)?, r.byte(1)) {
            (b'\n', Some(b'\r')) => (2, 0, true),
            (b'\n', _) => (1, 0, false),
            (_, Some(b'\r')) => (2, 1, false),
            _ => return None,
        };
        let mut nul = false;
        if r.byte(k) == Some(0) {
            nul = true;
            k += 1;
        }
        if r.byte(k) != Some(b'.') {
            return None;
        }
        k += 1;
        if r.byte(k) == Some(0) {
            nul = true;
            k += 1;
        }
        let (pre_standard, first) = match r.byte(k) {
            // The dot opens the content.
            None => (true, k - 1),
            Some(b'\n') if r.byte(k + 1) == Some(b'\r') => (true, k + 1),
            Some(b'\n' | b'\r') => (false, k),
            Some(_) => return None,
        };
        Some(DotLine {
            first,
            last,
            standard: pre_standard && !nul && post_crlf,
        })
    }

    /// A dot line that is not the end: counted, and followed to see whether
    /// commands come after it.
    fn variant(&mut self, d: &DotLine, offset: u64, b: u8) {
        let bytes: Vec<u8> = (d.last..=d.first)
            .rev()
            .filter_map(|k| self.recent.byte(k))
            .collect();
        let start = offset.saturating_sub(d.first as u64);
        let frame = self.recent.frame(d.first);
        // `seen` already counts the latest byte, which sits at `offset`.
        let before = self.seen.saturating_sub(1 + offset - start);
        let mut s = Smuggle::new(escape_variant(&bytes), start, frame, before);
        if d.last == 1 {
            // Recognised at the byte after its CR: that byte is already the
            // start of what a lenient receiver reads next.
            s.feed(b);
        }
        let first = self.note(Kind::Smuggling, start, frame);
        let det = &mut self.details;
        for old in [&mut det.smuggle_first, &mut det.smuggle_later]
            .into_iter()
            .flatten()
        {
            // A new dot line ends the run of commands the old one had.
            old.done = true;
        }
        if first {
            det.smuggle_first = Some(s);
        } else {
            // Keep one later variant only to show commands the first lacked.
            let first_has = det.smuggle_first.as_ref().is_some_and(|f| f.lines > 0);
            let later_has = det.smuggle_later.as_ref().is_some_and(|l| l.lines > 0);
            if !first_has && !later_has {
                det.smuggle_later = Some(s);
            }
        }
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
                self.dirty[Kind::DotMissing as usize] = true;
            } else {
                self.details.dot_line.push(b);
                self.dirty[Kind::DotMissing as usize] = true;
            }
        }
        if self.line.dot {
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

        let octets = self.line.len - u64::from(self.line.stuffed);
        if octets > MAX_TEXT_LINE && !self.line.long {
            self.line.long = true;
            if self.note(
                Kind::LongLine,
                self.line.start_offset,
                self.line.start_frame,
            ) {
                self.details.long_open = true;
            }
        }

        if self.head.open && self.head.line.len() < HEADER_LINE_KEEP {
            self.head.line.push(b);
        }

        if b == b'\n' && prev == Some(b'\r') {
            if self.details.long_open {
                self.details.long_open = false;
                self.details.long_len = Some(octets);
                self.dirty[Kind::LongLine as usize] = true;
            }
            if self.head.open {
                self.header_line();
            }
            self.line.len = 0;
        }
    }

    fn dot_missing(&mut self) {
        if self.note(
            Kind::DotMissing,
            self.line.start_offset,
            self.line.start_frame,
        ) {
            let n = usize::try_from(self.line.len).unwrap_or(RECENT).min(RECENT);
            self.details.dot_line = self.recent.tail(n);
            self.details.dot_line_open = true;
        }
    }

    /// A complete header-section line (its first bytes in `head.line`).
    fn header_line(&mut self) {
        let mut line = std::mem::take(&mut self.head.line);
        // Drop the CR LF if it was kept (a line over the keep limit lost it).
        if line.len() as u64 == self.line.len {
            line.pop();
        }
        if line.len() as u64 + 1 == self.line.len {
            line.pop();
        }
        let text: &[u8] = if self.line.stuffed {
            line.get(1..).unwrap_or(&[])
        } else {
            &line
        };
        if text.is_empty() {
            self.head.open = false;
            self.head.current = None;
        } else if text[0] == b' ' || text[0] == b'\t' {
            // RFC 5322 §2.2.3: unfolding removes the CRLF, the WSP stays.
            if let Some((_, value)) = self.head.current.and_then(|i| self.headers.get_mut(i)) {
                let more = if value.is_empty() {
                    trim_wsp(text)
                } else {
                    text
                };
                let room = MAX_VALUE.saturating_sub(value.len());
                value.extend_from_slice(&more[..more.len().min(room)]);
            }
        } else {
            self.head.current = None;
            let colon = text.iter().position(|&c| c == b':');
            let name = colon.map(|c| {
                let n = &text[..c];
                let keep = n.len()
                    - n.iter()
                        .rev()
                        .take_while(|&&b| b == b' ' || b == b'\t')
                        .count();
                &n[..keep]
            });
            match (colon, name) {
                (Some(c), Some(name))
                    if !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b)) =>
                {
                    let wanted = WANTED
                        .iter()
                        .find(|w| w.as_bytes().eq_ignore_ascii_case(name));
                    if let Some(&w) = wanted {
                        if !self.headers.iter().any(|(n, _)| n == w) {
                            let v = trim_wsp(&text[c + 1..]);
                            self.headers
                                .push((w.to_string(), v[..v.len().min(MAX_VALUE)].to_vec()));
                            self.head.current = Some(self.headers.len() - 1);
                        }
                    }
                }
                // Neither a field nor a continuation: the body began without
                // the empty line, so stop looking for fields.
                _ => self.head.open = false,
            }
        }
        if self.head.open {
            line.clear();
            self.head.line = line;
        }
    }

    /// Counts one occurrence; true when it is the first of its kind.
    fn note(&mut self, kind: Kind, offset: u64, frame: u64) -> bool {
        let k = kind as usize;
        self.dirty[k] = true;
        match self.note_at[k].and_then(|i| self.notes.get_mut(i)) {
            Some(n) => {
                n.count = n.count.saturating_add(1);
                false
            }
            None => {
                self.note_at[k] = Some(self.notes.len());
                self.notes.push(ContentNote {
                    id: kind.id(),
                    offset,
                    frame,
                    count: 1,
                    detail: String::new(),
                });
                true
            }
        }
    }

    /// Rebuilds the details that changed; once per feed, not per byte.
    fn refresh(&mut self) {
        for kind in [
            Kind::BareLf,
            Kind::BareCr,
            Kind::Smuggling,
            Kind::DotMissing,
            Kind::LongLine,
            Kind::EightBit,
        ] {
            let k = kind as usize;
            if !std::mem::take(&mut self.dirty[k]) {
                continue;
            }
            let Some(i) = self.note_at[k] else { continue };
            let detail = self.detail(kind);
            if let Some(n) = self.notes.get_mut(i) {
                n.detail = detail;
            }
        }
    }

    fn detail(&self, kind: Kind) -> String {
        let d = &self.details;
        match kind {
            Kind::BareLf => context(&d.lf_context),
            Kind::BareCr => {
                let mut s = context(&d.cr_context);
                if d.cr_cr_lf > 0 {
                    s.push_str(&format!(" {} as CR CR LF.", d.cr_cr_lf));
                }
                s
            }
            Kind::Smuggling => {
                let Some(first) = &d.smuggle_first else {
                    return String::new();
                };
                let mut s = format!("First: {}.", first.describe());
                if first.lines == 0 {
                    if let Some(later) = d.smuggle_later.as_ref().filter(|l| l.lines > 0) {
                        s.push_str(&format!(
                            " At offset {}: {}.",
                            later.offset,
                            later.describe()
                        ));
                    }
                }
                s
            }
            Kind::DotMissing => {
                let more = if d.dot_line_open || d.dot_line.len() >= DOT_LINE_KEEP {
                    "…"
                } else {
                    ""
                };
                format!("First: \"{}{more}\".", escape_bytes(&d.dot_line))
            }
            Kind::LongLine => match d.long_len {
                Some(n) => format!("First: {n} octets."),
                None => "First: over 1000 octets, not yet ended.".to_string(),
            },
            Kind::EightBit => {
                let mut parts = Vec::new();
                if d.high > 0 {
                    parts.push(format!(
                        "{} octet{} ≥ 0x80 (first 0x{:02X}) without BODY=8BITMIME",
                        d.high,
                        if d.high == 1 { "" } else { "s" },
                        d.first_high
                    ));
                }
                if d.nul > 0 {
                    parts.push(format!(
                        "{} NUL octet{}",
                        d.nul,
                        if d.nul == 1 { "" } else { "s" }
                    ));
                }
                format!("{}.", parts.join("; "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything a reader produced, frames left out (they depend on how the
    /// bytes were cut into frames, which some tests vary on purpose).
    #[derive(Debug, PartialEq, Eq)]
    struct Outcome {
        end: Option<u64>,
        size: u64,
        headers: Vec<(String, Vec<u8>)>,
        notes: Vec<(&'static str, u64, u32, String)>,
        rest: Vec<u8>,
    }

    fn outcome(r: &DataReader, end: Option<&DataEnd>, q: &ByteQueue) -> Outcome {
        let (a, b) = q.peek();
        Outcome {
            end: end.map(|e| e.end),
            size: r.size(),
            headers: r.headers().to_vec(),
            notes: r
                .notes()
                .iter()
                .map(|n| (n.id, n.offset, n.count, n.detail.clone()))
                .collect(),
            rest: [a, b].concat(),
        }
    }

    /// Feeds `bytes` in one push (frame 1), from stream offset `base`.
    fn whole(bytes: &[u8], eight_bit_ok: bool) -> (DataReader, Option<DataEnd>, ByteQueue) {
        let mut r = DataReader::new(eight_bit_ok);
        let mut q = ByteQueue::default();
        q.push(0, bytes, 1, Timestamp(10));
        let end = r.feed(&mut q);
        (r, end, q)
    }

    fn note<'a>(r: &'a DataReader, id: &str) -> Option<&'a ContentNote> {
        r.notes().iter().find(|n| n.id == id)
    }

    fn header<'a>(r: &'a DataReader, name: &str) -> Option<&'a [u8]> {
        r.headers()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    #[test]
    fn plain_message_with_folded_subject() {
        let msg = b"from: Ann <ann@example.org>\r\n\
                    To:  bob@example.net\r\n\
                    X-Mailer: ccNotes\r\n\
                    Subject: a subject\r\n  that was folded\r\n\ttwice\r\n\
                    Date: Sat, 27 Dec 2008 19:25:06 +0100\r\n\
                    MESSAGE-ID: <1@example.org>\r\n\
                    Subject: second one is ignored\r\n\
                    \r\n\
                    To: not a header, in the body\r\n\
                    Hello Bob.\r\n\
                    .\r\n";
        let (r, end, q) = whole(msg, false);
        let end = end.expect("end of data");
        assert_eq!(end.end, msg.len() as u64);
        assert_eq!(end.frame, 1);
        assert_eq!(end.time, Timestamp(10));
        assert!(q.is_empty());
        assert_eq!(r.size(), msg.len() as u64 - 3);
        let names: Vec<&str> = r.headers().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["From", "To", "Subject", "Date", "Message-ID"]);
        assert_eq!(header(&r, "From"), Some(&b"Ann <ann@example.org>"[..]));
        assert_eq!(header(&r, "To"), Some(&b"bob@example.net"[..]));
        assert_eq!(
            header(&r, "Subject"),
            Some(&b"a subject  that was folded\ttwice"[..])
        );
        assert_eq!(header(&r, "Message-ID"), Some(&b"<1@example.org>"[..]));
        assert!(r.notes().is_empty(), "{:?}", r.notes());
        assert!(r.is_done());
    }

    #[test]
    fn a_value_starting_on_the_continuation_line_is_trimmed() {
        let (r, end, _) = whole(b"Subject:\r\n   late value\r\n\r\nbody\r\n.\r\n", false);
        assert!(end.is_some());
        assert_eq!(header(&r, "Subject"), Some(&b"late value"[..]));
    }

    #[test]
    fn a_dot_stuffed_line_counts_one_dot() {
        let msg = b"Subject: dots\r\n\r\n..hidden\r\n...\r\n..\r\n.\r\n";
        let (r, end, _) = whole(msg, false);
        assert_eq!(end.map(|e| e.end), Some(msg.len() as u64));
        // Three stuffed lines: each carries one dot less than it has on the wire.
        assert_eq!(r.size(), msg.len() as u64 - 3 - 3);
        assert!(r.notes().is_empty(), "{:?}", r.notes());
    }

    #[test]
    fn an_undoubled_dot_is_noted() {
        let msg = b"a\r\n.hidden line\r\nb\r\n.\0x\r\n.\r\n";
        let (r, end, _) = whole(msg, true);
        assert!(end.is_some());
        let n = note(&r, "smtp_dot_stuffing_missing").expect("note");
        assert_eq!((n.offset, n.count), (3, 2));
        assert_eq!(n.detail, "First: \".hidden line\".");
        assert_eq!(r.size(), msg.len() as u64 - 3);
    }

    #[test]
    fn an_empty_message() {
        let (r, end, q) = whole(b".\r\nQUIT\r\n", false);
        let end = end.expect("end");
        assert_eq!(end.end, 3);
        assert_eq!(r.size(), 0);
        assert!(r.headers().is_empty());
        assert!(r.notes().is_empty());
        assert_eq!(q.len(), 6);
    }

    #[test]
    fn bytes_after_the_terminator_stay_queued() {
        let mut r = DataReader::new(false);
        let mut q = ByteQueue::default();
        q.push(500, b"hi\r\n.\r\nQUIT\r\n", 7, Timestamp(3));
        let end = r.feed(&mut q).expect("end");
        assert_eq!(
            end,
            DataEnd {
                frame: 7,
                time: Timestamp(3),
                end: 507
            }
        );
        assert_eq!(q.offset(), 507);
        assert_eq!(q.line().map(|l| l.bytes), Some(b"QUIT".to_vec()));
        q.push(513, b"more", 8, Timestamp(4));
        assert_eq!(
            r.feed(&mut q),
            Some(end),
            "a finished reader consumes nothing more"
        );
        assert_eq!(q.len(), 4);
        assert_eq!(r.size(), 4);
    }

    #[test]
    fn the_end_split_across_frames_names_the_last_one() {
        let mut r = DataReader::new(false);
        let mut q = ByteQueue::default();
        q.push(0, b"x\r\n.", 1, Timestamp(1));
        assert_eq!(r.feed(&mut q), None);
        assert!(q.is_empty());
        q.push(4, b"\r", 2, Timestamp(2));
        assert_eq!(r.feed(&mut q), None);
        q.push(5, b"\nRSET\r\n", 3, Timestamp(3));
        assert_eq!(
            r.feed(&mut q),
            Some(DataEnd {
                frame: 3,
                time: Timestamp(3),
                end: 6
            })
        );
        assert_eq!(r.size(), 3);
        assert_eq!(q.len(), 6);
    }

    /// Stuffing, a bare LF, a smuggling variant with commands after it, the
    /// real end, and the next commands.
    const SAMPLE: &[u8] = b"From: a@example.org\r\n\
        Subject: split\r\n test\r\n\
        \r\n\
        ..stuffed\r\n\
        bare\nlf\r\n\
        text\n.\n\
        MAIL FROM:<evil@example.org>\n\
        RCPT TO:<victim@example.net>\n\
        DATA\n\
        From: ceo@example.net\n\
        \r\n.\r\n\
        QUIT\r\n";

    #[test]
    fn every_split_point_reads_the_same() {
        let (r, end, q) = whole(SAMPLE, false);
        let expect = outcome(&r, end.as_ref(), &q);
        let term_end = SAMPLE.len() as u64 - 6;
        assert_eq!(expect.end, Some(term_end));
        assert_eq!(expect.rest, b"QUIT\r\n");
        let ids: Vec<&str> = expect.notes.iter().map(|n| n.0).collect();
        assert_eq!(ids, ["smtp_bare_lf", "smtp_smuggling_eod_variant"]);
        let smug = note(&r, "smtp_smuggling_eod_variant").expect("smuggling");
        assert_eq!(smug.count, 1);
        assert_eq!(
            smug.detail,
            "First: \\n.\\n followed by 3 smuggled command lines (MAIL FROM, RCPT TO, DATA)."
        );
        assert_eq!(note(&r, "smtp_bare_lf").map(|n| n.count), Some(7));

        // Two pieces, cut at every point; frames say which piece.
        for cut in 0..=SAMPLE.len() {
            let mut r = DataReader::new(false);
            let mut q = ByteQueue::default();
            q.push(0, &SAMPLE[..cut], 1, Timestamp(1));
            let mut end = r.feed(&mut q);
            if end.is_none() {
                assert!(q.is_empty(), "cut {cut}: everything consumed");
                q.push(cut as u64, &SAMPLE[cut..], 2, Timestamp(2));
                end = r.feed(&mut q);
            } else {
                q.push(cut as u64, &SAMPLE[cut..], 2, Timestamp(2));
            }
            assert_eq!(outcome(&r, end.as_ref(), &q), expect, "cut at {cut}");
            let piece = |offset: u64| if offset < cut as u64 { 1 } else { 2 };
            let end = end.expect("end");
            assert_eq!(end.frame, piece(term_end - 1), "cut at {cut}");
            assert_eq!(end.time, Timestamp(piece(term_end - 1) as i64));
            for n in r.notes() {
                assert_eq!(n.frame, piece(n.offset), "cut at {cut}: {n:?}");
            }
        }

        // One byte per push and feed, each its own frame.
        let mut r = DataReader::new(false);
        let mut q = ByteQueue::default();
        let mut end = None;
        for (i, &b) in SAMPLE.iter().enumerate() {
            q.push(i as u64, &[b], i as u64 + 100, Timestamp(i as i64));
            if end.is_none() {
                end = r.feed(&mut q);
                if end.is_none() {
                    assert!(q.is_empty());
                }
            }
        }
        assert_eq!(outcome(&r, end.as_ref(), &q), expect);
        assert_eq!(
            end.map(|e| (e.frame, e.time)),
            Some((term_end + 99, Timestamp(term_end as i64 - 1)))
        );
        for n in r.notes() {
            assert_eq!(n.frame, n.offset + 100, "{n:?}");
        }
    }

    #[test]
    fn every_smuggling_variant_is_noted_and_is_not_the_end() {
        let variants: [(&[u8], &str); 12] = [
            (b"\n.\n", "\\n.\\n"),
            (b"\r.\r", "\\r.\\r"),
            (b"\r.\n", "\\r.\\n"),
            (b"\n.\r", "\\n.\\r"),
            (b"\n.\r\n", "\\n.\\r\\n"),
            (b"\r\n.\n", "\\r\\n.\\n"),
            (b"\r.\r\n", "\\r.\\r\\n"),
            (b"\r\n.\r", "\\r\\n.\\r"),
            (b"\r\n\0.\r\n", "\\r\\n\\0.\\r\\n"),
            (b"\r\n.\0\r\n", "\\r\\n.\\0\\r\\n"),
            (b"\n\0.\n", "\\n\\0.\\n"),
            (b"\r\n.\0\n", "\\r\\n.\\0\\n"),
        ];
        for (variant, name) in variants {
            let mut msg = b"Subject: x\r\n\r\nhello".to_vec();
            msg.extend_from_slice(variant);
            let real =
                b"mail FROM:<a@b>\r\nRcpt To:<c@d>\r\ndata\r\nSubject: forged\r\n\r\n.\r\nQUIT\r\n";
            msg.extend_from_slice(real);
            let (r, end, q) = whole(&msg, false);
            let end = end.unwrap_or_else(|| panic!("{name}: the real end"));
            assert_eq!(
                end.end,
                msg.len() as u64 - 6,
                "{name}: only CRLF.CRLF ends the data"
            );
            assert_eq!(q.len(), 6);
            let n =
                note(&r, "smtp_smuggling_eod_variant").unwrap_or_else(|| panic!("{name}: note"));
            assert_eq!((n.offset, n.count), (19, 1), "{name}");
            assert_eq!(
                n.detail,
                format!("First: {name} followed by 3 smuggled command lines (MAIL FROM, RCPT TO, DATA)."),
            );
            assert!(note(&r, "smtp_dot_stuffing_missing").is_none(), "{name}");
            let nul = note(&r, "smtp_8bit_without_8bitmime").is_some();
            assert_eq!(nul, variant.contains(&0), "{name}");
        }
    }

    #[test]
    fn variants_are_counted_and_a_later_one_with_commands_is_named() {
        let msg = b"a\n.\nplain text\r\nb\r.\rQUIT\r\n\n.\n\r\n.\r\n";
        let (r, end, _) = whole(msg, false);
        assert_eq!(end.map(|e| e.end), Some(msg.len() as u64));
        let n = note(&r, "smtp_smuggling_eod_variant").expect("note");
        assert_eq!((n.offset, n.count), (1, 3));
        assert_eq!(
            n.detail,
            "First: \\n.\\n. At offset 17: \\r.\\r followed by 1 smuggled command line (QUIT)."
        );
    }

    #[test]
    fn a_variant_at_the_very_start() {
        let (r, end, _) = whole(b".\nRSET\r\n\r\n.\r\n", false);
        assert_eq!(end.map(|e| e.end), Some(13));
        let n = note(&r, "smtp_smuggling_eod_variant").expect("note");
        assert_eq!(n.offset, 0);
        assert_eq!(
            n.detail,
            "First: .\\n followed by 1 smuggled command line (RSET)."
        );
    }

    #[test]
    fn a_bare_cr_at_a_feed_boundary_waits_for_the_next_byte() {
        let mut r = DataReader::new(false);
        let mut q = ByteQueue::default();
        q.push(0, b"abc\r", 1, Timestamp(1));
        assert_eq!(r.feed(&mut q), None);
        assert!(
            r.notes().is_empty(),
            "a CR at the end of the queue is undecided"
        );
        q.push(4, b"\nxy\r", 2, Timestamp(2));
        assert_eq!(r.feed(&mut q), None);
        assert!(r.notes().is_empty(), "CR LF is a line end, not a bare CR");
        q.push(8, b"z\r\r\n", 3, Timestamp(3));
        assert_eq!(r.feed(&mut q), None);
        let n = note(&r, "smtp_bare_cr").expect("bare CR");
        assert_eq!(
            (n.offset, n.frame, n.count),
            (7, 2, 2),
            "the CR's own frame, from the earlier feed"
        );
        assert_eq!(n.detail, "First in \"…bc⏎xy\\rz\". 1 as CR CR LF.");
        q.push(12, b".\r\n", 4, Timestamp(4));
        assert!(r.feed(&mut q).is_some());
        assert_eq!(r.notes().len(), 1);
    }

    #[test]
    fn long_lines_are_counted_without_the_stuffing_dot() {
        let mut msg = Vec::new();
        msg.extend(std::iter::repeat_n(b'a', 998));
        msg.extend_from_slice(b"\r\n"); // 1000: the limit
        msg.extend_from_slice(b"..");
        msg.extend(std::iter::repeat_n(b'b', 997));
        msg.extend_from_slice(b"\r\n"); // 1001 on the wire, 1000 without the stuffing dot
        let first_long = msg.len() as u64;
        msg.extend(std::iter::repeat_n(b'c', 999));
        msg.extend_from_slice(b"\r\n"); // 1001
        msg.extend(std::iter::repeat_n(b'd', 5000));
        msg.extend_from_slice(b"\r\n.\r\n");
        let (r, end, _) = whole(&msg, false);
        assert!(end.is_some());
        let n = note(&r, "smtp_line_too_long").expect("long");
        assert_eq!((n.offset, n.count), (first_long, 2));
        assert_eq!(n.detail, "First: 1001 octets.");
        assert_eq!(r.notes().len(), 1, "{:?}", r.notes());
    }

    #[test]
    fn eight_bit_and_nul_octets() {
        let msg = b"caf\xc3\xa9 \0\r\n.\r\n";
        let (r, _, _) = whole(msg, false);
        let n = note(&r, "smtp_8bit_without_8bitmime").expect("8bit");
        assert_eq!((n.offset, n.count), (3, 3));
        assert_eq!(
            n.detail,
            "2 octets ≥ 0x80 (first 0xC3) without BODY=8BITMIME; 1 NUL octet."
        );
        let (r, _, _) = whole(msg, true);
        let n = note(&r, "smtp_8bit_without_8bitmime").expect("NUL is never allowed");
        assert_eq!((n.offset, n.count), (6, 1));
        assert_eq!(n.detail, "1 NUL octet.");
        let (r, _, _) = whole(b"caf\xc3\xa9\r\n.\r\n", true);
        assert!(r.notes().is_empty());
    }

    #[test]
    fn five_megabytes_in_64k_pieces_stay_bounded() {
        let mut msg = Vec::new();
        for name in WANTED {
            msg.extend_from_slice(name.as_bytes());
            msg.extend_from_slice(b": ");
            msg.extend(std::iter::repeat_n(b'v', 980));
            // Folded on and on: the unfolded value must stop at 998.
            for _ in 0..50 {
                msg.extend_from_slice(b"\r\n ");
                msg.extend(std::iter::repeat_n(b'w', 900));
            }
            msg.extend_from_slice(b"\r\n");
        }
        msg.extend_from_slice(b"\r\n");
        let mut line = 0u32;
        while msg.len() < 5 * 1024 * 1024 {
            line += 1;
            if line % 1000 == 0 {
                // A very long line now and then.
                msg.extend(std::iter::repeat_n(b'L', 70_000));
            } else {
                msg.extend_from_slice(
                    format!("line {line} of the body, nothing special about it\r\n").as_bytes(),
                );
            }
            msg.extend_from_slice(b"\r\n");
        }
        msg.extend_from_slice(b".\r\nQUIT\r\n");

        let mut r = DataReader::new(false);
        let mut q = ByteQueue::default();
        let mut end = None;
        for (i, piece) in msg.chunks(64 * 1024).enumerate() {
            q.push(
                (i * 64 * 1024) as u64,
                piece,
                i as u64 + 1,
                Timestamp(i as i64),
            );
            end = r.feed(&mut q);
            if end.is_none() {
                assert!(q.is_empty(), "piece {i}: drained");
            }
            let stored: usize = r.headers().iter().map(|(_, v)| v.len()).sum();
            assert!(stored <= 5 * MAX_VALUE, "header storage {stored}");
            assert!(r.headers().iter().all(|(_, v)| v.len() <= MAX_VALUE));
            assert!(r.head.line.capacity() <= 2 * HEADER_LINE_KEEP);
            assert!(r.details.dot_line.capacity() <= 2 * DOT_LINE_KEEP);
            assert!(r.notes().len() <= KINDS);
        }
        let end = end.expect("end");
        assert_eq!(end.end, msg.len() as u64 - 6);
        assert_eq!(q.len(), 6);
        assert_eq!(r.size(), msg.len() as u64 - 9);
        assert_eq!(r.headers().len(), 5);
        assert!(r.headers().iter().all(|(_, v)| v.len() == MAX_VALUE));
        let n = note(&r, "smtp_line_too_long").expect("long lines");
        assert_eq!(n.detail, "First: 70002 octets.");
    }

    /// A small deterministic generator (xorshift), so the test needs no crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Where the end is, by the definition and nothing else.
    fn oracle(bytes: &[u8]) -> Option<(usize, u64)> {
        let at = (0..bytes.len()).find(|&i| {
            bytes[i..].starts_with(b".\r\n") && (i == 0 || bytes[..i].ends_with(b"\r\n"))
        })?;
        let stuffed = (0..at)
            .filter(|&p| bytes[p..].starts_with(b"..") && (p == 0 || bytes[..p].ends_with(b"\r\n")))
            .count();
        Some((at + 3, (at - stuffed) as u64))
    }

    #[test]
    fn random_bytes_cut_anywhere() {
        let alphabet: [&[u8]; 14] = [
            b"\r",
            b"\n",
            b".",
            b"\r",
            b"\n",
            b".",
            b"\0",
            b"a",
            b"\xe9",
            b" ",
            b"\r\n",
            b"MAIL FROM:<a>",
            b"data",
            b"Subject: x",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..5000 {
            let len = (rng.next() % 30) as usize;
            let bytes: Vec<u8> = (0..len)
                .flat_map(|_| {
                    alphabet[(rng.next() % alphabet.len() as u64) as usize]
                        .iter()
                        .copied()
                })
                .collect();
            let (r, end, q) = whole(&bytes, false);
            let expect = outcome(&r, end.as_ref(), &q);
            match oracle(&bytes) {
                Some((end_at, size)) => {
                    assert_eq!(expect.end, Some(end_at as u64), "round {round}: {bytes:?}");
                    assert_eq!(expect.size, size, "round {round}: {bytes:?}");
                    assert_eq!(expect.rest, &bytes[end_at..]);
                }
                None => {
                    assert_eq!(expect.end, None, "round {round}: {bytes:?}");
                    assert!(expect.rest.is_empty());
                }
            }
            // Random cuts into several pieces read the same.
            let mut r = DataReader::new(false);
            let mut q = ByteQueue::default();
            let mut at = 0;
            let mut end = None;
            while at < bytes.len() {
                let n = 1 + (rng.next() % 6) as usize;
                let piece = &bytes[at..(at + n).min(bytes.len())];
                q.push(at as u64, piece, at as u64, Timestamp(0));
                at += piece.len();
                if end.is_none() {
                    end = r.feed(&mut q);
                }
            }
            assert_eq!(
                outcome(&r, end.as_ref(), &q),
                expect,
                "round {round}: {bytes:?}"
            );
        }
    }
}
