//! The connection table: finds a segment's connection by its address/port
//! 4-tuple (both directions together), starts new connections, notices port
//! reuse (a new SYN on a 4-tuple whose earlier connection is over), and
//! releases a connection when its owner says it is done, so memory follows
//! the connections that are open, not all those a capture ever held.
//!
//! Each connection carries a value `U` of the layers above (the table never
//! looks into it), so one lookup per segment finds every layer's state.

use std::collections::HashMap;
use std::net::SocketAddr;

use super::connection::Connection;
use super::event::ConnEvent;
use super::segment::SegmentRecord;
use crate::capture::FrameMeta;
use crate::finding::Severity;
use crate::wire::TcpSegment;

type Key = (SocketAddr, SocketAddr);

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// One open connection and what the layers above keep about it.
#[derive(Debug)]
pub struct Entry<U> {
    pub conn: Connection,
    pub upper: U,
    key: Key,
}

/// The open connections of a capture. Ids count from 1 in order of first
/// frame and are never reused.
#[derive(Debug)]
pub struct ConnTable<U> {
    by_key: HashMap<Key, u32>,
    /// Boxed: an entry is a few kilobytes, and a table of them inline
    /// would hold (and, growing, copy) that much per empty slot too.
    open: HashMap<u32, Box<Entry<U>>>,
    opened: u32,
}

impl<U> Default for ConnTable<U> {
    fn default() -> Self {
        ConnTable {
            by_key: HashMap::new(),
            open: HashMap::new(),
            opened: 0,
        }
    }
}

impl<U> ConnTable<U> {
    /// How many connections the capture opened so far.
    pub fn opened(&self) -> u32 {
        self.opened
    }

    /// How many are open now.
    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    pub fn get(&self, id: u32) -> Option<&Entry<U>> {
        self.open.get(&id).map(|e| &**e)
    }

    pub fn get_mut(&mut self, id: u32) -> Option<&mut Entry<U>> {
        self.open.get_mut(&id).map(|e| &mut **e)
    }

    /// The open connections, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry<U>> {
        self.open.values().map(|e| &**e)
    }

    /// Takes a connection out of the table: later segments of its 4-tuple
    /// start a new one.
    pub fn release(&mut self, id: u32) -> Option<Entry<U>> {
        let e = self.open.remove(&id)?;
        if self.by_key.get(&e.key) == Some(&id) {
            self.by_key.remove(&e.key);
        }
        Some(*e)
    }

    /// Every open connection, in id order, taken out of the table.
    pub fn drain(&mut self) -> Vec<Entry<U>> {
        self.by_key.clear();
        let mut all: Vec<Entry<U>> = self.open.drain().map(|(_, e)| *e).collect();
        all.sort_by_key(|e| e.conn.id);
        all
    }
}

impl<U> ConnTable<U> {
    /// Processes one TCP segment from `src` to `dst`. `route` receives the
    /// connection's events with its layers' value. A connection this segment
    /// ends by reusing its ports is finished and handed to `ended`.
    #[allow(clippy::too_many_arguments)]
    pub fn segment(
        &mut self,
        frame: &FrameMeta,
        seg: &TcpSegment,
        src: SocketAddr,
        dst: SocketAddr,
        new_upper: &mut dyn FnMut(u32) -> U,
        route: &mut dyn FnMut(&mut U, u32, ConnEvent<'_>),
        ended: &mut dyn FnMut(Entry<U>),
    ) -> SegmentRecord {
        let k = key(src, dst);
        let mut reused_from = None;
        let id = match self.by_key.get(&k).copied() {
            Some(old) if self.starts_new(old, seg, src) => {
                if let Some(mut e) = self.release(old) {
                    reused_from = Some((old, e.conn.is_closed()));
                    let Entry { conn, upper, .. } = &mut e;
                    conn.finish(&mut |ev| route(upper, old, ev));
                    ended(e);
                }
                self.open_new(k, frame, seg, src, dst, new_upper)
            }
            Some(id) if self.open.contains_key(&id) => id,
            _ => self.open_new(k, frame, seg, src, dst, new_upper),
        };
        let Some(entry) = self.open.get_mut(&id) else {
            unreachable!("connection {id} was just looked up or opened")
        };
        let Entry { conn, upper, .. } = &mut **entry;
        if let Some((old, closed)) = reused_from {
            note_reuse(conn, frame.number, old, closed);
        }
        let dir = conn.dir_of(src);
        let mut record = conn.process(frame, seg, dir, &mut |e| route(upper, id, e));
        if reused_from.is_some() {
            record.analysis.set(super::analysis::Flag::PortReuse);
        }
        record
    }

    /// A SYN (without ACK) whose sequence number is not the ISN its sender
    /// already used on this 4-tuple starts a new connection, as in Wireshark,
    /// whether or not the end of the earlier one was captured.
    fn starts_new(&self, id: u32, seg: &TcpSegment, src: SocketAddr) -> bool {
        let f = seg.flags;
        let Some(e) = self.open.get(&id) else {
            return false;
        };
        f.syn() && !f.ack() && e.conn.is_new_syn(e.conn.dir_of(src), seg.seq)
    }

    fn open_new(
        &mut self,
        k: Key,
        frame: &FrameMeta,
        seg: &TcpSegment,
        src: SocketAddr,
        dst: SocketAddr,
        new_upper: &mut dyn FnMut(u32) -> U,
    ) -> u32 {
        self.opened += 1;
        let id = self.opened;
        let conn = Connection::new(id, frame, seg, src, dst);
        let upper = new_upper(id);
        self.open.insert(
            id,
            Box::new(Entry {
                conn,
                upper,
                key: k,
            }),
        );
        self.by_key.insert(k, id);
        id
    }
}

fn note_reuse(conn: &mut Connection, frame: u64, old: u32, closed: bool) {
    let id = conn.id;
    let ended = if closed {
        "which had ended"
    } else {
        "whose end this capture did not show"
    };
    conn.note(
        frame,
        "tcp_port_reuse",
        Severity::Info,
        format!(
            "A new SYN with a new initial sequence number on the same addresses and ports as connection \
             {old}, {ended}: a 4-tuple names a conversation only for a while, so this is connection {id}."
        ),
        "RFC 9293 §3.4",
    );
}
