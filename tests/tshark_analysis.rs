//! Exactness against Wireshark: for synthetic captures (built with `tests/support`)
//! and for every public capture in `../shared/captures-public/`, each TCP frame's
//! relative seq, ack, len and set of `tcp.analysis.*` annotations as tshark prints
//! them must equal what sockscope computes.
//!
//! The tests need `tshark` on PATH. Without it they print
//! `skipped: tshark not installed (apt-get install tshark)` and pass, except
//! when the environment variable `CI` is `true`: CI installs tshark, so a missing
//! tshark there is a broken CI and the tests fail.

mod support;

use std::collections::BTreeSet;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sockscope::capture::CaptureReader;
use sockscope::timeline::{analyze, Timeline};
use support::{merge_pcap, Conv, Seg, SYN_WINDOW};

/// The `tcp.analysis.*` fields compared, in the order passed to tshark, with the
/// name sockscope's `Flag::name` gives the same annotation.
///
/// `zero_window_probe_ack` is asked for as well: sockscope reports it, and
/// without the field a ZeroWindowProbeAck frame could not be compared.
const FIELDS: [&str; 14] = [
    "retransmission",
    "fast_retransmission",
    "spurious_retransmission",
    "out_of_order",
    "lost_segment",
    "ack_lost_segment",
    "duplicate_ack",
    "zero_window",
    "zero_window_probe",
    "zero_window_probe_ack",
    "window_full",
    "window_update",
    "keep_alive",
    "keep_alive_ack",
];

/// sockscope annotations tshark has no field for in [`FIELDS`].
const NOT_COMPARED: [&str; 3] = ["reset", "overlap_conflict", "reused_ports"];

/// One TCP frame as compared.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    frame: u64,
    seq: u32,
    ack: u32,
    len: u32,
    analysis: BTreeSet<String>,
}

/// True when tshark can be run. Without it: fail under `CI=true`, else print
/// the skip notice and return false.
fn tshark_or_skip() -> bool {
    let ok = Command::new("tshark")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "tshark is not installed but CI=true: CI must install tshark (apt-get install tshark)"
        );
    }
    eprintln!("skipped: tshark not installed (apt-get install tshark)");
    false
}

/// What tshark says about every TCP frame of `path`.
fn tshark_rows(path: &Path) -> Vec<Row> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n")
        // Pin the preferences the comparison relies on (they are the defaults,
        // but a user's preferences file could change them).
        .args(["-o", "tcp.analyze_sequence_numbers:TRUE"])
        .args(["-o", "tcp.relative_sequence_numbers:TRUE"])
        .arg("-r")
        .arg(path)
        .args(["-Y", "tcp", "-T", "fields", "-E", "separator=,"])
        // A field present twice in a frame is printed twice, joined by the
        // aggregator (',' by default, the same as the separator).
        .args(["-E", "aggregator=;"])
        .args(["-e", "frame.number", "-e", "tcp.seq", "-e", "tcp.ack"])
        .args(["-e", "tcp.len"]);
    for f in FIELDS {
        cmd.args(["-e", &format!("tcp.analysis.{f}")]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("tshark prints UTF-8");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            assert_eq!(
                cols.len(),
                4 + FIELDS.len(),
                "unexpected tshark line {line:?}"
            );
            let num = |s: &str| -> u64 {
                if s.is_empty() {
                    0 // tshark prints no ack when the ACK flag is off
                } else {
                    s.parse()
                        .unwrap_or_else(|_| panic!("number {s:?} in {line:?}"))
                }
            };
            Row {
                frame: num(cols[0]),
                seq: num(cols[1]) as u32,
                ack: num(cols[2]) as u32,
                len: num(cols[3]) as u32,
                analysis: FIELDS
                    .iter()
                    .zip(&cols[4..])
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(f, _)| f.to_string())
                    .collect(),
            }
        })
        .collect()
}

