//! POP3 (RFC 1939; CAPA and pipelining RFC 2449; STLS RFC 2595; AUTH RFC 5034):
//! commands, `+OK`/`-ERR` responses, multi-line responses ended by a `.` line
//! and byte-unstuffed (RFC 1939 §3), RETR/TOP messages, and the catalogue's
//! POP3 findings.

use std::collections::{HashMap, VecDeque};

use crate::finding::Findings;
use crate::finding::Severity;
use crate::proto::dialogue::{
    keep_line, kept, verb_as_sent, Code, Command, Credential, Dialogue, Message, Origin, Reply,
    MAX_CAPABILITIES,
};
use crate::proto::smtp::content::DataReader;
use crate::proto::stream::{ByteQueue, LineEnd, Taken};
use crate::proto::tls::TlsWatch;
use crate::tcp::SegmentRecord;
use crate::text::{escape_str, preview};

const KNOWN: &[&str] = &[
    "USER", "PASS", "APOP", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "NOOP", "RSET", "QUIT",
    "CAPA", "STLS", "AUTH",
];
/// RFC 2449 §4: commands up to 255 octets, response first lines up to 512.
const MAX_COMMAND: u64 = 255;
const MAX_RESPONSE: u64 = 512;
/// Message sizes remembered from LIST replies (a mailbox of more is rare;
/// the rest are not checked).
const MAX_LISTED: usize = 100_000;

enum ClientMode {
    Commands,
    /// After AUTH or STLS: what follows depends on the response.
    AwaitReply,
    /// A SASL response answers a `+ ` continuation.
    Sasl(usize),
    Tls,
}

enum ServerMode {
    Status,
    /// Lines of a multi-line listing (LIST, UIDL, CAPA) until `.`.
    Listing(usize),
    /// A message (RETR, TOP) until CRLF.CRLF: (reply index, message index).
    Message(usize, usize, Box<DataReader>),
    Tls,
}

/// The state of one POP3 connection.
pub struct Pop3Session {
    client: ClientMode,
    server: ServerMode,
    greeting_done: bool,
    awaiting: VecDeque<usize>,
    user_sent: bool,
    logged_in: bool,
    greeting_timestamp: bool,
    /// Sizes from LIST replies: message number → octets (at most
    /// [`MAX_LISTED`] entries).
    listed_sizes: HashMap<u64, u64>,
    /// Each direction after STLS's +OK: TLS records (the client's checked
    /// for plaintext injection).
    client_tls: TlsWatch,
    server_tls: TlsWatch,
    /// The last response was a -ERR to a command whose +OK is multi-line:
    /// data lines now are data after -ERR (anomalies.md §3).
    after_err: Option<usize>,
    after_err_lines: u32,
}

impl Default for Pop3Session {
    fn default() -> Self {
        Pop3Session {
            client: ClientMode::Commands,
            server: ServerMode::Status,
            greeting_done: false,
            awaiting: VecDeque::new(),
            user_sent: false,
            logged_in: false,
            greeting_timestamp: false,
            listed_sizes: HashMap::new(),
            client_tls: TlsWatch::default(),
            server_tls: TlsWatch::default(),
            after_err: None,
            after_err_lines: 0,
        }
    }
}

/// Whether a `+OK` to this command carries a multi-line body (RFC 1939 §5–7,
/// RFC 2449 §5).
fn multi_line(verb: &str, arg: &[u8]) -> bool {
    match verb {
        "LIST" | "UIDL" => arg.iter().all(u8::is_ascii_whitespace),
        "RETR" | "TOP" | "CAPA" => true,
        _ => false,
    }
}

impl Pop3Session {
    pub fn advance(
        &mut self,
        client: &mut ByteQueue,
        server: &mut ByteQueue,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        // Stop at the item budget (see the SMTP reader).
        while !d.over_budget() {
            let c = self.client_step(client, d, f);
            let s = self.server_step(server, d, f);
            if !c && !s {
                break;
            }
        }
    }

