//! Drives the layers over a capture and keeps what the faces need.

use std::net::SocketAddr;
use std::path::Path;

use super::stats::CaptureStats;
use crate::capture::{CaptureError, CaptureReader, LinkType, Timestamp};
use crate::finding::{Finding, Provenance, Severity};
use crate::proto::{self, Dialogue, Protocol, Tracker};
use crate::socket::recorded::{self, ConnView, RecordedCall};
use crate::socket::{SocketEvent, SocketInference};
use crate::tcp::{Chunk, ConnEvent, ConnTable, Connection, Dir, SegmentRecord, TcpState};
use crate::wire::{self, Transport};

/// Receives every connection's reassembled bytes as they are delivered.
pub trait StreamSink {
    /// `offset` is the stream offset; a gap is `Chunk::Gap(len)`.
    fn chunk(&mut self, conn: u32, dir: Dir, offset: u64, chunk: Chunk<'_>);
}

impl StreamSink for () {
    fn chunk(&mut self, _: u32, _: Dir, _: u64, _: Chunk<'_>) {}
}

/// Where each frame is, for views that re-read bytes.
#[derive(Clone, Debug)]
pub struct FrameIndex {
    pub number: u64,
    pub time: Timestamp,
    pub offset: u64,
    pub cap_len: u32,
    pub orig_len: u32,
    pub link_type: LinkType,
    pub interface: u32,
    /// Index into [`Timeline::segments`] when the frame is a TCP segment.
    pub segment: Option<u32>,
}

/// Frames, segments and socket events kept per capture. Past this many frames
/// the pass goes on (connection summaries, findings and streams stay complete)
/// but no more per-frame records are kept, so memory stays bounded even for a
/// gzip bomb of tiny frames (about 300 bytes per frame: ~1.2 GB at the cap).
pub const MAX_RECORDS: usize = 4_000_000;

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
    pub roles: crate::tcp::RoleSource,
}

/// Everything one pass learnt.
#[derive(Debug, Default)]
pub struct Timeline {
    /// The capture as the user named it.
    pub source: String,
    pub frames: Vec<FrameIndex>,
    /// pcapng packet comments, (frame, text), in frame order.
    pub comments: Vec<(u64, String)>,
    pub segments: Vec<SegmentRecord>,
    pub connections: Vec<ConnSummary>,
    pub table: ConnTable,
    pub socket: Vec<SocketEvent>,
    /// Capture-level and connection findings, in frame order.
    pub findings: Vec<Finding>,
    pub stats: CaptureStats,
    /// Why reading stopped early, if it did; everything before was analysed.
    pub error: Option<CaptureError>,
    /// Application dialogues (SMTP, POP3), by connection id.
    pub dialogues: Vec<Dialogue>,
    /// Per connection (index = id − 1): positions of its records, so a face
    /// reads one connection without scanning the others.
    by_conn: Vec<ConnIndex>,
}

/// Positions of one connection's records in the capture-wide vectors.
#[derive(Debug, Default, Clone)]
struct ConnIndex {
    segments: Vec<u32>,
    socket: Vec<u32>,
    findings: Vec<u32>,
}

impl Timeline {
    pub fn connection(&self, id: u32) -> Option<&ConnSummary> {
        self.connections.get((id as usize).checked_sub(1)?)
    }

    fn index_of(&self, id: u32) -> Option<&ConnIndex> {
        self.by_conn.get((id as usize).checked_sub(1)?)
    }

    /// Segments of one connection, in frame order.
    pub fn segments_of(&self, id: u32) -> impl Iterator<Item = &SegmentRecord> {
        let idx = self
            .index_of(id)
            .map(|i| i.segments.as_slice())
            .unwrap_or(&[]);
        idx.iter().filter_map(|&i| self.segments.get(i as usize))
    }

