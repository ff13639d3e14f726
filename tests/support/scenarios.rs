//! TCP scenarios that several integration tests build: `tests/tcp_cases.rs`
//! checks what sockscope makes of them, `tests/tshark_analysis.rs` checks that
//! tshark agrees frame by frame.
//!
//! Each function returns the conversation as built; callers may append more
//! segments (the clock and next sequence numbers are tracked as usual). When two
//! tests need a scenario with different endings, there is one function per
//! variant, named for how it differs, the longer built on the shorter. Frame
//! numbers in the docs are 1-based, as Wireshark counts them; the
//! handshake (when there is one) is frames 1-3 at 0, 1 and 2 ms, so the
//! initial RTT is 2 ms (see `tests/support/mod.rs` for the other defaults).

use super::{Conv, Seg, SYN_WINDOW};

/// A segment from the client with `payload` at absolute sequence number `seq`,
/// acknowledging what the server sent so far, at `time_us`.
pub fn client_at(c: &Conv, seq: u32, payload: &[u8], time_us: u64) -> Seg {
    Seg {
        seq,
        time_us,
        ..c.client_seg("PA", payload)
    }
}

/// A retransmission after a timeout:
///
/// ```text
///  1-3 handshake
///  4 C "MAIL FROM:<a@example.org>\r\n"       (3 ms)
///  5 C the same segment again                (200 ms, before any ACK)
///  6 S ACK of it                             (201 ms)
/// ```
pub fn retransmission() -> Conv {
    let mut c = Conv::new();
    c.handshake().client_sends(b"MAIL FROM:<a@example.org>\r\n"); // frame 4
    let first = c.segs[3].clone();
    // Retransmitted after a timeout (200 ms), before the ACK: retransmission.
    c.push(Seg {
        time_us: 200_000,
        ..first
    }); // frame 5
    c.at(201_000).server_acks(); // frame 6
    c
}

/// [`retransmission`], then a spurious retransmission and an exchange:
///
/// ```text
///  1-6 as retransmission()
///  7 C frame 4 sent again after the ACK covered it (400 ms): spurious
///  8 S "250 OK\r\n"                          (401 ms)
///  9 C ACK
/// ```
pub fn retransmission_then_spurious() -> Conv {
    let mut c = retransmission();
    let first = c.segs[3].clone();
    // Sent again after the ACK covered it: spurious retransmission.
    c.push(Seg {
        time_us: 400_000,
        ..first
    }); // frame 7
    c.at(401_000).server_sends(b"250 OK\r\n").client_acks(); // frames 8, 9
    c
}

/// The client's "hello world" in two segments sent the wrong way round:
///
/// ```text
///  1-3 handshake (iRTT 2 ms)
///  4 C "world" at rel 7                      (3 ms)
///  5 C "hello " at rel 1, filling the hole   (fill_us)
///  6 S ACK of all 11 bytes                   (fill_us + 1 ms)
/// ```
///
/// Whether frame 5 is out of order or a retransmission depends on `fill_us`
/// (Wireshark's out-of-order threshold is the iRTT).
pub fn out_of_order(fill_us: u64) -> Conv {
    let mut c = Conv::new();
    c.handshake(); // iRTT 2 ms
    let s1 = c.client_next();
    c.push(client_at(&c, s1 + 6, b"world", 3_000)); // frame 4
    c.push(client_at(&c, s1, b"hello ", fill_us)); // frame 5
    c.at(fill_us + 1_000).server_acks(); // frame 6
    c
}

/// [`out_of_order`] with the hole filled 1 ms later (frame 5 at 4 ms, within
/// the 2 ms iRTT of frame 4: out of order); frame 6, the ACK, at 5 ms.
pub fn out_of_order_within_the_rtt() -> Conv {
    out_of_order(4_000)
}

