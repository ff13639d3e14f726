//! What the application layer saw: commands, replies and messages, each knowing
//! the frames its bytes came from. The report and the views read these.

use serde::Serialize;

use super::stream::{LineEnd, Taken};
use super::Protocol;
use crate::capture::Timestamp;

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
    String::from_utf8_lossy(&line[..n.min(line.len())]).into_owned()
}

/// The first [`MAX_KEPT_BYTES`] of `bytes`, to keep.
pub fn kept(bytes: &[u8]) -> Vec<u8> {
    bytes[..bytes.len().min(MAX_KEPT_BYTES)].to_vec()
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
        let head: Vec<String> = self.frames[..SHOWN].iter().map(one).collect();
        let tail: Vec<String> = self.frames[n - SHOWN..].iter().map(one).collect();
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
    /// Index of the reply that answers it, in [`Dialogue::replies`].
    pub reply: Option<usize>,
}

impl Command {
    /// The client-stream bytes of the part [`Command::shown_arg`] masks, its
    /// line terminator excluded; None when nothing is secret.
    pub fn secret_range(&self) -> Option<std::ops::Range<u64>> {
        let keep = match self.verb.as_str() {
            "PASS" => 0,
            "APOP" | "AUTH" => 1,
            _ => return None,
        };
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
            LineEnd::Cut => 0,
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
        let keep = match self.verb.as_str() {
            "PASS" => 0,
            "APOP" | "AUTH" => 1,
            _ => return Cow::Borrowed(&self.arg),
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
    /// Index of the command it answers, in [`Dialogue::commands`] (None: the
    /// greeting, or unsolicited).
    pub command: Option<usize>,
    /// The first segment that ended inside one of its lines, when TCP cut a
    /// line (the ccNotes trigger: `220 smtp.tele.fi ` with no CRLF yet).
    pub split_at: Option<u64>,
}

/// A mail message carried by the dialogue (SMTP DATA/BDAT, POP3 RETR/TOP).
#[derive(Clone, Debug, Default)]
pub struct Message {
    /// Frame of the content's last byte (or of the reply that accepted it).
    pub frame: u64,
    /// Octets of content after un-stuffing, including the last line's CRLF,
    /// excluding the terminating `.CRLF` (RFC 5321 §4.1.1.4); for BDAT the sum
    /// of the chunks.
    pub size: u64,
    /// Reverse path without angle brackets (SMTP).
    pub from: Option<String>,
    /// Recipients the server accepted, without angle brackets (SMTP).
    pub to: Vec<String>,
    /// The header fields a person looks for first: From, To, Subject, Date,
    /// Message-ID, as (name, raw value).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The reply to the end of data, if any.
    pub accepted: Option<bool>,
    /// Frame of the first content byte (SMTP DATA).
    pub content_frame: Option<u64>,
    /// Frame of the 354 that invited the content.
    pub ready_frame: Option<u64>,
    /// Index of that 354 in [`Dialogue::replies`].
    pub ready_reply: Option<usize>,
    /// How a lenient receiver would read the same content, when it differs:
    /// an end-of-data variant it stops at (SMTP smuggling).
    pub lenient: Option<LenientReading>,
    /// POP3: the server sent it for RETR/TOP; no verdict follows it.
    pub retrieved: bool,
}

impl Message {
    /// Whether content was sent at all (a transaction reset before DATA
    /// carried no message).
    pub fn was_sent(&self) -> bool {
        self.content_frame.is_some() || self.size > 0
    }

    /// One line for a person: size, envelope, the header fields looked for
    /// first, and the server's verdict, e.g. `16 B · from <a@b> · to <c@d> ·
    /// Subject: hi · accepted`. Everything from the wire is escaped.
    pub fn describe(&self) -> String {
        use crate::text::{escape_str, preview};
        let mut parts = vec![format!("{} B", self.size)];
        if let Some(from) = &self.from {
            parts.push(format!("from <{}>", escape_str(from)));
        }
        if !self.to.is_empty() {
            let to: Vec<String> = self
                .to
                .iter()
                .map(|t| format!("<{}>", escape_str(t)))
                .collect();
            parts.push(format!("to {}", to.join(", ")));
        }
        for (name, value) in &self.headers {
            parts.push(format!("{}: {}", escape_str(name), preview(value, 50)));
        }
        parts.push(
            match (self.retrieved, self.accepted) {
                (true, _) => "retrieved from the server",
                (false, Some(true)) => "accepted",
                (false, Some(false)) => "refused",
                (false, None) => "no final reply",
            }
            .to_string(),
        );
        parts.join(" · ")
    }
}

/// A lenient receiver's reading of DATA content that holds an end-of-data
/// variant such as `\n.\n` (anomalies.md `smtp_smuggling_eod_variant`): the
/// strict reading (RFC 5321 §4.1.1.4) is the [`Message`] itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LenientReading {
    /// The variant the lenient receiver takes for the end, escaped (`\n.\n`).
    pub variant: String,
    /// Frame that carried its first byte.
    pub frame: u64,
    /// Content octets before it (on the wire): the lenient first message.
    pub size: u64,
    /// Lines after it that a lenient receiver runs as commands.
    pub commands: u32,
    /// Their verbs, the first few.
    pub verbs: Vec<&'static str>,
}

/// Credentials sent in recoverable form (AUTH PLAIN/LOGIN, POP3 USER/PASS).
/// The report masks the password unless asked to show secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credential {
    pub frame: u64,
    pub mechanism: String,
    pub user: Vec<u8>,
    pub password: Option<Vec<u8>>,
}

