//! Routes each connection's delivered bytes to the reader of its protocol,
//! deciding the protocol once enough is known.

use super::detect::{by_greeting, by_port};
use super::dialogue::{Dialogue, Session};
use super::readers::reader;
use super::stream::ByteQueue;
use crate::finding::Finding;
use crate::finding::{Findings, Severity};
use crate::tcp::{Chunk, Delivery, Dir, SegmentRecord};

/// Client bytes accepted before the server spoke, while deciding by greeting.
const UNDECIDED_LIMIT: usize = 4096;

/// Commands, replies and messages kept per connection. Each costs a few
/// hundred bytes and a peer can make one per two bytes sent ("\n\n..."), so
/// the reader stops keeping records past this and says so
/// (`dialogue_limit`); a real session has a few hundred.
pub const MAX_ITEMS_PER_CONN: usize = 50_000;
/// The same, for all connections of a capture together.
pub const MAX_ITEMS_TOTAL: usize = 2_000_000;

enum State {
    Undecided,
    /// The reader of the protocol decided on.
    Reading(Box<dyn Session>),
    /// Not a protocol sockscope decodes: bytes are dropped.
    Other,
}

struct ConnProto {
    state: State,
    client: ByteQueue,
    server: ByteQueue,
    dialogue: Option<Dialogue>,
    findings: Findings,
    /// Items of `dialogue` already counted in [`Tracker::items`].
    counted: usize,
    /// The item limit was reached: nothing more is read.
    stopped: bool,
}

/// Every connection's application-layer reader.
#[derive(Default)]
pub struct Tracker {
    conns: Vec<Option<ConnProto>>,
    /// Dialogue items kept over all connections.
    items: usize,
    limits: Limits,
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

impl Tracker {
    fn slot(conns: &mut Vec<Option<ConnProto>>, conn: u32) -> &mut ConnProto {
        let i = conn as usize;
        if conns.len() <= i {
            conns.resize_with(i + 1, || None);
        }
        // In bounds: `conns` was just grown to hold index `i`.
        #[allow(clippy::indexing_slicing)]
        let slot = &mut conns[i];
        slot.get_or_insert_with(|| ConnProto {
            state: State::Undecided,
            client: ByteQueue::default(),
            server: ByteQueue::default(),
            dialogue: None,
            findings: Findings::new(conn),
            counted: 0,
            stopped: false,
        })
    }

    /// A tracker that keeps at most `limits` dialogue items.
    pub fn with_limits(limits: Limits) -> Self {
        Tracker {
            limits,
            ..Tracker::default()
        }
    }

    /// The findings raised so far on connection `conn` (before [`Tracker::finish`]).
    pub fn findings_of(&self, conn: u32) -> &[Finding] {
        match self.conns.get(conn as usize) {
            Some(Some(c)) => &c.findings.list,
            _ => &[],
        }
    }

    /// Queues bytes that became readable on a connection.
    pub fn delivered(&mut self, conn: u32, dir: Dir, d: &Delivery<'_>) {
        let c = Self::slot(&mut self.conns, conn);
        if matches!(c.state, State::Other) || c.stopped {
            return;
        }
        let q = match dir {
            Dir::C2s => &mut c.client,
            Dir::S2c => &mut c.server,
        };
        match d.chunk {
            Chunk::Data(b) => q.push(d.offset, b, d.frame, d.time),
            Chunk::Gap(n) => q.gap(d.offset, n, d.frame, d.time),
        }
    }

    /// Parses what the queued bytes of `conn` allow; `server_port` decides the
    /// protocol when the port is a well-known one.
    pub fn advance(&mut self, conn: u32, server_port: u16) {
        let limits = self.limits;
        let c = Self::slot(&mut self.conns, conn);
        if c.stopped {
            return;
        }
        if let State::Undecided = c.state {
            let decided = by_port(server_port).or_else(|| by_greeting(c.server.peek().0));
            match decided {
                Some(p) => {
                    c.state = State::Reading(reader(p));
                    c.dialogue = Some(Dialogue::new(conn, p));
                }
                None if c.server.len() >= 4 || c.client.len() > UNDECIDED_LIMIT => {
                    c.state = State::Other;
                    c.client = ByteQueue::default();
                    c.server = ByteQueue::default();
                }
                None => {}
            }
        }
        // What this connection may still keep: its own limit, and what is
        // left of the capture's.
        let left = limits.total.saturating_sub(self.items);
        if let Some(d) = &mut c.dialogue {
            d.item_budget = limits.per_conn.min(c.counted.saturating_add(left));
        }
        if let (State::Reading(s), Some(d)) = (&mut c.state, &mut c.dialogue) {
            s.advance(&mut c.client, &mut c.server, d, &mut c.findings);
        }
        let Some(d) = &c.dialogue else { return };
        let items = d.items();
        self.items += items.saturating_sub(c.counted);
        c.counted = items;
        // The reader stopped at its budget with bytes still to read.
        let unread = !c.client.is_empty() || !c.server.is_empty();
        if d.over_budget() && unread {
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
                format!("{} dialogue records in the whole capture", limits.total)
            };
            c.findings.add(
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
            c.stopped = true;
            c.client = ByteQueue::default();
            c.server = ByteQueue::default();
        }
    }

    /// The capture ended: finish every reader, run the timing analysis with each
    /// connection's segments, and hand over dialogues and findings.
    pub fn finish<'a>(
        mut self,
        segments_of: impl Fn(u32) -> Vec<&'a SegmentRecord>,
    ) -> (Vec<Dialogue>, Vec<Finding>) {
        let mut dialogues = Vec::new();
        let mut findings = Vec::new();
        for c in self.conns.iter_mut().flatten() {
            if let (State::Reading(s), Some(d)) = (&mut c.state, &mut c.dialogue) {
                let segs = segments_of(d.conn);
                // Reading stopped at the limit: what is unfinished was cut by
                // sockscope, not by the peers, so the end-of-session checks do
                // not run.
                if c.stopped {
                    s.finish_after_limit(d, &mut c.findings, &segs);
                } else {
                    s.finish(&mut c.client, &mut c.server, d, &mut c.findings, &segs);
                }
            }
            if let Some(d) = c.dialogue.take() {
                dialogues.push(d);
            }
            c.findings.close();
            findings.append(&mut c.findings.list);
        }
        (dialogues, findings)
    }
}