/// [`out_of_order_within_the_rtt`] (frames 1-6), then the same again with the
/// filling segment 300 ms late (a retransmission):
///
/// ```text
///  7 C "EFGH" at rel 16                      (10 ms)
///  8 C "ABCD" at rel 12, filling the hole    (310 ms)
///  9 S ACK                                   (311 ms)
/// ```
pub fn out_of_order_then_filled_late() -> Conv {
    let mut c = out_of_order_within_the_rtt();
    let s2 = c.client_next();
    c.push(client_at(&c, s2 + 4, b"EFGH", 10_000)); // frame 7
    c.push(client_at(&c, s2, b"ABCD", 310_000)); // frame 8
    c.at(311_000).server_acks(); // frame 9
    c
}

/// A slow handshake, then out of order:
///
/// ```text
///  1 C SYN at 0, 2 S SYN/ACK at 10 ms, 3 C ACK at 20 ms: iRTT 20 ms
///  4 C "world" at rel 7                      (21 ms)
///  5 C "hello " at rel 1                     (31 ms, 10 ms later)
/// ```
///
/// Frame 5 comes 10 ms after frame 4: within the 20 ms iRTT (out of order),
/// beyond the default 3 ms threshold (it would be a retransmission).
pub fn out_of_order_after_slow_handshake() -> Conv {
    let mut c = Conv::new();
    c.handshake();
    for (i, t) in [0, 10_000, 20_000].into_iter().enumerate() {
        c.segs[i].time_us = t;
    }
    let s1 = c.client_next();
    c.push(client_at(&c, s1 + 6, b"world", 21_000)); // frame 4
    c.push(client_at(&c, s1, b"hello ", 31_000)); // frame 5, 10 ms later
    c
}

/// [`out_of_order_after_slow_handshake`], then frame 6: the server ACKs
/// everything (32 ms).
pub fn out_of_order_after_slow_handshake_acked() -> Conv {
    let mut c = out_of_order_after_slow_handshake();
    c.at(32_000).server_acks(); // frame 6
    c
}

/// Client sends 5 segments of 100 bytes, the 2nd is not captured; the server
/// ACKs the 1st and then repeats that ACK three times; the client fast-
/// retransmits the 2nd. Returns the conversation and the whole c2s stream.
///
/// ```text
///  1-3 handshake
///  4 C bytes 0..100 ("a"s)                   (3 ms)
///    (bytes 100..200 lost)
///  5, 6, 7 C bytes 200..300, 300..400, 400..500   (5, 6, 7 ms)
///  8 S ACK of byte 100                       (8 ms)
///  9, 10, 11 S the same ACK again: duplicate ACKs 1-3   (9, 10, 11 ms)
/// 12 C bytes 100..200: fast retransmission   (12.5 ms)
/// 13 S ACK of everything                     (13 ms)
/// ```
pub fn dup_acks_and_fast_retransmission() -> (Conv, Vec<u8>) {
    let mut c = Conv::new();
    c.handshake();
    let stream: Vec<u8> = (0..500u32).map(|i| b'a' + (i / 100) as u8).collect();
    let base = c.client_next();
    let piece = |c: &Conv, i: usize, t: u64| {
        client_at(c, base + 100 * i as u32, &stream[100 * i..100 * (i + 1)], t)
    };
    let p = piece(&c, 0, 3_000);
    c.push(p); // frame 4
    for i in 2..5 {
        // the 2nd 100 bytes are lost; frames 5, 6, 7
        let p = piece(&c, i, 3_000 + i as u64 * 1_000);
        c.push(p);
    }
    let ack = Seg {
        ack: base + 100,
        time_us: 8_000,
        ..c.server_seg("A", &[])
    };
    for k in 0..4 {
        c.push(Seg {
            time_us: 8_000 + k * 1_000,
            ..ack.clone()
        }); // frames 8, 9, 10, 11
    }
    let p = piece(&c, 1, 12_500);
    c.push(p); // frame 12
    c.at(13_000).server_acks(); // frame 13
    (c, stream)
}

