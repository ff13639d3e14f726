//! One test per TCP case: a capture built in memory with `tests/support`, read
//! through `CaptureReader` and analysed by `timeline::analyze`, with the
//! reassembled streams collected through a `StreamSink`.
//!
//! Annotation names and rules follow Wireshark's `tcp_analyze_sequence_number`
//! (epan/dissectors/packet-tcp.c); states follow RFC 9293 §3.3.2 (Figure 5);
//! `history` and `state` follow Zeek's conn.log.
//!
//! Timing to keep in mind: the support builder spaces segments 1 ms apart, so a
//! captured handshake gives an initial RTT (SYN → ACK of the SYN/ACK) of 2 ms,
//! and Wireshark uses that iRTT as its out-of-order threshold (3 ms when no iRTT
//! is known).

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Cursor, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use sockscope::capture::{CaptureErrorKind, CaptureReader};
use sockscope::finding::{Finding, Severity};
use sockscope::socket::{Endpoint, SocketCall};
use sockscope::tcp::{Chunk, Dir, Flag, RoleSource, SegmentRecord, TcpState};
use sockscope::timeline::{analyze, StreamSink, Timeline};
use support::scenarios::{self, client_at};
use support::{merge_pcap, Conv, Link, Seg, SYN_WINDOW};

// ---------------------------------------------------------------------------
// A global allocator that remembers the largest single allocation, so the
// corrupt-length test can check that no huge buffer was requested.

struct LargestAllocation;

// SAFETY: every method forwards to the System allocator with the caller's
// arguments unchanged, so System's guarantees hold; the only addition is an
// atomic maximum of the requested sizes.
static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

// ---------------------------------------------------------------------------
// Collecting streams.

/// A run of a reassembled stream.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Data(Vec<u8>),
    Gap(u64),
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Data(d) => d.len() as u64,
            Piece::Gap(n) => *n,
        }
    }
}

/// Every chunk delivered, in order, checked to be contiguous per stream.
#[derive(Default)]
struct Streams {
    chunks: Vec<(u32, Dir, Piece)>,
}

impl StreamSink for Streams {
    fn chunk(&mut self, conn: u32, dir: Dir, offset: u64, chunk: Chunk<'_>) {
        let next: u64 = self.raw(conn, dir).iter().map(Piece::len).sum();
        assert_eq!(
            offset, next,
            "conn {conn} {dir:?}: chunk at offset {offset}, but the stream so far ends at {next}"
        );
        let piece = match chunk {
            Chunk::Data(d) => Piece::Data(d.to_vec()),
            Chunk::Gap(n) => Piece::Gap(n),
        };
        self.chunks.push((conn, dir, piece));
    }
}

impl Streams {
    /// The chunks of one stream as delivered.
    fn raw(&self, conn: u32, dir: Dir) -> Vec<Piece> {
        self.chunks
            .iter()
            .filter(|(c, d, _)| *c == conn && *d == dir)
            .map(|(_, _, p)| p.clone())
            .collect()
    }

    /// The stream with adjacent data runs joined and adjacent gaps summed.
    fn pieces(&self, conn: u32, dir: Dir) -> Vec<Piece> {
        let mut out: Vec<Piece> = Vec::new();
        for p in self.raw(conn, dir) {
            match (out.last_mut(), p) {
                (Some(Piece::Data(a)), Piece::Data(b)) => a.extend(b),
                (Some(Piece::Gap(a)), Piece::Gap(b)) => *a += b,
                (_, p) => out.push(p),
            }
        }
        out
    }

    /// The stream's bytes; fails if it has a gap.
    fn data(&self, conn: u32, dir: Dir) -> Vec<u8> {
        match self.pieces(conn, dir).as_slice() {
            [] => Vec::new(),
            [Piece::Data(d)] => d.clone(),
            other => panic!("conn {conn} {dir:?} is not one run of data: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Running and looking things up.

fn run(name: &str, capture: Vec<u8>) -> (Timeline, Streams) {
    let reader = CaptureReader::from_reader(name, Cursor::new(capture)).expect("capture opens");
    let mut streams = Streams::default();
    let a = analyze(reader, &mut streams);
    (a, streams)
}

/// Runs a capture that must read to its end.
fn run_ok(capture: Vec<u8>) -> (Timeline, Streams) {
    let (a, s) = run("test.pcap", capture);
    assert!(a.error.is_none(), "unexpected error: {:?}", a.error);
    (a, s)
}

fn seg(a: &Timeline, frame: u64) -> &SegmentRecord {
    a.segments
        .iter()
        .find(|s| s.frame == frame)
        .unwrap_or_else(|| panic!("no segment for frame {frame}"))
}

fn names(a: &Timeline, frame: u64) -> Vec<&'static str> {
    seg(a, frame).analysis.names()
}

fn findings<'a>(a: &'a Timeline, id: &str) -> Vec<&'a Finding> {
    a.findings.iter().filter(|f| f.id == id).collect()
}

/// (conn, frame) of every finding with this id.
fn finding_at(a: &Timeline, id: &str) -> Vec<(u32, u64)> {
    findings(a, id).iter().map(|f| (f.conn, f.frame)).collect()
}

/// Every segment's annotations, for failure messages.
fn ladder(a: &Timeline) -> String {
    a.segments
        .iter()
        .map(|s| {
            format!(
                "frame {:>2} conn {} {:?} {:<8} seq={} ack={} len={} {:?}\n",
                s.frame,
                s.conn,
                s.dir,
                s.flags.to_string(),
                s.seq,
                s.ack,
                s.len,
                s.analysis.names()
            )
        })
        .collect()
}

/// A socket event in a compact, comparable form.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Call {
    Listening(u16),
    Connect,
    ConnectReturned,
    ConnectRefused,
    Accept,
    /// offset, len, gap
    Read(u64, u64, bool),
    /// offset, len
    Write(u64, u64),
    /// close() or shutdown(SHUT_WR)
    FinSent,
    Abort,
    Eof,
    /// EOF after the reader's own FIN
    EofClosedFirst,
    Reset,
}

/// (frame, call) of one endpoint's socket events in one connection, in order.
fn calls(a: &Timeline, conn: u32, endpoint: Endpoint) -> Vec<(u64, Call)> {
    a.socket
        .iter()
        .filter(|e| e.conn == conn && e.endpoint == endpoint)
        .map(|e| {
            let call = match &e.call {
                SocketCall::Listening { port } => Call::Listening(*port),
                SocketCall::Connect => Call::Connect,
                SocketCall::ConnectReturned => Call::ConnectReturned,
                SocketCall::ConnectRefused => Call::ConnectRefused,
                SocketCall::Accept => Call::Accept,
                SocketCall::Read {
                    offset, len, gap, ..
                } => Call::Read(*offset, *len, *gap),
                SocketCall::Write { offset, len, .. } => Call::Write(*offset, *len),
                SocketCall::FinSent => Call::FinSent,
                SocketCall::Abort => Call::Abort,
                SocketCall::Eof {
                    closed_first: false,
                } => Call::Eof,
                SocketCall::Eof { closed_first: true } => Call::EofClosedFirst,
                SocketCall::Reset => Call::Reset,
                other => panic!("a capture without recorded calls inferred {other:?}"),
            };
            (e.frame, call)
        })
        .collect()
}

