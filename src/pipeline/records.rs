//! What the pipeline hands its consumers: a connection's records when it is
//! over, the capture's own when the capture ends, and — for the faces that
//! want them as they come — every frame and every reassembled chunk.
//!
//! A connection's records are final when handed over: nothing that comes
//! later in the capture changes them (a segment that arrives for a
//! connection already handed over starts a new one; see `docs/pipeline.md`
//! for when a connection is over).

use std::io;
use std::net::SocketAddr;

use crate::capture::{CaptureError, FrameMeta, Timestamp};
use crate::finding::Finding;
use crate::proto::{Dialogue, Protocol};
use crate::socket::SocketEvent;
use crate::tcp::{Chunk, Dir, RoleSource, SegmentRecord, TcpState};

use super::stats::CaptureStats;

/// A connection as the report shows it.
#[derive(Clone, Debug)]
pub struct ConnSummary {
    pub id: u32,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub first_frame: u64,
    pub last_frame: u64,
    pub first_time: Timestamp,
    pub last_time: Timestamp,
    pub history: String,
    /// Zeek conn_state.
    pub state: &'static str,
    pub client_state: TcpState,
    pub server_state: TcpState,
    pub bytes_c2s: u64,
    pub bytes_s2c: u64,
    pub gap_c2s: u64,
    pub gap_s2c: u64,
    pub segments_c2s: u64,
    pub segments_s2c: u64,
    pub protocol: Option<Protocol>,
    pub irtt_nanos: Option<i64>,
    pub roles: RoleSource,
    /// Why its records were handed over when they were.
    pub ended: Ended,
}

/// Why a connection's records were handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Both sides closed (FIN) or one reset it, and a while passed.
    Closed,
    /// No segment for [`super::release::IDLE_TIMEOUT`] of capture time.
    Idle,
    /// Too many connections were open at once: the least recently active
    /// made room ([`super::release::MAX_OPEN`], [`super::release::MAX_HALF_OPEN`]).
    Evicted,
    /// A new SYN reused its addresses and ports.
    PortReuse,
    /// The capture ended with it still open.
    CaptureEnd,
}

impl Ended {
    pub fn name(self) -> &'static str {
        match self {
            Ended::Closed => "closed",
            Ended::Idle => "idle",
            Ended::Evicted => "evicted",
            Ended::PortReuse => "port_reuse",
            Ended::CaptureEnd => "capture_end",
        }
    }
}

/// Everything sockscope learnt about one connection, handed over once.
#[derive(Debug)]
pub struct ConnRecords {
    pub summary: ConnSummary,
    /// Its segments in frame order: at most [`super::MAX_CONN_RECORDS`]
    /// (the summary counts them all; a `record_limit` finding says where
    /// the list stops).
    pub segments: Vec<SegmentRecord>,
    /// Its socket calls (inferred, or recorded by the lab), in frame order.
    pub socket: Vec<SocketEvent>,
    /// What the lab's real kernel said about its sockets (TCP_INFO and the
    /// queue ioctls, docs/lab.md), in frame order; empty for other captures.
    pub kernel: Vec<crate::socket::kernel_sample::PlacedSample>,
    /// Its application dialogue, if it carries one sockscope reads.
    pub dialogue: Option<Dialogue>,
    /// Its findings, in frame order.
    pub findings: Vec<Finding>,
    /// pcapng comments on its segments, (frame, text), other than the lab's
    /// recorded calls (those are in `socket`).
    pub comments: Vec<(u64, String)>,
}

/// What the capture itself left, when it ended.
#[derive(Debug, Default)]
pub struct CaptureEnd {
    /// The capture as the user named it.
    pub source: String,
    pub stats: CaptureStats,
    /// Findings about the capture, not one connection (conn 0), in frame order.
    pub findings: Vec<Finding>,
    /// Connections the capture held.
    pub connections: u32,
    pub first_time: Option<Timestamp>,
    pub last_time: Option<Timestamp>,
    /// Why reading stopped early, if it did; everything before was analysed.
    pub error: Option<CaptureError>,
}

/// A face over the pipeline's records: the report writes them as they come,
/// the view's timeline keeps them. Records arrive in this order: frames and
/// chunks as they are read, each connection's records when it is over, the
/// capture's at the end.
pub trait Consumer {
    /// Every frame, as it is read; `segment` is its TCP segment's record.
    fn frame(&mut self, _meta: &FrameMeta, _segment: Option<&SegmentRecord>) {}
    /// Reassembled bytes of a connection, as they are delivered (`offset`
    /// is the stream offset; a hole the capture missed is a `Chunk::Gap`).
    fn chunk(&mut self, _conn: u32, _dir: Dir, _offset: u64, _chunk: Chunk<'_>) {}
    /// A connection is over.
    fn connection(&mut self, records: ConnRecords) -> io::Result<()>;
    /// The capture ended.
    fn end(&mut self, end: CaptureEnd) -> io::Result<()>;
}

impl<C: Consumer + ?Sized> Consumer for &mut C {
    fn frame(&mut self, meta: &FrameMeta, segment: Option<&SegmentRecord>) {
        (**self).frame(meta, segment)
    }
    fn chunk(&mut self, conn: u32, dir: Dir, offset: u64, chunk: Chunk<'_>) {
        (**self).chunk(conn, dir, offset, chunk)
    }
    fn connection(&mut self, records: ConnRecords) -> io::Result<()> {
        (**self).connection(records)
    }
    fn end(&mut self, end: CaptureEnd) -> io::Result<()> {
        (**self).end(end)
    }
}