    /// Inferred socket events of one connection, in frame order.
    pub fn socket_of(&self, id: u32) -> impl Iterator<Item = &SocketEvent> {
        let idx = self
            .index_of(id)
            .map(|i| i.socket.as_slice())
            .unwrap_or(&[]);
        idx.iter().filter_map(|&i| self.socket.get(i as usize))
    }

    /// Findings of one connection (id 0: about the capture itself), in frame order.
    pub fn findings_of(&self, id: u32) -> impl Iterator<Item = &Finding> {
        let idx: &[u32] = if id == 0 {
            &[]
        } else {
            self.index_of(id)
                .map(|i| i.findings.as_slice())
                .unwrap_or(&[])
        };
        let capture = self.findings.iter().filter(move |f| id == 0 && f.conn == 0);
        idx.iter()
            .filter_map(|&i| self.findings.get(i as usize))
            .chain(capture)
    }

    /// Builds the per-connection positions once all records are in.
    fn index(&mut self) {
        let mut by = vec![ConnIndex::default(); self.connections.len()];
        for (i, s) in self.segments.iter().enumerate() {
            if let Some(c) = conn_slot(&mut by, s.conn) {
                c.segments.push(i as u32);
            }
        }
        for (i, e) in self.socket.iter().enumerate() {
            if let Some(c) = conn_slot(&mut by, e.conn) {
                c.socket.push(i as u32);
            }
        }
        for (i, f) in self.findings.iter().enumerate() {
            if let Some(c) = conn_slot(&mut by, f.conn) {
                c.findings.push(i as u32);
            }
        }
        self.by_conn = by;
    }

    /// The application dialogue of a connection, if it carries one sockscope reads.
    pub fn dialogue(&self, id: u32) -> Option<&Dialogue> {
        self.dialogues.iter().find(|d| d.conn == id)
    }

    /// Where the capture carries socket calls recorded by the lab (pcapng
    /// comments, [`crate::socket::recorded`]), they replace the inferred
    /// calls of their connections, labelled `observed`.
    fn use_recorded_calls(&mut self) {
        let calls: Vec<RecordedCall> = self
            .comments
            .iter()
            .flat_map(|(_, text)| RecordedCall::from_comment(text))
            .collect();
        if calls.is_empty() {
            return;
        }
        let views: Vec<ConnView<'_>> = self
            .connections
            .iter()
            .map(|c| ConnView {
                id: c.id,
                client: c.client,
                server: c.server,
                segments: self.segments_of(c.id).collect(),
            })
            .collect();
        let (observed, covered) = recorded::observe(&calls, &views);
        drop(views);
        self.socket.retain(|e| !covered.contains(&e.conn));
        self.socket.extend(observed);
        self.socket.sort_by_key(|e| (e.frame, e.time));
        writes_before_their_reads(&mut self.socket);
        self.index();
    }

    /// The comment recorded with a frame, if any.
    pub fn comment(&self, frame: u64) -> Option<&str> {
        let i = self
            .comments
            .binary_search_by_key(&frame, |(f, _)| *f)
            .ok()?;
        Some(self.comments[i].1.as_str())
    }