    fn client_step(&mut self, q: &mut ByteQueue, d: &mut Dialogue, f: &mut Findings) -> bool {
        match self.client {
            ClientMode::AwaitReply => {
                // Past a limit, stop waiting for a reply that does not come.
                if q.len() > 1024 * 1024 {
                    self.client = ClientMode::Commands;
                    return true;
                }
                false
            }
            ClientMode::Tls => {
                let mut bad = None;
                self.client_tls.read(q, "client", d, |q| {
                    let (a, b) = q.peek();
                    let head: Vec<u8> = a.iter().chain(b.iter()).take(60).copied().collect();
                    bad = Some((q.frame_at(q.offset()).unwrap_or(0), head));
                });
                if let Some((frame, head)) = bad {
                    f.add(
                        frame,
                        "pop3_stls_plaintext_injection",
                        Severity::Error,
                        format!(
                            "After STLS the client sent plaintext that is not TLS: \"{}\"; Venema's STARTTLS flaw \
                             applies to POP3 too: a server that keeps it runs it inside TLS.",
                            preview(&head, 60)
                        ),
                        "RFC 2595 §4",
                    );
                }
                false
            }
            ClientMode::Sasl(cmd) => match q.line() {
                Some(line) => {
                    d.add_sasl_line(line.offset..line.offset + line.bytes.len() as u64);
                    self.awaiting.push_back(cmd);
                    self.client = ClientMode::AwaitReply;
                    true
                }
                None => false,
            },
            ClientMode::Commands => match q.line() {
                Some(line) => {
                    self.command(line, d, f);
                    true
                }
                None => false,
            },
        }
    }

    fn command(&mut self, line: Taken, d: &mut Dialogue, f: &mut Findings) {
        let (verb, arg) = crate::proto::smtp::command::split(&line.bytes);
        let frame = line.last_frame();
        if line.wire_len() > MAX_COMMAND {
            f.add(
                frame,
                "pop3_line_too_long",
                Severity::Warning,
                format!(
                    "A command of {} octets: RFC 2449 §4 allows 255.",
                    line.wire_len()
                ),
                "RFC 2449 §4; RFC 1939 §3",
            );
        }
        let wrong_state = match verb.as_str() {
            "PASS" if !self.user_sent => Some("PASS without USER"),
            "STAT" | "LIST" | "UIDL" | "RETR" | "TOP" | "DELE" | "RSET" if !self.logged_in => {
                Some("a TRANSACTION command before login")
            }
            _ => None,
        };
        if !KNOWN.contains(&verb.as_str()) || wrong_state.is_some() {
            let what = wrong_state.map_or_else(
                || format!("\"{}\" is not a POP3 command", preview(&line.bytes, 80)),
                str::to_string,
            );
            f.add(
                frame,
                "pop3_command_invalid",
                Severity::Warning,
                format!("{what}: POP3 runs AUTHORIZATION → TRANSACTION → UPDATE, and each state has its own commands."),
                "RFC 1939 §3–7",
            );
        }
        if matches!(verb.as_str(), "USER" | "PASS") && d.tls_from.is_none() {
            let shown = if verb == "USER" {
                format!("the user name \"{}\"", preview(&arg, 60))
            } else {
                format!(
                    "a password of {} characters (hidden; recoverable by anyone on the path)",
                    arg.len()
                )
            };
            f.add(
                frame,
                "pop3_cleartext_credentials",
                Severity::Warning,
                format!("{verb} before STLS sends {shown} in clear text."),
                "RFC 1939 §7, §13; RFC 8314",
            );
        }
        if verb == "APOP" {
            f.add(
                frame,
                "pop3_cleartext_credentials",
                Severity::Info,
                "APOP sends MD5(timestamp‖secret), not the password, but the digest can be guessed offline and MD5 \
                 collisions leak the start of the password (CVE-2007-1558)."
                    .to_string(),
                "RFC 1939 §7, §13; RFC 8314",
            );
        }
        if verb == "APOP" && !self.greeting_timestamp {
            f.add(
                frame,
                "pop3_apop_without_timestamp",
                Severity::Warning,
                "APOP, but the greeting carried no <…> timestamp: there is no challenge to hash."
                    .to_string(),
                "RFC 1939 §7",
            );
        }
        if verb == "USER" {
            self.user_sent = true;
            d.add_credential(Credential {
                frame,
                mechanism: "USER/PASS".to_string(),
                user: kept(&arg),
                password: None,
            });
        }
        if verb == "PASS" {
            if let Some(c) = d.credentials.last_mut() {
                c.password = Some(kept(&arg));
            }
        }
        let idx = d.commands.len();
        d.commands.push(Command {
            verb_as_sent: verb_as_sent(&line.bytes, verb.len()),
            verb: verb.clone(),
            arg: kept(&arg),
            origin: Origin::from_taken(&line),
            line_end: line.end,
            reply: None,
        });
        self.awaiting.push_back(idx);
        if matches!(verb.as_str(), "AUTH" | "STLS") {
            self.client = ClientMode::AwaitReply;
        }
    }

