//! The SMTP dialogue of one connection, read from both byte streams with one
//! reply reader (RFC 5321 §4.2; RFC 821 appendix E), paired command by command
//! (RFC 2920 under PIPELINING), through DATA/BDAT content, AUTH exchanges and
//! STARTTLS, raising the catalogue's findings as they become visible.

use std::collections::VecDeque;

use super::command::{self, Routing};
use super::content::DataReader;
use super::reply::{self, ReplyLine};
use crate::finding::Findings;
use crate::finding::Severity;
use crate::proto::dialogue::{
    keep_line, kept, verb_as_sent, Code, Command, Credential, Dialogue, Message, Origin, Reply,
    MAX_CAPABILITIES,
};
use crate::proto::stream::{ByteQueue, LineEnd, Taken};
use crate::proto::tls::TlsWatch;
use crate::text::{escape_bytes, preview};

/// RFC 5321 §4.5.3.1.4–5: command and reply lines, CRLF included.
const MAX_COMMAND_LINE: u64 = 512;
const MAX_REPLY_LINE: u64 = 512;
/// Client bytes held while waiting for the reply that decides how to read
/// them (after DATA, AUTH, STARTTLS).
const MAX_WAIT: usize = 1024 * 1024;

/// The verbs whose pending replies the sequence checks count.
const COUNTED_VERBS: [&str; 4] = ["MAIL", "RCPT", "EHLO", "HELO"];

fn counted_verb(verb: &str) -> Option<usize> {
    COUNTED_VERBS.iter().position(|v| *v == verb)
}

/// What the next reply will answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// A command line.
    Command(usize),
    /// A SASL response line sent after a 334 to AUTH (command index).
    Sasl(usize),
    /// The end of DATA content (command index, message index).
    EndOfData(usize, usize),
    /// A BDAT chunk (command index, message index).
    Chunk(usize, usize),
}

impl Expect {
    fn command(self) -> usize {
        match self {
            Expect::Command(i)
            | Expect::Sasl(i)
            | Expect::EndOfData(i, _)
            | Expect::Chunk(i, _) => i,
        }
    }
}

/// How the client's next bytes are to be read.
enum ClientMode {
    Commands,
    /// After DATA, AUTH, STARTTLS: the meaning of what follows depends on the
    /// reply to this command, so reading waits for it.
    AwaitReply,
    /// A SASL response line answers the 334 (AUTH command index).
    Sasl(usize),
    /// DATA content (command index, message index).
    Data(usize, usize, Box<DataReader>),
    /// BDAT chunk octets still to come (command, message, remaining, last).
    Chunk(usize, usize, u64, bool),
    /// TLS from here on: nothing more is decoded.
    Tls,
}

/// A reply whose last line has not arrived yet.
struct Partial {
    code: u16,
    lines: Vec<Vec<u8>>,
    /// Lines past [`crate::proto::dialogue::MAX_KEPT_LINES`], counted.
    more_lines: u64,
    origin: Origin,
    /// The first segment that ended inside one of its lines (a line carried
    /// by more than one segment).
    split_at: Option<u64>,
}

/// The state of one SMTP connection.
pub struct SmtpSession {
    client: ClientMode,
    server_tls: bool,
    greeting_done: bool,
    partial: Option<Partial>,
    awaiting: VecDeque<Expect>,
    /// How many of `awaiting` are MAIL, RCPT, EHLO or HELO commands (see
    /// [`counted_verb`]): the sequence checks ask this for every command, and
    /// scanning the queue made a flood of unanswered RCPTs quadratic.
    awaiting_verbs: [u32; COUNTED_VERBS.len()],
    /// The message of the current transaction, if MAIL was accepted (index).
    transaction: Option<usize>,
    helo_ok: bool,
    quit_sent: bool,
    eight_bit_requested: bool,
    rejected_data_reported: bool,
    after_rejected_data: bool,
    bdat_in_progress: bool,
    /// SASL response lines sent for the current AUTH.
    sasl_lines: usize,
    /// Each direction after STARTTLS's 220: TLS records, or an injection.
    client_tls: TlsWatch,
    server_tls_watch: TlsWatch,
    /// A BDAT chunk just ended: the next line must be a command.
    after_chunk: bool,
}

impl Default for SmtpSession {
    fn default() -> Self {
        SmtpSession {
            client: ClientMode::Commands,
            server_tls: false,
            greeting_done: false,
            partial: None,
            awaiting: VecDeque::new(),
            awaiting_verbs: [0; COUNTED_VERBS.len()],
            transaction: None,
            helo_ok: false,
            quit_sent: false,
            eight_bit_requested: false,
            rejected_data_reported: false,
            after_rejected_data: false,
            bdat_in_progress: false,
            sasl_lines: 0,
            client_tls: TlsWatch::default(),
            server_tls_watch: TlsWatch::default(),
            after_chunk: false,
        }
    }
}