/// What sockscope says about every TCP frame.
fn sockscope_rows(a: &Timeline) -> Vec<Row> {
    a.segments
        .iter()
        .map(|s| Row {
            frame: s.frame,
            seq: s.seq,
            ack: s.ack,
            len: s.len,
            analysis: s
                .analysis
                .names()
                .into_iter()
                .filter(|n| !NOT_COMPARED.contains(n))
                .map(str::to_string)
                .collect(),
        })
        .collect()
}

fn show(row: Option<&Row>) -> String {
    match row {
        None => "(absent)".to_string(),
        Some(r) => format!(
            "seq={} ack={} len={} {:?}",
            r.seq,
            r.ack,
            r.len,
            r.analysis.iter().collect::<Vec<_>>()
        ),
    }
}

/// A deliberate difference from Wireshark: tshark sets `flag` on `frame` and
/// sockscope does not, for the reason given where it is used.
struct Deviation {
    frame: u64,
    flag: &'static str,
}

/// Compares tshark and sockscope frame by frame on the capture at `path`;
/// panics with a table of every frame (differences marked) if they disagree.
fn compare_file(name: &str, path: &Path) {
    compare_file_except(name, path, &[]);
}

/// As [`compare_file`], except for documented deviations; each must really
/// occur (tshark sets the flag, sockscope does not), so a change on either
/// side is noticed.
fn compare_file_except(name: &str, path: &Path, deviations: &[Deviation]) {
    let bytes = std::fs::read(path).expect("capture readable");
    let reader = CaptureReader::from_reader(name, Cursor::new(bytes)).expect("capture opens");
    let a = analyze(reader, &mut ());
    assert!(a.error.is_none(), "{name}: {:?}", a.error);
    let ours = sockscope_rows(&a);
    let mut theirs = tshark_rows(path);
    for d in deviations {
        let t = theirs
            .iter_mut()
            .find(|r| r.frame == d.frame)
            .expect("deviation frame in tshark");
        assert!(
            t.analysis.remove(d.flag),
            "{name}: tshark no longer sets {} on frame {}",
            d.flag,
            d.frame
        );
        let o = ours
            .iter()
            .find(|r| r.frame == d.frame)
            .expect("deviation frame in sockscope");
        assert!(
            !o.analysis.contains(d.flag),
            "{name}: sockscope now sets {} on frame {}",
            d.flag,
            d.frame
        );
    }
    let frames: BTreeSet<u64> = ours.iter().chain(theirs.iter()).map(|r| r.frame).collect();
    let mut table = String::new();
    let mut bad = 0;
    for f in frames {
        let o = ours.iter().find(|r| r.frame == f);
        let t = theirs.iter().find(|r| r.frame == f);
        let same = o == t;
        if !same {
            bad += 1;
        }
        table.push_str(&format!(
            "{} frame {f:>3}\n      tshark:    {}\n      sockscope: {}\n",
            if same { "  " } else { "!!" },
            show(t),
            show(o)
        ));
    }
    // Shown with `--nocapture`, to see what was compared.
    println!("{name}:\n{table}");
    assert!(
        bad == 0,
        "{name}: {bad} frame(s) differ between tshark and sockscope:\n{table}"
    );
    assert!(!ours.is_empty(), "{name}: no TCP frames");
}

/// Writes a synthetic capture to a temp file and compares.
fn compare(name: &str, pcap: Vec<u8>) {
    compare_except(name, pcap, &[]);
}

/// As [`compare`], with documented deviations.
fn compare_except(name: &str, pcap: Vec<u8>, deviations: &[Deviation]) {
    if !tshark_or_skip() {
        return;
    }
    let mut file = tempfile::Builder::new()
        .prefix(name)
        .suffix(".pcap")
        .tempfile()
        .expect("temp file");
    file.write_all(&pcap).expect("write capture");
    file.flush().expect("flush capture");
    compare_file_except(name, file.path(), deviations);
}

