//! The timeline: every record of a capture kept in memory and indexed, for
//! the faces that move back and forth through it (the terminal view, the
//! lessons, tests). It is one consumer of the [pipeline](crate::pipeline):
//! the report streams instead.

use crate::capture::{CaptureError, CaptureReader, FrameMeta, LinkType, Timestamp};
use crate::finding::{Finding, Provenance, Severity};
use crate::pipeline::{
    self, CaptureEnd, CaptureStats, ConnRecords, ConnSummary, Consumer, Pipeline,
};
use crate::proto::Dialogue;
use crate::socket::SocketEvent;
use crate::tcp::{Chunk, Dir, SegmentRecord};
use std::path::Path;

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

/// Frames kept per capture. Past this many frames the pass goes on
/// (connection summaries, findings and streams stay complete) but no more
/// per-frame records are kept, so memory stays bounded even for a gzip bomb
/// of tiny frames (about 300 bytes per frame: ~1.2 GB at the cap).
pub const MAX_RECORDS: usize = 4_000_000;

/// Everything one pass learnt, in memory.
#[derive(Debug, Default)]
pub struct Timeline {
    /// The capture as the user named it.
    pub source: String,
    pub frames: Vec<FrameIndex>,
    /// pcapng packet comments, (frame, text), in frame order.
    pub comments: Vec<(u64, String)>,
    /// Every connection's segments, in frame order.
    pub segments: Vec<SegmentRecord>,
    /// By id (index = id − 1).
    pub connections: Vec<ConnSummary>,
    /// Socket calls, in frame order.
    pub socket: Vec<SocketEvent>,
    /// What the lab's kernel said about each connection's sockets
    /// (docs/lab.md), by connection, then frame.
    pub kernel: Vec<crate::socket::kernel_sample::PlacedSample>,
    /// Capture-level and connection findings, in frame order.
    pub findings: Vec<Finding>,
    pub stats: CaptureStats,
    /// Why reading stopped early, if it did; everything before was analysed.
    pub error: Option<CaptureError>,
    /// Application dialogues (SMTP, POP3), in connection order.
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
    dialogue: Option<u32>,
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
        let idx = self.index_of(id).map_or(&[][..], |i| i.segments.as_slice());
        idx.iter().filter_map(|&i| self.segments.get(i as usize))
    }

    /// The lab's kernel samples of one connection, in frame order.
    pub fn kernel_of(
        &self,
        id: u32,
    ) -> impl Iterator<Item = &crate::socket::kernel_sample::PlacedSample> {
        let start = self.kernel.partition_point(|k| k.conn < id);
        self.kernel[start..]
            .iter()
            .take_while(move |k| k.conn == id)
    }

    /// Socket events of one connection, in frame order.
    pub fn socket_of(&self, id: u32) -> impl Iterator<Item = &SocketEvent> {
        let idx = self.index_of(id).map_or(&[][..], |i| i.socket.as_slice());
        idx.iter().filter_map(|&i| self.socket.get(i as usize))
    }

    /// Findings of one connection (id 0: about the capture itself), in frame order.
    pub fn findings_of(&self, id: u32) -> impl Iterator<Item = &Finding> {
        let idx: &[u32] = if id == 0 {
            &[]
        } else {
            self.index_of(id).map_or(&[][..], |i| i.findings.as_slice())
        };
        let capture = self.findings.iter().filter(move |f| id == 0 && f.conn == 0);
        idx.iter()
            .filter_map(|&i| self.findings.get(i as usize))
            .chain(capture)
    }

    /// The application dialogue of a connection, if it carries one sockscope reads.
    pub fn dialogue(&self, id: u32) -> Option<&Dialogue> {
        let at = self.index_of(id)?.dialogue?;
        self.dialogues.get(at as usize)
    }

    /// The comment recorded with a frame, if any.
    pub fn comment(&self, frame: u64) -> Option<&str> {
        let i = self
            .comments
            .binary_search_by_key(&frame, |(f, _)| *f)
            .ok()?;
        self.comments.get(i).map(|(_, c)| c.as_str())
    }

    pub fn first_time(&self) -> Option<Timestamp> {
        self.frames.first().map(|f| f.time)
    }

    /// Builds the per-connection positions once all records are in.
    fn index(&mut self) {
        let mut by = vec![ConnIndex::default(); self.connections.len()];
        for (i, s) in self.segments.iter().enumerate() {
            if let Some(c) = slot(&mut by, s.conn) {
                c.segments.push(i as u32);
            }
        }
        for (i, e) in self.socket.iter().enumerate() {
            if let Some(c) = slot(&mut by, e.conn) {
                c.socket.push(i as u32);
            }
        }
        for (i, f) in self.findings.iter().enumerate() {
            if let Some(c) = slot(&mut by, f.conn) {
                c.findings.push(i as u32);
            }
        }
        for (i, d) in self.dialogues.iter().enumerate() {
            if let Some(c) = slot(&mut by, d.conn) {
                c.dialogue = Some(i as u32);
            }
        }
        self.by_conn = by;
    }
}

