//! The records a dialogue is made of — commands, replies, stray server lines —
//! each knowing the frames its bytes came from, and the bounds on what a
//! record keeps of a hostile peer's lines.

use serde::Serialize;

use crate::capture::Timestamp;
use crate::proto::stream::{LineEnd, Taken};

/// Bytes of one command argument or reply line kept for display. The checks
/// run on the whole line first; only what is kept is cut, so a peer sending
/// 64 KiB lines cannot make every record 64 KiB (the line's length on the
/// wire stays in its [`Origin`]).
pub const MAX_KEPT_BYTES: usize = 1024;
/// Text lines kept per reply (a longer listing or EHLO reply is counted in
/// [`Reply::more_lines`]).
pub const MAX_KEPT_LINES: usize = 1000;

/// The first `n` bytes of a command line, as text: its verb as sent.
pub fn verb_as_sent(line: &[u8], n: usize) -> String {
    String::from_utf8_lossy(line.get(..n).unwrap_or(line)).into_owned()
}

/// The first [`MAX_KEPT_BYTES`] of `bytes`, to keep.
pub fn kept(bytes: &[u8]) -> Vec<u8> {
    bytes.get(..MAX_KEPT_BYTES).unwrap_or(bytes).to_vec()
}

/// Adds one text line to `lines` unless [`MAX_KEPT_LINES`] are kept already,
/// in which case it is counted in `more`.
pub fn keep_line(lines: &mut Vec<Vec<u8>>, more: &mut u64, text: &[u8]) {
    if lines.len() < MAX_KEPT_LINES {
        lines.push(kept(text));
    } else {
        *more += 1;
    }
}

/// Bytes of the first word kept as the verb.
pub const MAX_VERB: usize = 32;

/// Splits a command line into its upper-cased, escaped verb and the raw rest:
/// a keyword, one space, the argument (RFC 5321 §4.1.1, RFC 1939 §3).
pub fn split_command(line: &[u8]) -> (String, Vec<u8>) {
    let (verb, arg) = match memchr::memchr(b' ', line).and_then(|i| line.split_at_checked(i)) {
        Some((verb, space_arg)) => (verb, space_arg.get(1..).unwrap_or(&[])),
        None => (line, &[][..]),
    };
    // The verb is shown everywhere (report, findings): escape it once, here, so
    // no control byte of a hostile "command" can reach a terminal.
    // A verb is four letters (RFC 5321 §4.1.1); a long first word is no verb
    // and is kept cut, or every finding quoting it would copy it whole.
    let cut = verb.len() > MAX_VERB;
    let shown = verb.get(..MAX_VERB).unwrap_or(verb);
    let mut verb = crate::text::escape_bytes(&shown.to_ascii_uppercase());
    if cut {
        verb.push('…');
    }
    (verb, arg.to_vec())
}

/// Where a piece of the dialogue came from in the capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Stream offset of the first byte (in its direction).
    pub offset: u64,
    /// Stream offset one past the last byte, terminator included.
    pub end: u64,
    /// Every frame that carried part of it, with its byte count, in order.
    pub frames: Vec<(u64, u32)>,
    /// Time of the frame that carried the last byte.
    pub time: Timestamp,
}

impl Origin {
    pub fn from_taken(t: &Taken) -> Self {
        Origin {
            offset: t.offset,
            end: t.offset + t.wire_len(),
            frames: t.frames.clone(),
            time: t.time,
        }
    }

    /// Adds the frames of a following piece (another line of the same reply).
    pub fn extend(&mut self, t: &Taken) {
        self.extend_frames(&t.frames, t.offset + t.wire_len(), t.time);
    }

    /// Adds bytes read without lines (a POP3 message body): the frames that
    /// carried them, ending at stream offset `end` at `time`.
    pub fn extend_frames(&mut self, frames: &[(u64, u32)], end: u64, time: Timestamp) {
        self.end = self.end.max(end);
        self.time = time;
        for &(f, n) in frames {
            match self.frames.last_mut() {
                Some(last) if last.0 == f => last.1 = last.1.saturating_add(n),
                _ => self.frames.push((f, n)),
            }
        }
    }

    /// The frame that carried the last byte (the contract's `frame`).
    pub fn last_frame(&self) -> u64 {
        self.frames.last().map_or(0, |f| f.0)
    }

    pub fn first_frame(&self) -> u64 {
        self.frames.first().map_or(0, |f| f.0)
    }

