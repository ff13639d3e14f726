//! SMTP smuggling (CVE-2023-51764/-51765/-51766): a dot line with
//! non-standard line ends (`\n.\n`, `\r.\r`, a NUL beside the dot, ...) is no
//! end of data to a strict receiver (RFC 5321 §4.1.1.4: only CRLF.CRLF is),
//! but a lenient one stops there and runs what follows as commands. This file
//! recognises such dot lines looking back over the recent bytes, and reads the
//! bytes after them the way a lenient receiver would, while they look like
//! commands.

use super::recent::Recent;
use crate::proto::dialogue::LenientReading;
use crate::text::escape_bytes;

/// Bytes of a line kept to recognise a smuggled command verb (`MAIL FROM` and
/// the byte after a 4-letter verb).
const VERB_KEEP: usize = 10;

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

/// Smuggled verbs named in a note; more are marked "…".
const VERBS_SHOWN: usize = 4;

/// An end-of-data variant, and the lines after it read the way a lenient
/// receiver would (ending at LF, CR or CR LF) while they look like commands.
#[derive(Clone, Debug)]
pub struct Smuggle {
    /// The variant, escaped (`\n.\n`).
    variant: String,
    pub offset: u64,
    /// Frame of its first byte.
    pub frame: u64,
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

impl Smuggle {
    /// The variant `d` that `recent` ends with; `b` is the latest byte, at
    /// stream `offset`, and `seen` counts the content bytes up to it.
    pub fn at(d: &DotLine, recent: &Recent, offset: u64, b: u8, seen: u64) -> Self {
        let bytes: Vec<u8> = (d.last..=d.first)
            .rev()
            .filter_map(|k| recent.byte(k))
            .collect();
        let start = offset.saturating_sub(d.first as u64);
        // `seen` already counts the latest byte, which sits at `offset`.
        let before = seen.saturating_sub(1 + offset - start);
        let mut s = Smuggle {
            variant: escape_variant(&bytes),
            offset: start,
            frame: recent.frame(d.first),
            before,
            lines: 0,
            verbs: Vec::new(),
            line: Vec::with_capacity(VERB_KEEP),
            line_len: 0,
            after_cr: false,
            done: false,
        };
        if d.last == 1 {
            // Recognised at the byte after its CR: that byte is already the
            // start of what a lenient receiver reads next.
            s.feed(b);
        }
        s
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
        let prefix = start
            .get(..v.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(v));
        let whole = !word || len == v.len() || start.get(v.len()) == Some(&b' ');
        (prefix && whole).then_some(verb)
    })
}

/// A dot line found by looking back from the latest byte: optional delimiter
/// before, `.` (with optional NULs around it), delimiter after.
pub struct DotLine {
    /// How far back its first and last bytes are (0 = the latest byte).
    first: usize,
    last: usize,
    /// `CRLF.CRLF` (or `.CRLF` at the start): the real end of data.
    pub standard: bool,
}

/// Looks back from the latest byte for a dot line. A trailing CR is only
/// known to stand alone once the next byte is not LF, so `\r.\r` is
/// recognised one byte late, and `\r\n.\r` followed by LF is the end.
pub fn dot_line(r: &Recent) -> Option<DotLine> {
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

/// The variants of one message a lenient receiver would act on: the first,
/// and one later one kept only to show commands the first lacked.
#[derive(Clone, Debug, Default)]
pub struct Smuggling {
    first: Option<Smuggle>,
    later: Option<Smuggle>,
}

impl Smuggling {
    /// One content byte, fed to the lenient readings of earlier variants;
    /// true when one of them counted a command line.
    pub fn feed(&mut self, b: u8) -> bool {
        let mut counted = false;
        for s in [&mut self.first, &mut self.later].into_iter().flatten() {
            counted |= s.feed(b);
        }
        counted
    }

    /// No lenient reading is following the bytes: feeding one changes nothing.
    pub fn idle(&self) -> bool {
        [&self.first, &self.later]
            .into_iter()
            .flatten()
            .all(|s| s.done)
    }

    /// A new variant, `first` of its message or not.
    pub fn add(&mut self, s: Smuggle, first: bool) {
        for old in [&mut self.first, &mut self.later].into_iter().flatten() {
            // A new dot line ends the run of commands the old one had.
            old.done = true;
        }
        if first {
            self.first = Some(s);
        } else {
            // Keep one later variant only to show commands the first lacked.
            let first_has = self.first.as_ref().is_some_and(|f| f.lines > 0);
            let later_has = self.later.as_ref().is_some_and(|l| l.lines > 0);
            if !first_has && !later_has {
                self.later = Some(s);
            }
        }
    }

    /// The note's detail: the first variant, and a later one with commands
    /// when the first had none.
    pub fn detail(&self) -> String {
        let Some(first) = &self.first else {
            return String::new();
        };
        let mut s = format!("First: {}.", first.describe());
        if first.lines == 0 {
            if let Some(later) = self.later.as_ref().filter(|l| l.lines > 0) {
                s.push_str(&format!(
                    " At offset {}: {}.",
                    later.offset,
                    later.describe()
                ));
            }
        }
        s
    }

    /// How a lenient receiver reads this content: the first end-of-data
    /// variant followed by command lines (or, if none was, the first variant).
    pub fn lenient(&self) -> Option<LenientReading> {
        let with_commands = |s: &&Smuggle| s.lines > 0;
        let s = self
            .first
            .as_ref()
            .filter(with_commands)
            .or(self.later.as_ref().filter(with_commands))
            .or(self.first.as_ref())?;
        Some(LenientReading {
            variant: s.variant.clone(),
            frame: s.frame,
            size: s.before,
            commands: s.lines,
            verbs: s.verbs.iter().take(VERBS_SHOWN).copied().collect(),
        })
    }
}