impl SmtpSession {
    /// Parses whatever the queued bytes allow, in both directions, until no
    /// more progress can be made.
    pub fn advance(
        &mut self,
        client: &mut ByteQueue,
        server: &mut ByteQueue,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        // Stop at the item budget: a flood of tiny lines released at once
        // (reassembly can hand over megabytes) must not run past the limit.
        while !d.over_budget() {
            let c = self.client_step(client, d, f);
            let s = self.server_step(server, d, f);
            if !c && !s {
                break;
            }
        }
    }

    /// One client item (a command, a SASL line, some content); false if none.
    fn client_step(&mut self, q: &mut ByteQueue, d: &mut Dialogue, f: &mut Findings) -> bool {
        match &mut self.client {
            ClientMode::AwaitReply => {
                // A reply that never comes must not make the client's bytes pile
                // up: past a limit, read on as if it had been positive.
                if q.len() <= MAX_WAIT {
                    return false;
                }
                let last = d.commands.len().checked_sub(1);
                self.client = match last.map(|i| (i, d.commands[i].verb.as_str())) {
                    Some((i, "DATA")) => {
                        d.messages.push(Message::default());
                        let m = d.messages.len() - 1;
                        self.transaction = Some(m);
                        ClientMode::Data(i, m, Box::new(DataReader::new(self.eight_bit_requested)))
                    }
                    Some((_, "STARTTLS")) => ClientMode::Tls,
                    _ => ClientMode::Commands,
                };
                true
            }
            ClientMode::Tls => {
                let mut bad = None;
                self.client_tls
                    .read(q, "client", d, |q| bad = Some(injection(q)));
                if let Some(head) = bad {
                    report_injection(head, "client", d, f);
                }
                false
            }
            ClientMode::Commands => match q.line() {
                Some(line) => {
                    self.command(line, d, f);
                    true
                }
                None => false,
            },
            ClientMode::Sasl(cmd) => {
                let cmd = *cmd;
                match q.line() {
                    Some(line) => {
                        self.sasl_response(cmd, &line, d, f);
                        self.awaiting.push_back(Expect::Sasl(cmd));
                        self.client = ClientMode::AwaitReply;
                        true
                    }
                    None => false,
                }
            }
            ClientMode::Data(cmd, msg, reader) => {
                if q.is_empty() {
                    return false;
                }
                let (cmd, msg) = (*cmd, *msg);
                if d.messages[msg].content_frame.is_none() {
                    d.messages[msg].content_frame = q.frame_at(q.offset());
                }
                let before = q.len();
                match reader.feed(q) {
                    // No byte consumed: wait for more rather than spin.
                    None if q.len() == before => false,
                    Some(end) => {
                        let reader = match std::mem::replace(&mut self.client, ClientMode::Commands)
                        {
                            ClientMode::Data(_, _, r) => r,
                            _ => return true,
                        };
                        let m = &mut d.messages[msg];
                        m.size = reader.size();
                        m.frame = end.frame;
                        m.headers = reader.headers().to_vec();
                        m.lenient = reader.lenient();
                        for note in reader.notes() {
                            content_finding(note, f);
                        }
                        self.awaiting.push_back(Expect::EndOfData(cmd, msg));
                        true
                    }
                    None => true,
                }
            }
            ClientMode::Chunk(cmd, msg, remaining, last) => {
                if q.is_empty() {
                    return false;
                }
                let (cmd, msg, last) = (*cmd, *msg, *last);
                let take = (*remaining).min(q.len() as u64) as usize;
                let t = q.take(take);
                *remaining -= take as u64;
                let m = &mut d.messages[msg];
                m.size += take as u64;
                m.frame = t.last_frame();
                if *remaining == 0 {
                    self.awaiting.push_back(Expect::Chunk(cmd, msg));
                    self.client = ClientMode::Commands;
                    self.after_chunk = true;
                    if last {
                        self.bdat_in_progress = false;
                    }
                }
                true
            }
        }
    }

