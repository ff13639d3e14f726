//! What the view reads, built once per analysed timeline (in the loader's
//! thread, never per key press): the timeline itself, the kernel index, each
//! dialogue's lines in the order the application met them, each connection's
//! findings, and the capture-wide activity histogram of the timeline strip.
//! With these, a render touches only what it shows.

use crate::capture::Timestamp;
use crate::finding::Severity;
use crate::timeline::{KernelIndex, Timeline};

/// Columns the strip's histogram is kept at; a render samples it down.
pub const STRIP_BUCKETS: usize = 1024;

/// A dialogue line: a client command or a server reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Command(usize),
    Reply(usize),
    /// A mail message (SMTP DATA/BDAT content, POP3 RETR/TOP), placed by
    /// the frame that ended it.
    Message(usize),
    /// A server line that is no reply ([`crate::proto::dialogue::StrayLine`]).
    Stray(usize),
    /// From here on the connection is TLS (after STARTTLS/STLS and its
    /// go-ahead): its records, named, and nothing more decoded.
    Tls,
}

/// One dialogue row, placed by the frame that completed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    /// Frame that carried the first byte.
    pub first: u64,
    /// Frame that carried the last byte: when the application could read it.
    pub last: u64,
    pub kind: RowKind,
}

/// Activity across the whole capture, by time.
#[derive(Clone, Debug, Default)]
pub struct Strip {
    pub t0: Timestamp,
    pub t1: Timestamp,
    /// Frames per bucket.
    pub counts: Vec<u32>,
    /// The worst finding per bucket.
    pub marks: Vec<Option<Severity>>,
}

impl Strip {
    /// The bucket of a time.
    pub fn bucket(&self, t: Timestamp) -> usize {
        let span = self.t1.nanos_since(self.t0).max(1) as i128;
        let at = t.nanos_since(self.t0).clamp(0, span as i64) as i128;
        ((at * (STRIP_BUCKETS as i128 - 1)) / span) as usize
    }

    /// The time at the start of a bucket.
    pub fn time_of(&self, bucket: usize) -> Timestamp {
        let span = self.t1.nanos_since(self.t0).max(0) as i128;
        let b = bucket.min(STRIP_BUCKETS - 1) as i128;
        Timestamp(
            self.t0
                .0
                .saturating_add((span * b / (STRIP_BUCKETS as i128 - 1)) as i64),
        )
    }
}

/// One analysed capture, as the view reads it.
#[derive(Debug, Default)]
pub struct Data {
    pub timeline: Timeline,
    pub kernel: KernelIndex,
    /// Per connection (index = id − 1): its dialogue rows, in order.
    pub rows: Vec<Vec<Row>>,
    /// Positions in `timeline.findings`: index 0 for the capture's own
    /// findings, index id for connection id.
    pub findings: Vec<Vec<u32>>,
    /// Per connection (index = id − 1): finding count and worst severity.
    pub conn_findings: Vec<(u32, Option<Severity>)>,
    pub strip: Strip,
    /// Per connection (index = id − 1): its position in `timeline.dialogues`.
    dialogue_at: Vec<Option<u32>>,
    /// False while this is a first look at the head of a capture whose rest
    /// is still being indexed.
    pub complete: bool,
}

impl Data {
    /// Indexes a timeline (linear, once).
    pub fn build(timeline: Timeline, complete: bool) -> Self {
        let kernel = KernelIndex::build(&timeline);
        let n = timeline.connections.len();
        let mut rows = vec![Vec::new(); n];
        for d in &timeline.dialogues {
            let Some(slot) = (d.conn as usize)
                .checked_sub(1)
                .and_then(|i| rows.get_mut(i))
            else {
                continue;
            };
            *slot = dialogue_rows(d);
        }
        let mut findings = vec![Vec::new(); n + 1];
        let mut conn_findings = vec![(0u32, None::<Severity>); n];
        for (i, f) in timeline.findings.iter().enumerate() {
            if let Some(list) = findings.get_mut(f.conn as usize) {
                list.push(i as u32);
            }
            if let Some(c) = (f.conn as usize)
                .checked_sub(1)
                .and_then(|k| conn_findings.get_mut(k))
            {
                c.0 += 1;
                c.1 = c.1.max(Some(f.severity));
            }
        }
        let strip = strip(&timeline);
        let mut dialogue_at = vec![None; n];
        for (i, d) in timeline.dialogues.iter().enumerate() {
            if let Some(slot) = (d.conn as usize)
                .checked_sub(1)
                .and_then(|k| dialogue_at.get_mut(k))
            {
                *slot = Some(i as u32);
            }
        }
        Data {
            dialogue_at,
            timeline,
            kernel,
            rows,
            findings,
            conn_findings,
            strip,
            complete,
        }
    }

