//! A connection that is over becomes its records: its reassembly and readers
//! are finished, its socket calls put in their final place (or replaced by
//! the calls the lab recorded for it), its dialogue's timing checked against
//! its segments, its credentials masked in previews, and its findings sorted.

use crate::finding::Finding;
use crate::proto::{self, tracker::Limits};
use crate::socket::kernel_sample::{self, KernelSample};
use crate::socket::recorded::{self, ConnView, RecordedCall};
use crate::socket::settle;
use crate::tcp::table::Entry;
use crate::tcp::{Connection, Dir};

use super::records::{ConnRecords, ConnSummary, Consumer, Ended};
use super::secrets;
use super::upper::Upper;

/// Finishes a connection and builds its records. `calls` are the recorded
/// calls not yet placed; the ones that belong to this connection are taken.
pub fn close<C: Consumer + ?Sized>(
    entry: Entry<Upper>,
    ended: Ended,
    calls: &mut Vec<RecordedCall>,
    samples: &mut Vec<KernelSample>,
    limits: Limits,
    total_left: usize,
    consumer: &mut C,
) -> ConnRecords {
    let Entry {
        mut conn,
        mut upper,
        ..
    } = entry;
    let id = conn.id;
    let (frame, time) = (conn.last_frame, conn.last_time);
    if ended != Ended::PortReuse {
        // (A reused connection was finished by the table already.)
        conn.finish(&mut |ev| upper.route(id, ev, frame, time, consumer));
    }
    // A connection over before the capture ended is closed, not cut.
    let ended = if ended == Ended::CaptureEnd && conn.is_closed() {
        Ended::Closed
    } else {
        ended
    };
    let port = conn.server.port();
    upper.tracker.advance(port, limits, total_left);
    let summary = summarise(&conn, upper.greeting(), ended);
    let mut findings: Vec<Finding> = conn.findings().to_vec();
    if let Some(first) = upper.first_unkept {
        findings.push(record_limit(
            id,
            first,
            upper.segments.len(),
            upper.segments_unkept,
        ));
    }
    let Upper {
        sockets,
        tracker,
        mut segments,
        comments,
        ..
    } = upper;
    let mut socket = sockets.into_events();
    settle::settle(&mut socket, &segments, port);
    if let Some(observed) = take_recorded(calls, &summary, &segments) {
        socket = observed;
        socket.sort_by_key(|e| (e.frame, e.time));
        settle::writes_before_their_reads(&mut socket);
    }
    let kernel = take_samples(samples, &summary, &segments);
    let refs: Vec<_> = segments.iter().collect();
    let (dialogue, app_findings) = tracker.finish(&refs);
    drop(refs);
    if let Some(d) = &dialogue {
        secrets::mask(d, &mut segments, &mut socket);
    }
    findings.extend(app_findings);
    findings.sort_by_key(|f| f.frame);
    ConnRecords {
        summary,
        segments,
        socket,
        kernel,
        dialogue,
        findings,
        comments,
    }
}

/// The kernel samples the lab recorded for this connection's two sockets
/// (and its listener), placed on the segments (docs/lab.md).
fn take_samples(
    samples: &mut Vec<KernelSample>,
    c: &ConnSummary,
    segments: &[crate::tcp::SegmentRecord],
) -> Vec<kernel_sample::PlacedSample> {
    if samples.is_empty() {
        return Vec::new();
    }
    let view = ConnView {
        id: c.id,
        client: c.client,
        server: c.server,
        segments: segments.iter().collect(),
    };
    kernel_sample::place(samples, &view)
}

/// Where the capture carries socket calls recorded by the lab (pcapng
/// comments, [`recorded`]), they replace the connection's inferred calls,
/// labelled `observed`. The calls placed are taken out of `calls`; listen()
/// calls stay (one listener serves many connections).
fn take_recorded(
    calls: &mut Vec<RecordedCall>,
    c: &ConnSummary,
    segments: &[crate::tcp::SegmentRecord],
) -> Option<Vec<crate::socket::SocketEvent>> {
    if calls.is_empty() {
        return None;
    }
    let view = ConnView {
        id: c.id,
        client: c.client,
        server: c.server,
        segments: segments.iter().collect(),
    };
    let (observed, covered) = recorded::observe(calls, std::slice::from_ref(&view));
    if covered.is_empty() {
        return None;
    }
    calls.retain(|k| k.call == recorded::CallKind::Listen || !recorded::belongs(k, &view));
    Some(observed)
}

/// Segment records are kept per connection up to a cap (the report's ladder
/// and the view need them; memory must not follow the connection's length).
fn record_limit(conn: u32, frame: u64, kept: usize, unkept: u64) -> Finding {
    Finding {
        conn,
        frame,
        id: "record_limit",
        severity: crate::finding::Severity::Info,
        message: format!(
            "sockscope keeps the records of a connection's first {kept} segments; from frame {frame} on, \
             {unkept} more were analysed (summary, findings, dialogue and streams stay complete) but are not \
             listed. Cut the capture to see them (editcap, or tshark -Y tcp.stream)."
        ),
        reference: "",
        provenance: crate::finding::Provenance::Observed,
    }
}

fn summarise(c: &Connection, greeting: &[u8], ended: Ended) -> ConnSummary {
    let protocol = proto::by_port(c.server.port()).or_else(|| proto::by_greeting(greeting));
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
        ended,
    }
}