/// A zero window, a probe and the window reopening:
///
/// ```text
///  1-3 handshake
///  4 C 1000 bytes of 'x'
///  5 S ACK, window 0 (the server's receive buffer is full)
///  6 C 1-byte probe "y", 200 ms later, carrying the next byte of data
///  7 S ACK, window still 0: the probe byte is not acknowledged (201 ms)
///  8 S window update: the application read (300 ms)
///  9 C sends from the probe byte on ("yz")  (301 ms)
/// 10 S ACK                                    (302 ms)
/// ```
pub fn zero_window_probe() -> Conv {
    let mut c = Conv::new();
    c.handshake().client_sends(&[b'x'; 1000]); // frame 4

    // The server's receive buffer is full.
    let mut zero = c.server_seg("A", &[]);
    zero.window = 0;
    c.push(zero.clone()); // frame 5

    // One-byte probe 200 ms later, carrying the next byte of data.
    let probe = c.client_seg("A", b"y");
    c.push(Seg {
        time_us: 200_000,
        ..probe
    }); // frame 6

    // The window is still closed: the probe byte is not acknowledged.
    c.push(Seg {
        time_us: 201_000,
        ..zero.clone()
    }); // frame 7

    // The application reads: window update, then the data from the probe byte on.
    c.push(Seg {
        window: 502,
        time_us: 300_000,
        ..zero
    }); // frame 8
    let data = Seg {
        seq: c.client_next() - 1,
        time_us: 301_000,
        ..c.client_seg("PA", b"yz")
    };
    c.push(data); // frame 9
    c.at(302_000).server_acks(); // frame 10
    c
}

/// Keep-alives of both kinds and their ACKs:
///
/// ```text
///  1-3 handshake
///  4 C "NOOP\r\n"    5 S "250 OK\r\n"    6 C ACK
///  7 C 1-byte keep-alive (BSD, Windows) after 45 s idle, at next_seq - 1,
///    carrying a garbage byte that differs from the stream's byte there
///  8 S its ACK                               (45.001 s)
///  9 C 0-byte keep-alive (Linux), 45 s later, at next_seq - 1
/// 10 S its ACK                               (90.001 s)
/// ```
pub fn keep_alive() -> Conv {
    let mut c = Conv::new();
    c.handshake()
        .client_sends(b"NOOP\r\n") // 4
        .server_sends(b"250 OK\r\n") // 5
        .client_acks(); // 6

    // After 45 s idle: a 1-byte keep-alive (BSD, Windows) at next_seq - 1,
    // carrying a garbage byte that differs from the stream's byte there.
    let ka = Seg {
        seq: c.client_next() - 1,
        time_us: 45_000_000,
        ..c.client_seg("A", &[0])
    };
    c.push(ka); // 7
    c.at(45_001_000).server_acks(); // 8

    // Then a 0-byte keep-alive (Linux), 45 s later.
    let ka = Seg {
        seq: c.client_next() - 1,
        time_us: 90_000_000,
        ..c.client_seg("A", &[])
    };
    c.push(ka); // 9
    c.at(90_001_000).server_acks(); // 10
    c
}

/// The client sends 300 bytes (frame 4, 3 ms) and the server ACKs them
/// (frame 5, 4 ms); then frame 5 again once per entry of `windows` (frames 6,
/// 7, ...), the same ACK with that window, 100 ms apart from `first_us` on.
fn ack_repeated_with_windows(windows: &[u16], first_us: u64) -> Conv {
    let mut c = Conv::new();
    c.handshake().client_sends(&[b'q'; 300]).server_acks(); // frame 5
    let ack = c.segs[4].clone();
    for (i, &w) in windows.iter().enumerate() {
        c.push(Seg {
            window: w,
            time_us: first_us + 100_000 * i as u64,
            ..ack.clone()
        });
    }
    c
}

