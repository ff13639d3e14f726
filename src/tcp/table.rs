//! The connection table: finds a segment's connection by its address/port
//! 4-tuple (both directions together), starts new connections, and notices port
//! reuse (a new SYN on a 4-tuple whose earlier connection is over).

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

/// Every connection of a capture, in order of first frame (id = index + 1).
#[derive(Debug, Default)]
pub struct ConnTable {
    live: HashMap<Key, usize>,
    conns: Vec<Connection>,
}

impl ConnTable {
    pub fn connections(&self) -> &[Connection] {
        &self.conns
    }

    pub fn get(&self, id: u32) -> Option<&Connection> {
        self.conns.get((id as usize).checked_sub(1)?)
    }

    /// Processes one TCP segment from `src` to `dst`. `sink` receives the
    /// connection's events with its id.
    pub fn segment(
        &mut self,
        frame: &FrameMeta,
        seg: &TcpSegment,
        src: SocketAddr,
        dst: SocketAddr,
        sink: &mut dyn FnMut(u32, ConnEvent<'_>),
    ) -> SegmentRecord {
        let k = key(src, dst);
        let mut reused_from = None;
        // A connection this segment opens is stored once it has processed it.
        let mut opened = None;
        let next_id = self.conns.len() as u32 + 1;
        let conn = match self.live.get(&k).and_then(|&i| self.conns.get_mut(i)) {
            Some(old) if starts_new(old, seg, src) => {
                reused_from = Some((old.id, old.is_closed()));
                let old_id = old.id;
                old.finish(&mut |e| sink(old_id, e));
                opened.insert(Connection::new(next_id, frame, seg, src, dst))
            }
            Some(c) => c,
            None => opened.insert(Connection::new(next_id, frame, seg, src, dst)),
        };
        let id = conn.id;
        if let Some((old, closed)) = reused_from {
            let ended = if closed {
                "which had ended"
            } else {
                "whose end this capture did not show"
            };
            conn.note(
                frame.number,
                "tcp_port_reuse",
                Severity::Info,
                format!(
                    "A new SYN with a new initial sequence number on the same addresses and ports as connection \
                     {old}, {ended}: a 4-tuple names a conversation only for a while, so this is connection {id}."
                ),
                "RFC 9293 §3.4",
            );
        }
        let dir = conn.dir_of(src);
        let mut record = conn.process(frame, seg, dir, &mut |e| sink(id, e));
        if reused_from.is_some() {
            record.analysis.set(super::analysis::Flag::PortReuse);
        }
        if let Some(c) = opened {
            self.live.insert(k, self.conns.len());
            self.conns.push(c);
        }
        record
    }

    /// End of capture: finish every connection still open.
    pub fn finish(&mut self, sink: &mut dyn FnMut(u32, ConnEvent<'_>)) {
        for c in &mut self.conns {
            let id = c.id;
            c.finish(&mut |e| sink(id, e));
        }
    }
}

/// A SYN (without ACK) whose sequence number is not the ISN its sender
/// already used on this 4-tuple starts a new connection, as in Wireshark,
/// whether or not the end of the earlier one was captured.
fn starts_new(c: &Connection, seg: &TcpSegment, src: SocketAddr) -> bool {
    let f = seg.flags;
    f.syn() && !f.ack() && c.is_new_syn(c.dir_of(src), seg.seq)
}