    /// One server reply line; false if none.
    fn server_step(&mut self, q: &mut ByteQueue, d: &mut Dialogue, f: &mut Findings) -> bool {
        if self.server_tls {
            let mut bad = None;
            self.server_tls_watch
                .read(q, "server", d, |q| bad = Some(injection(q)));
            if let Some(head) = bad {
                report_injection(head, "server", d, f);
            }
            return false;
        }
        let Some(line) = q.line() else { return false };
        if line.wire_len() > MAX_REPLY_LINE && !f.has("smtp_line_too_long") {
            f.add(
                line.last_frame(),
                "smtp_line_too_long",
                Severity::Warning,
                format!(
                    "A reply line of {} octets: RFC 5321 §4.5.3.1.5 guarantees only 512 (CRLF included); longer \
                     lines may be cut, and a cut line is a classic desync.",
                    line.wire_len()
                ),
                "RFC 5321 §4.5.3.1.5",
            );
        }
        line_end_finding(&line, "server", f);
        // One line in two or more segments: the founding trigger (seed 001).
        let cut = (line.frames.len() > 1).then(|| line.first_frame());
        match reply::parse_line(&line.bytes) {
            ReplyLine::Malformed => {
                d.add_stray(&line, "no reply code", "smtp_malformed_reply");
                f.add_with(
                    line.last_frame(),
                    "smtp_malformed_reply",
                    Severity::Error,
                    "RFC 5321 §4.2, §4.2.1",
                    || {
                        format!(
                            "The server line \"{}\" does not start with a reply code (three digits, then a space, a hyphen \
                             or the line end); clients act on the code alone, so this line means nothing to them.",
                            preview(&line.bytes, 80)
                        )
                    },
                );
            }
            ReplyLine::More { code, text } => match &mut self.partial {
                Some(p) => {
                    mismatch(p.code, code, &line, f);
                    keep_line(&mut p.lines, &mut p.more_lines, text);
                    p.origin.extend(&line);
                    p.split_at = p.split_at.or(cut);
                }
                None => {
                    self.partial = Some(Partial {
                        code,
                        lines: vec![kept(text)],
                        more_lines: 0,
                        origin: Origin::from_taken(&line),
                        split_at: cut,
                    })
                }
            },
            ReplyLine::Last { code, text } => {
                let (code, lines, origin, split_at) = match self.partial.take() {
                    Some(mut p) => {
                        mismatch(p.code, code, &line, f);
                        keep_line(&mut p.lines, &mut p.more_lines, text);
                        p.origin.extend(&line);
                        (
                            p.code,
                            (p.lines, p.more_lines),
                            p.origin,
                            p.split_at.or(cut),
                        )
                    }
                    None => (code, (vec![kept(text)], 0), Origin::from_taken(&line), cut),
                };
                self.reply(code, lines, origin, split_at, d, f);
            }
        }
        true
    }

    fn command(&mut self, line: Taken, d: &mut Dialogue, f: &mut Findings) {
        let (verb, arg) = command::split(&line.bytes);
        let idx = d.commands.len();
        let frame = line.last_frame();
        if line.wire_len() > MAX_COMMAND_LINE {
            f.add(
                frame,
                "smtp_line_too_long",
                Severity::Warning,
                format!(
                    "A command line of {} octets: RFC 5321 §4.5.3.1.4 guarantees only 512 (CRLF included).",
                    line.wire_len()
                ),
                "RFC 5321 §4.5.3.1.4",
            );
        }
        line_end_finding(&line, "client", f);
        if self.quit_sent {
            f.add(
                frame,
                "smtp_command_out_of_sequence",
                Severity::Warning,
                format!("{verb} after QUIT: the session is over once QUIT is sent."),
                "RFC 5321 §4.1.1.10",
            );
        }
        if !command::is_known(&verb) && std::mem::take(&mut self.after_chunk) {
            f.add(
                frame,
                "smtp_bdat_size_mismatch",
                Severity::Error,
                format!(
                    "Right after a BDAT chunk the client sent \"{}\", which is no command: BDAT is framed by a count, \
                     not a dot, and a wrong count turns mail text into commands (or swallows a command).",
                    preview(&line.bytes, 80)
                ),
                "RFC 3030 §2",
            );
        }
        self.after_chunk = false;
        if !command::is_known(&verb) {
            let kind = command::non_smtp_kind(&line.bytes);
            let cause = if self.after_rejected_data {
                " It follows a rejected DATA: the client sent its mail anyway, and the server reads each line as a command."
            } else {
                ""
            };
            f.add_with(
                frame,
                "smtp_non_smtp_command",
                Severity::Warning,
                "RFC 5321 §4.1, §4.2.4",
                || {
                    format!(
                        "\"{}\" is {kind}, not an SMTP command.{cause}",
                        preview(&line.bytes, 80)
                    )
                },
            );
            if self.after_rejected_data && !self.rejected_data_reported {
                self.rejected_data_reported = true;
                f.add(
                    frame,
                    "smtp_data_rejected_body_sent",
                    Severity::Error,
                    "DATA was refused, yet the client sent the message content: \"message data MUST NOT be sent \
                     unless a 354 reply is received\", so every content line becomes a bad command."
                        .to_string(),
                    "RFC 5321 §3.3",
                );
            }
        }
        self.check_sequence(&verb, frame, d, f);
        self.check_arguments(&verb, &arg, frame, d, f);
        d.commands.push(Command {
            verb_as_sent: verb_as_sent(&line.bytes, verb.len()),
            verb: verb.clone(),
            arg: kept(&arg),
            origin: Origin::from_taken(&line),
            line_end: line.end,
            reply: None,
        });
        // A well-formed BDAT is answered once, after its chunk (RFC 3030 §2):
        // the chunk's expectation stands for the command.
        if verb != "BDAT" || command::bdat(&arg).is_none() {
            self.awaiting.push_back(Expect::Command(idx));
            if let Some(slot) = counted_verb(&verb) {
                self.awaiting_verbs[slot] += 1;
            }
        }
        match verb.as_str() {
            "DATA" | "STARTTLS" => self.client = ClientMode::AwaitReply,
            "AUTH" => {
                self.client = ClientMode::AwaitReply;
                self.sasl_lines = 0;
                // An initial response (RFC 4954 §4) is the mechanism's first
                // client message: for LOGIN the user name, so the first line
                // after the 334 is then the password.
                // The whole line's argument: the kept copy may be cut. "="
                // is an empty initial response (RFC 4954 §4): no message yet.
                let mut words = arg.split(|&b| b == b' ');
                if let (Some(_), Some(initial)) = (words.next(), words.next()) {
                    if initial != b"=" {
                        self.sasl_message(idx, initial, frame, d, f);
                    }
                }
            }
            "QUIT" => self.quit_sent = true,
            "BDAT" => self.bdat(idx, &arg, frame, d, f),
            _ => {}
        }
    }