/// The receiver's window closes, then reopens (no more data):
///
/// ```text
///  1-3 handshake
///  4 C 300 bytes     5 S ACK (4 ms)
///  6 S the same ACK, window 0    (100 ms): a zero window, not a window update
///  7 S the same ACK, window 300  (200 ms): window update
/// ```
///
/// Wireshark's WINDOW UPDATE rule requires a non-zero window ("seglen==0 &&
/// window && window!=fwd->window && ...").
pub fn window_closes_and_reopens() -> Conv {
    ack_repeated_with_windows(&[0, 300], 100_000) // frames 6, 7
}

/// As [`window_closes_and_reopens`] but timed from the ACK and reopened twice,
/// then more data:
///
/// ```text
///  1-5 as window_closes_and_reopens()
///  6 S the same ACK, window 0    (104 ms): a zero window, not a window update
///  7 S the same ACK, window 300  (204 ms)
///  8 S the same ACK, window 502  (304 ms)
///  9 C "more\r\n"                (500 ms)
/// 10 S ACK
/// ```
pub fn window_closes_and_reopens_twice_then_more_data() -> Conv {
    // Same ACK, window shrunk to zero (a zero window, not a window update: Wireshark
    // requires a non-zero window for "window update"), then reopened twice.
    let mut c = ack_repeated_with_windows(&[0, 300, 502], 104_000); // frames 6-8
    c.at(500_000).client_sends(b"more\r\n").server_acks(); // frames 9, 10
    c
}

/// The first segment is resent with partly new bytes:
///
/// ```text
///  1-3 handshake
///  4 C "abcdefgh", rel 1..9
///  5 C "efghijkl" at rel 5 (200 ms): same bytes where it overlaps, half new
/// ```
pub fn overlap_same_bytes() -> Conv {
    let mut c = Conv::new();
    c.handshake().client_sends(b"abcdefgh"); // frame 4, rel 1..9
    let s = c.client_isn() + 1;
    // Same bytes, partly new.
    c.push(client_at(&c, s + 4, b"efghijkl", 200_000)); // frame 5, half old
    c
}

/// [`overlap_same_bytes`], then frame 6: "KLMNOP" at rel 11 (400 ms): different
/// bytes ("KL" for "kl") where it overlaps, partly new.
pub fn overlap_same_then_different_bytes() -> Conv {
    let mut c = overlap_same_bytes();
    let s = c.client_isn() + 1;
    // Different bytes ("KL" for "kl"), partly new.
    c.push(client_at(&c, s + 10, b"KLMNOP", 400_000)); // frame 6
    c
}

/// [`overlap_same_then_different_bytes`], then frame 7: the server ACKs
/// everything (401 ms). Every byte it acknowledges was captured.
pub fn overlap_same_then_different_bytes_acked() -> Conv {
    let mut c = overlap_same_then_different_bytes();
    c.at(401_000).server_acks(); // frame 7
    c
}

/// A hole in the client's data that is never filled:
///
/// ```text
///  1-3 handshake
///  4 C "aaaa", rel 1..5
///    ("bbbb", rel 5..9, is never captured)
///  5 C "cccc", rel 9..13
/// ```
pub fn gap() -> Conv {
    let mut c = Conv::new();
    c.handshake().client_sends(b"aaaa"); // frame 4

    // "bbbb" is never captured; "cccc" after it is.
    let cccc = client_at(&c, c.client_next() + 4, b"cccc", c.now());
    c.push(cccc); // frame 5
    c
}

/// [`gap`], then frame 6: the server ACKs everything, the hole included (ack
/// rel 13).
pub fn gap_acked() -> Conv {
    let mut c = gap();
    c.server_acks(); // frame 6, ack rel 13
    c
}

/// [`gap_acked`], then frame 7: the client goes on with "dddd".
pub fn gap_acked_then_more_data() -> Conv {
    let mut c = gap_acked();
    c.client_sends(b"dddd"); // frame 7
    c
}