    fn server_step(&mut self, q: &mut ByteQueue, d: &mut Dialogue, f: &mut Findings) -> bool {
        match &mut self.server {
            ServerMode::Tls => {
                self.server_tls.read(q, "server", d, |_| {});
                false
            }
            ServerMode::Message(reply, msg, reader) => {
                if q.is_empty() {
                    return false;
                }
                let (reply, msg) = (*reply, *msg);
                let before = q.len();
                let queued = q.frames_of(before);
                let fed = reader.feed(q);
                let consumed = before - q.len();
                if fed.is_none() && consumed == 0 {
                    return false; // nothing consumed: wait for more
                }
                // The response runs on to its "." line (RFC 1939 §3): every
                // frame of the body belongs to it, with its own byte count.
                let mut left = consumed;
                let taken: Vec<(u64, u32)> = queued
                    .into_iter()
                    .map_while(|(fr, n)| {
                        let k = (n as usize).min(left);
                        left -= k;
                        (k > 0).then_some((fr, k as u32))
                    })
                    .collect();
                let origin = &mut d.replies[reply].origin;
                let time = fed.as_ref().map_or(origin.time, |e| e.time);
                origin.extend_frames(&taken, q.offset(), time);
                if let Some(end) = fed {
                    if let Some(l) = reader.lenient() {
                        unterminated(
                            l.frame,
                            format!(
                                "The message holds a dot line with non-standard line ends ({}) before its CRLF.CRLF: a \
                                 reader that accepts it ends the response there and takes the rest of the mail for the \
                                 next status.",
                                l.variant
                            ),
                            f,
                        );
                    }
                    let m = &mut d.messages[msg];
                    m.size = reader.size();
                    m.frame = end.frame;
                    m.headers = reader.headers().to_vec();
                    if let Some(note) = reader
                        .notes()
                        .iter()
                        .find(|n| n.id == "smtp_dot_stuffing_missing")
                    {
                        f.add(
                            note.frame,
                            "pop3_byte_stuffing_missing",
                            Severity::Warning,
                            format!("Message lines start with a dot that was not doubled ({}×): the same dot rule as SMTP.", note.count),
                            "RFC 1939 §3",
                        );
                    }
                    self.check_size(reply, msg, d, f);
                    self.server = ServerMode::Status;
                }
                true
            }
            ServerMode::Listing(reply) => {
                let reply = *reply;
                let Some(line) = q.line() else { return false };
                if line.bytes == b"." && line.end == LineEnd::Lf {
                    unterminated(
                        line.last_frame(),
                        "The listing ends with a \".\" line that has a bare LF: the end is CRLF.CRLF, and a strict \
                         reader keeps reading (sockscope ends the listing here, as most clients would)."
                            .to_string(),
                        f,
                    );
                    d.replies[reply].origin.extend(&line);
                    self.server = ServerMode::Status;
                } else if line.bytes == b"." {
                    d.replies[reply].origin.extend(&line);
                    self.server = ServerMode::Status;
                } else if !self.awaiting.is_empty() && status_word(&line.bytes).is_some() {
                    // No listing line starts with +OK/-ERR: the next response
                    // began before this one's "." line.
                    unterminated(
                        line.last_frame(),
                        format!(
                            "The next response (\"{}\") began before the listing's \".\" line: a reader waiting \
                             for the dot takes it as listing data, and every later response is one step late.",
                            preview(&line.bytes, 40)
                        ),
                        f,
                    );
                    self.server = ServerMode::Status;
                    self.status(line, d, f);
                } else {
                    let body = line
                        .bytes
                        .strip_prefix(b".")
                        .unwrap_or(&line.bytes)
                        .to_vec();
                    if let Some(cmd) = d.replies[reply].command {
                        if d.commands[cmd].verb == "LIST" {
                            self.note_size(&body);
                        }
                    }
                    let r = &mut d.replies[reply];
                    keep_line(&mut r.lines, &mut r.more_lines, &body);
                    d.replies[reply].origin.extend(&line);
                }
                true
            }
            ServerMode::Status => {
                let Some(line) = q.line() else { return false };
                self.status(line, d, f);
                true
            }
        }
    }

    fn note_size(&mut self, listing: &[u8]) {
        let text = String::from_utf8_lossy(listing);
        let mut w = text.split_whitespace();
        if let (Some(Ok(n)), Some(Ok(size))) = (w.next().map(str::parse), w.next().map(str::parse))
        {
            if self.listed_sizes.len() < MAX_LISTED || self.listed_sizes.contains_key(&n) {
                self.listed_sizes.insert(n, size);
            }
        }
    }