/// A segment from the client with `payload` at absolute sequence number `seq`,
/// acknowledging what the server sent so far, at `time_us`.
fn client_at(c: &Conv, seq: u32, payload: &[u8], time_us: u64) -> Seg {
    Seg {
        seq,
        time_us,
        ..c.client_seg("PA", payload)
    }
}

#[test]
fn tshark_retransmission() {
    let mut c = Conv::new();
    c.handshake().client_sends(b"MAIL FROM:<a@example.org>\r\n");
    let first = c.segs[3].clone();
    // Retransmitted after a timeout (200 ms), before the ACK: retransmission.
    c.push(Seg {
        time_us: 200_000,
        ..first.clone()
    });
    c.at(201_000).server_acks();
    // Sent again after the ACK covered it: spurious retransmission.
    c.push(Seg {
        time_us: 400_000,
        ..first
    });
    c.at(401_000).server_sends(b"250 OK\r\n").client_acks();
    compare("retransmission", c.to_pcap());
}

#[test]
fn tshark_out_of_order() {
    let mut c = Conv::new();
    c.handshake();
    let s1 = c.client_next();
    // Second segment first, then the first 1 ms later (out of order).
    c.push(client_at(&c, s1 + 6, b"world", 3_000));
    c.push(client_at(&c, s1, b"hello ", 4_000));
    c.at(5_000).server_acks();
    // Again, but the filling segment comes 300 ms later: a retransmission.
    let s2 = c.client_next();
    c.push(client_at(&c, s2 + 4, b"EFGH", 10_000));
    c.push(client_at(&c, s2, b"ABCD", 310_000));
    c.at(311_000).server_acks();
    compare("out_of_order", c.to_pcap());
}

#[test]
fn tshark_dup_acks_and_fast_retransmission() {
    let (c, _) = dup_ack_conv();
    compare("dup_ack", c.to_pcap());
}

/// Client sends 5 segments of 100 bytes, the 2nd is not captured; the server
/// ACKs the 1st and then repeats that ACK three times; the client fast-
/// retransmits the 2nd. Returns the conversation and the whole c2s stream.
fn dup_ack_conv() -> (Conv, Vec<u8>) {
    let mut c = Conv::new();
    c.handshake();
    let stream: Vec<u8> = (0..500u32).map(|i| b'a' + (i / 100) as u8).collect();
    let base = c.client_next();
    let seg = |c: &Conv, i: usize, t: u64| {
        client_at(c, base + 100 * i as u32, &stream[100 * i..100 * (i + 1)], t)
    };
    let s = seg(&c, 0, 3_000);
    c.push(s);
    for i in 2..5 {
        let s = seg(&c, i, 3_000 + i as u64 * 1_000);
        c.push(s);
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
        });
    }
    let s = seg(&c, 1, 12_500);
    c.push(s);
    c.at(13_000).server_acks();
    (c, stream)
}

#[test]
fn tshark_zero_window_and_probe() {
    let mut c = Conv::new();
    c.handshake().client_sends(&[b'x'; 1000]);
    // The server's receive buffer is full.
    let mut zero = c.server_seg("A", &[]);
    zero.window = 0;
    c.push(zero.clone());
    // One-byte probe 200 ms later, carrying the next byte of data.
    let probe = c.client_seg("A", b"y");
    c.push(Seg {
        time_us: 200_000,
        ..probe
    });
    // The window is still closed: the probe byte is not acknowledged.
    c.push(Seg {
        time_us: 201_000,
        ..zero.clone()
    });
    // The application reads: window update, then the data from the probe byte on.
    c.push(Seg {
        window: 502,
        time_us: 300_000,
        ..zero
    });
    let data = Seg {
        seq: c.client_next() - 1,
        time_us: 301_000,
        ..c.client_seg("PA", b"yz")
    };
    c.push(data);
    c.at(302_000).server_acks();
    compare("zero_window", c.to_pcap());
}

