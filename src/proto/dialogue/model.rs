//! One connection's application dialogue: its records in order, what the
//! server advertised, the secrets to mask, and how records answer each other.
//! The report and the views read these.

use super::message::{Credential, Message};
use super::pairing::PairRow;
use super::record::{kept, Command, Item, Origin, Reply, StrayLine};
use crate::proto::detect::Protocol;
use crate::proto::stream::Taken;

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
    pub pairings: Vec<PairRow>,
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
        self.add_unread(line, crate::tcp::Dir::S2c, why, finding);
    }

    /// Keeps a line that was not read as a command or reply (within the
    /// item budget), with who sent it.
    pub fn add_unread(
        &mut self,
        line: &Taken,
        dir: crate::tcp::Dir,
        why: &'static str,
        finding: &'static str,
    ) {
        if self.over_budget() {
            return;
        }
        self.stray.push(StrayLine {
            text: kept(&line.bytes),
            origin: Origin::from_taken(line),
            why,
            finding,
            dir,
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
    /// first reply, unsolicited by design) or `answers nothing`; first
    /// `never ended` for a reply whose last line never came.
    pub fn reply_role(&self, i: usize) -> String {
        let reply = self.replies.get(i);
        let role = match reply
            .and_then(|r| r.command)
            .and_then(|c| self.commands.get(c))
        {
            Some(c) => format!("answers {}", c.verb),
            None if i == 0 => "greeting".to_string(),
            None => "answers nothing".to_string(),
        };
        if reply.is_some_and(|r| r.unterminated) {
            format!("never ended (no final line) · {role}")
        } else {
            role
        }
    }

    /// Takes the capabilities from reply `reply` (an EHLO reply, RFC 5321
    /// §4.1.1.1, or a CAPA listing, RFC 2449 §5): every line but the first,
    /// at most [`MAX_CAPABILITIES`].
    pub fn set_capabilities(&mut self, reply: usize) {
        let Some(r) = self.replies.get(reply) else {
            return;
        };
        self.capabilities = r
            .lines
            .iter()
            .skip(1)
            .take(MAX_CAPABILITIES)
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
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