    /// `smtp_command_out_of_sequence` (RFC 5321 §4.1.4, §3.3).
    fn check_sequence(&mut self, verb: &str, frame: u64, d: &Dialogue, f: &mut Findings) {
        let accepted_rcpts = self
            .transaction
            .is_some_and(|m| !d.messages[m].to.is_empty());
        let problem = match verb {
            "MAIL" | "DATA" if self.bdat_in_progress => {
                f.add(
                    frame,
                    "smtp_bdat_misuse",
                    Severity::Warning,
                    format!("{verb} while a BDAT transaction had no LAST chunk yet: chunking has its own state rules (a server answers 503)."),
                    "RFC 3030 §2",
                );
                None
            }
            "MAIL" if self.transaction.is_some() => {
                Some("MAIL inside a mail transaction that was not finished or reset")
            }
            "MAIL" if !self.helo_ok && self.greeting_done && !self.awaiting_helo() => {
                Some("MAIL before EHLO/HELO was accepted")
            }
            "RCPT" if self.transaction.is_none() && !self.awaiting_verb("MAIL") => {
                Some("RCPT without an accepted MAIL")
            }
            "DATA" if !accepted_rcpts && !self.awaiting_verb("RCPT") => {
                Some("DATA without an accepted RCPT")
            }
            _ => None,
        };
        if let Some(what) = problem {
            f.add(
                frame,
                "smtp_command_out_of_sequence",
                Severity::Warning,
                format!(
                    "{what}: the states run EHLO → MAIL → RCPT+ → DATA, and a server answers 503."
                ),
                "RFC 5321 §4.1.4, §3.3",
            );
        }
    }

    /// Whether a `verb` command (one of [`COUNTED_VERBS`]) awaits its reply.
    fn awaiting_verb(&self, verb: &str) -> bool {
        counted_verb(verb).is_some_and(|slot| self.awaiting_verbs[slot] > 0)
    }

    fn awaiting_helo(&self) -> bool {
        self.awaiting_verb("EHLO") || self.awaiting_verb("HELO")
    }

    fn check_arguments(
        &mut self,
        verb: &str,
        arg: &[u8],
        frame: u64,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        if matches!(verb, "MAIL" | "RCPT" | "EHLO" | "HELO")
            && arg.iter().any(|&b| b >= 0x80)
            && !d.has_capability("SMTPUTF8")
        {
            f.add(
                frame,
                "smtp_utf8_without_smtputf8",
                Severity::Warning,
                format!("Non-ASCII bytes in {verb} while the server did not advertise SMTPUTF8: the envelope is ASCII unless both sides agree."),
                "RFC 6531 §3; RFC 5321 §2.4",
            );
        }
        let address = match verb {
            "MAIL" => command::path(arg, "FROM:"),
            "RCPT" => command::path(arg, "TO:"),
            _ => None,
        };
        if verb == "MAIL" {
            self.eight_bit_requested = command::params(arg).iter().any(|p| {
                p.eq_ignore_ascii_case("BODY=8BITMIME") || p.eq_ignore_ascii_case("BODY=BINARYMIME")
            });
        }
        if let Some(a) = address {
            let (id, what, reference) = match command::routing(&a) {
                Some(Routing::Percent) => (
                    "smtp_percent_hack",
                    "uses the percent hack: user%host@relay asks the relay to forward to user@host. Only the \
                     destination may interpret a local part, so a server that rewrites this relays for anyone \
                     (ccNotes-GW did, seed 001)",
                    "RFC 1123 §5.2.16; RFC 2505 §2.1",
                ),
                Some(Routing::SourceRoute) => (
                    "smtp_source_route",
                    "is a source route: it \"MUST BE accepted, SHOULD NOT be generated, and SHOULD be ignored\"; \
                     honouring it makes a relay",
                    "RFC 5321 §4.1.2, §3.6.1, App. C",
                ),
                Some(Routing::BangPath) => (
                    "smtp_bang_path",
                    "is a UUCP bang path: rewriting site!user into user@site is a relay path",
                    "RFC 976; RFC 1123 §5.2.16",
                ),
                None => return,
            };
            f.add(
                frame,
                id,
                Severity::Warning,
                format!("{verb} address <{}> {what}.", crate::text::escape_str(&a)),
                reference,
            );
        }
    }