    /// `pop3_size_mismatch` for the message `msg` that reply `reply` carried:
    /// only a RETR delivers the whole message LIST measured (a TOP does not).
    fn check_size(&self, reply: usize, msg: usize, d: &Dialogue, f: &mut Findings) {
        let Some(cmd) = d.replies[reply]
            .command
            .and_then(|c| d.commands.get(c))
            .filter(|c| c.verb == "RETR")
        else {
            return;
        };
        let n: Option<u64> = String::from_utf8_lossy(&cmd.arg).trim().parse().ok();
        let listed = n.and_then(|n| self.listed_sizes.get(&n).copied());
        if let Some(listed) = listed {
            let got = d.messages[msg].size;
            if listed != got {
                f.add(
                    d.messages[msg].frame,
                    "pop3_size_mismatch",
                    Severity::Info,
                    format!("LIST said {listed} octets, RETR delivered {got} after un-stuffing: a sign of LF-only storage or truncation."),
                    "RFC 1939 §5",
                );
            }
        }
    }

    fn status(&mut self, line: Taken, d: &mut Dialogue, f: &mut Findings) {
        let frame = line.last_frame();
        if line.wire_len() > MAX_RESPONSE {
            f.add(
                frame,
                "pop3_line_too_long",
                Severity::Warning,
                format!(
                    "A response line of {} octets: RFC 2449 §4 allows 512.",
                    line.wire_len()
                ),
                "RFC 2449 §4",
            );
        }
        let (ok, text) = if let Some((ok, t)) = status_word(&line.bytes) {
            (ok, t)
        } else if let Some(cmd) = self.after_err {
            // A -ERR is one line (RFC 1939 §3): whatever the server sends
            // before the next status is a body that should not be there.
            self.after_err_lines += 1;
            d.add_stray(
                &line,
                "a line after a one-line -ERR",
                "pop3_multiline_unterminated",
            );
            if self.after_err_lines == 1 {
                unterminated(
                    frame,
                    format!(
                        "The server sent data after its -ERR to {}: a -ERR response is a single line, so a client \
                         reads this as the next status and falls out of step.",
                        preview(d.commands[cmd].verb.as_bytes(), 8)
                    ),
                    f,
                );
            }
            return;
        } else if (line.bytes.starts_with(b"+ ") || line.bytes == b"+")
            && self
                .awaiting
                .front()
                .is_some_and(|&c| d.commands[c].verb == "AUTH")
        {
            // A SASL continuation (RFC 5034 §4) answers AUTH, and only AUTH:
            // to any other command a "+ " line is a bad status, and taking it
            // for a continuation would swallow the client's next command.
            if let Some(cmd) = self.awaiting.pop_front() {
                self.client = ClientMode::Sasl(cmd);
            }
            return;
        } else {
            d.add_stray(&line, "neither +OK nor -ERR", "pop3_bad_status");
            f.add_with(
                frame,
                "pop3_bad_status",
                Severity::Error,
                "RFC 1939 §3; RFC 5034 §4",
                || {
                    format!(
                        "The server line \"{}\" starts with neither +OK nor -ERR: POP3 has only two verdicts, so a reader \
                         must resynchronise.",
                        preview(&line.bytes, 80)
                    )
                },
            );
            return;
        };
        let text = text.strip_prefix(b" ").unwrap_or(text).to_vec();
        self.after_err = None;
        self.after_err_lines = 0;
        let command = if !self.greeting_done {
            self.greeting_done = true;
            self.greeting_timestamp = text.contains(&b'<') && text.contains(&b'>');
            None
        } else {
            self.awaiting.pop_front()
        };
        let ridx = d.replies.len();
        d.replies.push(Reply {
            code: Code::Pop3(ok),
            lines: vec![kept(&text)],
            more_lines: 0,
            origin: Origin::from_taken(&line),
            command,
            split_at: (line.frames.len() > 1).then(|| line.first_frame()),
        });
        let Some(cmd) = command else { return };
        d.commands[cmd].reply = Some(ridx);
        let verb = d.commands[cmd].verb.clone();
        if verb == "AUTH" || verb == "STLS" {
            self.client = ClientMode::Commands;
        }
        if !ok {
            if multi_line(&verb, &d.commands[cmd].arg) {
                self.after_err = Some(cmd);
            }
            return;
        }
        match verb.as_str() {
            "PASS" | "APOP" | "AUTH" => self.logged_in = true,
            "STLS" => {
                self.client = ClientMode::Tls;
                self.server = ServerMode::Tls;
                d.tls_from = Some(frame);
            }
            "STAT" => {}
            _ => {}
        }
        if multi_line(&verb, &d.commands[cmd].arg) {
            if matches!(verb.as_str(), "RETR" | "TOP") {
                d.messages.push(Message {
                    frame,
                    retrieved: true,
                    ..Message::default()
                });
                self.server = ServerMode::Message(
                    ridx,
                    d.messages.len() - 1,
                    Box::new(DataReader::new(true)),
                );
            } else {
                self.server = ServerMode::Listing(ridx);
            }
        }
        if verb == "CAPA" {
            // The capability lines are collected by the listing; copied at the end.
        }
    }