/// Everything a face shows of an analysis, to compare two readings of one
/// conversation (other link types, pcapng, gzip).
fn fingerprint(a: &Timeline, s: &Streams) -> String {
    let mut out = String::new();
    for c in &a.connections {
        out.push_str(&format!(
            "conn {} {} -> {} frames {}..{} history {} state {} {}/{} bytes {}/{} gaps {}/{} {:?}\n",
            c.id,
            c.client,
            c.server,
            c.first_frame,
            c.last_frame,
            c.history,
            c.state,
            c.client_state,
            c.server_state,
            c.bytes_c2s,
            c.bytes_s2c,
            c.gap_c2s,
            c.gap_s2c,
            c.protocol
        ));
        for dir in [Dir::C2s, Dir::S2c] {
            out.push_str(&format!("  {dir:?} {:?}\n", s.pieces(c.id, dir)));
        }
    }
    out.push_str(&ladder(a));
    for f in &a.findings {
        out.push_str(&format!("finding {} {} {}\n", f.conn, f.frame, f.id));
    }
    for e in &a.socket {
        out.push_str(&format!(
            "socket {} {} {:?} {:?}\n",
            e.conn, e.frame, e.endpoint, e.call
        ));
    }
    out
}

// ---------------------------------------------------------------------------
// Conversations used by several tests.

/// A clean SMTP-like session, the client closing first:
///
/// ```text
///  1 C SYN             7 S ACK
///  2 S SYN,ACK         8 S "221 bye\r\n"
///  3 C ACK             9 C ACK
///  4 S "220 hi\r\n"   10 C FIN,ACK
///  5 C ACK            11 S FIN,ACK
///  6 C "QUIT\r\n"     12 C ACK
/// ```
fn clean_session(mut c: Conv) -> Conv {
    c.handshake()
        .server_sends(b"220 hi\r\n")
        .client_acks()
        .client_sends(b"QUIT\r\n")
        .server_acks()
        .server_sends(b"221 bye\r\n")
        .client_acks()
        .client_fin()
        .server_fin()
        .client_acks();
    c
}

/// Byte offset of each pcap record (1-based index = frame number).
fn record_offsets(c: &Conv) -> Vec<usize> {
    let mut at = 24; // pcap global header
    let mut out = Vec::new();
    for (_, bytes, _) in c.records() {
        out.push(at);
        at += 16 + bytes.len();
    }
    out
}

// ---------------------------------------------------------------------------
// The cases.

#[test]
fn in_order_data_both_ways() {
    let c = clean_session(Conv::new());
    let (a, s) = run_ok(c.to_pcap());

    assert_eq!(a.connections.len(), 1);
    let conn = &a.connections[0];
    assert_eq!(conn.id, 1);
    assert_eq!(conn.client.to_string(), "10.0.0.1:40000");
    assert_eq!(conn.server.to_string(), "10.0.0.2:25");
    assert_eq!((conn.first_frame, conn.last_frame), (1, 12));
    assert_eq!(s.data(1, Dir::C2s), b"QUIT\r\n");
    assert_eq!(s.data(1, Dir::S2c), b"220 hi\r\n221 bye\r\n");
    assert_eq!((conn.bytes_c2s, conn.bytes_s2c), (6, 17));
    assert_eq!((conn.gap_c2s, conn.gap_s2c), (0, 0));
    // Zeek: S h A d D a F f (each of a/d once per side; the client's later
    // ACKs repeat 'A' and are not recorded again).
    assert_eq!(conn.history, "ShAdDaFf");
    assert_eq!(conn.state, "SF");
    // RFC 9293 Figure 5: the active closer ends in TIME-WAIT, the passive one
    // in CLOSED once its FIN is acknowledged.
    assert_eq!(conn.client_state, TcpState::TimeWait);
    assert_eq!(conn.server_state, TcpState::Closed);
    assert_eq!(conn.protocol.map(|p| p.name()), Some("smtp"));

    // Relative numbers as Wireshark shows them, and no annotation at all.
    let expect: [(u64, &str, u32, u32, u32); 12] = [
        (1, "SYN", 0, 0, 0),
        (2, "SYN,ACK", 0, 1, 0),
        (3, "ACK", 1, 1, 0),
        (4, "PSH,ACK", 1, 1, 8),
        (5, "ACK", 1, 9, 0),
        (6, "PSH,ACK", 1, 9, 6),
        (7, "ACK", 9, 7, 0),
        (8, "PSH,ACK", 9, 7, 9),
        (9, "ACK", 7, 18, 0),
        (10, "FIN,ACK", 7, 18, 0),
        (11, "FIN,ACK", 18, 8, 0),
        (12, "ACK", 8, 19, 0),
    ];
    let got: Vec<(u64, String, u32, u32, u32)> = a
        .segments
        .iter()
        .map(|s| (s.frame, s.flags.to_string(), s.seq, s.ack, s.len))
        .collect();
    let want: Vec<(u64, String, u32, u32, u32)> = expect
        .iter()
        .map(|(f, fl, sq, ak, l)| (*f, fl.to_string(), *sq, *ak, *l))
        .collect();
    assert_eq!(got, want);
    assert!(
        a.segments.iter().all(|s| s.analysis.is_empty()),
        "{}",
        ladder(&a)
    );
    assert_eq!(seg(&a, 4).dir, Dir::S2c);
    assert_eq!(seg(&a, 6).dir, Dir::C2s);

    // States after each segment (client, server).
    use TcpState::*;
    assert_eq!(seg(&a, 1).states, [SynSent, Listen]);
    assert_eq!(seg(&a, 2).states, [Established, SynReceived]);
    assert_eq!(seg(&a, 3).states, [Established, Established]);
    assert_eq!(seg(&a, 10).states, [FinWait1, CloseWait]);
    assert_eq!(seg(&a, 11).states, [TimeWait, LastAck]);
    assert_eq!(seg(&a, 12).states, [TimeWait, Closed]);

    // The socket layer: connect, listening, accept, one read per arrival, a
    // write per PSH-ended run of new bytes, close() at the FIN; the EOF of
    // the peer's FIN after the client's own FIN is only seen after a
    // shutdown(SHUT_WR).
    assert_eq!(
        calls(&a, 1, Endpoint::Client),
        vec![
            (1, Call::Connect),
            (2, Call::ConnectReturned),
            (4, Call::Read(0, 8, false)),
            (6, Call::Write(0, 6)),
            (8, Call::Read(8, 9, false)),
            (10, Call::FinSent),
            (11, Call::EofClosedFirst),
        ]
    );
    assert_eq!(
        calls(&a, 1, Endpoint::Server),
        vec![
            (1, Call::Listening(25)),
            (3, Call::Accept),
            (4, Call::Write(0, 8)),
            (6, Call::Read(0, 6, false)),
            (8, Call::Write(8, 9)),
            (10, Call::Eof),
            (11, Call::FinSent),
        ]
    );
    assert!(a.socket.windows(2).all(|w| w[0].frame <= w[1].frame));
    let previews: Vec<&[u8]> = a
        .socket
        .iter()
        .filter_map(|e| match &e.call {
            SocketCall::Read { preview, .. } => Some(&preview[..]),
            _ => None,
        })
        .collect();
    assert_eq!(
        previews,
        vec![&b"220 hi\r\n"[..], &b"QUIT\r\n"[..], &b"221 bye\r\n"[..]]
    );

    assert_eq!(
        (a.stats.frames, a.stats.tcp, a.stats.truncated),
        (12, 12, 0)
    );
    assert!(
        a.stats.decode_notes.is_empty(),
        "{:?}",
        a.stats.decode_notes
    );
    assert!(
        a.findings.iter().all(|f| f.severity == Severity::Info),
        "{:?}",
        a.findings
    );
}

