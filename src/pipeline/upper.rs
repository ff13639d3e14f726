//! The layers above TCP for one connection, fed as its events happen: the
//! socket inference, the application reader, the first bytes of the server
//! (to recognise a protocol by its greeting), and the connection's segment
//! records until it is over.

use crate::capture::Timestamp;
use crate::proto::Tracker;
use crate::socket::ConnSockets;
use crate::tcp::{Chunk, ConnEvent, Dir, SegmentRecord};

use super::records::Consumer;

/// First bytes of each server stream, for detection by greeting.
pub const GREETING_PEEK: usize = 8;

/// One connection's state above TCP.
pub struct Upper {
    pub sockets: ConnSockets,
    pub tracker: Tracker,
    greeting: [u8; GREETING_PEEK],
    greeting_len: u8,
    /// Its segments so far, in frame order (at most `cap`).
    pub segments: Vec<SegmentRecord>,
    /// How many segments were not kept past `cap`, and the first of them.
    pub segments_unkept: u64,
    pub first_unkept: Option<u64>,
    /// Comments on its segments (other than recorded calls), at most `cap`.
    pub comments: Vec<(u64, String)>,
    cap: usize,
}

impl Upper {
    /// The layers of connection `conn`, keeping at most `cap` segment
    /// records and socket events.
    pub fn new(conn: u32, cap: usize) -> Self {
        Upper {
            sockets: ConnSockets::new(conn, cap),
            tracker: Tracker::new(conn),
            greeting: [0; GREETING_PEEK],
            greeting_len: 0,
            segments: Vec::new(),
            segments_unkept: 0,
            first_unkept: None,
            comments: Vec::new(),
            cap,
        }
    }

    /// The server's first bytes seen so far.
    pub fn greeting(&self) -> &[u8] {
        self.greeting
            .get(..usize::from(self.greeting_len))
            .unwrap_or(&[])
    }

    /// Keeps a segment's record, up to the cap.
    pub fn keep(&mut self, record: &SegmentRecord) {
        if self.segments.len() < self.cap {
            self.segments.push(record.clone());
        } else {
            self.segments_unkept += 1;
            self.first_unkept.get_or_insert(record.frame);
        }
    }

    /// Keeps a segment's pcapng comment, without the lines that carry
    /// recorded calls.
    pub fn keep_comment(&mut self, frame: u64, text: &str) {
        if self.comments.len() < self.cap {
            if let Some(own) = crate::socket::recorded::own_comment(text) {
                self.comments.push((frame, own));
            }
        }
    }

    /// Hands one connection event to the socket layer, the application
    /// reader, the protocol detector and the consumer's stream view.
    pub fn route<C: Consumer + ?Sized>(
        &mut self,
        conn: u32,
        ev: ConnEvent<'_>,
        frame: u64,
        time: Timestamp,
        consumer: &mut C,
    ) {
        if let ConnEvent::Delivered { dir, delivery } = ev {
            if let (Dir::S2c, Chunk::Data(b)) = (dir, delivery.chunk) {
                self.peek_greeting(delivery.offset, b);
            }
            self.tracker.delivered(dir, &delivery);
            consumer.chunk(conn, dir, delivery.offset, delivery.chunk);
        }
        self.sockets.on_event(frame, time, &ev);
    }

    fn peek_greeting(&mut self, offset: u64, bytes: &[u8]) {
        let have = usize::from(self.greeting_len);
        if have >= GREETING_PEEK || offset != have as u64 {
            return;
        }
        for (slot, &b) in self.greeting.iter_mut().skip(have).zip(bytes) {
            *slot = b;
            self.greeting_len += 1;
        }
    }
}
