//! The SMTP grammar the dialogue engine runs (RFC 5321 §4.2; RFC 821
//! appendix E): the table of what each hook does, pointing to the file that
//! owns the idea — commands, replies, DATA and BDAT content, AUTH exchanges,
//! STARTTLS, the timing checks — and what a reply to each command changes.

use super::reply::{self, ReplyLine as SmtpLine};
use super::state::{Body, Expect, Smtp, Turns};
use super::{lines, timing};
use crate::finding::Findings;
use crate::proto::dialogue::{
    Client, Code, Dialogue, Grammar, Origin, Owed, PairRow, ReplyLine, Step,
};
use crate::proto::stream::{ByteQueue, Taken};
use crate::tcp::{Dir, SegmentRecord};

impl Smtp {
    /// What reply `ridx` to command `i` changes, by the command's verb.
    fn command_reply(
        &mut self,
        i: usize,
        code: u16,
        ridx: usize,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let positive = (200..300).contains(&code);
        let frame = d.replies.get(ridx).map_or(0, |r| r.origin.last_frame());
        let verb = d
            .commands
            .get(i)
            .map(|c| c.verb.clone())
            .unwrap_or_default();
        self.pending.remove(&verb);
        reply::check_code(&verb, code, frame, f);
        match verb.as_str() {
            "EHLO" if positive => {
                self.helo_ok = true;
                d.set_capabilities(ridx);
            }
            "HELO" if positive => self.helo_ok = true,
            "MAIL" if positive => self.mail_accepted(i, d),
            "RCPT" => self.rcpt_reply(i, code, frame, d, f),
            "RSET" if positive => {
                self.transaction = None;
                self.bdat_in_progress = false;
            }
            "DATA" => self.data_reply(i, code, ridx, frame, t, d),
            "AUTH" => self.auth_reply(i, code, t),
            "STARTTLS" => self.starttls_reply(code, frame, t, d, f),
            _ => {}
        }
    }
}

impl Grammar for Smtp {
    type Code = u16;
    type Owed = Expect;
    type ClientBody = Body;
    /// SMTP replies are lines only.
    type ServerBody = std::convert::Infallible;

    /// The timing checks read only what was read, so they still hold.
    const TIMING_AFTER_LIMIT: bool = true;

    fn code(code: u16) -> Code {
        Code::Smtp(code)
    }

    fn on_command(&mut self, line: Taken, t: &mut Turns, d: &mut Dialogue, f: &mut Findings) {
        self.command(line, t, d, f);
    }

    fn on_sasl_line(
        &mut self,
        cmd: usize,
        line: &Taken,
        d: &mut Dialogue,
        f: &mut Findings,
    ) -> Expect {
        self.sasl_message(cmd, &line.bytes, line.last_frame(), d, f);
        Expect::Sasl
    }

    fn client_body(
        &mut self,
        body: Body,
        q: &mut ByteQueue,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) -> Step<Body> {
        match body {
            Body::Data { cmd, msg, reader } => self.data((cmd, msg, reader), q, t, d, f),
            Body::Chunk {
                cmd,
                msg,
                remaining,
                last,
            } => self.chunk((cmd, msg, remaining, last), q, t, d),
        }
    }

    fn reply_never_came(&mut self, t: &mut Turns, d: &mut Dialogue) {
        self.read_on(t, d);
    }

    fn check_server_line(&mut self, line: &Taken, f: &mut Findings) {
        lines::reply_line(line, f);
    }

    fn starts_command(&self, line: &[u8]) -> bool {
        super::command::is_known(&crate::proto::dialogue::split_command(line).0)
    }

    fn parse_reply_line<'a>(&self, line: &'a [u8]) -> ReplyLine<'a, u16> {
        match reply::parse_line(line) {
            SmtpLine::More { code, text } => ReplyLine::More { code, text },
            SmtpLine::Last { code, text } => ReplyLine::Last { code, text },
            SmtpLine::Malformed => ReplyLine::Other,
        }
    }

    fn code_mismatch(&self, first: u16, this: u16, line: &Taken, f: &mut Findings) {
        reply::mismatch(first, this, line, f);
    }

    fn other_line(&mut self, line: Taken, _t: &mut Turns, d: &mut Dialogue, f: &mut Findings) {
        reply::malformed(&line, d, f);
    }

    fn on_greeting(&mut self, code: u16, _text: &[u8], frame: u64, f: &mut Findings) {
        reply::greeting(code, frame, f);
    }

    fn before_pairing(
        &mut self,
        code: u16,
        frame: u64,
        t: &mut Turns,
        d: &Dialogue,
        f: &mut Findings,
    ) {
        self.resync(code, frame, t, d, f);
    }

    fn unsolicited(
        &mut self,
        code: u16,
        frame: u64,
        t: &mut Turns,
        f: &mut Findings,
    ) -> Option<Owed<Expect>> {
        self.unowed_reply(code, frame, t, f)
    }

    fn on_reply(
        &mut self,
        owed: Owed<Expect>,
        code: u16,
        ridx: usize,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let frame = d.replies.get(ridx).map_or(0, |r| r.origin.last_frame());
        match owed.what {
            Expect::Command => self.command_reply(owed.command, code, ridx, t, d, f),
            Expect::Sasl => self.auth_reply(owed.command, code, t),
            Expect::EndOfData(_) | Expect::Chunk(_) => {
                self.content_reply(owed.what, code, frame, t, d, f)
            }
        }
    }

    fn plaintext_in_tls(
        &mut self,
        dir: Dir,
        frame: u64,
        head: &[u8],
        d: &Dialogue,
        f: &mut Findings,
    ) {
        self.injection(dir, frame, head, d, f);
    }

    fn unfinished_reply(&self, code: u16, origin: &Origin, f: &mut Findings) {
        reply::never_ended(code, origin, f);
    }

    fn at_end(
        &mut self,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
        _segments: &[&SegmentRecord],
    ) {
        self.chunk_cut(t, d, f);
        if let Client::Tls = t.client {
            d.tls_records.sort_by_key(|r| r.0);
        }
    }

    fn timing(&self, d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) -> Vec<PairRow> {
        timing::analyse(d, segments, f)
    }
}