#[test]
fn out_of_order_within_the_rtt() {
    // iRTT 2 ms; frame 4 "world", frame 5 "hello " 1 ms later, frame 6 the ACK.
    let c = scenarios::out_of_order_within_the_rtt();
    let (a, s) = run_ok(c.to_pcap());

    assert_eq!(s.data(1, Dir::C2s), b"hello world", "{}", ladder(&a));
    assert_eq!(a.connections[0].bytes_c2s, 11);
    // Wireshark: a segment beyond the next expected sequence number means the
    // one before it was not (yet) seen: "previous segment not captured".
    assert_eq!(names(&a, 4), vec!["lost_segment"], "{}", ladder(&a));
    // Wireshark: below the highest sequence number, within the out-of-order
    // threshold (the iRTT, here 2 ms) of it, and not ending where it ended:
    // out of order, not a retransmission.
    assert_eq!(names(&a, 5), vec!["out_of_order"], "{}", ladder(&a));
    assert_eq!(names(&a, 6), Vec::<&str>::new());
    // Nothing was readable until the hole filled; then all 11 bytes at once.
    assert_eq!(
        calls(&a, 1, Endpoint::Server),
        vec![
            (1, Call::Listening(25)),
            (3, Call::Accept),
            (5, Call::Read(0, 11, false))
        ]
    );
    assert!(finding_at(&a, "tcp_gap").is_empty());
    assert!(finding_at(&a, "tcp_overlap_conflict").is_empty());
}

#[test]
fn out_of_order_filled_late_is_a_retransmission() {
    // Frame 4 "world" at 3 ms; frame 5 "hello " 200 ms later; frame 6 the ACK.
    let c = scenarios::out_of_order(203_000);
    let (a, s) = run_ok(c.to_pcap());

    assert_eq!(s.data(1, Dir::C2s), b"hello world");
    assert_eq!(names(&a, 4), vec!["lost_segment"], "{}", ladder(&a));
    // Wireshark: past the out-of-order threshold, and not yet acknowledged
    // (so not spurious): a plain retransmission.
    assert_eq!(names(&a, 5), vec!["retransmission"], "{}", ladder(&a));
}

#[test]
fn out_of_order_threshold_is_the_initial_rtt() {
    // A slow handshake: SYN at 0, SYN/ACK at 10 ms, ACK at 20 ms: iRTT 20 ms.
    // Frame 4 "world", frame 5 "hello " 10 ms later.
    let c = scenarios::out_of_order_after_slow_handshake();
    let (a, s) = run_ok(c.to_pcap());

    assert_eq!(s.data(1, Dir::C2s), b"hello world");
    // Wireshark uses the iRTT as the out-of-order threshold when it knows it:
    // 10 ms < 20 ms, so out of order (with the default 3 ms it would be a
    // retransmission).
    assert_eq!(names(&a, 5), vec!["out_of_order"], "{}", ladder(&a));
}

#[test]
fn retransmission_of_identical_data() {
    // Frame 4 sent again as frame 5 200 ms later; frame 6 the ACK.
    let (a, s) = run_ok(scenarios::retransmission().to_pcap());

    assert_eq!(names(&a, 5), vec!["retransmission"], "{}", ladder(&a));
    assert_eq!(seg(&a, 5).context.original_frame, Some(4));
    // The application reads the bytes once.
    assert_eq!(s.data(1, Dir::C2s), b"MAIL FROM:<a@example.org>\r\n");
    assert_eq!(a.connections[0].bytes_c2s, 27);
    assert_eq!(
        calls(&a, 1, Endpoint::Server)
            .into_iter()
            .filter(|(_, c)| matches!(c, Call::Read(..)))
            .collect::<Vec<_>>(),
        vec![(4, Call::Read(0, 27, false))]
    );
    assert!(finding_at(&a, "tcp_overlap_conflict").is_empty());
    assert!(!seg(&a, 5).analysis.has(Flag::OverlapConflict));
    // Zeek's history logs the client's retransmission as 'T'.
    assert!(
        a.connections[0].history.contains('T'),
        "{}",
        a.connections[0].history
    );
}

#[test]
fn overlap_with_the_same_data() {
    let mut c = scenarios::overlap_same_bytes(); // frame 4 rel 1..9, frame 5 half old
    let s = c.client_isn() + 1;
    c.push(client_at(&c, s + 2, b"cdefghijklmn", 400_000)); // frame 6
    c.at(401_000).server_acks();
    let (a, st) = run_ok(c.to_pcap());

    assert_eq!(st.data(1, Dir::C2s), b"abcdefghijklmn", "{}", ladder(&a));
    assert_eq!(a.connections[0].bytes_c2s, 14);
    assert!(finding_at(&a, "tcp_overlap_conflict").is_empty());
    assert!(a
        .segments
        .iter()
        .all(|s| !s.analysis.has(Flag::OverlapConflict)));
    // Starts below the highest sequence number sent, long after it: Wireshark
    // calls it a retransmission even though it also carries new bytes.
    assert!(seg(&a, 5).analysis.has(Flag::Retransmission));
    assert!(seg(&a, 6).analysis.has(Flag::Retransmission));
}

#[test]
fn overlap_with_different_data_keeps_the_first_copy() {
    let mut c = Conv::new();
    c.handshake().client_sends(b"hello world"); // frame 4, rel 1..12
    let s = c.client_isn() + 1;
    c.push(client_at(&c, s + 6, b"WORLD!!", 200_000)); // frame 5, rel 7..14
    c.at(201_000).server_acks();
    let (a, st) = run_ok(c.to_pcap());

    // Policy (src/tcp/reassembly.rs): first copy wins; the new tail is kept.
    assert_eq!(st.data(1, Dir::C2s), b"hello world!!", "{}", ladder(&a));
    assert!(seg(&a, 5).analysis.has(Flag::OverlapConflict));
    let f = findings(&a, "tcp_overlap_conflict");
    assert_eq!(f.len(), 1, "{:?}", a.findings);
    assert_eq!((f[0].conn, f[0].frame), (1, 5));
    assert_eq!(f[0].severity, Severity::Error);
    assert!(!seg(&a, 4).analysis.has(Flag::OverlapConflict));
}

#[test]
fn overlap_conflict_between_copies_waiting_out_of_order() {
    let mut c = Conv::new();
    c.handshake();
    let s = c.client_next();
    c.push(client_at(&c, s + 5, b"WORLD", 3_000)); // frame 4, waits
    c.push(client_at(&c, s + 5, b"world", 200_000)); // frame 5, differs
    c.push(client_at(&c, s, b"hello", 400_000)); // frame 6 fills the hole
    let (a, st) = run_ok(c.to_pcap());

    assert_eq!(st.data(1, Dir::C2s), b"helloWORLD", "{}", ladder(&a));
    assert_eq!(finding_at(&a, "tcp_overlap_conflict"), vec![(1, 5)]);
    assert!(seg(&a, 5).analysis.has(Flag::OverlapConflict));
}