    fn bdat(&mut self, idx: usize, arg: &[u8], frame: u64, d: &mut Dialogue, f: &mut Findings) {
        if !d.has_capability("CHUNKING") {
            f.add(
                frame,
                "smtp_bdat_misuse",
                Severity::Warning,
                "BDAT although the server did not advertise CHUNKING.".to_string(),
                "RFC 3030 §2",
            );
        }
        let Some((size, last)) = command::bdat(arg) else {
            f.add(
                frame,
                "smtp_bdat_misuse",
                Severity::Warning,
                format!("BDAT with a malformed argument \"{}\" (expected a size, then optionally LAST).", preview(arg, 60)),
                "RFC 3030 §2",
            );
            return;
        };
        let msg = match self.transaction {
            Some(m) if self.bdat_in_progress => m,
            Some(m) => {
                self.bdat_in_progress = true;
                m
            }
            None => {
                d.messages.push(Message::default());
                let m = d.messages.len() - 1;
                self.transaction = Some(m);
                self.bdat_in_progress = true;
                m
            }
        };
        if size == 0 {
            self.awaiting.push_back(Expect::Chunk(idx, msg));
            if last {
                self.bdat_in_progress = false;
            }
        } else {
            self.client = ClientMode::Chunk(idx, msg, size, last);
        }
    }

    fn sasl_response(&mut self, cmd: usize, line: &Taken, d: &mut Dialogue, f: &mut Findings) {
        d.add_sasl_line(line.offset..line.offset + line.bytes.len() as u64);
        self.sasl_message(cmd, &line.bytes, line.last_frame(), d, f);
    }

    /// One client message of the SASL exchange of AUTH `cmd` (its initial
    /// response or a line answering a 334), counted in `sasl_lines`.
    fn sasl_message(
        &mut self,
        cmd: usize,
        b64: &[u8],
        frame: u64,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let mech = mechanism(&d.commands[cmd].arg);
        self.sasl_lines += 1;
        match (mech.as_str(), self.sasl_lines) {
            // AUTH LOGIN (draft-murchison-sasl-login): user name, then password.
            ("LOGIN", 1) => {
                let user = decode_base64(b64).unwrap_or_default();
                if d.tls_from.is_none() {
                    auth_cleartext(frame, "LOGIN", &escape_bytes(&user), f);
                }
                d.add_credential(Credential {
                    frame,
                    mechanism: mech.clone(),
                    user,
                    password: None,
                });
            }
            ("LOGIN", 2) => {
                if let Some(c) = d.credentials.last_mut() {
                    c.password = decode_base64(b64);
                }
            }
            ("PLAIN", 1) => self.plain(b64, frame, d, f),
            _ => {}
        }
    }

    /// RFC 4616: base64 of authzid NUL authcid NUL passwd.
    fn plain(&mut self, b64: &[u8], frame: u64, d: &mut Dialogue, f: &mut Findings) {
        let decoded = decode_base64(b64).unwrap_or_default();
        let mut parts = decoded.split(|&x| x == 0);
        let _authzid = parts.next();
        let user = parts.next().unwrap_or(&[]).to_vec();
        let password = parts.next().map(<[u8]>::to_vec);
        if d.tls_from.is_none() {
            auth_cleartext(frame, "PLAIN", &escape_bytes(&user), f);
        }
        d.add_credential(Credential {
            frame,
            mechanism: "PLAIN".to_string(),
            user,
            password,
        });
    }

    fn reply(
        &mut self,
        code: u16,
        (lines, more_lines): (Vec<Vec<u8>>, u64),
        origin: Origin,
        split_at: Option<u64>,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let ridx = d.replies.len();
        let frame = origin.last_frame();
        let answered = if !self.greeting_done {
            self.greeting_done = true;
            if matches!(code, 554 | 421) {
                f.add(
                    frame,
                    "smtp_no_greeting",
                    Severity::Warning,
                    format!("The server greets with {code}: it is not willing to talk (it answers 503 to everything but QUIT)."),
                    "RFC 5321 §3.1, §4.5.3.2.1",
                );
            }
            None
        } else {
            self.resync(code, frame, d, f);
            match self.awaiting.pop_front() {
                Some(e) => {
                    if let Expect::Command(i) = e {
                        if let Some(slot) = d.commands.get(i).and_then(|c| counted_verb(&c.verb)) {
                            self.awaiting_verbs[slot] = self.awaiting_verbs[slot].saturating_sub(1);
                        }
                    }
                    Some(e)
                }
                None => match &self.client {
                    // A reply while the client is still inside the content: the
                    // server took something else for the end of data.
                    ClientMode::Data(cmd, msg, _) => Some(Expect::EndOfData(*cmd, *msg)),
                    &ClientMode::Chunk(cmd, msg, remaining, _) => {
                        f.add(
                            frame,
                            "smtp_bdat_size_mismatch",
                            Severity::Error,
                            format!(
                                "The server replied {code} while {remaining} octets of the BDAT chunk were still \
                                 announced: the server no longer reads them as the chunk, so sockscope reads what \
                                 follows as commands again (a size of {remaining} octets would otherwise swallow \
                                 the rest of the session)."
                            ),
                            "RFC 3030 §2",
                        );
                        // The reply answers the BDAT; the client is read as
                        // the server reads it from here on.
                        self.client = ClientMode::Commands;
                        self.bdat_in_progress = false;
                        Some(Expect::Chunk(cmd, msg))
                    }
                    _ => self.unsolicited(code, frame, f),
                },
            }
        };
        let command = answered.map(Expect::command);
        if let Some(c) = command {
            d.commands[c].reply = Some(ridx);
        }
        d.replies.push(Reply {
            code: Code::Smtp(code),
            lines,
            more_lines,
            origin,
            command,
            split_at,
        });
        if let Some(e) = answered {
            self.apply(e, code, ridx, d, f);
        }
    }