#[test]
fn tshark_keep_alive() {
    let mut c = Conv::new();
    c.handshake()
        .client_sends(b"NOOP\r\n")
        .server_sends(b"250 OK\r\n")
        .client_acks();
    // 1-byte keep-alive (BSD, Windows) after 45 s idle, and its ACK.
    let ka = Seg {
        seq: c.client_next() - 1,
        time_us: 45_000_000,
        ..c.client_seg("A", &[0])
    };
    c.push(ka);
    c.at(45_001_000).server_acks();
    // Zero-byte keep-alive (Linux) 45 s later, and its ACK.
    let ka = Seg {
        seq: c.client_next() - 1,
        time_us: 90_000_000,
        ..c.client_seg("A", &[])
    };
    c.push(ka);
    c.at(90_001_000).server_acks();
    compare("keep_alive", c.to_pcap());
}

#[test]
fn tshark_window_update() {
    let mut c = Conv::new();
    c.handshake().client_sends(&[b'q'; 300]).server_acks();
    let ack = c.segs.last().expect("ack").clone();
    // Same ACK, window shrunk to zero (a zero window, not a window update: Wireshark
    // requires a non-zero window for "window update"), then reopened twice.
    for (i, w) in [0u16, 300, 502].into_iter().enumerate() {
        c.push(Seg {
            window: w,
            time_us: ack.time_us + 100_000 * (i as u64 + 1),
            ..ack.clone()
        });
    }
    c.at(500_000).client_sends(b"more\r\n").server_acks();
    compare("window_update", c.to_pcap());
}

#[test]
fn tshark_midstream() {
    let mut c = Conv::new();
    c.server_sends(b"250 OK\r\n")
        .client_sends(b"QUIT\r\n")
        .server_sends(b"221 bye\r\n")
        .client_acks();
    compare("midstream", c.to_pcap());
}

#[test]
fn tshark_wraparound() {
    let mut c = Conv::new().isns(u32::MAX - 5, u32::MAX - 2);
    c.handshake()
        .client_sends(b"0123456789")
        .server_sends(b"ABCDEFGH")
        .client_sends(b"abcdef")
        .server_acks()
        .client_fin()
        .server_fin()
        .client_acks();
    compare("wraparound", c.to_pcap());
}

#[test]
fn tshark_port_reuse() {
    let mut a = Conv::new();
    a.handshake()
        .client_sends(b"HELO a\r\n")
        .server_sends(b"250 a\r\n")
        .client_fin()
        .server_fin()
        .client_acks();
    let mut b = Conv::new().isns(7_000_000, 9_000_000);
    b.at(a.now() + 1_000_000)
        .handshake()
        .client_sends(b"HELO b\r\n")
        .server_sends(b"250 b\r\n")
        .client_fin()
        .server_fin()
        .client_acks();
    compare("port_reuse", merge_pcap(&[&a, &b]));
}

#[test]
fn tshark_gap_acked() {
    let mut c = Conv::new();
    c.handshake().client_sends(b"aaaa");
    // "bbbb" is never captured; "cccc" after it is.
    let cccc = client_at(&c, c.client_next() + 4, b"cccc", c.now());
    c.push(cccc);
    // The server ACKs everything, the hole included.
    c.server_acks();
    compare("gap_acked", c.to_pcap());
}

#[test]
fn tshark_syn_retransmitted() {
    let mut c = Conv::new();
    let syn = Seg {
        seq: c.client_isn(),
        ack: 0,
        flags: "S",
        window: SYN_WINDOW,
        ..Seg::default()
    };
    c.push(syn.clone());
    c.push(Seg {
        time_us: 1_000_000,
        ..syn
    });
    c.at(1_001_000);
    let sa = Seg {
        window: SYN_WINDOW,
        ..c.server_seg("SA", &[])
    };
    c.push(sa);
    c.client_acks().client_sends(b"x").server_acks();
    compare("syn_retransmitted", c.to_pcap());
}