#[test]
fn gap_never_filled() {
    // Frame 4 carries rel 1..5; rel 5..9 ("bbbb") is never captured; frame 5
    // carries rel 9..13.
    let (a, s) = run_ok(scenarios::gap().to_pcap());

    assert_eq!(
        s.pieces(1, Dir::C2s),
        vec![
            Piece::Data(b"aaaa".to_vec()),
            Piece::Gap(4),
            Piece::Data(b"cccc".to_vec())
        ]
    );
    let conn = &a.connections[0];
    assert_eq!((conn.bytes_c2s, conn.gap_c2s), (8, 4));
    assert_eq!(names(&a, 5), vec!["lost_segment"]);
    let f = findings(&a, "tcp_gap");
    assert_eq!(f.len(), 1, "{:?}", a.findings);
    assert_eq!((f[0].conn, f[0].frame), (1, 5));
    assert!(
        conn.history.contains('G'),
        "Zeek's 'G': content gap from the client; history {}",
        conn.history
    );
}

#[test]
fn gap_acknowledged_by_the_receiver_is_delivered_at_the_ack() {
    let (a, s) = run_ok(scenarios::gap_acked_then_more_data().to_pcap());

    assert_eq!(
        s.pieces(1, Dir::C2s),
        vec![
            Piece::Data(b"aaaa".to_vec()),
            Piece::Gap(4),
            Piece::Data(b"ccccdddd".to_vec())
        ]
    );
    // The receiver acknowledged bytes 4..8, so they reached it: the hole is a
    // capture gap, declared at the ACK (frame 6), not at the end: the finding
    // and the read that returns the hole (offset 4, with the gap) are there.
    assert_eq!(finding_at(&a, "tcp_gap"), vec![(1, 6)]);
    assert_eq!(
        calls(&a, 1, Endpoint::Server)
            .into_iter()
            .filter(|(_, c)| matches!(c, Call::Read(..)))
            .collect::<Vec<_>>(),
        vec![
            (4, Call::Read(0, 4, false)),
            (6, Call::Read(4, 8, true)),
            (7, Call::Read(12, 4, false))
        ]
    );
}

#[test]
fn ack_past_a_hole_is_flagged_acked_unseen_segment() {
    let (a, _) = run_ok(scenarios::gap_acked_then_more_data().to_pcap());
    // Wireshark "ACKed unseen segment": the ACK (rel 13) goes beyond the
    // highest *contiguous* sequence number seen from the client
    // (`maxseqtobeacked`, rel 5: the hole starts there), even though data up
    // to rel 13 was seen after the hole. tshark 4.0 flags frame 6.
    assert_eq!(names(&a, 6), vec!["ack_lost_segment"], "{}", ladder(&a));
}

#[test]
fn sequence_numbers_wrap_around() {
    // Frame 4 raw 2^32-4 .. 6, frame 5 raw 2^32-1 .. 7.
    let (a, s) = run_ok(scenarios::wraparound().to_pcap());

    assert_eq!(s.data(1, Dir::C2s), b"0123456789abcdef", "{}", ladder(&a));
    assert_eq!(s.data(1, Dir::S2c), b"ABCDEFGH");
    // Relative numbers go on past the wrap.
    assert_eq!((seg(&a, 6).seq, seg(&a, 6).ack, seg(&a, 6).len), (11, 9, 6));
    assert_eq!((seg(&a, 7).seq, seg(&a, 7).ack), (9, 17));
    assert_eq!((seg(&a, 8).seq, seg(&a, 8).ack), (17, 9));
    assert!(
        a.segments.iter().all(|s| s.analysis.is_empty()),
        "{}",
        ladder(&a)
    );
    assert_eq!(finding_at(&a, "tcp_seq_wraparound"), vec![(1, 4), (1, 5)]);
    let conn = &a.connections[0];
    assert_eq!((conn.bytes_c2s, conn.bytes_s2c), (16, 8));
    assert_eq!(conn.state, "SF");
    assert_eq!(conn.client_state, TcpState::TimeWait);
    assert_eq!(conn.server_state, TcpState::Closed);
    assert!(finding_at(&a, "tcp_gap").is_empty());
}

#[test]
fn syn_retransmitted() {
    // Frame 2 is the SYN again, after the 1 s SYN timeout.
    let (a, s) = run_ok(scenarios::syn_retransmitted().to_pcap());

    assert_eq!(a.connections.len(), 1, "{}", ladder(&a));
    assert_eq!(names(&a, 1), Vec::<&str>::new());
    // Wireshark: a SYN occupies sequence space; one that does not advance it,
    // outside the out-of-order threshold, is a retransmission.
    assert_eq!(names(&a, 2), vec!["retransmission"], "{}", ladder(&a));
    assert!(finding_at(&a, "tcp_port_reuse").is_empty());
    assert_eq!(s.data(1, Dir::C2s), b"x");
    assert_eq!(
        calls(&a, 1, Endpoint::Client)
            .into_iter()
            .filter(|(_, c)| *c == Call::Connect)
            .count(),
        1
    );
    let conn = &a.connections[0];
    assert_eq!(conn.state, "S1");
    assert_eq!(
        (conn.client_state, conn.server_state),
        (TcpState::Established, TcpState::Established)
    );
}

#[test]
fn rst_from_the_server_mid_session() {
    let mut c = Conv::new();
    c.handshake().client_sends(b"EHLO x\r\n").server_rst(); // RST frame 5
    let (a, s) = run_ok(c.to_pcap());

    assert_eq!(seg(&a, 5).flags.to_string(), "RST,ACK");
    assert!(seg(&a, 5).analysis.has(Flag::Reset));
    let f = findings(&a, "tcp_rst");
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].conn, f[0].frame), (1, 5));
    let conn = &a.connections[0];
    // Zeek: established, then the responder aborted.
    assert_eq!(conn.state, "RSTR");
    assert_eq!(conn.history, "ShADr");
    assert_eq!(
        (conn.client_state, conn.server_state),
        (TcpState::Closed, TcpState::Closed)
    );
    assert_eq!(s.data(1, Dir::C2s), b"EHLO x\r\n");
    // The client's next read() fails with ECONNRESET.
    assert_eq!(
        calls(&a, 1, Endpoint::Client).last(),
        Some(&(5, Call::Reset))
    );
    assert!(!calls(&a, 1, Endpoint::Server)
        .iter()
        .any(|(_, c)| *c == Call::Reset));
}

#[test]
fn rst_answering_a_syn_is_a_rejected_connection() {
    let mut c = Conv::new();
    c.push(Seg {
        seq: c.client_isn(),
        ack: 0,
        flags: "S",
        window: SYN_WINDOW,
        ..Seg::default()
    }); // frame 1

    // RFC 9293 §3.10.7.1: a closed port answers
    // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    c.push(Seg {
        from_client: false,
        seq: 0,
        ack: c.client_isn() + 1,
        flags: "RA",
        window: 0,
        time_us: 1_000,
        ..Seg::default()
    }); // frame 2
    let (a, _) = run_ok(c.to_pcap());

    assert_eq!(a.connections.len(), 1);
    let conn = &a.connections[0];
    assert_eq!(conn.client.to_string(), "10.0.0.1:40000");
    assert_eq!(conn.state, "REJ");
    assert_eq!(conn.history, "Sr");
    assert!(seg(&a, 2).analysis.has(Flag::Reset));
    assert!(!seg(&a, 2).analysis.has(Flag::ZeroWindow));
    assert_eq!(finding_at(&a, "tcp_connection_refused"), vec![(1, 2)]);
    assert!(finding_at(&a, "tcp_rst").is_empty());
    // connect() fails with ECONNREFUSED; nobody was listening.
    assert_eq!(
        calls(&a, 1, Endpoint::Client),
        vec![(1, Call::Connect), (2, Call::ConnectRefused)]
    );
    assert_eq!(calls(&a, 1, Endpoint::Server), vec![]);
    assert_eq!(conn.client_state, TcpState::Closed);
}

