//! What a connection tells the layers above as segments pass: the milestones
//! of its handshake and close, and the bytes each direction sent and delivered
//! (the socket layer turns these into inferred calls, stream consumers into
//! text). Also [`At`], where a segment is, which every emitter needs.

use super::dir::Dir;
use super::reassembly::Delivery;
use crate::capture::Timestamp;

/// What happened to the byte streams and the connection, for the socket layer
/// and for stream consumers.
#[derive(Clone, Copy, Debug)]
pub enum ConnEvent<'a> {
    /// The client sent a SYN (connect() was called).
    Syn { frame: u64, time: Timestamp },
    /// The server answered SYN/ACK (a socket was listening).
    SynAck { frame: u64, time: Timestamp },
    /// The handshake completed as seen from this side of the tap.
    Established { frame: u64, time: Timestamp },
    /// The sender of `dir` sent bytes (or a FIN) for the first time: its
    /// application handed them over (write()) or closed before this.
    /// Retransmitted and keep-alive bytes are not reported again.
    Sent {
        dir: Dir,
        /// Stream offset of the first new byte.
        offset: u64,
        /// New payload bytes (the segment's length, not what was captured).
        len: u64,
        /// The new bytes the capture holds (fewer when the frame was cut).
        bytes: &'a [u8],
        /// The segment carries PSH: the end of what was handed over.
        push: bool,
        /// The sender's first FIN.
        fin: bool,
    },
    /// Bytes of direction `dir` became readable by its receiver.
    Delivered { dir: Dir, delivery: Delivery<'a> },
    /// The sender of `dir` closed its side and every byte before the FIN was
    /// delivered: the receiver's read() returns 0.
    Eof {
        dir: Dir,
        frame: u64,
        time: Timestamp,
    },
    /// The sender of `dir` reset the connection.
    Reset {
        dir: Dir,
        frame: u64,
        time: Timestamp,
    },
}

/// Where the connection's events go.
pub(super) type Sink<'s> = dyn FnMut(ConnEvent<'_>) + 's;

/// Where a segment is: the direction it travels, its frame and its time.
#[derive(Clone, Copy, Debug)]
pub(super) struct At {
    pub dir: Dir,
    pub frame: u64,
    pub time: Timestamp,
}

impl At {
    /// The same frame and time, seen from the other direction (an ACK acts on
    /// the stream it acknowledges).
    pub fn reverse(self) -> At {
        At {
            dir: self.dir.other(),
            ..self
        }
    }

    /// Whether the client sends in this direction (Zeek's upper-case letters).
    pub fn client(self) -> bool {
        self.dir == Dir::C2s
    }

    /// A delivery of this direction's stream, as an event.
    pub fn delivered(self, delivery: Delivery<'_>) -> ConnEvent<'_> {
        ConnEvent::Delivered {
            dir: self.dir,
            delivery,
        }
    }
}