    pub fn first_time(&self) -> Option<Timestamp> {
        self.frames.first().map(|f| f.time)
    }
}

/// Opens and analyses a capture file (`-` = standard input). A capture that
/// cannot even be opened is an error; one that breaks later yields the frames
/// before the break and [`Timeline::error`].
pub fn analyze_file(path: &Path, sink: &mut dyn StreamSink) -> Result<Timeline, CaptureError> {
    let reader = CaptureReader::open(path)?;
    Ok(analyze(reader, sink))
}

fn conn_slot(by: &mut [ConnIndex], conn: u32) -> Option<&mut ConnIndex> {
    by.get_mut((conn as usize).checked_sub(1)?)
}

/// First bytes of each server stream, for detection by greeting.
const GREETING_PEEK: usize = 8;

/// Runs every layer over the frames of `reader`.
pub fn analyze(reader: CaptureReader, sink: &mut dyn StreamSink) -> Timeline {
    analyze_limited(reader, sink, MAX_RECORDS)
}

/// As [`analyze`], keeping per-frame records for at most `max_records` frames.
pub fn analyze_limited(
    mut reader: CaptureReader,
    sink: &mut dyn StreamSink,
    max_records: usize,
) -> Timeline {
    let mut a = Analyzer::new(reader.path(), sink, max_records);
    let error = loop {
        match reader.next_frame() {
            Ok(Some(f)) => {
                a.push(f);
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    a.finish(error)
}

/// One pass through every layer, a frame at a time: what [`analyze`] runs
/// over a file, and what a live capture feeds as frames arrive.
pub struct Analyzer<'s> {
    out: Timeline,
    up: Upper,
    sink: &'s mut dyn StreamSink,
    max_records: usize,
    fragment_reported: bool,
    limit_reported: bool,
    /// The last segment's record when per-frame records are no longer kept
    /// (a live view still shows it).
    unkept: Option<SegmentRecord>,
}

impl<'s> Analyzer<'s> {
    /// An analysis of the capture named `source`, keeping per-frame records
    /// for at most `max_records` frames ([`MAX_RECORDS`] for files).
    pub fn new(source: &str, sink: &'s mut dyn StreamSink, max_records: usize) -> Self {
        Analyzer {
            out: Timeline {
                source: source.to_string(),
                ..Timeline::default()
            },
            up: Upper::default(),
            sink,
            max_records,
            fragment_reported: false,
            limit_reported: false,
            unkept: None,
        }
    }

    /// Runs one frame through the layers; returns its TCP segment's record
    /// when the frame is a TCP segment (kept in the timeline, or past
    /// `max_records` only lent until the next frame).
    pub fn push(&mut self, frame: crate::capture::Frame<'_>) -> Option<&SegmentRecord> {
        let kept_segments = self.out.segments.len();
        self.unkept = None;
        let meta = &frame.meta;
        self.out.stats.frames += 1;
        self.out.stats.bytes += u64::from(meta.cap_len);
        if meta.cap_len < meta.orig_len {
            self.out.stats.truncated += 1;
        }
        let mut index = FrameIndex {
            number: meta.number,
            time: meta.time,
            offset: meta.offset,
            cap_len: meta.cap_len,
            orig_len: meta.orig_len,
            link_type: meta.link_type,
            interface: meta.interface,
            segment: None,
        };
        let keep = self.out.frames.len() < self.max_records;
        if !keep && !self.limit_reported {
            self.limit_reported = true;
            self.up.socket.stop_recording();
            self.out.findings.push(Finding {
                conn: 0,
                frame: meta.number,
                id: "index_limit",
                severity: Severity::Warning,
                message: format!(
                    "The capture has more than {} frames: from frame {} on, sockscope still analyses \
                     every segment (connection summaries, findings and streams stay complete) but keeps no \
                     per-frame records, so the ladder stops here. Cut the capture (editcap -r) to see the rest.",
                    self.max_records,
                    meta.number
                ),
                reference: "",
                provenance: Provenance::Observed,
            });
        }
        if let (Some(text), true) = (&meta.comment, keep) {
            self.out.comments.push((meta.number, text.clone()));
        }
        let packet = wire::decode(meta.link_type, frame.data);
        if let Some(why) = &packet.stopped {
            self.out.stats.note(meta.number, why.clone());
        }
        if let Some(ip) = &packet.ip {
            if let Some(frag) = ip.fragment {
                self.out.stats.ip_fragments += 1;
                if !self.fragment_reported {
                    self.fragment_reported = true;
                    self.out.findings.push(Finding {
                        conn: 0,
                        frame: meta.number,
                        id: "ip_fragment",
                        severity: Severity::Info,
                        message: format!(
                            "Frame {} is a piece of a fragmented IP datagram ({} → {}, offset {}{}); sockscope counts \
                             fragments but does not reassemble them, so any TCP data inside is not analysed.",
                            meta.number,
                            ip.src,
                            ip.dst,
                            frag.offset,
                            if frag.more { ", more follow" } else { ", last piece" }
                        ),
                        reference: "RFC 791 §2.3; RFC 8200 §4.5",
                        provenance: Provenance::Observed,
                    });
                }
            }
        }
        match (&packet.ip, &packet.transport) {
            (Some(ip), Transport::Tcp(seg)) => {
                self.out.stats.tcp += 1;
                let src = SocketAddr::new(ip.src, seg.src_port);
                let dst = SocketAddr::new(ip.dst, seg.dst_port);
                let (number, time) = (meta.number, meta.time);
                let record = self
                    .out
                    .table
                    .segment(meta, seg, src, dst, &mut |conn, ev| {
                        self.up.route(conn, ev, number, time, &mut *self.sink)
                    });
                if let Some(c) = self.out.table.get(record.conn) {
                    self.up.tracker.advance(record.conn, c.server.port());
                }
                if keep {
                    index.segment = Some(self.out.segments.len() as u32);
                    self.out.segments.push(record);
                } else {
                    self.unkept = Some(record);
                }
            }
            (Some(_), Transport::Udp) => self.out.stats.udp += 1,
            (Some(_), Transport::Icmp) => self.out.stats.icmp += 1,
            (Some(_), _) => self.out.stats.other_ip += 1,
            (None, _) => self.out.stats.non_ip += 1,
        }
        if keep {
            self.out.frames.push(index);
        }
        if self.out.segments.len() > kept_segments {
            self.out.segments.last()
        } else {
            self.unkept.as_ref()
        }
    }

    /// The connection table so far (live views read connections and their
    /// findings as they grow).
    pub fn table(&self) -> &ConnTable {
        &self.out.table
    }

    /// Findings the application readers raised so far on connection `conn`.
    pub fn app_findings(&self, conn: u32) -> &[Finding] {
        self.up.tracker.findings_of(conn)
    }

    /// Ends the pass: closes every connection and reader, and builds the
    /// summaries and indexes. `error` is why reading stopped early, if it did.
    pub fn finish(self, error: Option<CaptureError>) -> Timeline {
        let Analyzer {
            mut out,
            mut up,
            sink,
            ..
        } = self;
        out.error = error;
        let last = out
            .frames
            .last()
            .map(|f| (f.number, f.time))
            .unwrap_or_default();
        out.table
            .finish(&mut |conn, ev| up.route(conn, ev, last.0, last.1, sink));
        for c in out.table.connections() {
            up.tracker.advance(c.id, c.server.port());
        }
        out.connections = out
            .table
            .connections()
            .iter()
            .map(|c| summarise(c, up.greetings.get(c.id as usize).map(Vec::as_slice)))
            .collect();
        for c in out.table.connections() {
            out.findings.extend(c.findings().iter().cloned());
        }
        out.findings.sort_by_key(|f| (f.frame, f.conn));
        out.socket = up.socket.into_events();
        // Inferred reads of bytes a full receiver dropped move to where it
        // took them (the sort below puts them in place).
        super::kernel_at::settle_inferred_reads(&mut out);
        // listen() is dated at the SYN it answered but learned at the
        // SYN/ACK: it goes before connect(). Nearly sorted already, so the
        // stable sort costs about one pass.
        out.socket.sort_by_key(|e| {
            let later = !matches!(e.call, crate::socket::SocketCall::Listening { .. });
            (e.frame, later)
        });
        // The listening port is the server's, known once roles are settled.
        for ev in &mut out.socket {
            if let crate::socket::SocketCall::Listening { port } = &mut ev.call {
                if let Some(c) = out.connections.get(ev.conn as usize - 1) {
                    *port = c.server.port();
                }
            }
        }
        out.index();
        out.use_recorded_calls();
        let (dialogues, findings) = up.tracker.finish(|id| out.segments_of(id).collect());
        out.dialogues = dialogues;
        super::secrets::mask(&mut out);
        if !findings.is_empty() {
            out.findings.extend(findings);
            out.findings.sort_by_key(|f| (f.frame, f.conn));
            out.index();
        }
        out
    }
}

/// Within one frame, a write() goes before the read() that returned its
/// bytes. On loopback the reader can return before the writer's call does
/// (the kernel delivers during the write), so sorting by return time put
/// the effect before its cause; a student should see the bytes written,
/// then read. Other calls keep their order (a server reads a command and
/// then writes its reply, both at the command's frame).
fn writes_before_their_reads(events: &mut [SocketEvent]) {
    use crate::socket::SocketCall;
    let mut start = 0;
    while start < events.len() {
        let key = |e: &SocketEvent| (e.frame, e.conn);
        let k = key(&events[start]);
        let end = start + events[start..].iter().take_while(|e| key(e) == k).count();
        // Groups are a few calls; a hostile one is left as it is.
        if end - start <= 64 {
            let group = &mut events[start..end];
            let mut i = 0;
            while i < group.len() {
                let reads = match (&group[i].call, group[i].endpoint) {
                    (SocketCall::Read { offset, .. }, e) => Some((*offset, e)),
                    _ => None,
                };
                let cause = reads.and_then(|(at, reader)| {
                    (i + 1..group.len()).find(|&j| match &group[j].call {
                        SocketCall::Write { offset, len, .. } => {
                            group[j].endpoint != reader && *offset <= at && at < offset + len
                        }
                        _ => false,
                    })
                });
                if let Some(j) = cause {
                    group[i..=j].rotate_right(1);
                }
                i += 1;
            }
        }
        start = end;
    }
}

/// The layers above TCP, fed as connection events happen.
#[derive(Default)]
struct Upper {
    socket: SocketInference,
    tracker: Tracker,
    /// First bytes of each server stream, for detection by greeting.
    greetings: Vec<Vec<u8>>,
}

impl Upper {
    /// Hands one connection event to the socket layer, the application readers,
    /// the protocol detector and the stream sink.
    fn route(
        &mut self,
        conn: u32,
        ev: ConnEvent<'_>,
        frame: u64,
        time: Timestamp,
        sink: &mut dyn StreamSink,
    ) {
        let i = conn as usize;
        if self.greetings.len() <= i {
            self.greetings.resize(i + 1, Vec::new());
        }
        if let ConnEvent::Delivered { dir, delivery } = ev {
            if let (Dir::S2c, Chunk::Data(b)) = (dir, delivery.chunk) {
                let g = &mut self.greetings[i];
                if g.len() < GREETING_PEEK && delivery.offset == g.len() as u64 {
                    g.extend(b.iter().take(GREETING_PEEK - g.len()));
                }
            }
            self.tracker.delivered(conn, dir, &delivery);
            sink.chunk(conn, dir, delivery.offset, delivery.chunk);
        }
        self.socket.on_event(conn, 0, frame, time, &ev);
    }
}

fn summarise(c: &Connection, greeting: Option<&[u8]>) -> ConnSummary {
    let protocol =
        proto::by_port(c.server.port()).or_else(|| greeting.and_then(proto::by_greeting));
    ConnSummary {
        id: c.id,
        client: c.client,
        server: c.server,
        first_frame: c.first_frame,
        last_frame: c.last_frame,
        first_time: c.first_time,
        last_time: c.last_time,
        history: c.history().to_string(),
        state: c.conn_state(),
        client_state: c.state(Dir::C2s),
        server_state: c.state(Dir::S2c),
        bytes_c2s: c.bytes(Dir::C2s),
        bytes_s2c: c.bytes(Dir::S2c),
        gap_c2s: c.gap_bytes(Dir::C2s),
        gap_s2c: c.gap_bytes(Dir::S2c),
        segments_c2s: c.segments(Dir::C2s),
        segments_s2c: c.segments(Dir::S2c),
        protocol,
        irtt_nanos: c.irtt_nanos(),
        roles: c.roles,
    }
}
