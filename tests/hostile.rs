//! Hostile input is normal input: captures with random bytes changed or cut
//! must go through every layer without a panic, and whatever the report prints
//! must hold no control byte.

mod support;

use std::io::Cursor;

use proptest::prelude::*;
use sockscope::capture::CaptureReader;
use sockscope::report::{write_json, write_text, Selection};
use sockscope::timeline::analyze;
use support::{Conv, Link};

fn base_captures() -> Vec<Vec<u8>> {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ESMTP\r\n")
        .client_sends(b"EHLO a\r\n");
    // Out of order and a retransmission, so the mutations hit every path.
    let mut ahead = c.client_seg("PA", b"RCPT TO:<b@c>\r\n");
    ahead.seq = c.client_next().wrapping_add(15);
    c.push(ahead);
    c.client_sends(b"MAIL FROM:<a@b>\r\n")
        .client_sends(b"MAIL FROM:<a@b>\r\n")
        .server_fin()
        .client_rst();
    let mut v6 = Conv::ipv6().link(Link::Sll2);
    v6.handshake()
        .client_sends(b"USER x\r\n")
        .server_sends(b"+OK\r\n");
    vec![c.to_pcap(), c.to_pcapng(), v6.to_pcapng()]
}

fn run_all_faces(bytes: Vec<u8>) {
    let Ok(reader) = CaptureReader::from_reader("hostile.pcap", Cursor::new(bytes)) else {
        return;
    };
    let a = analyze(reader, &mut ());
    let mut text = Vec::new();
    write_text(&mut text, &a, &Selection::default()).expect("text");
    let text = String::from_utf8(text).expect("utf-8 report");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "control character (C0, DEL or C1) in the text report"
    );
    let mut json = Vec::new();
    let sel = Selection {
        segments: true,
        socket: true,
        ..Selection::default()
    };
    write_json(&mut json, &a, &sel).expect("json");
    for line in String::from_utf8(json).expect("utf-8").lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("valid JSON line");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_captures_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..24),
        cut in any::<prop::sample::Index>(),
        do_cut in any::<bool>(),
    ) {
        let mut bytes = base_captures().swap_remove(which);
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if do_cut {
            let n = cut.index(bytes.len());
            bytes.truncate(n);
        }
        run_all_faces(bytes);
    }
}

#[test]
fn extreme_sequence_numbers_and_acks_stay_bounded() {
    // An ACK 2^31 − 1 ahead of anything sent, and data far before the ISN. The
    // wild ACK is flagged but must neither allocate nor hide the bytes the
    // client sends afterwards (it proves nothing about bytes never sent).
    let mut c = Conv::new();
    c.handshake().client_sends(b"hello");
    let mut wild = c.server_seg("A", &[]);
    wild.ack = c.client_next().wrapping_add(0x7fff_ffff);
    c.push(wild);
    let mut before = c.client_seg("PA", b"old!");
    before.seq = c.client_isn().wrapping_sub(100_000);
    c.push(before);
    c.client_sends(b"world");
    let reader = CaptureReader::from_reader("wild.pcap", Cursor::new(c.to_pcap())).expect("open");
    let a = analyze(reader, &mut ());
    let conn = &a.connections[0];
    assert_eq!(conn.bytes_c2s, 10, "hello + world, nothing skipped");
    assert_eq!(conn.gap_c2s, 0);
    let wild_frame = a.segments.iter().find(|s| s.frame == 5).expect("frame 5");
    assert_eq!(wild_frame.analysis.names(), vec!["ack_lost_segment"]);
    run_all_faces(c.to_pcap());
}

#[test]
fn per_frame_records_stop_at_the_limit_but_summaries_stay_complete() {
    let mut c = Conv::new();
    c.handshake();
    for i in 0..20u32 {
        c.client_sends(format!("NOOP {i:02}\r\n").as_bytes())
            .server_acks();
    }
    c.client_fin().server_fin().client_acks();
    let reader = CaptureReader::from_reader("many.pcap", Cursor::new(c.to_pcap())).expect("open");
    let a = sockscope::timeline::analyze_limited(reader, &mut (), 10);
    assert_eq!(a.frames.len(), 10);
    assert_eq!(a.segments.len(), 10);
    assert!(a.socket.iter().all(|e| e.frame <= 10));
    let limit: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.id == "index_limit")
        .collect();
    assert_eq!(limit.len(), 1);
    assert_eq!(limit[0].frame, 11);
    let conn = &a.connections[0];
    assert_eq!(conn.bytes_c2s, 20 * 9, "the summary counts every byte");
    assert_eq!(conn.state, "SF");
    assert_eq!(a.stats.frames, 46);
}