    pub fn finish(
        &mut self,
        client: &mut ByteQueue,
        server: &mut ByteQueue,
        d: &mut Dialogue,
        f: &mut Findings,
        segments: &[&SegmentRecord],
    ) {
        self.advance(client, server, d, f);
        if let ServerMode::Listing(r) | ServerMode::Message(r, _, _) = &self.server {
            let frame = d.replies.get(*r).map_or(0, |x| x.origin.last_frame());
            let close = crate::proto::segments::from(segments, frame)
                .iter()
                .find(|s| s.flags.fin() || s.flags.rst());
            let end = match close {
                Some(s) => format!("before the connection closed (#{})", s.frame),
                None => "before the end of the capture".to_string(),
            };
            let variant = match &self.server {
                ServerMode::Message(_, _, reader) => reader
                    .lenient()
                    .map(|l| {
                        format!(
                            " Its only dot line, {} in #{}, is not CRLF.CRLF.",
                            l.variant, l.frame
                        )
                    })
                    .unwrap_or_default(),
                _ => String::new(),
            };
            unterminated(
                frame,
                format!(
                    "A multi-line response never reached its \".\" line {end}: a reader that stops early takes the \
                     rest for the next status (POP3's ccNotes).{variant}"
                ),
                f,
            );
        }
        if let Some(r) = d
            .replies
            .iter()
            .find(|r| r.command.is_some_and(|c| d.commands[c].verb == "CAPA"))
        {
            d.capabilities = r
                .lines
                .iter()
                .skip(1)
                .take(MAX_CAPABILITIES)
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect();
        }
        timing(d, segments, f);
    }
}

/// `+OK` or `-ERR` in exact upper case (RFC 1939 §3) and the text after it.
fn status_word(line: &[u8]) -> Option<(bool, &[u8])> {
    if let Some(t) = line.strip_prefix(b"+OK") {
        Some((true, t))
    } else {
        line.strip_prefix(b"-ERR").map(|t| (false, t))
    }
}

/// `pop3_multiline_unterminated` (anomalies.md §3): the response's end is
/// CRLF.CRLF, and a reader that misses it is out of step from there on.
fn unterminated(frame: u64, message: String, f: &mut Findings) {
    f.add(
        frame,
        "pop3_multiline_unterminated",
        Severity::Error,
        message,
        "RFC 1939 §3; RFC 2449 §5",
    );
}

/// `pop3_command_before_response`: a command sent before the previous
/// response (or the greeting) ended, proved by its ACK where possible.
fn timing(d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) {
    let pipelining = d.has_capability("PIPELINING");
    let greeting = d.replies.first().filter(|r| r.command.is_none());
    for (k, cmd) in d.commands.iter().enumerate() {
        let expected = if k == 0 {
            greeting
        } else {
            d.commands[k - 1].reply.and_then(|r| d.replies.get(r))
        };
        let Some(expected) = expected else { continue };
        let start = cmd.origin.first_frame();
        if start >= expected.origin.last_frame() {
            continue;
        }
        let seg = crate::proto::segments::at(segments, start);
        let Some((_, proof, provenance)) = crate::proto::proof::ack_proof(seg, expected.origin.end)
        else {
            continue;
        };
        let severity = if pipelining {
            Severity::Info
        } else {
            Severity::Warning
        };
        f.push(
            start,
            "pop3_command_before_response",
            severity,
            format!(
                "{} was sent before the previous response ended ({proof}){}: POP3 is one command, one response, unless \
                 the server pipelines.",
                escape_str(&cmd.verb),
                if pipelining { ", which CAPA PIPELINING allows" } else { "" }
            ),
            "RFC 1939 §3–4; RFC 2449 §6.6",
            provenance,
        );
    }
}