#[test]
fn fin_from_the_client_first() {
    let mut c = Conv::new();
    c.handshake()
        .client_sends(b"QUIT\r\n") // 4
        .server_sends(b"221 bye\r\n") // 5
        .client_fin() // 6
        .server_acks() // 7
        .server_fin() // 8
        .client_acks(); // 9
    let (a, s) = run_ok(c.to_pcap());

    use TcpState::*;
    assert_eq!(seg(&a, 6).states, [FinWait1, CloseWait]);
    assert_eq!(seg(&a, 7).states, [FinWait2, CloseWait]);
    assert_eq!(seg(&a, 8).states, [TimeWait, LastAck]);
    assert_eq!(seg(&a, 9).states, [TimeWait, Closed]);
    let conn = &a.connections[0];
    assert_eq!(conn.state, "SF");
    assert_eq!(conn.history, "ShADdFaf");
    assert_eq!(s.data(1, Dir::S2c), b"221 bye\r\n");
    let tail = |e| calls(&a, 1, e).split_off(calls(&a, 1, e).len() - 2);
    assert_eq!(
        tail(Endpoint::Server),
        vec![(6, Call::Eof), (8, Call::FinSent)]
    );
    assert_eq!(
        tail(Endpoint::Client),
        vec![(6, Call::FinSent), (8, Call::EofClosedFirst)]
    );
}

#[test]
fn fin_from_the_server_first() {
    let mut c = Conv::new();
    c.handshake()
        .client_sends(b"QUIT\r\n") // 4
        .server_sends(b"221 bye\r\n") // 5
        .server_fin() // 6
        .client_acks() // 7
        .client_fin() // 8
        .server_acks(); // 9
    let (a, s) = run_ok(c.to_pcap());

    use TcpState::*;
    assert_eq!(seg(&a, 6).states, [CloseWait, FinWait1]);
    assert_eq!(seg(&a, 7).states, [CloseWait, FinWait2]);
    assert_eq!(seg(&a, 8).states, [LastAck, TimeWait]);
    assert_eq!(seg(&a, 9).states, [Closed, TimeWait]);
    let conn = &a.connections[0];
    assert_eq!(conn.state, "SF");
    assert_eq!(conn.history, "ShADdfFa");
    assert_eq!(s.data(1, Dir::C2s), b"QUIT\r\n");
    let tail = |e| calls(&a, 1, e).split_off(calls(&a, 1, e).len() - 2);
    assert_eq!(
        tail(Endpoint::Client),
        vec![(6, Call::Eof), (8, Call::FinSent)]
    );
    assert_eq!(
        tail(Endpoint::Server),
        vec![(6, Call::FinSent), (8, Call::EofClosedFirst)]
    );
}

#[test]
fn half_close_the_server_keeps_sending() {
    let mut c = Conv::new();
    c.handshake()
        .client_sends(b"DATA\r\n") // 4
        .client_fin() // 5: shutdown(SHUT_WR)
        .server_acks() // 6
        .server_sends(b"354 go\r\n") // 7: data after the client's FIN
        .client_acks() // 8
        .server_sends(b"250 ok\r\n") // 9
        .client_acks() // 10
        .server_fin() // 11
        .client_acks(); // 12
    let (a, s) = run_ok(c.to_pcap());

    assert_eq!(finding_at(&a, "tcp_half_close"), vec![(1, 7)]);
    // RFC 9293 §3.6: a half-closed connection still carries data the other way.
    assert_eq!(s.data(1, Dir::S2c), b"354 go\r\n250 ok\r\n");
    assert_eq!(s.data(1, Dir::C2s), b"DATA\r\n");
    assert_eq!(
        calls(&a, 1, Endpoint::Server),
        vec![
            (1, Call::Listening(25)),
            (3, Call::Accept),
            (4, Call::Read(0, 6, false)),
            (5, Call::Eof),
            (7, Call::Write(0, 8)),
            (9, Call::Write(8, 8)),
            (11, Call::FinSent),
        ]
    );
    // The client shut down writing (its FIN at 5) and still reads: that is
    // when the EOF after its own FIN is seen.
    assert_eq!(
        calls(&a, 1, Endpoint::Client),
        vec![
            (1, Call::Connect),
            (2, Call::ConnectReturned),
            (4, Call::Write(0, 6)),
            (5, Call::FinSent),
            (7, Call::Read(0, 8, false)),
            (9, Call::Read(8, 8, false)),
            (11, Call::EofClosedFirst),
        ]
    );
    use TcpState::*;
    assert_eq!(seg(&a, 6).states, [FinWait2, CloseWait]);
    assert_eq!(seg(&a, 9).states, [FinWait2, CloseWait]);
    assert_eq!(seg(&a, 12).states, [TimeWait, Closed]);
    assert_eq!(a.connections[0].state, "SF");
}

#[test]
fn port_reuse_makes_a_second_connection() {
    let (first, second) = scenarios::port_reuse(); // frames 1-8, 9-16
    let (a, s) = run_ok(merge_pcap(&[&first, &second]));

    let ids: Vec<u32> = a.connections.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![1, 2], "{}", ladder(&a));
    for c in &a.connections {
        assert_eq!(c.client.to_string(), "10.0.0.1:40000");
        assert_eq!(c.server.to_string(), "10.0.0.2:25");
        assert_eq!(c.state, "SF");
    }
    assert_eq!(
        (a.connections[0].first_frame, a.connections[0].last_frame),
        (1, 8)
    );
    assert_eq!(
        (a.connections[1].first_frame, a.connections[1].last_frame),
        (9, 16)
    );
    assert_eq!(finding_at(&a, "tcp_port_reuse"), vec![(2, 9)]);
    assert_eq!(seg(&a, 9).conn, 2);
    assert!(seg(&a, 9).analysis.has(Flag::PortReuse));
    // Relative to the new ISNs.
    assert_eq!((seg(&a, 10).seq, seg(&a, 10).ack), (0, 1));
    assert_eq!((seg(&a, 12).seq, seg(&a, 12).ack), (1, 1));
    assert_eq!(s.data(1, Dir::C2s), b"HELO a\r\n");
    assert_eq!(s.data(2, Dir::C2s), b"HELO b\r\n");
    assert_eq!(s.data(1, Dir::S2c), b"250 a\r\n");
    assert_eq!(s.data(2, Dir::S2c), b"250 b\r\n");
}

