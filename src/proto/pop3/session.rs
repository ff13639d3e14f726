//! The POP3 grammar the dialogue engine runs: the table of what each hook
//! does, pointing to the file that owns the idea, and what a response to each
//! command changes (RFC 1939 §3–7).

use super::closing::{capabilities, open_response};
use super::command::multi_line;
use super::reply::{check_line, status_word};
use super::state::{Body, Pop3, Turns};
use super::timing::timing;
use crate::finding::{Findings, Severity};
use crate::proto::content::DataReader;
use crate::proto::dialogue::{
    Client, Code, Dialogue, Grammar, Message, Owed, PairRow, ReplyLine, Server, ServerStep,
};
use crate::proto::stream::{ByteQueue, Taken};
use crate::tcp::{Dir, SegmentRecord};
use crate::text::preview;

/// Bytes of plaintext after STLS quoted in the finding.
const INJECTION_SHOWN: usize = 60;

impl Pop3 {
    /// What response `ridx` (`ok`: +OK) to command `cmd` changes.
    fn response(&mut self, cmd: usize, ok: bool, ridx: usize, t: &mut Turns, d: &mut Dialogue) {
        let Some(c) = d.commands.get(cmd) else { return };
        let verb = c.verb.clone();
        let multi = multi_line(&verb, &c.arg);
        if verb == "AUTH" || verb == "STLS" {
            t.client = Client::Commands;
        }
        if !ok {
            if multi {
                self.after_err = Some(cmd);
            }
            return;
        }
        let frame = d.replies.get(ridx).map_or(0, |r| r.origin.last_frame());
        match verb.as_str() {
            "PASS" | "APOP" | "AUTH" => self.logged_in = true,
            "STLS" => {
                t.client = Client::Tls;
                t.server = Server::Tls;
                d.tls_from = Some(frame);
            }
            _ => {}
        }
        if !multi {
            return;
        }
        t.server = if matches!(verb.as_str(), "RETR" | "TOP") {
            d.messages.push(Message {
                frame,
                retrieved: true,
                ..Message::default()
            });
            Server::Body(Body::Message {
                reply: ridx,
                msg: d.messages.len() - 1,
                reader: Box::new(DataReader::new(true)),
            })
        } else {
            // The capability lines are collected by the listing; taken at the end.
            Server::Body(Body::Listing(ridx))
        };
    }
}

impl Grammar for Pop3 {
    type Code = bool;
    type Owed = ();
    /// The client sends lines only.
    type ClientBody = std::convert::Infallible;
    type ServerBody = Body;

    /// Nothing runs once reading stopped at the limit.
    const TIMING_AFTER_LIMIT: bool = false;

    fn code(ok: bool) -> Code {
        Code::Pop3(ok)
    }

    fn on_command(&mut self, line: Taken, t: &mut Turns, d: &mut Dialogue, f: &mut Findings) {
        self.command(line, t, d, f);
    }

    fn on_sasl_line(&mut self, _cmd: usize, _line: &Taken, _d: &mut Dialogue, _f: &mut Findings) {}

    fn check_server_line(&mut self, line: &Taken, f: &mut Findings) {
        check_line(line, f);
    }

    fn starts_command(&self, line: &[u8]) -> bool {
        super::command::is_known(&crate::proto::dialogue::split_command(line).0)
    }

    fn parse_reply_line<'a>(&self, line: &'a [u8]) -> ReplyLine<'a, bool> {
        match status_word(line) {
            Some((code, text)) => ReplyLine::Last {
                code,
                text: text.strip_prefix(b" ").unwrap_or(text),
            },
            None => ReplyLine::Other,
        }
    }

    fn other_line(&mut self, line: Taken, t: &mut Turns, d: &mut Dialogue, f: &mut Findings) {
        self.stray_line(&line, t, d, f);
    }

    fn server_body(
        &mut self,
        body: Body,
        q: &mut ByteQueue,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) -> ServerStep<Body> {
        match body {
            Body::Listing(reply) => self.listing(reply, q, t, d, f),
            Body::Message { reply, msg, reader } => self.message((reply, msg, reader), q, d, f),
        }
    }

    fn on_greeting(&mut self, _ok: bool, text: &[u8], _frame: u64, _f: &mut Findings) {
        self.status_seen();
        self.greeting_timestamp = text.contains(&b'<') && text.contains(&b'>');
    }

    fn unsolicited(
        &mut self,
        _ok: bool,
        _frame: u64,
        _t: &mut Turns,
        _f: &mut Findings,
    ) -> Option<Owed<()>> {
        self.status_seen();
        None
    }

    fn on_reply(
        &mut self,
        owed: Owed<()>,
        ok: bool,
        ridx: usize,
        t: &mut Turns,
        d: &mut Dialogue,
        _f: &mut Findings,
    ) {
        self.status_seen();
        self.response(owed.command, ok, ridx, t, d);
    }

    fn plaintext_in_tls(
        &mut self,
        dir: Dir,
        frame: u64,
        head: &[u8],
        _d: &Dialogue,
        f: &mut Findings,
    ) {
        if dir != Dir::C2s {
            return;
        }
        let head = head.get(..INJECTION_SHOWN).unwrap_or(head);
        f.add(
            frame,
            "pop3_stls_plaintext_injection",
            Severity::Error,
            format!(
                "After STLS the client sent plaintext that is not TLS: \"{}\"; Venema's STARTTLS flaw \
                 applies to POP3 too: a server that keeps it runs it inside TLS.",
                preview(head, 60)
            ),
            "RFC 2595 §4",
        );
    }

    fn at_end(
        &mut self,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
        segments: &[&SegmentRecord],
    ) {
        open_response(t, d, f, segments);
        capabilities(d);
    }

    fn timing(&self, d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) -> Vec<PairRow> {
        timing(d, segments, f);
        Vec::new()
    }
}
