//! The pass itself: each frame is decoded, handed to its connection, and the
//! layers above TCP are fed as the connection's events happen; connections
//! that are over are closed into records and handed to the consumer at once.

use std::io;
use std::net::SocketAddr;

use crate::capture::{CaptureError, CaptureReader, Frame, Timestamp};
use crate::finding::{Finding, Provenance, Severity};
use crate::proto::tracker::Limits;
use crate::socket::kernel_sample::KernelSample;
use crate::socket::recorded::RecordedCall;
use crate::tcp::table::{ConnTable, Entry};
use crate::tcp::SegmentRecord;
use crate::wire::{self, Packet, Transport};

use super::close::close;
use super::records::{CaptureEnd, Consumer, Ended};
use super::release::{self, Pressure};
use super::stats::CaptureStats;
use super::upper::Upper;

/// Segment records and socket events kept per connection (about 150 bytes
/// each); past this a connection is still analysed in full, but its list of
/// segments stops (a `record_limit` finding says where).
pub const MAX_CONN_RECORDS: usize = 100_000;
/// Bytes of recorded calls (the lab's pcapng comments) waiting for their
/// connection to end; past this, later calls are not kept.
const MAX_PENDING_CALL_BYTES: usize = 16 << 20;

/// One pass through every layer, a frame at a time: what [`run`] does over a
/// file, and what a live capture feeds as frames arrive.
pub struct Pipeline<C: Consumer> {
    consumer: C,
    table: ConnTable<Upper>,
    source: String,
    stats: CaptureStats,
    /// Findings about the capture itself.
    findings: Vec<Finding>,
    /// Recorded calls not yet placed, and their size.
    calls: Vec<RecordedCall>,
    /// Kernel samples the lab recorded (docs/lab.md), not yet placed; they
    /// share the calls' budget.
    samples: Vec<KernelSample>,
    call_bytes: usize,
    calls_dropped: bool,
    limits: Limits,
    /// Dialogue items the open connections hold together.
    live_items: usize,
    cap: usize,
    first_time: Option<Timestamp>,
    last_time: Option<Timestamp>,
    /// The capture's clock: the latest frame time seen.
    now: Timestamp,
    fragment_reported: bool,
    pressure_reported: [bool; 2],
    evicted: u64,
    /// The consumer failed (a closed pipe): nothing more is handed over.
    failed: Option<io::Error>,
}

impl<C: Consumer> Pipeline<C> {
    /// A pass over the capture named `source`, handing records to `consumer`.
    pub fn new(source: &str, consumer: C) -> Self {
        Pipeline {
            consumer,
            table: ConnTable::default(),
            source: source.to_string(),
            stats: CaptureStats::default(),
            findings: Vec::new(),
            calls: Vec::new(),
            samples: Vec::new(),
            call_bytes: 0,
            calls_dropped: false,
            limits: Limits::default(),
            live_items: 0,
            cap: MAX_CONN_RECORDS,
            first_time: None,
            last_time: None,
            now: Timestamp::default(),
            fragment_reported: false,
            pressure_reported: [false; 2],
            evicted: 0,
            failed: None,
        }
    }

    /// Keeps at most `cap` segment records and socket events per connection.
    pub fn with_record_cap(mut self, cap: usize) -> Self {
        self.cap = cap.max(1);
        self
    }

    /// Keeps at most `limits` dialogue items.
    pub fn with_dialogue_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn consumer(&self) -> &C {
        &self.consumer
    }

    pub fn consumer_mut(&mut self) -> &mut C {
        &mut self.consumer
    }

    /// The consumer failed: reading on is pointless.
    pub fn failed(&self) -> bool {
        self.failed.is_some()
    }

    /// Findings raised so far on a connection still open (by TCP, by the
    /// application reader), for a live capture that prints them as they come.
    pub fn open_findings(&self, conn: u32) -> (&[Finding], &[Finding]) {
        match self.table.get(conn) {
            Some(e) => (e.conn.findings(), e.upper.tracker.findings()),
            None => (&[], &[]),
        }
    }

