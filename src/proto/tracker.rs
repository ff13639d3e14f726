//! One connection's application layer: routes its delivered bytes to the
//! reader of its protocol, deciding the protocol once enough is known, and
//! hands over the dialogue and its findings when the connection ends.

use super::detect::{by_greeting, by_port};
use super::dialogue::{Dialogue, Session};
use super::readers::reader;
use super::stream::ByteQueue;
use crate::finding::{Finding, Findings, Severity};
use crate::tcp::{Chunk, Delivery, Dir, SegmentRecord};

/// Client bytes accepted before the server spoke, while deciding by greeting.
const UNDECIDED_LIMIT: usize = 4096;

/// Commands, replies and messages kept per connection. Each costs a few
/// hundred bytes and a peer can make one per two bytes sent ("\n\n..."), so
/// the reader stops keeping records past this and says so
/// (`dialogue_limit`); a real session has a few hundred.
pub const MAX_ITEMS_PER_CONN: usize = 50_000;
/// The same, for all the connections open at one time together.
pub const MAX_ITEMS_TOTAL: usize = 2_000_000;

enum State {
    Undecided,
    /// The reader of the protocol decided on.
    Reading(Box<dyn Session>),
    /// Not a protocol sockscope decodes: bytes are dropped.
    Other,
}

/// How many dialogue items are kept (see [`MAX_ITEMS_PER_CONN`]).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_conn: usize,
    pub total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_conn: MAX_ITEMS_PER_CONN,
            total: MAX_ITEMS_TOTAL,
        }
    }
}

/// One connection's application-layer reader.
pub struct Tracker {
    conn: u32,
    state: State,
    client: ByteQueue,
    server: ByteQueue,
    dialogue: Option<Dialogue>,
    findings: Findings,
    /// The item limit was reached: nothing more is read.
    stopped: bool,
}

impl Tracker {
    pub fn new(conn: u32) -> Self {
        Tracker {
            conn,
            state: State::Undecided,
            client: ByteQueue::default(),
            server: ByteQueue::default(),
            dialogue: None,
            findings: Findings::new(conn),
            stopped: false,
        }
    }

    /// The findings raised so far (before [`Tracker::finish`]).
    pub fn findings(&self) -> &[Finding] {
        &self.findings.list
    }

    /// Dialogue items (commands, replies, messages) held now.
    pub fn items(&self) -> usize {
        self.dialogue.as_ref().map_or(0, Dialogue::items)
    }

    /// Queues bytes that became readable.
    pub fn delivered(&mut self, dir: Dir, d: &Delivery<'_>) {
        if matches!(self.state, State::Other) || self.stopped {
            return;
        }
        let q = match dir {
            Dir::C2s => &mut self.client,
            Dir::S2c => &mut self.server,
        };
        match d.chunk {
            Chunk::Data(b) => q.push(d.offset, b, d.frame, d.time),
            Chunk::Gap(n) => q.gap(d.offset, n, d.frame, d.time),
        }
    }

    /// Parses what the queued bytes allow; `server_port` decides the protocol
    /// when the port is a well-known one. `total_left` is how many more items
    /// the capture's open connections may keep together beyond what they
    /// hold (see [`Limits`]).
    pub fn advance(&mut self, server_port: u16, limits: Limits, total_left: usize) {
        if self.stopped {
            return;
        }
        if let State::Undecided = self.state {
            self.decide(server_port);
        }
        let held = self.items();
        if let Some(d) = &mut self.dialogue {
            d.item_budget = limits.per_conn.min(held.saturating_add(total_left));
        }
        if let (State::Reading(s), Some(d)) = (&mut self.state, &mut self.dialogue) {
            s.advance(&mut self.client, &mut self.server, d, &mut self.findings);
        }
        self.stop_at_budget(limits);
    }

    /// Picks the protocol by the server's port, else by its first bytes.
    fn decide(&mut self, server_port: u16) {
        let decided = by_port(server_port).or_else(|| by_greeting(self.server.peek().0));
        match decided {
            Some(p) => {
                self.state = State::Reading(reader(p));
                self.dialogue = Some(Dialogue::new(self.conn, p));
            }
            None if self.server.len() >= 4 || self.client.len() > UNDECIDED_LIMIT => {
                self.state = State::Other;
                self.client = ByteQueue::default();
                self.server = ByteQueue::default();
            }
            None => {}
        }
    }

    /// The reader stopped at its budget with bytes still to read: it says so
    /// once, and reads no more.
    fn stop_at_budget(&mut self, limits: Limits) {
        let Some(d) = &self.dialogue else { return };
        let unread = !self.client.is_empty() || !self.server.is_empty();
        if !d.over_budget() || !unread {
            return;
        }
        let items = d.items();
        let frame = d
            .commands
            .last()
            .map(|x| x.origin.last_frame())
            .max(d.replies.last().map(|r| r.origin.last_frame()))
            .unwrap_or(0);
        let which = if items >= limits.per_conn {
            format!(
                "{} commands, replies and messages on this connection",
                limits.per_conn
            )
        } else {
            format!(
                "{} dialogue records for all the connections open at once",
                limits.total
            )
        };
        self.findings.add(
            frame,
            "dialogue_limit",
            Severity::Warning,
            format!(
                "sockscope keeps at most {which}; it stopped reading this dialogue after frame {frame}. TCP \
                 analysis and the streams go on; cut the capture to this connection (tshark -Y tcp.stream) \
                 to read the rest."
            ),
            "",
        );
        self.stopped = true;
        self.client = ByteQueue::default();
        self.server = ByteQueue::default();
    }

    /// The connection ended: finish the reader, run the timing analysis with
    /// its segments, and hand over the dialogue and the findings.
    pub fn finish(mut self, segments: &[&SegmentRecord]) -> (Option<Dialogue>, Vec<Finding>) {
        if let (State::Reading(s), Some(d)) = (&mut self.state, &mut self.dialogue) {
            // Reading stopped at the limit: what is unfinished was cut by
            // sockscope, not by the peers, so the end-of-session checks do
            // not run.
            if self.stopped {
                s.finish_after_limit(d, &mut self.findings, segments);
            } else {
                s.finish(
                    &mut self.client,
                    &mut self.server,
                    d,
                    &mut self.findings,
                    segments,
                );
            }
        }
        self.findings.close();
        (self.dialogue, self.findings.list)
    }
}