#[test]
fn midstream_capture() {
    // No handshake, and the server speaks first.
    let (a, s) = run_ok(scenarios::midstream().to_pcap());

    assert_eq!(a.connections.len(), 1);
    let conn = &a.connections[0];
    // The side with the higher port is taken as the client.
    assert_eq!(conn.client.to_string(), "10.0.0.1:40000");
    assert_eq!(conn.server.to_string(), "10.0.0.2:25");
    assert_eq!(conn.roles, RoleSource::Ports);
    assert_eq!(conn.state, "OTH");
    assert_eq!(finding_at(&a, "tcp_midstream"), vec![(1, 1)]);
    assert_eq!(s.data(1, Dir::S2c), b"250 OK\r\n221 bye\r\n");
    assert_eq!(s.data(1, Dir::C2s), b"QUIT\r\n");
    assert_eq!(seg(&a, 1).dir, Dir::S2c);
    // Wireshark without a SYN: the first byte seen is relative 1.
    assert_eq!((seg(&a, 1).seq, seg(&a, 1).ack), (1, 1));
    assert_eq!((seg(&a, 2).seq, seg(&a, 2).ack), (1, 9));
    assert!(
        a.segments.iter().all(|s| s.analysis.is_empty()),
        "{}",
        ladder(&a)
    );
    assert!(calls(&a, 1, Endpoint::Client)
        .iter()
        .all(|(_, c)| !matches!(c, Call::Connect)));
}

#[test]
fn ipv6_conversation() {
    let c = clean_session(Conv::ipv6());
    let (a, s) = run_ok(c.to_pcap());

    let conn = &a.connections[0];
    assert_eq!(conn.client.to_string(), "[2001:db8::1]:40000");
    assert_eq!(conn.server.to_string(), "[2001:db8::2]:25");
    assert_eq!(s.data(1, Dir::C2s), b"QUIT\r\n");
    assert_eq!(s.data(1, Dir::S2c), b"220 hi\r\n221 bye\r\n");
    assert_eq!(conn.history, "ShAdDaFf");
    assert_eq!(conn.state, "SF");
}

#[test]
fn every_link_type_gives_the_same_result_as_ethernet() {
    for (v6, base) in [(false, Conv::new()), (true, Conv::ipv6())] {
        let (a, s) = run_ok(clean_session(base.clone()).to_pcap());
        let want = fingerprint(&a, &s);
        for link in [
            Link::Vlan(42),
            Link::QinQ(100, 200),
            Link::Sll,
            Link::Sll2,
            Link::Null,
            Link::Loop,
            Link::Raw,
        ] {
            let c = clean_session(base.clone().link(link));
            let (a, s) = run_ok(c.to_pcap());
            assert_eq!(
                fingerprint(&a, &s),
                want,
                "{link:?} (IPv6: {v6}) differs from Ethernet"
            );
            assert_eq!((a.stats.frames, a.stats.tcp), (12, 12), "{link:?}");
            assert!(
                a.stats.decode_notes.is_empty(),
                "{link:?}: {:?}",
                a.stats.decode_notes
            );
        }
    }
}

#[test]
fn pcapng_gives_the_same_result_as_pcap() {
    let c = clean_session(Conv::new());
    let (a, s) = run_ok(c.to_pcap());
    let (b, t) = run_ok(c.to_pcapng());
    assert_eq!(fingerprint(&b, &t), fingerprint(&a, &s));
    let times = |x: &Timeline| x.frames.iter().map(|f| f.time).collect::<Vec<_>>();
    assert_eq!(times(&b), times(&a));
    assert_eq!(b.frames.len(), 12);
}

#[test]
fn truncated_file_reports_where_and_keeps_earlier_frames() {
    let c = clean_session(Conv::new());
    let pcap = c.to_pcap();
    let offsets = record_offsets(&c);
    let start5 = offsets[4];
    let len5 = c.records()[4].1.len();
    // Cut inside the 5th record's data, and inside its 16-byte header.
    for cut in [start5 + 16 + len5 / 2, start5 + 7] {
        let (a, s) = run("trunc.pcap", pcap[..cut].to_vec());
        let e = a.error.as_ref().expect("an error for a cut file");
        assert_eq!(e.frame, 5, "cut at {cut}: {e}");
        assert_eq!(e.offset, start5 as u64, "cut at {cut}: {e}");
        assert!(
            matches!(e.kind, CaptureErrorKind::Truncated),
            "{:?}",
            e.kind
        );
        let text = e.to_string();
        assert!(text.contains("trunc.pcap"), "{text}");
        assert!(text.contains("frame 5"), "{text}");
        assert!(text.contains(&start5.to_string()), "{text}");
        // The first four frames are analysed.
        assert_eq!(a.stats.frames, 4);
        assert_eq!(a.segments.len(), 4);
        assert_eq!(a.connections[0].last_frame, 4);
        assert_eq!(s.data(1, Dir::S2c), b"220 hi\r\n");
    }
}

#[test]
fn absurd_record_length_is_an_error_not_an_allocation() {
    let c = clean_session(Conv::new());
    let mut pcap = c.to_pcap();
    let start5 = record_offsets(&c)[4];
    // incl_len of record 5 (little-endian pcap).
    pcap[start5 + 8..start5 + 12].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let (a, s) = run("huge.pcap", pcap);

    // No single allocation anywhere near the declared 4 GB.
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(largest < 64 << 20, "largest allocation {largest} bytes");
    let e = a.error.as_ref().expect("an error for a corrupt length");
    assert_eq!((e.frame, e.offset), (5, start5 as u64), "{e}");
    let text = e.to_string();
    assert!(text.contains("huge.pcap"), "{text}");
    assert!(text.contains("frame 5"), "{text}");
    assert!(text.contains("4294967280"), "the length is named: {text}");
    assert!(
        matches!(
            e.kind,
            CaptureErrorKind::Oversized {
                declared: 0xFFFF_FFF0,
                ..
            }
        ),
        "{:?}",
        e.kind
    );
    assert_eq!(a.stats.frames, 4);
    assert_eq!(s.data(1, Dir::S2c), b"220 hi\r\n");
}

#[test]
fn gzipped_capture_reads_like_the_plain_one() {
    let c = clean_session(Conv::new());
    let pcap = c.to_pcap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&pcap).expect("gzip");
    let gz = gz.finish().expect("gzip");
    assert_eq!(&gz[..2], &[0x1f, 0x8b]);

    let reader =
        CaptureReader::from_reader("session.pcap.gz", Cursor::new(gz.clone())).expect("opens");
    assert!(reader.is_gzip());
    let (a, s) = run_ok(pcap);
    let (b, t) = run("session.pcap.gz", gz);
    assert!(b.error.is_none(), "{:?}", b.error);
    assert_eq!(fingerprint(&b, &t), fingerprint(&a, &s));
}

#[test]
fn snaplen_cut_frame() {
    // Frame 4: 30 of 100 bytes captured; frame 5 "tail"; frame 6 ACKs all 104.
    let (a, s) = run_ok(scenarios::snaplen_cut().to_pcap());

    assert_eq!(a.stats.truncated, 1);
    let f4 = &a.frames[3];
    assert!(f4.cap_len < f4.orig_len, "{f4:?}");
    assert_eq!((seg(&a, 4).len, seg(&a, 4).captured), (100, 30));
    assert_eq!(
        s.pieces(1, Dir::C2s),
        vec![
            Piece::Data(vec![b'A'; 30]),
            Piece::Gap(70),
            Piece::Data(b"tail".to_vec())
        ]
    );
    let conn = &a.connections[0];
    assert_eq!((conn.bytes_c2s, conn.gap_c2s), (34, 70));
    // The segment occupied 100 bytes of sequence space: the next one is in order.
    assert_eq!(names(&a, 5), Vec::<&str>::new());
    let notes: Vec<&(u64, String)> = a.stats.decode_notes.iter().collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, 4);
    assert!(
        notes[0].1.contains("30 of 100"),
        "says where decoding stopped: {}",
        notes[0].1
    );
}