    /// What a reply to an expected item changes.
    fn apply(&mut self, e: Expect, code: u16, ridx: usize, d: &mut Dialogue, f: &mut Findings) {
        let frame = d.replies[ridx].origin.last_frame();
        let positive = (200..300).contains(&code);
        match e {
            Expect::Command(i) => {
                let verb = d.commands[i].verb.clone();
                self.check_code(&verb, code, frame, f);
                match verb.as_str() {
                    "EHLO" if positive => {
                        self.helo_ok = true;
                        d.capabilities = d.replies[ridx]
                            .lines
                            .iter()
                            .skip(1)
                            .take(MAX_CAPABILITIES)
                            .map(|l| String::from_utf8_lossy(l).into_owned())
                            .collect();
                    }
                    "HELO" if positive => self.helo_ok = true,
                    "MAIL" if positive => {
                        let from = command::path(&d.commands[i].arg, "FROM:");
                        d.messages.push(Message {
                            from,
                            ..Message::default()
                        });
                        self.transaction = Some(d.messages.len() - 1);
                    }
                    "RCPT" => {
                        let addr = command::path(&d.commands[i].arg, "TO:");
                        if let (true, Some(a), Some(m)) = (positive, addr, self.transaction) {
                            if command::routing(&a) == Some(Routing::Percent) {
                                f.add(
                                    frame,
                                    "smtp_percent_hack",
                                    Severity::Error,
                                    format!(
                                        "The server accepted the percent-hack recipient <{}> ({code}): a possible \
                                         open relay, as ccNotes-GW was (seed 001).",
                                        crate::text::escape_str(&a)
                                    ),
                                    "RFC 1123 §5.2.16; RFC 2505 §2.1",
                                );
                            }
                            d.messages[m].to.push(a);
                        }
                    }
                    "RSET" if positive => {
                        self.transaction = None;
                        self.bdat_in_progress = false;
                    }
                    "DATA" => {
                        if code == 354 {
                            let m = match self.transaction {
                                Some(m) => m,
                                None => {
                                    d.messages.push(Message::default());
                                    d.messages.len() - 1
                                }
                            };
                            self.transaction = Some(m);
                            d.messages[m].ready_frame = Some(frame);
                            d.messages[m].ready_reply = Some(ridx);
                            self.client = ClientMode::Data(
                                i,
                                m,
                                Box::new(DataReader::new(self.eight_bit_requested)),
                            );
                        } else {
                            self.after_rejected_data = true;
                            self.client = ClientMode::Commands;
                        }
                    }
                    "AUTH" => self.auth_reply(i, code),
                    "STARTTLS" => {
                        if code == 220 {
                            self.client = ClientMode::Tls;
                            self.server_tls = true;
                            d.tls_from = Some(frame);
                        } else {
                            self.client = ClientMode::Commands;
                            f.add(
                                frame,
                                "smtp_starttls_failed",
                                Severity::Info,
                                format!("STARTTLS was answered {code}: the session goes on in plaintext, readable by anyone on the path."),
                                "RFC 3207 §4; RFC 8314",
                            );
                        }
                    }
                    _ => {}
                }
            }
            Expect::Sasl(i) => self.auth_reply(i, code),
            Expect::EndOfData(_, m) | Expect::Chunk(_, m) => {
                let done = matches!(e, Expect::EndOfData(..)) || !self.bdat_in_progress;
                d.messages[m].accepted = Some(positive);
                if done {
                    d.messages[m].frame = d.messages[m].frame.max(frame);
                    self.transaction = None;
                    self.bdat_in_progress = false;
                }
                if let ClientMode::Data(..) = self.client {
                    // A final reply while the client is still inside the content.
                    f.add(
                        frame,
                        "smtp_server_ended_data_early",
                        Severity::Error,
                        "The server answered the message before the client sent CRLF.CRLF: it took something else \
                         for the end of data (smuggling accepted, or an unstuffed dot)."
                            .to_string(),
                        "RFC 5321 §4.1.1.4, §4.2.5",
                    );
                }
            }
        }
    }

    /// A reply with no command waiting (a 421 shutdown may come at any time).
    fn unsolicited(&self, code: u16, frame: u64, f: &mut Findings) -> Option<Expect> {
        if code != 421 {
            f.add(
                frame,
                "smtp_unsolicited_reply",
                Severity::Warning,
                format!(
                    "A {code} reply with no command waiting for one: one extra reply shifts every later \
                     pairing, often the first visible sign of a desync."
                ),
                "RFC 5321 §4.3.1, §3.8",
            );
        }
        None
    }