fn slot(by: &mut [ConnIndex], conn: u32) -> Option<&mut ConnIndex> {
    by.get_mut((conn as usize).checked_sub(1)?)
}

/// The pipeline consumer that builds a [`Timeline`].
pub struct Collector<'s> {
    t: Timeline,
    conns: Vec<ConnRecords>,
    /// Position in `conns` by connection id.
    by_id: std::collections::HashMap<u32, usize>,
    sink: &'s mut dyn StreamSink,
    max_records: usize,
    limit_reported: bool,
}

impl<'s> Collector<'s> {
    pub fn new(sink: &'s mut dyn StreamSink, max_records: usize) -> Self {
        Collector {
            t: Timeline::default(),
            conns: Vec::new(),
            by_id: Default::default(),
            sink,
            max_records,
            limit_reported: false,
        }
    }

    /// The records of a connection already handed over.
    pub fn handed_over(&self, id: u32) -> Option<&ConnRecords> {
        self.conns.get(*self.by_id.get(&id)?)
    }

    /// The timeline, once the pipeline ended.
    pub fn into_timeline(self) -> Timeline {
        self.t
    }

    fn note_limit(&mut self, frame: u64) {
        self.limit_reported = true;
        self.t.findings.push(Finding {
            conn: 0,
            frame,
            id: "index_limit",
            severity: Severity::Warning,
            message: format!(
                "The capture has more than {} frames: from frame {frame} on, sockscope still analyses \
                 every segment (connection summaries, findings and streams stay complete) but keeps no \
                 per-frame records, so the ladder stops here. Cut the capture (editcap -r) to see the rest.",
                self.max_records
            ),
            reference: "",
            provenance: Provenance::Observed,
        });
    }

    /// Puts every connection's records into the capture-wide vectors.
    fn assemble(&mut self) {
        let last_kept = self.t.frames.last().map_or(0, |f| f.number);
        let limited = self.limit_reported;
        self.by_id.clear();
        let mut conns = std::mem::take(&mut self.conns);
        conns.sort_by_key(|c| c.summary.id);
        for c in conns {
            let ConnRecords {
                summary,
                segments,
                socket,
                kernel,
                dialogue,
                findings,
                ..
            } = c;
            self.t.kernel.extend(
                kernel
                    .into_iter()
                    .filter(|k| !limited || k.frame <= last_kept),
            );
            self.t.connections.push(summary);
            let kept = |frame: u64| !limited || frame <= last_kept;
            self.t
                .segments
                .extend(segments.into_iter().filter(|s| kept(s.frame)));
            self.t
                .socket
                .extend(socket.into_iter().filter(|e| kept(e.frame)));
            self.t.dialogues.extend(dialogue);
            self.t.findings.extend(findings);
        }
        // Each vector is in order per connection: stable sorts keep that.
        self.t.segments.sort_by_key(|s| s.frame);
        self.t.socket.sort_by_key(|e| e.frame);
        self.t.findings.sort_by_key(|f| (f.frame, f.conn));
        // Each frame carries at most one segment: a merge of two sorted lists.
        let mut segs = self.t.segments.iter().enumerate().peekable();
        for f in &mut self.t.frames {
            while segs.next_if(|(_, s)| s.frame < f.number).is_some() {}
            if let Some((i, _)) = segs.next_if(|(_, s)| s.frame == f.number) {
                f.segment = Some(i as u32);
            }
        }
        self.t.index();
    }
}