/// One record of a dialogue, by its index in [`Dialogue`]'s vectors.
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
}

/// Capabilities kept from an EHLO or CAPA reply (real servers list a dozen or two).
pub const MAX_CAPABILITIES: usize = 100;

/// One connection's application dialogue.
#[derive(Clone, Debug)]
pub struct Dialogue {
    pub conn: u32,
    pub protocol: Protocol,
    pub commands: Vec<Command>,
    pub replies: Vec<Reply>,
    pub messages: Vec<Message>,
    /// Server lines that are no reply, in order.
    pub stray: Vec<StrayLine>,
    /// Capabilities the server advertised (EHLO keywords / CAPA lines).
    pub capabilities: Vec<String>,
    /// From this frame on, the connection is TLS (after STARTTLS/STLS).
    pub tls_from: Option<u64>,
    /// TLS records seen after that, by name (`Handshake: ClientHello`, ...).
    pub tls_records: Vec<(u64, String)>,
    /// For a client out of step: each command beside the reply that answers it
    /// and the segment a one-read-per-reply client took instead.
    pub pairings: Vec<crate::proto::smtp::timing::PairRow>,
    /// Credentials seen in clear (decoded from base64 where needed).
    pub credentials: Vec<Credential>,
    /// Client-stream byte ranges of SASL response lines (AUTH continuations:
    /// base64 user names and passwords), at most [`MAX_SECRETS`]; with the
    /// secret parts of commands, see [`Dialogue::secret_ranges`].
    pub sasl_lines: Vec<std::ops::Range<u64>>,
    /// The readers stop once the dialogue holds this many items (see
    /// [`Dialogue::items`]); the tracker sets it from its limits.
    pub(crate) item_budget: usize,
}

/// Credentials kept per dialogue (a client sending more is counted only as
/// commands).
pub const MAX_CREDENTIALS: usize = 100;

/// SASL response lines remembered per dialogue for masking.
pub const MAX_SECRETS: usize = 200;

impl Dialogue {
    /// Remembers that a SASL response line occupied `range` of the client's
    /// stream, so previews can mask it.
    pub fn add_sasl_line(&mut self, range: std::ops::Range<u64>) {
        if self.sasl_lines.len() < MAX_SECRETS {
            self.sasl_lines.push(range);
        }
    }

    /// Every client-stream byte range that holds a secret: the masked part
    /// of PASS, APOP and AUTH initial responses, and SASL response lines. The
    /// previews of segments and socket calls over them are masked
    /// ([`crate::timeline`]), as the dialogue masks them unless
    /// `--show-secrets`.
    pub fn secret_ranges(&self) -> Vec<std::ops::Range<u64>> {
        let mut out: Vec<_> = self
            .commands
            .iter()
            .filter_map(Command::secret_range)
            .take(MAX_SECRETS)
            .collect();
        out.extend(self.sasl_lines.iter().cloned());
        out
    }