#[test]
fn tshark_out_of_order_threshold_is_the_initial_rtt() {
    // SYN at 0, SYN/ACK at 10 ms, ACK at 20 ms: Wireshark's out-of-order
    // threshold becomes the 20 ms iRTT; the hole is filled 10 ms later.
    let mut c = Conv::new();
    c.handshake();
    for (i, t) in [0, 10_000, 20_000].into_iter().enumerate() {
        c.segs[i].time_us = t;
    }
    let s1 = c.client_next();
    c.push(client_at(&c, s1 + 6, b"world", 21_000));
    c.push(client_at(&c, s1, b"hello ", 31_000));
    c.at(32_000).server_acks();
    compare("slow_handshake", c.to_pcap());
}

#[test]
fn tshark_overlaps() {
    let mut c = Conv::new();
    c.handshake().client_sends(b"abcdefgh");
    let s = c.client_isn() + 1;
    // Same bytes, partly new.
    c.push(client_at(&c, s + 4, b"efghijkl", 200_000));
    // Different bytes ("KL" for "kl"), partly new.
    c.push(client_at(&c, s + 10, b"KLMNOP", 400_000));
    compare("overlaps", c.to_pcap());
}

#[test]
fn tshark_ack_after_overlapping_segments() {
    // As `tshark_overlaps`, then the server acknowledges everything. Every byte
    // it acknowledges was captured, but Wireshark flags this ACK "ACKed unseen
    // segment": its `maxseqtobeacked` (highest contiguous sequence number)
    // only advances on a segment that starts exactly there, and both overlapping
    // segments start below it. sockscope deliberately does not: it flags an ACK
    // only when it covers bytes the capture really never showed, because a
    // student told "unseen" about bytes on screen is misled.
    let mut c = Conv::new();
    c.handshake().client_sends(b"abcdefgh");
    let s = c.client_isn() + 1;
    c.push(client_at(&c, s + 4, b"efghijkl", 200_000));
    c.push(client_at(&c, s + 10, b"KLMNOP", 400_000));
    c.at(401_000).server_acks();
    let ack = Deviation {
        frame: 7,
        flag: "ack_lost_segment",
    };
    compare_except("ack_after_overlaps", c.to_pcap(), &[ack]);
}

#[test]
fn tshark_snaplen_cut() {
    let mut c = Conv::new();
    c.handshake();
    let mut big = c.client_seg("PA", &[b'A'; 100]);
    big.snaplen = Some(14 + 20 + 20 + 30);
    c.push(big);
    c.client_sends(b"tail").server_acks();
    compare("snaplen_cut", c.to_pcap());
}

#[test]
fn tshark_closing() {
    // Half-close, then FINs; then a second connection reset by the server.
    let mut a = Conv::new();
    a.handshake()
        .client_sends(b"DATA\r\n")
        .client_fin()
        .server_acks()
        .server_sends(b"354 go\r\n")
        .client_acks()
        .server_fin()
        .client_acks();
    let mut b = Conv::new().ports(40001, 25);
    b.at(a.now() + 1_000)
        .handshake()
        .client_sends(b"EHLO x\r\n")
        .server_rst();
    compare("closing", merge_pcap(&[&a, &b]));
}

/// Every `*.pcap` under `dir`, recursively, sorted.
fn pcaps_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            pcaps_under(&p, out);
        } else if p.extension().is_some_and(|x| x == "pcap") {
            out.push(p);
        }
    }
    out.sort();
}

#[test]
fn tshark_public_captures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures-public");
    if !dir.is_dir() {
        eprintln!(
            "skipped: {} is absent (public captures are not in this checkout)",
            dir.display()
        );
        return;
    }
    if !tshark_or_skip() {
        return;
    }
    let mut files = Vec::new();
    pcaps_under(&dir, &mut files);
    assert!(!files.is_empty(), "no *.pcap under {}", dir.display());
    let mut failures = Vec::new();
    for f in &files {
        let name = f.strip_prefix(&dir).unwrap_or(f).display().to_string();
        let result = std::panic::catch_unwind(|| compare_file(&name, f));
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(msg);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} public captures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