    /// Runs one frame through the layers; returns its TCP segment's record
    /// when the frame is a TCP segment.
    pub fn push(&mut self, frame: Frame<'_>) -> Option<SegmentRecord> {
        let meta = &frame.meta;
        self.count(meta);
        if let Some(text) = &meta.comment {
            self.keep_calls(text);
        }
        let packet = wire::decode(meta.link_type, frame.data);
        if let Some(why) = &packet.stopped {
            self.stats.note(meta.number, why.clone());
        }
        self.note_fragment(meta.number, &packet);
        let record = match (&packet.ip, &packet.transport) {
            (Some(ip), Transport::Tcp(seg)) => {
                self.stats.tcp += 1;
                let src = SocketAddr::new(ip.src, seg.src_port);
                let dst = SocketAddr::new(ip.dst, seg.dst_port);
                Some(self.segment(meta, seg, src, dst))
            }
            (Some(_), Transport::Udp) => {
                self.stats.udp += 1;
                None
            }
            (Some(_), Transport::Icmp) => {
                self.stats.icmp += 1;
                None
            }
            (Some(_), _) => {
                self.stats.other_ip += 1;
                None
            }
            (None, _) => {
                self.stats.non_ip += 1;
                None
            }
        };
        self.consumer.frame(meta, record.as_ref());
        if self.stats.frames.is_multiple_of(release::SWEEP_FRAMES) {
            self.sweep();
        }
        record
    }

    fn count(&mut self, meta: &crate::capture::FrameMeta) {
        self.stats.frames += 1;
        self.stats.bytes += u64::from(meta.cap_len);
        if meta.cap_len < meta.orig_len {
            self.stats.truncated += 1;
        }
        self.first_time.get_or_insert(meta.time);
        self.last_time = Some(meta.time);
        self.now = self.now.max(meta.time);
    }

    /// One TCP segment through its connection and the layers above.
    fn segment(
        &mut self,
        meta: &crate::capture::FrameMeta,
        seg: &wire::TcpSegment,
        src: SocketAddr,
        dst: SocketAddr,
    ) -> SegmentRecord {
        let (number, time, cap) = (meta.number, meta.time, self.cap);
        let consumer = &mut self.consumer;
        let mut reused = Vec::new();
        let record = self.table.segment(
            meta,
            seg,
            src,
            dst,
            &mut |id| Upper::new(id, cap),
            &mut |upper, id, ev| upper.route(id, ev, number, time, consumer),
            &mut |entry| reused.push(entry),
        );
        for entry in reused {
            self.hand_over(entry, Ended::PortReuse);
        }
        let left = self.limits.total.saturating_sub(self.live_items);
        if let Some(e) = self.table.get_mut(record.conn) {
            e.upper.keep(&record);
            if let Some(text) = &meta.comment {
                e.upper.keep_comment(number, text);
            }
            let before = e.upper.tracker.items();
            e.upper
                .tracker
                .advance(e.conn.server.port(), self.limits, left);
            self.live_items = (self.live_items + e.upper.tracker.items()).saturating_sub(before);
        }
        record
    }

    /// Closes a connection into its records and hands them over.
    fn hand_over(&mut self, entry: Entry<Upper>, ended: Ended) {
        self.live_items = self.live_items.saturating_sub(entry.upper.tracker.items());
        let left = self.limits.total.saturating_sub(self.live_items);
        let records = close(
            entry,
            ended,
            &mut self.calls,
            &mut self.samples,
            self.limits,
            left,
            &mut self.consumer,
        );
        if self.failed.is_none() {
            if let Err(e) = self.consumer.connection(records) {
                self.failed = Some(e);
            }
        }
    }

    /// Releases the connections that are over or must make room.
    fn sweep(&mut self) {
        let (due, pressure) = release::due(&self.table, self.now);
        for (id, ended) in due {
            if let Some(entry) = self.table.release(id) {
                if ended == Ended::Evicted {
                    self.evicted += 1;
                }
                self.hand_over(entry, ended);
            }
        }
        self.note_pressure(pressure);
    }

    /// Says once per limit that connections were released to make room.
    fn note_pressure(&mut self, pressure: Pressure) {
        let (k, what, cap) = match pressure {
            Pressure::None => return,
            Pressure::HalfOpen => (
                0,
                "connections that never completed a handshake (a SYN flood, or a scan)",
                release::MAX_HALF_OPEN,
            ),
            Pressure::Open => (1, "connections", release::MAX_OPEN),
        };
        if std::mem::replace(&mut self.pressure_reported[k], true) {
            return;
        }
        let frame = self.stats.frames;
        self.findings.push(Finding {
            conn: 0,
            frame,
            id: "connection_limit",
            severity: Severity::Info,
            message: format!(
                "More than {cap} {what} were open at once by frame {frame}: sockscope reported the least \
                 recently active ones as they stood and freed their state, so memory stays bounded. A \
                 later segment of one of them starts a new connection."
            ),
            reference: "",
            provenance: Provenance::Observed,
        });
    }