impl Consumer for Collector<'_> {
    fn frame(&mut self, meta: &FrameMeta, _segment: Option<&SegmentRecord>) {
        if self.t.frames.len() >= self.max_records {
            if !self.limit_reported {
                self.note_limit(meta.number);
            }
            return;
        }
        if let Some(text) = &meta.comment {
            self.t.comments.push((meta.number, text.clone()));
        }
        self.t.frames.push(FrameIndex {
            number: meta.number,
            time: meta.time,
            offset: meta.offset,
            cap_len: meta.cap_len,
            orig_len: meta.orig_len,
            link_type: meta.link_type,
            interface: meta.interface,
            segment: None,
        });
    }

    fn chunk(&mut self, conn: u32, dir: Dir, offset: u64, chunk: Chunk<'_>) {
        self.sink.chunk(conn, dir, offset, chunk);
    }

    fn connection(&mut self, records: ConnRecords) -> std::io::Result<()> {
        self.by_id.insert(records.summary.id, self.conns.len());
        self.conns.push(records);
        Ok(())
    }

    fn end(&mut self, end: CaptureEnd) -> std::io::Result<()> {
        self.t.source = end.source;
        self.t.stats = end.stats;
        self.t.error = end.error;
        self.t.findings.extend(end.findings);
        self.assemble();
        Ok(())
    }
}

/// Opens and analyses a capture file (`-` = standard input). A capture that
/// cannot even be opened is an error; one that breaks later yields the frames
/// before the break and [`Timeline::error`].
pub fn analyze_file(path: &Path, sink: &mut dyn StreamSink) -> Result<Timeline, CaptureError> {
    let reader = CaptureReader::open(path)?;
    Ok(analyze(reader, sink))
}

/// Runs every layer over the frames of `reader`, keeping everything.
pub fn analyze(reader: CaptureReader, sink: &mut dyn StreamSink) -> Timeline {
    analyze_limited(reader, sink, MAX_RECORDS)
}

/// As [`analyze`], keeping per-frame records for at most `max_records` frames.
pub fn analyze_limited(
    reader: CaptureReader,
    sink: &mut dyn StreamSink,
    max_records: usize,
) -> Timeline {
    let collector = Collector::new(sink, max_records);
    let p = Pipeline::new(reader.path(), collector).with_record_cap(max_records);
    // The collector never fails.
    match pipeline::drive(reader, p) {
        Ok(c) | Err((c, _)) => c.into_timeline(),
    }
}

/// The pass fed one frame at a time (a live capture), keeping everything.
pub struct Analyzer<'s> {
    p: Pipeline<Collector<'s>>,
    last: Option<SegmentRecord>,
}

impl<'s> Analyzer<'s> {
    /// An analysis of the capture named `source`, keeping per-frame records
    /// for at most `max_records` frames.
    pub fn new(source: &str, sink: &'s mut dyn StreamSink, max_records: usize) -> Self {
        let p =
            Pipeline::new(source, Collector::new(sink, max_records)).with_record_cap(max_records);
        Analyzer { p, last: None }
    }

    /// Runs one frame through the layers; returns its TCP segment's record.
    pub fn push(&mut self, frame: crate::capture::Frame<'_>) -> Option<&SegmentRecord> {
        self.last = self.p.push(frame);
        self.last.as_ref()
    }

    /// Findings the TCP layer raised so far on connection `conn`, while it
    /// is open (a connection that is over has its findings in the timeline
    /// [`Analyzer::finish`] returns).
    pub fn tcp_findings(&self, conn: u32) -> &[Finding] {
        self.p.open_findings(conn).0
    }

    /// Findings the application readers raised so far on `conn`, while open.
    pub fn app_findings(&self, conn: u32) -> &[Finding] {
        self.p.open_findings(conn).1
    }

    /// Ends the pass. `error` is why reading stopped early, if it did.
    pub fn finish(self, error: Option<CaptureError>) -> Timeline {
        match self.p.finish(error) {
            Ok(c) | Err((c, _)) => c.into_timeline(),
        }
    }
}
