//! The one dialogue engine: reads client lines and server replies from a
//! connection's two [`ByteQueue`]s, collects a reply's lines until its last
//! (RFC 5321 §4.2.1; RFC 821 App. E: one reader that loops until the final
//! line cannot fall out of step), and pairs each reply with the oldest reply
//! owed — in order, so pipelined commands (RFC 2920 §3) pair as the server
//! answers them. A protocol's [`Grammar`] says what the lines mean.

use super::grammar::{Grammar, ReplyLine, ServerStep, Step, TurnsOf};
use super::model::Dialogue;
use super::record::{keep_line, kept, Origin, Reply};
use super::turns::{Client, Server, MAX_WAIT};
use crate::finding::Findings;
use crate::finding::Severity;
use crate::proto::stream::{ByteQueue, LineEnd, Taken, MAX_LINE};
use crate::proto::tls::TlsWatch;
use crate::tcp::{Dir, SegmentRecord};

/// A connection's reader, whatever its protocol (what the tracker holds).
pub trait Session: Send {
    /// Reads whatever the queued bytes allow, in both directions, until no
    /// more progress can be made or the dialogue's item budget is spent.
    fn advance(
        &mut self,
        client: &mut ByteQueue,
        server: &mut ByteQueue,
        d: &mut Dialogue,
        f: &mut Findings,
    );
    /// The capture ended: reads what is left, raises the end-of-session and
    /// timing findings, and fills [`Dialogue::pairings`].
    fn finish(
        &mut self,
        client: &mut ByteQueue,
        server: &mut ByteQueue,
        d: &mut Dialogue,
        f: &mut Findings,
        segments: &[&SegmentRecord],
    );
    /// The capture ended after reading stopped at the item limit: only the
    /// checks over what was read run (see [`Grammar::TIMING_AFTER_LIMIT`]).
    fn finish_after_limit(
        &mut self,
        d: &mut Dialogue,
        f: &mut Findings,
        segments: &[&SegmentRecord],
    );
}

/// A reply whose last line has not arrived yet.
struct Partial<C> {
    code: C,
    lines: Vec<Vec<u8>>,
    /// Lines past [`super::record::MAX_KEPT_LINES`], counted.
    more_lines: u64,
    origin: Origin,
    /// The first segment that ended inside one of its lines.
    split_at: Option<u64>,
}

/// The engine over grammar `G`.
pub struct Engine<G: Grammar> {
    grammar: G,
    turns: TurnsOf<G>,
    partial: Option<Partial<G::Code>>,
    /// Each direction after the switch to TLS: records named, injections found.
    client_tls: TlsWatch,
    server_tls: TlsWatch,
}

impl<G: Grammar> Engine<G> {
    pub fn new(grammar: G) -> Self {
        Engine {
            grammar,
            turns: TurnsOf::<G>::default(),
            partial: None,
            client_tls: TlsWatch::default(),
            server_tls: TlsWatch::default(),
        }
    }

    /// One client item (a command, a SASL line, some content); false if none.
    fn client_step(&mut self, q: &mut ByteQueue, d: &mut Dialogue, f: &mut Findings) -> bool {
        match std::mem::replace(&mut self.turns.client, Client::Commands) {
            Client::Commands => match q.line() {
                Some(line) if self.unread(Dir::C2s, &line, d, f) => true,
                Some(line) => {
                    self.grammar.on_command(line, &mut self.turns, d, f);
                    true
                }
                None => false,
            },
            Client::AwaitReply => {
                if q.len() <= MAX_WAIT {
                    self.turns.client = Client::AwaitReply;
                    return false;
                }
                self.grammar.reply_never_came(&mut self.turns, d);
                true
            }
            Client::Sasl(cmd) => {
                let Some(line) = q.line() else {
                    self.turns.client = Client::Sasl(cmd);
                    return false;
                };
                if self.unread(Dir::C2s, &line, d, f) {
                    self.turns.client = Client::Sasl(cmd);
                    return true;
                }
                d.add_sasl_line(line.offset..line.offset + line.bytes.len() as u64);
                let what = self.grammar.on_sasl_line(cmd, &line, d, f);
                self.turns.owe(cmd, what);
                self.turns.client = Client::AwaitReply;
                true
            }
            Client::Body(body) => match self.grammar.client_body(body, q, &mut self.turns, d, f) {
                Step::Wait(b) => {
                    self.turns.client = Client::Body(b);
                    false
                }
                Step::More(b) => {
                    self.turns.client = Client::Body(b);
                    true
                }
                Step::Done => true,
            },
            Client::Tls => {
                self.turns.client = Client::Tls;
                if let Some((frame, head)) = self.client_tls.read_checked(q, "client", d) {
                    self.grammar.plaintext_in_tls(Dir::C2s, frame, &head, d, f);
                }
                false
            }
        }
    }