    /// Keeps the recorded calls a frame's comment carries, up to a budget.
    fn keep_calls(&mut self, text: &str) {
        if self.calls_dropped {
            return;
        }
        if text.contains(crate::socket::kernel_sample::PREFIX) {
            for sample in KernelSample::from_comment(text) {
                let size = 256 + sample.at.len();
                if self.call_bytes + size > MAX_PENDING_CALL_BYTES {
                    self.calls_dropped = true;
                    return;
                }
                self.call_bytes += size;
                self.samples.push(sample);
            }
        }
        if !text.contains(crate::socket::recorded::PREFIX) {
            return;
        }
        for call in RecordedCall::from_comment(text) {
            let size = 128
                + call.data.as_ref().map_or(0, String::len)
                + call.data_hex.as_ref().map_or(0, String::len);
            if self.call_bytes + size > MAX_PENDING_CALL_BYTES {
                self.calls_dropped = true;
                return;
            }
            self.call_bytes += size;
            self.calls.push(call);
        }
    }

    fn note_fragment(&mut self, number: u64, packet: &Packet) {
        let Some(ip) = &packet.ip else { return };
        let Some(frag) = ip.fragment else { return };
        self.stats.ip_fragments += 1;
        if std::mem::replace(&mut self.fragment_reported, true) {
            return;
        }
        self.findings.push(Finding {
            conn: 0,
            frame: number,
            id: "ip_fragment",
            severity: Severity::Info,
            message: format!(
                "Frame {number} is a piece of a fragmented IP datagram ({} → {}, offset {}{}); sockscope counts \
                 fragments but does not reassemble them, so any TCP data inside is not analysed.",
                ip.src,
                ip.dst,
                frag.offset,
                if frag.more { ", more follow" } else { ", last piece" }
            ),
            reference: "RFC 791 §2.3; RFC 8200 §4.5",
            provenance: Provenance::Observed,
        });
    }

    /// Ends the pass: closes every connection still open, in id order, and
    /// hands over the capture's own records. `error` is why reading stopped
    /// early, if it did. Returns the consumer, or the error it failed with.
    pub fn finish(mut self, error: Option<CaptureError>) -> Result<C, (C, io::Error)> {
        for entry in self.table.drain() {
            self.hand_over(entry, Ended::CaptureEnd);
        }
        if self.calls_dropped {
            self.findings.push(calls_dropped_finding(self.stats.frames));
        }
        self.findings.sort_by_key(|f| f.frame);
        let end = CaptureEnd {
            source: std::mem::take(&mut self.source),
            stats: std::mem::take(&mut self.stats),
            findings: std::mem::take(&mut self.findings),
            connections: self.table.opened(),
            first_time: self.first_time,
            last_time: self.last_time,
            error,
        };
        if self.failed.is_none() {
            if let Err(e) = self.consumer.end(end) {
                self.failed = Some(e);
            }
        }
        match self.failed {
            None => Ok(self.consumer),
            Some(e) => Err((self.consumer, e)),
        }
    }
}

fn calls_dropped_finding(frame: u64) -> Finding {
    Finding {
        conn: 0,
        frame,
        id: "record_limit",
        severity: Severity::Warning,
        message: format!(
            "The capture carries more recorded socket calls than sockscope keeps waiting for their \
             connections ({} MiB): later calls were not placed, and their connections show inferred calls.",
            MAX_PENDING_CALL_BYTES >> 20
        ),
        reference: "",
        provenance: Provenance::Observed,
    }
}

/// Runs every layer over the frames of `reader`, handing records to
/// `consumer`. Reading stops early when the capture breaks (the error goes
/// to [`CaptureEnd::error`]) or the consumer fails (returned).
pub fn run<C: Consumer>(reader: CaptureReader, consumer: C) -> Result<C, (C, io::Error)> {
    let p = Pipeline::new(reader.path(), consumer);
    drive(reader, p)
}

/// As [`run`], with a pipeline already set up (its limits chosen).
pub fn drive<C: Consumer>(
    mut reader: CaptureReader,
    mut p: Pipeline<C>,
) -> Result<C, (C, io::Error)> {
    let error = loop {
        if p.failed() {
            break None;
        }
        match reader.next_frame() {
            Ok(Some(f)) => {
                p.push(f);
            }
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    p.finish(error)
}