    /// `#4 (17 B) + #8 (21 B)`: how TCP cut it. A piece carried by many
    /// frames names the first and last three and counts the rest.
    pub fn describe(&self) -> String {
        const SHOWN: usize = 3;
        let one = |(f, n): &(u64, u32)| format!("#{f} ({n} B)");
        let n = self.frames.len();
        if n <= 2 * SHOWN + 1 {
            return self.frames.iter().map(one).collect::<Vec<_>>().join(" + ");
        }
        let head: Vec<String> = self.frames.iter().take(SHOWN).map(one).collect();
        let tail: Vec<String> = self.frames.iter().skip(n - SHOWN).map(one).collect();
        format!(
            "{} + … {} more frames … + {}",
            head.join(" + "),
            n - 2 * SHOWN,
            tail.join(" + ")
        )
    }
}

/// A client command line.
#[derive(Clone, Debug)]
pub struct Command {
    /// Upper-cased verb, e.g. `MAIL`; for a line that is no command, its first word.
    pub verb: String,
    /// The verb as the client sent it (`ehlo`, `Mail`): what a reader
    /// quoting the wire shows.
    pub verb_as_sent: String,
    /// The rest of the line, raw (escape before display).
    pub arg: Vec<u8>,
    pub origin: Origin,
    pub line_end: LineEnd,
    /// Index of the reply that answers it, in [`super::Dialogue::replies`].
    pub reply: Option<usize>,
}

impl Command {
    /// A command read from `line`, split into `verb` and `arg` (the argument
    /// is kept cut to [`MAX_KEPT_BYTES`]).
    pub fn from_line(line: &Taken, verb: &str, arg: &[u8]) -> Self {
        Command {
            verb_as_sent: verb_as_sent(&line.bytes, verb.len()),
            verb: verb.to_string(),
            arg: kept(arg),
            origin: Origin::from_taken(line),
            line_end: line.end,
            reply: None,
        }
    }

    /// How many leading words of the argument are no secret (user name,
    /// mechanism) when the rest is: PASS, APOP and an AUTH initial response
    /// (RFC 1939 §7, RFC 4954 §4); None for other commands.
    fn public_words(&self) -> Option<usize> {
        match self.verb.as_str() {
            "PASS" => Some(0),
            "APOP" | "AUTH" => Some(1),
            _ => None,
        }
    }

    /// The client-stream bytes of the part [`Command::shown_arg`] masks, its
    /// line terminator excluded; None when nothing is secret.
    pub fn secret_range(&self) -> Option<std::ops::Range<u64>> {
        let keep = self.public_words()?;
        // The verb, one space, then the kept words each with its space.
        let mut skip = self.verb.len() as u64 + 1;
        let mut words = self.arg.splitn(keep + 1, |&b| b == b' ');
        for _ in 0..keep {
            skip += words.next().map_or(0, |w| w.len() as u64 + 1);
        }
        words.next().filter(|rest| !rest.is_empty())?;
        let terminator = match self.line_end {
            LineEnd::CrLf => 2,
            LineEnd::Lf => 1,
            LineEnd::Cut | LineEnd::Gap => 0,
        };
        let start = self.origin.offset + skip;
        let end = self.origin.end.saturating_sub(terminator);
        (start < end).then_some(start..end)
    }

    /// The argument as a report may show it: the secret part of PASS, APOP
    /// and an AUTH initial response is masked unless `show_secrets`.
    pub fn shown_arg(&self, show_secrets: bool) -> std::borrow::Cow<'_, [u8]> {
        use std::borrow::Cow;
        if show_secrets {
            return Cow::Borrowed(&self.arg);
        }
        // Keep the first `keep` words (user name, mechanism); mask the rest.
        let Some(keep) = self.public_words() else {
            return Cow::Borrowed(&self.arg);
        };
        let mut words = self.arg.splitn(keep + 1, |&b| b == b' ');
        let mut out: Vec<u8> = Vec::new();
        for _ in 0..keep {
            if let Some(w) = words.next() {
                out.extend_from_slice(w);
            }
        }
        if words.next().is_some_and(|rest| !rest.is_empty()) {
            if !out.is_empty() {
                out.push(b' ');
            }
            out.extend_from_slice(b"********");
        }
        Cow::Owned(out)
    }
}

/// A server reply code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Code {
    Smtp(u16),
    /// POP3 `+OK` (true) or `-ERR` (false).
    Pop3(bool),
}

impl Code {
    pub fn is_positive(self) -> bool {
        match self {
            Code::Smtp(c) => (200..400).contains(&c),
            Code::Pop3(ok) => ok,
        }
    }

    pub fn json(self) -> serde_json::Value {
        match self {
            Code::Smtp(c) => serde_json::Value::from(c),
            Code::Pop3(true) => "+OK".into(),
            Code::Pop3(false) => "-ERR".into(),
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Code::Smtp(c) => write!(f, "{c}"),
            Code::Pop3(true) => f.write_str("+OK"),
            Code::Pop3(false) => f.write_str("-ERR"),
        }
    }
}