    /// One server line (or some body); false if none.
    fn server_step(&mut self, q: &mut ByteQueue, d: &mut Dialogue, f: &mut Findings) -> bool {
        match std::mem::replace(&mut self.turns.server, Server::Replies) {
            Server::Replies => {
                let Some(line) = q.line() else { return false };
                if !self.unread(Dir::S2c, &line, d, f) {
                    self.reply_line(line, d, f);
                }
                true
            }
            Server::Body(body) => match self.grammar.server_body(body, q, &mut self.turns, d, f) {
                ServerStep::Body(Step::Wait(b)) => {
                    self.turns.server = Server::Body(b);
                    false
                }
                ServerStep::Body(Step::More(b)) => {
                    self.turns.server = Server::Body(b);
                    true
                }
                ServerStep::Body(Step::Done) => true,
                ServerStep::Reply(line) => {
                    self.reply_line(line, d, f);
                    true
                }
            },
            Server::Tls => {
                self.turns.server = Server::Tls;
                if let Some((frame, head)) = self.server_tls.read_checked(q, "server", d) {
                    self.grammar.plaintext_in_tls(Dir::S2c, frame, &head, d, f);
                }
                false
            }
        }
    }

    /// Whether `line` must not be read as a command or reply: it holds bytes
    /// the capture missed, it follows them and does not read as the start
    /// of a line (its start may have been in the gap), or it is over the line
    /// limit (docs/robustness.md). Such a line is kept as not read.
    fn unread(&mut self, dir: Dir, line: &Taken, d: &mut Dialogue, f: &mut Findings) -> bool {
        let starts = match dir {
            Dir::C2s => self.grammar.starts_command(&line.bytes),
            Dir::S2c => !matches!(self.grammar.parse_reply_line(&line.bytes), ReplyLine::Other),
        };
        let why = match line.end {
            LineEnd::Gap => "bytes the capture missed cut this line",
            LineEnd::Cut => {
                over_long(dir, line, f);
                "over the line limit; skipped to its end"
            }
            _ if line.after_gap && !starts => "after a gap, not the start of a line",
            _ => return false,
        };
        let finding = match line.end {
            LineEnd::Cut => "line_over_limit",
            _ => "tcp_gap",
        };
        d.add_unread(line, dir, why, finding);
        true
    }

    /// One server line read as reply lines: a reply is complete at its last
    /// line, never at a segment's end (RFC 9293 §3.7.4: segments carry bytes,
    /// not messages).
    fn reply_line(&mut self, line: Taken, d: &mut Dialogue, f: &mut Findings) {
        self.grammar.check_server_line(&line, f);
        // One line in two or more segments: the ccNotes trigger.
        let cut = (line.frames.len() > 1).then(|| line.first_frame());
        let (code, text, last) = match self.grammar.parse_reply_line(&line.bytes) {
            ReplyLine::Other => return self.grammar.other_line(line, &mut self.turns, d, f),
            ReplyLine::More { code, text } => (code, text, false),
            ReplyLine::Last { code, text } => (code, text, true),
        };
        let mut partial = self.partial.take();
        if let Some(p) = partial.take_if(|p| p.code != code) {
            // RFC 5321 §4.2.1: every line of a reply carries its code and
            // only `code SP` ends it. A line with another code ends the
            // earlier reply, unterminated, and starts the next: nothing is
            // merged, so no line is shown with a code it did not carry.
            self.grammar.code_mismatch(p.code, code, &line, f);
            let last = p.lines.last().cloned().unwrap_or_default();
            self.reply(p, &last, true, d, f);
        }
        let p = match partial {
            Some(mut p) => {
                keep_line(&mut p.lines, &mut p.more_lines, text);
                p.origin.extend(&line);
                p.split_at = p.split_at.or(cut);
                p
            }
            None => Partial {
                code,
                lines: vec![kept(text)],
                more_lines: 0,
                origin: Origin::from_taken(&line),
                split_at: cut,
            },
        };
        if last {
            self.reply(p, text, false, d, f);
        } else {
            self.partial = Some(p);
        }
    }