#[test]
fn zero_window_and_probe() {
    let (a, s) = run_ok(scenarios::zero_window_probe().to_pcap());

    // The window's right edge moved left (ack 1001 + 0 after ack 1 + the
    // SYN/ACK's window): a shrink, RFC 9293 §3.8.6 — sockscope's own flag,
    // which tshark has no field for.
    assert_eq!(
        names(&a, 5),
        vec!["zero_window", "window_shrunk"],
        "{}",
        ladder(&a)
    );
    let f = findings(&a, "tcp_zero_window");
    assert_eq!(f.len(), 1, "one episode: {:?}", a.findings);
    assert_eq!((f[0].conn, f[0].frame), (1, 5));
    // Wireshark: 1 byte at the next expected sequence number while the peer's
    // window is 0.
    assert_eq!(names(&a, 6), vec!["zero_window_probe"], "{}", ladder(&a));
    // Wireshark: the same ACK and zero window right after a probe.
    assert!(seg(&a, 7).analysis.has(Flag::ZeroWindow));
    assert!(seg(&a, 7).analysis.has(Flag::ZeroWindowProbeAck));
    assert_eq!(names(&a, 8), vec!["window_update"], "{}", ladder(&a));
    // The probe byte is the next byte of data and is read once.
    let mut want = vec![b'x'; 1000];
    want.extend_from_slice(b"yz");
    assert_eq!(s.data(1, Dir::C2s), want);
    assert!(finding_at(&a, "tcp_overlap_conflict").is_empty());
}

#[test]
fn data_after_a_zero_window_probe_is_not_a_retransmission() {
    let (a, _) = run_ok(scenarios::zero_window_probe().to_pcap());
    // Wireshark: "ZeroWindowProbes are special and don't really advance the
    // nextseq", so frame 9, which starts at the probe's sequence number once the
    // window reopened, is the next expected segment: no annotation (tshark 4.0
    // shows none).
    assert_eq!(names(&a, 9), Vec::<&str>::new(), "{}", ladder(&a));
}

#[test]
fn window_closing_to_zero_is_not_a_window_update() {
    // Frame 5 is the ACK; frames 6 and 7 repeat it with windows 0 and 300.
    let (a, _) = run_ok(scenarios::window_closes_and_reopens().to_pcap());
    // Wireshark's WINDOW UPDATE rule requires a non-zero window ("seglen==0 &&
    // window && window!=fwd->window && ..."): frame 6 is only a zero window.
    // The same ACK with window 0: the right edge moves left, a shrink
    // (RFC 9293 §3.8.6; sockscope's own flag, not tshark's).
    assert_eq!(
        names(&a, 6),
        vec!["zero_window", "window_shrunk"],
        "{}",
        ladder(&a)
    );
    assert_eq!(names(&a, 7), vec!["window_update"], "{}", ladder(&a));
    assert!(
        names(&a, 5).is_empty(),
        "an ACK that keeps the edge shrinks nothing"
    );
}

#[test]
fn keep_alive() {
    // Frame 7: 1-byte keep-alive carrying a garbage byte; 9: 0-byte keep-alive;
    // 8 and 10 their ACKs.
    let (a, s) = run_ok(scenarios::keep_alive().to_pcap());

    assert_eq!(names(&a, 7), vec!["keep_alive"], "{}", ladder(&a));
    assert_eq!(names(&a, 8), vec!["keep_alive_ack"], "{}", ladder(&a));
    assert_eq!(names(&a, 9), vec!["keep_alive"], "{}", ladder(&a));
    assert_eq!(names(&a, 10), vec!["keep_alive_ack"], "{}", ladder(&a));
    // The keep-alive byte is not stream data.
    assert_eq!(s.data(1, Dir::C2s), b"NOOP\r\n");
    assert_eq!(a.connections[0].bytes_c2s, 6);
    assert!(finding_at(&a, "tcp_overlap_conflict").is_empty());
    assert!(!calls(&a, 1, Endpoint::Server)
        .iter()
        .any(|(f, _)| *f == 7 || *f == 9));
}

#[test]
fn duplicate_acks_then_fast_retransmission() {
    // Frame 4 the 1st 100 bytes, the 2nd are lost, frames 5-7 the rest; frame 8
    // ACKs the 1st, 9-11 repeat it; frame 12 resends the 2nd; 13 ACKs all.
    let (c, stream) = scenarios::dup_acks_and_fast_retransmission();
    let (a, s) = run_ok(c.to_pcap());

    assert_eq!(names(&a, 5), vec!["lost_segment"], "{}", ladder(&a));
    assert_eq!(names(&a, 8), Vec::<&str>::new(), "{}", ladder(&a));
    for (frame, n) in [(9, 1), (10, 2), (11, 3)] {
        let r = seg(&a, frame);
        assert_eq!(r.analysis.names(), vec!["duplicate_ack"], "{}", ladder(&a));
        assert_eq!(r.context.dup_ack_num, n, "frame {frame}");
        assert_eq!(r.context.dup_ack_of, Some(8), "frame {frame}");
    }
    // Wireshark: ≥ 2 duplicate ACKs asking for exactly this sequence number,
    // within 20 ms of the last one: fast retransmission.
    let r = seg(&a, 12);
    assert!(r.analysis.has(Flag::FastRetransmission), "{}", ladder(&a));
    assert!(!r.analysis.has(Flag::OutOfOrder));
    assert_eq!(s.data(1, Dir::C2s), stream);
    assert!(finding_at(&a, "tcp_gap").is_empty());
}

#[test]
fn port_reuse_without_a_captured_close() {
    // The first connection's end was never captured; a SYN with a new ISN on
    // the same ports still starts a second connection (as in Wireshark).
    let mut first = Conv::new();
    first.handshake().client_sends(b"HELO a\r\n").server_acks();
    let mut second = Conv::new().isns(900_000_000, 77);
    second
        .at(first.now() + 1_000)
        .handshake()
        .server_sends(b"220 hi\r\n");
    let (a, s) = run_ok(merge_pcap(&[&first, &second]));
    assert_eq!(a.connections.len(), 2, "{}", ladder(&a));
    assert_eq!(a.connections[1].bytes_s2c, 8);
    assert_eq!(a.connections[0].gap_c2s + a.connections[1].gap_c2s, 0);
    assert_eq!(s.data(2, Dir::S2c), b"220 hi\r\n");
    let reuse = findings(&a, "tcp_port_reuse");
    assert_eq!(reuse.len(), 1);
    assert!(reuse[0]
        .message
        .contains("whose end this capture did not show"));
}

