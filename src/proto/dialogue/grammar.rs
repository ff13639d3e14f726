//! What a protocol tells the dialogue engine: what a command is, what a reply
//! line is and whether the reply ends with it, what a reply answers, and what
//! each reply changes. SMTP and POP3 implement [`Grammar`]; another line-based
//! protocol (IMAP) would implement the same few hooks, not a third engine.

use super::model::Dialogue;
use super::pairing::PairRow;
use super::record::{Code, Origin};
use super::turns::{Client, Owed, Turns};
use crate::finding::Findings;
use crate::proto::stream::{ByteQueue, Taken};
use crate::tcp::{Dir, SegmentRecord};

/// The shared state of a connection read with grammar `G`.
pub type TurnsOf<G> =
    Turns<<G as Grammar>::Owed, <G as Grammar>::ClientBody, <G as Grammar>::ServerBody>;

/// One server line, as the grammar reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyLine<'a, C> {
    /// A reply line after which more lines of the same reply follow
    /// (SMTP `250-…`, RFC 5321 §4.2.1).
    More { code: C, text: &'a [u8] },
    /// The reply's last line (SMTP `250 …`, POP3 `+OK …`).
    Last { code: C, text: &'a [u8] },
    /// No reply line: the grammar's [`Grammar::other_line`] decides.
    Other,
}

/// What reading a body (content that is not command or reply lines) did.
pub enum Step<B> {
    /// Nothing could be consumed: wait for more bytes.
    Wait(B),
    /// Something was consumed; the body goes on.
    More(B),
    /// The body ended: commands (or replies) follow.
    Done,
}

/// What reading a server body did.
pub enum ServerStep<B> {
    Body(Step<B>),
    /// The body ended before this line, which is a reply line (the next
    /// reply began without the body's end, RFC 1939 §3).
    Reply(Taken),
}

/// A protocol's rules, as hooks the engine calls while it reads both streams.
pub trait Grammar {
    /// A reply code (SMTP: three digits; POP3: `+OK` or `-ERR`).
    type Code: Copy + PartialEq;
    /// What an owed reply answers besides its command.
    type Owed: Copy;
    /// Client content that is not command lines.
    type ClientBody;
    /// Server content that is not reply lines.
    type ServerBody;

    /// Whether the timing checks run over what was read when reading stopped
    /// at the item limit (the end-of-session checks never do then: what is
    /// unfinished was cut by sockscope, not by the peers).
    const TIMING_AFTER_LIMIT: bool;

    /// The code as the dialogue records it.
    fn code(code: Self::Code) -> Code;

    /// Whether a client line that follows a gap reads as a whole command
    /// (its verb is one of the protocol's), so reading resumes there; if not,
    /// its start may have been in the gap and it is not read
    /// (docs/robustness.md).
    fn starts_command(&self, _line: &[u8]) -> bool {
        false
    }

    /// A command line: checks, the record, what it owes.
    fn on_command(
        &mut self,
        line: Taken,
        t: &mut TurnsOf<Self>,
        d: &mut Dialogue,
        f: &mut Findings,
    );
    /// A SASL response line for the AUTH command `cmd` (RFC 4954 §4,
    /// RFC 5034 §4); returns what the reply to it answers.
    fn on_sasl_line(
        &mut self,
        cmd: usize,
        line: &Taken,
        d: &mut Dialogue,
        f: &mut Findings,
    ) -> Self::Owed;
    /// Reads client content; the default grammar has none.
    fn client_body(
        &mut self,
        body: Self::ClientBody,
        _q: &mut ByteQueue,
        _t: &mut TurnsOf<Self>,
        _d: &mut Dialogue,
        _f: &mut Findings,
    ) -> Step<Self::ClientBody> {
        Step::Wait(body)
    }
    /// The client sent [`super::turns::MAX_WAIT`] bytes while waiting for a
    /// reply that decides how to read them: read on as if it were positive.
    fn reply_never_came(&mut self, t: &mut TurnsOf<Self>, _d: &mut Dialogue) {
        t.client = Client::Commands;
    }

    /// Checks that hold for every server line (length, line ends).
    fn check_server_line(&mut self, line: &Taken, f: &mut Findings);
    /// What a server line is.
    fn parse_reply_line<'a>(&self, line: &'a [u8]) -> ReplyLine<'a, Self::Code>;
    /// A reply's next line carries another code than its first.
    fn code_mismatch(&self, _first: Self::Code, _this: Self::Code, _l: &Taken, _f: &mut Findings) {}
    /// A server line that is no reply line.
    fn other_line(
        &mut self,
        line: Taken,
        t: &mut TurnsOf<Self>,
        d: &mut Dialogue,
        f: &mut Findings,
    );
    /// Reads server content; the default grammar has none.
    fn server_body(
        &mut self,
        body: Self::ServerBody,
        _q: &mut ByteQueue,
        _t: &mut TurnsOf<Self>,
        _d: &mut Dialogue,
        _f: &mut Findings,
    ) -> ServerStep<Self::ServerBody> {
        ServerStep::Body(Step::Wait(body))
    }

    /// The server's first reply, `text` its last line's text.
    fn on_greeting(&mut self, code: Self::Code, text: &[u8], frame: u64, f: &mut Findings);
    /// Before a reply is paired with the oldest owed one: a chance to give
    /// up owed replies the code proves missing.
    fn before_pairing(
        &mut self,
        _code: Self::Code,
        _frame: u64,
        _t: &mut TurnsOf<Self>,
        _d: &Dialogue,
        _f: &mut Findings,
    ) {
    }
    /// A reply when none is owed: what it answers, if anything.
    fn unsolicited(
        &mut self,
        code: Self::Code,
        frame: u64,
        t: &mut TurnsOf<Self>,
        f: &mut Findings,
    ) -> Option<Owed<Self::Owed>>;
    /// What reply `ridx`, paired with `owed`, changes.
    fn on_reply(
        &mut self,
        owed: Owed<Self::Owed>,
        code: Self::Code,
        ridx: usize,
        t: &mut TurnsOf<Self>,
        d: &mut Dialogue,
        f: &mut Findings,
    );

    /// Bytes after the switch to TLS that are no TLS record (RFC 3207 §4.2,
    /// RFC 2595 §4): their frame and first bytes.
    fn plaintext_in_tls(
        &mut self,
        dir: Dir,
        frame: u64,
        head: &[u8],
        d: &Dialogue,
        f: &mut Findings,
    );
    /// The capture ended inside a multi-line reply.
    fn unfinished_reply(&self, _code: Self::Code, _origin: &Origin, _f: &mut Findings) {}
    /// The capture ended: what is still open.
    fn at_end(
        &mut self,
        t: &mut TurnsOf<Self>,
        d: &mut Dialogue,
        f: &mut Findings,
        segments: &[&SegmentRecord],
    );
    /// The findings that need the whole dialogue and the segments; returns
    /// the two pairings when the client fell out of step.
    fn timing(&self, d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) -> Vec<PairRow>;
}