    /// A complete reply: paired with the oldest owed reply (the server
    /// answers in order, RFC 5321 §4.3.1), recorded, then applied.
    fn reply(
        &mut self,
        p: Partial<G::Code>,
        text: &[u8],
        unterminated: bool,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let ridx = d.replies.len();
        let frame = p.origin.last_frame();
        let g = &mut self.grammar;
        let t = &mut self.turns;
        let owed = if !t.greeting_done {
            t.greeting_done = true;
            g.on_greeting(p.code, text, frame, f);
            None
        } else {
            g.before_pairing(p.code, frame, t, d, f);
            match t.awaiting.pop_front() {
                Some(o) => Some(o),
                None => g.unsolicited(p.code, frame, t, f),
            }
        };
        let command = owed.map(|o| o.command);
        if let Some(c) = command.and_then(|c| d.commands.get_mut(c)) {
            c.reply = Some(ridx);
        }
        d.replies.push(Reply {
            code: G::code(p.code),
            lines: p.lines,
            more_lines: p.more_lines,
            origin: p.origin,
            command,
            split_at: p.split_at,
            unterminated,
        });
        if let Some(o) = owed {
            g.on_reply(o, p.code, ridx, t, d, f);
        }
    }
}

impl<G: Grammar> Session for Engine<G>
where
    Engine<G>: Send,
{
    fn advance(
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

    fn finish(
        &mut self,
        client: &mut ByteQueue,
        server: &mut ByteQueue,
        d: &mut Dialogue,
        f: &mut Findings,
        segments: &[&SegmentRecord],
    ) {
        self.advance(client, server, d, f);
        if let Some(p) = self.partial.take() {
            self.grammar.unfinished_reply(p.code, &p.origin, f);
        }
        self.grammar.at_end(&mut self.turns, d, f, segments);
        d.pairings = self.grammar.timing(d, segments, f);
    }

    fn finish_after_limit(
        &mut self,
        d: &mut Dialogue,
        f: &mut Findings,
        segments: &[&SegmentRecord],
    ) {
        if G::TIMING_AFTER_LIMIT {
            d.pairings = self.grammar.timing(d, segments, f);
        }
    }
}

/// `line_over_limit`: a line reached [`MAX_LINE`] with no line end. It is
/// said once, with its length so far, and the rest of it is skipped: a
/// 100 MB line is one over-long line, not 1,526 commands.
fn over_long(dir: Dir, line: &Taken, f: &mut Findings) {
    let who = match dir {
        Dir::C2s => "client",
        Dir::S2c => "server",
    };
    let len = line.bytes.len();
    f.add_with(line.first_frame(), "line_over_limit", Severity::Warning, "RFC 5321 §4.5.3.1.4; RFC 1939 §3", || {
        format!(
            "The {who} sent a line of at least {len} bytes with no line end (sockscope reads lines of up to \
             {MAX_LINE} bytes; SMTP allows 512, POP3 commands 255): it is shown as one over-long line and the \
             rest of it, up to its line end, is skipped, never read as commands or replies."
        )
    });
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    //! The engine with the smallest grammar there is: every line is a
    //! command, every server line `OK`/`NO` a one-line reply. What it shows
    //! holds for SMTP and POP3 alike: replies pair in order, however TCP cut
    //! the lines and however many commands were pipelined.

    use super::*;
    use crate::capture::Timestamp;
    use crate::proto::detect::Protocol;
    use crate::proto::dialogue::{Code, Command, Owed};

    #[derive(Default)]
    struct Toy;

    impl Grammar for Toy {
        type Code = bool;
        type Owed = ();
        type ClientBody = std::convert::Infallible;
        type ServerBody = std::convert::Infallible;
        const TIMING_AFTER_LIMIT: bool = false;

        fn code(ok: bool) -> Code {
            Code::Pop3(ok)
        }
        fn on_command(
            &mut self,
            line: Taken,
            t: &mut TurnsOf<Self>,
            d: &mut Dialogue,
            _: &mut Findings,
        ) {
            t.owe(d.commands.len(), ());
            d.commands.push(Command::from_line(&line, "X", &line.bytes));
        }
        fn on_sasl_line(&mut self, _: usize, _: &Taken, _: &mut Dialogue, _: &mut Findings) {}
        fn check_server_line(&mut self, _: &Taken, _: &mut Findings) {}
        fn parse_reply_line<'a>(&self, line: &'a [u8]) -> ReplyLine<'a, bool> {
            match line {
                b"OK" => ReplyLine::Last {
                    code: true,
                    text: b"",
                },
                b"NO" => ReplyLine::Last {
                    code: false,
                    text: b"",
                },
                _ => ReplyLine::Other,
            }
        }
        fn other_line(
            &mut self,
            line: Taken,
            _: &mut TurnsOf<Self>,
            d: &mut Dialogue,
            _: &mut Findings,
        ) {
            d.add_stray(&line, "no reply", "toy");
        }
        fn on_greeting(&mut self, _: bool, _: &[u8], _: u64, _: &mut Findings) {}
        fn unsolicited(
            &mut self,
            _: bool,
            _: u64,
            _: &mut TurnsOf<Self>,
            _: &mut Findings,
        ) -> Option<Owed<()>> {
            None
        }
        fn on_reply(
            &mut self,
            _: Owed<()>,
            _: bool,
            _: usize,
            _: &mut TurnsOf<Self>,
            _: &mut Dialogue,
            _: &mut Findings,
        ) {
        }
        fn plaintext_in_tls(&mut self, _: Dir, _: u64, _: &[u8], _: &Dialogue, _: &mut Findings) {}
        fn at_end(
            &mut self,
            _: &mut TurnsOf<Self>,
            _: &mut Dialogue,
            _: &mut Findings,
            _: &[&SegmentRecord],
        ) {
        }
        fn timing(
            &self,
            _: &Dialogue,
            _: &[&SegmentRecord],
            _: &mut Findings,
        ) -> Vec<super::super::PairRow> {
            Vec::new()
        }
    }

    #[test]
    fn pipelined_replies_pair_in_order_whatever_the_segments() {
        let mut e = Engine::new(Toy);
        let (mut c, mut s) = (ByteQueue::default(), ByteQueue::default());
        let mut d = Dialogue::new(0, Protocol::Pop3);
        let mut f = Findings::new(0);
        s.push(0, b"OK\r\n", 1, Timestamp(0));
        c.push(0, b"A\r\nB\r\nC\r\n", 2, Timestamp(0));
        // The replies to A and B arrive cut mid-line; C's not yet.
        s.push(4, b"NO\r\nO", 3, Timestamp(0));
        e.advance(&mut c, &mut s, &mut d, &mut f);
        s.push(9, b"K\r\nhm\r\n", 4, Timestamp(0));
        e.advance(&mut c, &mut s, &mut d, &mut f);
        let paired: Vec<Option<usize>> = d.commands.iter().map(|c| c.reply).collect();
        assert_eq!(paired, [Some(1), Some(2), None]);
        assert_eq!(d.replies[0].command, None, "the greeting answers nothing");
        assert_eq!(d.replies[2].split_at, Some(3), "cut between frames 3 and 4");
        assert_eq!(d.stray.len(), 1);
    }
}
