//! Routes each connection's delivered bytes to the reader of its protocol,
//! deciding the protocol once enough is known.

use super::dialogue::Dialogue;
use super::pop3::Pop3Session;
use super::smtp::{timing, SmtpSession};
use super::stream::ByteQueue;
use super::{by_greeting, by_port, Protocol};
use crate::finding::Finding;
use crate::finding::Findings;
use crate::tcp::{Chunk, Delivery, Dir, SegmentRecord};

/// Client bytes accepted before the server spoke, while deciding by greeting.
const UNDECIDED_LIMIT: usize = 4096;

enum State {
    Undecided,
    Smtp(Box<SmtpSession>),
    Pop3(Box<Pop3Session>),
    /// Not a protocol sockscope decodes: bytes are dropped.
    Other,
}

struct ConnProto {
    state: State,
    client: ByteQueue,
    server: ByteQueue,
    dialogue: Option<Dialogue>,
    findings: Findings,
}

/// Every connection's application-layer reader.
#[derive(Default)]
pub struct Tracker {
    conns: Vec<Option<ConnProto>>,
}

impl Tracker {
    fn slot(&mut self, conn: u32) -> &mut ConnProto {
        let i = conn as usize;
        if self.conns.len() <= i {
            self.conns.resize_with(i + 1, || None);
        }
        self.conns[i].get_or_insert_with(|| ConnProto {
            state: State::Undecided,
            client: ByteQueue::default(),
            server: ByteQueue::default(),
            dialogue: None,
            findings: Findings::new(conn),
        })
    }

    /// Queues bytes that became readable on a connection.
    pub fn delivered(&mut self, conn: u32, dir: Dir, d: &Delivery<'_>) {
        let c = self.slot(conn);
        if matches!(c.state, State::Other) {
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
        let c = self.slot(conn);
        if let State::Undecided = c.state {
            let decided = by_port(server_port).or_else(|| by_greeting(c.server.peek().0));
            match decided {
                Some(Protocol::Smtp) => {
                    c.state = State::Smtp(Box::default());
                    c.dialogue = Some(Dialogue::new(conn, Protocol::Smtp));
                }
                Some(Protocol::Pop3) => {
                    c.state = State::Pop3(Box::default());
                    c.dialogue = Some(Dialogue::new(conn, Protocol::Pop3));
                }
                None if c.server.len() >= 4 || c.client.len() > UNDECIDED_LIMIT => {
                    c.state = State::Other;
                    c.client = ByteQueue::default();
                    c.server = ByteQueue::default();
                }
                None => {}
            }
        }
        match (&mut c.state, &mut c.dialogue) {
            (State::Smtp(s), Some(d)) => {
                s.advance(&mut c.client, &mut c.server, d, &mut c.findings)
            }
            (State::Pop3(s), Some(d)) => {
                s.advance(&mut c.client, &mut c.server, d, &mut c.findings)
            }
            _ => {}
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
            match (&mut c.state, &mut c.dialogue) {
                (State::Smtp(s), Some(d)) => {
                    s.finish(&mut c.client, &mut c.server, d, &mut c.findings);
                    let segs = segments_of(d.conn);
                    d.pairings = timing::analyse(d, &segs, &mut c.findings);
                }
                (State::Pop3(s), Some(d)) => {
                    let segs = segments_of(d.conn);
                    s.finish(&mut c.client, &mut c.server, d, &mut c.findings, &segs);
                }
                _ => {}
            }
            if let Some(d) = c.dialogue.take() {
                dialogues.push(d);
            }
            findings.append(&mut c.findings.list);
        }
        (dialogues, findings)
    }
}