    /// A 354, 334 or 220 can only answer DATA, AUTH or STARTTLS. Such a
    /// command ends a pipelining group, so it is the last one waiting; when
    /// earlier commands still wait too, their replies are missing (lost from
    /// the capture, or never sent) and pairing the code with the first of
    /// them would shift every later pairing. They are given up instead, and
    /// the code answers the command it belongs to.
    fn resync(&mut self, code: u16, frame: u64, d: &Dialogue, f: &mut Findings) {
        let wants = match code {
            354 => "DATA",
            334 => "AUTH",
            220 => "STARTTLS",
            _ => return,
        };
        let belongs = |e: &Expect| match e {
            Expect::Command(i) | Expect::Sasl(i) => {
                d.commands.get(*i).is_some_and(|c| c.verb == wants)
            }
            _ => false,
        };
        if self.awaiting.len() < 2 || !self.awaiting.back().is_some_and(belongs) {
            return;
        }
        if self.awaiting.front().is_some_and(belongs) {
            return;
        }
        let keep = self.awaiting.pop_back();
        let skipped = self.awaiting.len();
        let first = self.awaiting.front().map_or(0, |e| e.command());
        for e in self.awaiting.drain(..) {
            if let Expect::Command(i) = e {
                if let Some(slot) = d.commands.get(i).and_then(|c| counted_verb(&c.verb)) {
                    self.awaiting_verbs[slot] = self.awaiting_verbs[slot].saturating_sub(1);
                }
            }
        }
        self.awaiting.extend(keep);
        let verb = d.commands.get(first).map_or("", |c| c.verb.as_str());
        f.add(
            frame,
            "smtp_unexpected_reply_code",
            Severity::Info,
            format!(
                "A {code} arrived while {verb} still waited for its reply: {code} only answers {wants}, sent later, so \
                 the replies to {skipped} earlier command(s) are missing (not in the capture, or never sent). \
                 sockscope pairs the {code} with {wants} and reads on."
            ),
            "RFC 5321 §4.3.2",
        );
    }

    fn auth_reply(&mut self, i: usize, code: u16) {
        self.client = if code == 334 {
            ClientMode::Sasl(i)
        } else {
            ClientMode::Commands
        };
    }

    /// `smtp_unexpected_reply_code`: codes RFC 5321 §4.3.2 does not list for the command.
    fn check_code(&self, verb: &str, code: u16, frame: u64, f: &mut Findings) {
        let unexpected = match code {
            354 => verb != "DATA",
            334 => verb != "AUTH",
            c if verb == "DATA" && (200..300).contains(&c) => true,
            _ => false,
        };
        if unexpected {
            f.add(
                frame,
                "smtp_unexpected_reply_code",
                Severity::Info,
                format!("{code} is not a listed reply to {verb}; a client reads an unlisted code by its first digit ({}).", reply::first_digit_meaning(code)),
                "RFC 5321 §4.3.2",
            );
        }
    }

    /// The capture ended: what is still open.
    pub fn finish(
        &mut self,
        client: &mut ByteQueue,
        server: &mut ByteQueue,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        self.advance(client, server, d, f);
        if let Some(p) = self.partial.take() {
            let code = p.code;
            f.add(
                p.origin.last_frame(),
                "smtp_malformed_reply",
                Severity::Error,
                format!("A {code} reply never got its last line (the one with a space after the code) before the end of the capture."),
                "RFC 5321 §4.2.1",
            );
        }
        if let ClientMode::Chunk(cmd, _, remaining, _) = self.client {
            f.add(
                d.commands[cmd].origin.last_frame(),
                "smtp_bdat_size_mismatch",
                Severity::Error,
                format!("The capture ended {remaining} octets short of the BDAT chunk's announced size."),
                "RFC 3030 §2",
            );
        }
        if let ClientMode::Tls = self.client {
            d.tls_records.sort_by_key(|r| r.0);
        }
    }
}

/// Bytes after STARTTLS's 220 that are not a TLS record (RFC 3207 §4.2;
/// CVE-2011-0411 and its client-side twin): a vulnerable peer runs them inside
/// TLS as if they were protected.
/// The first bytes of what is not TLS, and the frame that carried them.
fn injection(q: &ByteQueue) -> (u64, Vec<u8>) {
    let (a, b) = q.peek();
    let head: Vec<u8> = a.iter().chain(b.iter()).take(80).copied().collect();
    (q.frame_at(q.offset()).unwrap_or(0), head)
}