/// A complete server reply (all its lines).
#[derive(Clone, Debug)]
pub struct Reply {
    pub code: Code,
    /// Text of each line without code, separator and line end (raw bytes):
    /// the first [`MAX_KEPT_LINES`], each cut to [`MAX_KEPT_BYTES`].
    pub lines: Vec<Vec<u8>>,
    /// Lines of the reply beyond those kept in `lines`.
    pub more_lines: u64,
    pub origin: Origin,
    /// Index of the command it answers, in [`super::Dialogue::commands`]
    /// (None: the greeting, or unsolicited).
    pub command: Option<usize>,
    /// The first segment that ended inside one of its lines, when TCP cut a
    /// line (the ccNotes trigger: `220 smtp.tele.fi ` with no CRLF yet).
    pub split_at: Option<u64>,
    /// Its last line never came: a line with another code followed a
    /// continuation line (RFC 5321 §4.2.1; Postfix's postscreen sends
    /// `220-` and then answers an early client). Its lines all end in `-`.
    pub unterminated: bool,
}

impl Reply {
    /// The separator after the code on line `k`, as it was on the wire:
    /// SMTP continuation lines carry `-`, the last line a space (RFC 5321
    /// §4.2.1) — unless the reply never got its last line.
    pub fn separator(&self, k: usize, smtp: bool) -> char {
        if smtp && (k + 1 < self.lines.len() || self.unterminated) {
            '-'
        } else {
            ' '
        }
    }
}

/// One record of a dialogue, by its index in [`super::Dialogue`]'s vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    Command(usize),
    Reply(usize),
    Message(usize),
    Stray(usize),
}

/// A server line that is no reply: no SMTP code, neither `+OK` nor `-ERR`,
/// or a line after a one-line POP3 `-ERR`. A client still reads it, so the
/// dialogue shows it where it arrived, with the finding that explains it.
#[derive(Clone, Debug)]
pub struct StrayLine {
    /// The line without its line end, cut to [`MAX_KEPT_BYTES`].
    pub text: Vec<u8>,
    pub origin: Origin,
    /// Why it is no reply, in a few words ("neither +OK nor -ERR").
    pub why: &'static str,
    /// The finding raised for it.
    pub finding: &'static str,
    /// Who sent it: the server (a line that is no reply), or the client (a
    /// line not read: cut by a gap or over the line limit).
    pub dir: crate::tcp::Dir,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(verb: &str, arg: &str) -> Command {
        Command {
            verb_as_sent: verb.to_string(),
            verb: verb.to_string(),
            arg: arg.as_bytes().to_vec(),
            origin: Origin {
                offset: 0,
                end: 0,
                frames: Vec::new(),
                time: Timestamp::default(),
            },
            line_end: LineEnd::CrLf,
            reply: None,
        }
    }

    #[test]
    fn secrets_in_arguments_are_masked_unless_asked_for() {
        let shown = |v: &str, a: &str, show: bool| cmd(v, a).shown_arg(show).into_owned();
        assert_eq!(shown("PASS", "s3cret", false), b"********");
        assert_eq!(
            shown("APOP", "alice c4c9334bac560ecc979e58001b3e22fb", false),
            b"alice ********"
        );
        assert_eq!(
            shown("AUTH", "PLAIN AGFsaWNlAFMzY3IzdA==", false),
            b"PLAIN ********"
        );
        assert_eq!(shown("AUTH", "LOGIN", false), b"LOGIN");
        assert_eq!(shown("MAIL", "FROM:<a@b>", false), b"FROM:<a@b>");
        assert_eq!(shown("PASS", "s3cret", true), b"s3cret");
    }

    #[test]
    fn kept_text_is_bounded() {
        let (mut lines, mut more) = (Vec::new(), 0);
        for _ in 0..MAX_KEPT_LINES + 5 {
            keep_line(&mut lines, &mut more, &[b'x'; 5000]);
        }
        assert_eq!((lines.len(), more), (MAX_KEPT_LINES, 5));
        assert!(lines.iter().all(|l| l.len() == MAX_KEPT_BYTES));
        let mut o = cmd("X", "").origin;
        o.frames = (1..=100).map(|f| (f, 1)).collect();
        let d = o.describe();
        assert!(
            d.starts_with("#1 (1 B) + #2 (1 B) + #3 (1 B) + … 94 more frames … + #98"),
            "{d}"
        );
        o.frames.truncate(3);
        assert_eq!(o.describe(), "#1 (1 B) + #2 (1 B) + #3 (1 B)");
    }
}