    /// Where a frame's segment sits: (connection, position in it).
    pub fn locate(&self, frame: u64) -> Option<(u32, usize)> {
        let f = self
            .timeline
            .frames
            .get((frame as usize).checked_sub(1)?)
            .filter(|f| f.number == frame)?;
        let seg = f.segment?;
        let conn = self.timeline.segments.get(seg as usize)?.conn;
        let pos = self.kernel.segments_of(conn).binary_search(&seg).ok()?;
        Some((conn, pos))
    }

    /// The segment at a position of a connection.
    pub fn segment(&self, conn: u32, pos: usize) -> Option<&crate::tcp::SegmentRecord> {
        let i = *self.kernel.segments_of(conn).get(pos)?;
        self.timeline.segments.get(i as usize)
    }

    /// Number of segments of a connection.
    pub fn seg_count(&self, conn: u32) -> usize {
        self.kernel.segments_of(conn).len()
    }

    /// Findings of a connection (0: of the capture), in frame order.
    pub fn findings_of(&self, conn: u32) -> &[u32] {
        self.findings.get(conn as usize).map_or(&[], Vec::as_slice)
    }

    /// A connection's dialogue, without scanning them all.
    pub fn dialogue(&self, conn: u32) -> Option<&crate::proto::Dialogue> {
        let i = (*self.dialogue_at.get((conn as usize).checked_sub(1)?)?)?;
        self.timeline.dialogues.get(i as usize)
    }

    pub fn rows_of(&self, conn: u32) -> &[Row] {
        (conn as usize)
            .checked_sub(1)
            .and_then(|i| self.rows.get(i))
            .map_or(&[], Vec::as_slice)
    }
}

/// A dialogue's rows: its commands, replies, stray lines, sent messages and
/// the start of TLS, each placed by the frame that completed it.
fn dialogue_rows(d: &crate::proto::Dialogue) -> Vec<Row> {
    let mut r: Vec<Row> = d
        .commands
        .iter()
        .enumerate()
        .map(|(i, c)| Row {
            first: c.origin.first_frame(),
            last: c.origin.last_frame(),
            kind: RowKind::Command(i),
        })
        .chain(d.replies.iter().enumerate().map(|(i, r)| Row {
            first: r.origin.first_frame(),
            last: r.origin.last_frame(),
            kind: RowKind::Reply(i),
        }))
        .chain(d.stray.iter().enumerate().map(|(i, l)| Row {
            first: l.origin.first_frame(),
            last: l.origin.last_frame(),
            kind: RowKind::Stray(i),
        }))
        .chain(
            d.messages
                .iter()
                .enumerate()
                .filter(|(_, m)| m.was_sent())
                .map(|(i, m)| Row {
                    first: m.content_frame.unwrap_or(m.frame).min(m.frame),
                    last: m.frame,
                    kind: RowKind::Message(i),
                }),
        )
        .collect();
    if let Some(from) = d.tls_from {
        // Placed at the first TLS record (the client's hello), or just
        // after the go-ahead when the capture holds none.
        let at = d.tls_records.first().map_or(from + 1, |(f, _)| *f);
        r.push(Row {
            first: at,
            last: at,
            kind: RowKind::Tls,
        });
    }
    // As the report orders them: by the frame of the last byte; in
    // one frame, commands, then the message they end, then replies
    // (the server answers what it has read).
    // A POP3 message is the server's, after the +OK that announces it.
    let pop3 = d.protocol == crate::proto::Protocol::Pop3;
    r.sort_by_key(|row| {
        let kind = match row.kind {
            RowKind::Command(i) => (0, i),
            RowKind::Message(i) => (if pop3 { 3 } else { 1 }, i),
            RowKind::Reply(i) | RowKind::Stray(i) => (2, i),
            RowKind::Tls => (4, 0),
        };
        (row.last, kind)
    });
    r
}

fn strip(t: &Timeline) -> Strip {
    let (Some(t0), Some(t1)) = (
        t.frames.iter().map(|f| f.time).min(),
        t.frames.iter().map(|f| f.time).max(),
    ) else {
        return Strip::default();
    };
    let mut s = Strip {
        t0,
        t1,
        counts: vec![0; STRIP_BUCKETS],
        marks: vec![None; STRIP_BUCKETS],
    };
    for f in &t.frames {
        let b = s.bucket(f.time);
        s.counts[b] = s.counts[b].saturating_add(1);
    }
    for f in &t.findings {
        let Some(time) = t
            .frames
            .get((f.frame as usize).saturating_sub(1))
            .map(|x| x.time)
        else {
            continue;
        };
        let b = s.bucket(time);
        s.marks[b] = s.marks[b].max(Some(f.severity));
    }
    s
}