fn report_injection((frame, head): (u64, Vec<u8>), who: &str, d: &Dialogue, f: &mut Findings) {
    let same_segment = who == "client"
        && d.commands
            .iter()
            .rev()
            .find(|c| c.verb == "STARTTLS")
            .map(|c| c.origin.last_frame())
            == Some(frame);
    let (id, what) = if who == "client" {
        (
            "smtp_starttls_plaintext_injection",
            format!(
                "After STARTTLS the client sent plaintext that is not TLS: \"{}\"{}. A server that keeps its \
                 buffered plaintext runs these commands after the handshake as if they were protected; the fix is to \
                 purge the buffer when TLS starts.",
                preview(&head, 70),
                if same_segment { " — in the same segment as STARTTLS, the CVE-2011-0411 signature" } else { "" }
            ),
        )
    } else {
        (
            "smtp_starttls_response_injection",
            format!(
                "After its 220 to STARTTLS the server sent plaintext that is not TLS: \"{}\"; a client that keeps it \
                 reads these answers after TLS starts, as if they came protected.",
                preview(&head, 70)
            ),
        )
    };
    f.add(frame, id, Severity::Error, what, "RFC 3207 §4, §4.2");
}

fn mismatch(first: u16, this: u16, line: &Taken, f: &mut Findings) {
    if first != this {
        f.add(
            line.last_frame(),
            "smtp_multiline_code_mismatch",
            Severity::Error,
            format!(
                "A {first}- reply continues with a {this} line: the codes of one reply \"MUST be the same\"; two \
                 replies merged, or a line was lost or injected."
            ),
            "RFC 5321 §4.2.1",
        );
    }
}

fn line_end_finding(line: &Taken, who: &str, f: &mut Findings) {
    if line.end == LineEnd::Lf && !f.has("smtp_bare_lf") {
        f.add(
            line.last_frame(),
            "smtp_bare_lf",
            Severity::Warning,
            format!(
                "The {who} ended a line with a bare LF: implementations \"MUST NOT recognize\" any terminator but \
                 CRLF, so lenient and strict receivers disagree on where lines end (what SMTP smuggling exploits)."
            ),
            "RFC 5321 §2.3.8",
        );
    }
    if line.bytes.contains(&b'\r') && !f.has("smtp_bare_cr") {
        f.add(
            line.last_frame(),
            "smtp_bare_cr",
            Severity::Warning,
            format!("The {who} sent a bare CR inside a line."),
            "RFC 5321 §2.3.8",
        );
    }
}

/// The SASL mechanism named in an AUTH argument, upper-cased.
fn mechanism(arg: &[u8]) -> String {
    let word = arg.split(|&b| b == b' ').next().unwrap_or(&[]);
    String::from_utf8_lossy(word).to_ascii_uppercase()
}

fn auth_cleartext(frame: u64, mech: &str, user: &str, f: &mut Findings) {
    f.add(
        frame,
        "smtp_auth_cleartext",
        Severity::Warning,
        format!(
            "AUTH {mech} without TLS: base64 is not encryption. The user name decodes to \"{user}\" and the password \
             is just as recoverable by anyone on the path (shown only with --show-secrets)."
        ),
        "RFC 4954 §4; RFC 4616; RFC 8314",
    );
}

fn content_finding(note: &super::content::ContentNote, f: &mut Findings) {
    let (severity, reference, text) = match note.id {
        "smtp_smuggling_eod_variant" => (
            Severity::Error,
            "RFC 5321 §4.1.1.4",
            "a dot line with non-standard line ends before the real CRLF.CRLF: a lenient receiver ends the message \
             there, a strict one does not (SMTP smuggling)",
        ),
        "smtp_dot_stuffing_missing" => (
            Severity::Warning,
            "RFC 5321 §4.5.2",
            "content lines start with a dot that was not doubled: the receiver removes it, or ends the mail early",
        ),
        "smtp_bare_lf" | "smtp_bare_cr" => (
            Severity::Warning,
            "RFC 5321 §2.3.8",
            "bare line ends in the content: strict and lenient receivers disagree on where lines end",
        ),
        "smtp_line_too_long" => (
            Severity::Warning,
            "RFC 5321 §4.5.3.1.6",
            "content lines longer than 1000 octets (CRLF included); relays may cut them",
        ),
        _ => (
            Severity::Warning,
            "RFC 6152; RFC 5321 §2.4",
            "8-bit or NUL octets in the content without BODY=8BITMIME; SMTP is 7-bit unless negotiated",
        ),
    };
    // The sentence leads (the view narrates a finding by its first one);
    // how often it happened in this message follows it.
    let mut sentence = text.to_string();
    if let Some(first) = sentence.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let times = if note.count > 1 {
        format!(" ({} times in this message)", note.count)
    } else {
        String::new()
    };
    f.add(
        note.frame,
        note.id,
        severity,
        format!("{sentence}{times}. {}", note.detail),
        reference,
    );
}

/// Standard base64 (RFC 4648 §4) without padding checks; None if invalid.
fn decode_base64(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64() {
        assert_eq!(decode_base64(b"dXNlcg==").as_deref(), Some(&b"user"[..]));
        assert_eq!(
            decode_base64(b"AHVzZXIAcGFzcw==").as_deref(),
            Some(&b"\0user\0pass"[..])
        );
        assert_eq!(decode_base64(b"!!"), None);
    }
}