    /// Records credentials seen in clear, up to [`MAX_CREDENTIALS`].
    pub fn add_credential(&mut self, c: Credential) {
        if self.credentials.len() < MAX_CREDENTIALS {
            self.credentials.push(c);
        }
    }

    pub fn new(conn: u32, protocol: Protocol) -> Self {
        Dialogue {
            conn,
            protocol,
            commands: Vec::new(),
            replies: Vec::new(),
            messages: Vec::new(),
            stray: Vec::new(),
            sasl_lines: Vec::new(),
            capabilities: Vec::new(),
            tls_from: None,
            tls_records: Vec::new(),
            pairings: Vec::new(),
            credentials: Vec::new(),
            item_budget: usize::MAX,
        }
    }

    /// Commands, replies, messages and stray lines kept.
    pub fn items(&self) -> usize {
        self.commands.len() + self.replies.len() + self.messages.len() + self.stray.len()
    }

    /// Keeps a server line that is no reply (within the item budget).
    pub fn add_stray(&mut self, line: &Taken, why: &'static str, finding: &'static str) {
        if self.over_budget() {
            return;
        }
        self.stray.push(StrayLine {
            text: kept(&line.bytes),
            origin: Origin::from_taken(line),
            why,
            finding,
        });
    }

    /// Whether the readers must stop: the item budget is spent.
    pub(crate) fn over_budget(&self) -> bool {
        self.items() >= self.item_budget
    }

    /// Commands and replies — and, with `messages`, the messages whose data
    /// was sent — in the order their last byte passed the capture point (a
    /// command before a reply ending in the same frame), as (frame, item).
    pub fn in_order(&self, messages: bool) -> Vec<(u64, Item)> {
        let commands = self.commands.iter().enumerate();
        let replies = self.replies.iter().enumerate();
        let mut order: Vec<(u64, Item)> = commands
            .map(|(i, c)| (c.origin.last_frame(), Item::Command(i)))
            .chain(replies.map(|(i, r)| (r.origin.last_frame(), Item::Reply(i))))
            .chain(
                self.stray
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.origin.last_frame(), Item::Stray(i))),
            )
            .collect();
        if messages {
            order.extend(
                self.messages
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m.was_sent())
                    .map(|(i, m)| (m.frame, Item::Message(i))),
            );
        }
        order.sort();
        order
    }

    /// The replies that answer command `i`, in order: the intermediate ones
    /// (DATA's 354, AUTH's 334s, POP3's `+ `) and then the one
    /// [`Command::reply`] names. Replies answering one command are adjacent
    /// in the server's stream (it answers in order, RFC 5321 §4.3.1), so the
    /// walk goes back from that reply; at most `max` are returned.
    pub fn answers_to(&self, i: usize, max: usize) -> Vec<&Reply> {
        self.answer_range(i, max)
            .and_then(|r| self.replies.get(r))
            .map_or(Vec::new(), |r| r.iter().collect())
    }

    /// Indexes in [`Dialogue::replies`] of [`Dialogue::answers_to`].
    pub fn answer_range(&self, i: usize, max: usize) -> Option<std::ops::RangeInclusive<usize>> {
        let last = self.commands.get(i).and_then(|c| c.reply)?;
        let mut first = last;
        while first > 0
            && last - first + 1 < max
            && self
                .replies
                .get(first - 1)
                .is_some_and(|r| r.command == Some(i))
        {
            first -= 1;
        }
        Some(first..=last)
    }

    /// What reply `i` is to the dialogue: `answers HELO`, `greeting` (the
    /// first reply, unsolicited by design) or `answers nothing`.
    pub fn reply_role(&self, i: usize) -> String {
        let command = self.replies.get(i).and_then(|r| r.command);
        match command.and_then(|c| self.commands.get(c)) {
            Some(c) => format!("answers {}", c.verb),
            None if i == 0 => "greeting".to_string(),
            None => "answers nothing".to_string(),
        }
    }

    /// Whether the server advertised a capability (case-insensitive keyword).
    /// At most [`MAX_CAPABILITIES`] are kept, so this stays cheap however
    /// long the server's list was.
    pub fn has_capability(&self, keyword: &str) -> bool {
        self.capabilities.iter().any(|c| {
            c.split_whitespace()
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case(keyword))
        })
    }
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