/// The SYN is sent twice:
///
/// ```text
///  1 C SYN            (0)
///  2 C SYN again      (1 s, after the 1 s SYN timeout)
///  3 S SYN/ACK        (1.001 s)
///  4 C ACK   5 C "x"   6 S ACK
/// ```
pub fn syn_retransmitted() -> Conv {
    let mut c = Conv::new();
    let syn = Seg {
        seq: c.client_isn(),
        ack: 0,
        flags: "S",
        window: SYN_WINDOW,
        ..Seg::default()
    };
    c.push(syn.clone()); // frame 1
    c.push(Seg {
        time_us: 1_000_000,
        ..syn
    }); // frame 2, after the 1 s SYN timeout
    c.at(1_001_000);
    let sa = Seg {
        window: SYN_WINDOW,
        ..c.server_seg("SA", &[])
    };
    c.push(sa); // frame 3
    c.client_acks().client_sends(b"x").server_acks(); // frames 4-6
    c
}

/// Two connections with the same addresses and ports, one after the other;
/// merge them with `merge_pcap(&[&first, &second])`:
///
/// ```text
///  1-8  first:  handshake, C "HELO a\r\n", S "250 a\r\n", C FIN, S FIN, C ACK
///  9-16 second, 1 s after the first ends, ISNs 7_000_000 / 9_000_000:
///       handshake, C "HELO b\r\n", S "250 b\r\n", C FIN, S FIN, C ACK
/// ```
pub fn port_reuse() -> (Conv, Conv) {
    let mut first = Conv::new();
    first
        .handshake()
        .client_sends(b"HELO a\r\n")
        .server_sends(b"250 a\r\n")
        .client_fin()
        .server_fin()
        .client_acks(); // frames 1-8
    let mut second = Conv::new().isns(7_000_000, 9_000_000);
    second
        .at(first.now() + 1_000_000)
        .handshake()
        .client_sends(b"HELO b\r\n")
        .server_sends(b"250 b\r\n")
        .client_fin()
        .server_fin()
        .client_acks(); // frames 9-16
    (first, second)
}

/// Both sides' sequence numbers wrap past 2^32 (ISNs 2^32-6 and 2^32-3):
///
/// ```text
///  1-3 handshake
///  4 C "0123456789"   raw 2^32-4 .. 6
///  5 S "ABCDEFGH"     raw 2^32-1 .. 7
///  6 C "abcdef"
///  7 S ACK
///  8 C FIN   9 S FIN   10 C ACK
/// ```
pub fn wraparound() -> Conv {
    let mut c = Conv::new().isns(u32::MAX - 5, u32::MAX - 2);
    c.handshake()
        .client_sends(b"0123456789") // frame 4, raw 2^32-4 .. 6
        .server_sends(b"ABCDEFGH") // frame 5, raw 2^32-1 .. 7
        .client_sends(b"abcdef") // frame 6
        .server_acks() // frame 7
        .client_fin()
        .server_fin()
        .client_acks();
    c
}

/// A capture that starts mid-connection: no handshake, and the server speaks
/// first.
///
/// ```text
///  1 S "250 OK\r\n"   2 C "QUIT\r\n"   3 S "221 bye\r\n"   4 C ACK
/// ```
pub fn midstream() -> Conv {
    let mut c = Conv::new();
    c.server_sends(b"250 OK\r\n") // 1
        .client_sends(b"QUIT\r\n") // 2
        .server_sends(b"221 bye\r\n") // 3
        .client_acks(); // 4
    c
}

/// A frame cut short by the snap length:
///
/// ```text
///  1-3 handshake
///  4 C 100 bytes of 'A', only 30 of them captured
///  5 C "tail"
///  6 S ACK of all 104 bytes
/// ```
pub fn snaplen_cut() -> Conv {
    let mut c = Conv::new();
    c.handshake();
    let mut big = c.client_seg("PA", &[b'A'; 100]);
    // Ethernet 14 + IPv4 20 + TCP 20 + 30 payload bytes captured, of 100.
    big.snaplen = Some(14 + 20 + 20 + 30);
    c.push(big); // frame 4
    c.client_sends(b"tail") // frame 5
        .server_acks(); // frame 6, acknowledges all 104 bytes
    c
}