#[test]
fn simultaneous_close_ends_in_time_wait_on_both_sides() {
    // RFC 9293 §3.6, Figure 13: both FINs cross, each is then acknowledged.
    let mut c = Conv::new();
    c.handshake().client_sends(b"QUIT\r\n").server_acks();
    let client_fin = c.client_seg("FA", &[]);
    let server_fin = c.server_seg("FA", &[]);
    c.push(client_fin).push(server_fin);
    c.client_acks().server_acks();
    let (a, _) = run_ok(c.to_pcap());
    let conn = &a.connections[0];
    assert_eq!(conn.client_state, TcpState::TimeWait, "{}", ladder(&a));
    assert_eq!(conn.server_state, TcpState::TimeWait);
    assert_eq!(conn.state, "SF");
}

#[test]
fn a_missed_syn_ack_still_leads_to_established() {
    let mut c = Conv::new();
    c.handshake().client_sends(b"EHLO x\r\n").server_acks();
    let mut pcap_conv = Conv::new();
    for (i, seg) in c.segs.iter().enumerate() {
        if i != 1 {
            pcap_conv.push(seg.clone());
        }
    }
    let (a, _) = run_ok(pcap_conv.to_pcap());
    let conn = &a.connections[0];
    assert_eq!(conn.client_state, TcpState::Established, "{}", ladder(&a));
    assert_eq!(conn.server_state, TcpState::Established);
    assert_eq!(conn.bytes_c2s, 8);
}

#[test]
fn zeek_history_follows_update_history() {
    // A retransmitted SYN is one `S` and no `T` (Zeek counts retransmitted
    // payload only); data on a FIN records `F`, not `D`; FIN+RST records `I`.
    let mut c = Conv::new();
    let syn = Seg {
        flags: "S",
        seq: c.client_isn(),
        ack: 0,
        ..Seg::default()
    };
    c.push(syn.clone());
    c.push(Seg {
        time_us: 1_000_000,
        ..syn
    });
    let mut rest = Conv::new();
    rest.at(1_001_000).handshake();
    for seg in rest.segs.iter().skip(1) {
        c.push(seg.clone());
    }
    let fin_with_data = c.client_seg("FPA", b"QUIT\r\n");
    c.push(fin_with_data);
    let fin_rst = c.server_seg("FRA", &[]);
    c.push(fin_rst);
    let (a, _) = run_ok(c.to_pcap());
    assert_eq!(a.connections[0].history, "ShAFi", "{}", ladder(&a));
}

#[test]
fn one_write_runs_to_its_psh_and_a_rst_while_connected_is_an_abort() {
    let mut c = Conv::new();
    c.handshake();
    let first = c.client_seg("A", b"MAIL ");
    c.push(first); // 4: no PSH, the write goes on
    c.client_sends(b"FROM:<a@b>\r\n"); // 5: PSH ends it
    let again = c.segs[4].clone();
    c.push(Seg {
        time_us: 300_000,
        ..again
    }); // 6: a retransmission writes nothing
    c.server_rst(); // 7: the server aborts, not having closed
    let (a, _) = run_ok(c.to_pcap());

    assert_eq!(
        calls(&a, 1, Endpoint::Client),
        vec![
            (1, Call::Connect),
            (2, Call::ConnectReturned),
            (4, Call::Write(0, 17)),
            (7, Call::Reset),
        ]
    );
    assert_eq!(
        calls(&a, 1, Endpoint::Server),
        vec![
            (1, Call::Listening(25)),
            (3, Call::Accept),
            (4, Call::Read(0, 5, false)),
            (5, Call::Read(5, 12, false)),
            (7, Call::Abort),
        ]
    );
    let write = a
        .socket
        .iter()
        .find_map(|e| match &e.call {
            SocketCall::Write { preview, .. } => Some(preview.to_vec()),
            _ => None,
        })
        .expect("a write");
    assert_eq!(write, b"MAIL FROM:<a@b>\r\n");
}

#[test]
fn a_refused_connection_and_a_rst_after_close_are_no_calls() {
    // A RST answering the SYN comes from a kernel with no listener; a RST
    // after the side's own FIN is its kernel refusing bytes for a closed
    // socket. Neither is an application's close().
    let mut c = Conv::new();
    let syn = c.client_seg("S", &[]);
    c.push(syn);
    let mut refused = c.server_seg("RA", &[]);
    refused.ack = c.client_isn().wrapping_add(1);
    c.push(refused);
    let (a, _) = run_ok(c.to_pcap());
    assert!(!a.socket.iter().any(|e| e.call == SocketCall::Abort));

    let mut c = Conv::new();
    c.handshake()
        .server_fin()
        .client_sends(b"late\r\n")
        .server_rst();
    let (a, _) = run_ok(c.to_pcap());
    assert_eq!(
        calls(&a, 1, Endpoint::Server),
        vec![
            (1, Call::Listening(25)),
            (3, Call::Accept),
            (4, Call::FinSent),
            (5, Call::Read(0, 6, false)),
        ]
    );
    assert_eq!(
        calls(&a, 1, Endpoint::Client).last(),
        Some(&(6, Call::Reset))
    );
}

/// A receiver with a full buffer drops a segment (its zero-window ACK stays
/// below it) and takes it only when it is sent again into an open window:
/// the inferred read() is placed there, not where the bytes first passed.
#[test]
fn an_inferred_read_waits_for_bytes_a_full_receiver_dropped() {
    let mut c = Conv::new();
    c.handshake().client_sends(b"DATA\r\n"); // 4
    let after_first = c.client_next();
    c.client_sends(b"dropped\r\n"); // 5
    let mut full = c.server_seg("A", &[]);
    full.ack = after_first;
    full.window = 0;
    c.push(full); // 6: holds DATA only, no room
    let again = c.segs[4].clone();
    c.push(Seg {
        time_us: 300_000,
        ..again.clone()
    }); // 7: into the zero window: dropped again
    let mut open = c.server_seg("A", &[]);
    open.ack = after_first;
    open.time_us = 400_000;
    c.push(open); // 8: window opens
    c.push(Seg {
        time_us: 500_000,
        ..again
    }); // 9: taken
    c.server_acks(); // 10
    let (a, _) = run_ok(c.to_pcap());
    let reads: Vec<(u64, Call)> = calls(&a, 1, Endpoint::Server)
        .into_iter()
        .filter(|(_, c)| matches!(c, Call::Read(..)))
        .collect();
    assert_eq!(
        reads,
        vec![(4, Call::Read(0, 6, false)), (9, Call::Read(6, 9, false))]
    );
}

#[test]
fn the_slow_readers_window_shrinks_once_and_its_resends_are_retransmissions() {
    // captures/slow-reader.pcapng: frame 14 leaves the server's window
    // ending at 65626; frame 22 acks 6234 with window 0, 59,392 bytes to the
    // left (RFC 9293 §3.8.6). The client's resends of 6234..7258 are
    // retransmissions, as tshark says (Wireshark's probe is one new byte).
    let a = sockscope::timeline::analyze_file(
        std::path::Path::new("captures/slow-reader.pcapng"),
        &mut (),
    )
    .expect("shipped capture");
    let shrunk: Vec<u64> = a
        .segments
        .iter()
        .filter(|s| s.analysis.has(Flag::WindowShrunk))
        .map(|s| s.frame)
        .collect();
    assert_eq!(shrunk, [22]);
    assert!(seg(&a, 23).analysis.has(Flag::Retransmission));
    assert!(!seg(&a, 23).analysis.has(Flag::ZeroWindowProbe));
}
