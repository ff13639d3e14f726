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
use support::{merge_pcap, scenarios, Conv};

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
const NOT_COMPARED: [&str; 4] = ["reset", "overlap_conflict", "reused_ports", "window_shrunk"];

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

#[test]
fn tshark_retransmission() {
    compare(
        "retransmission",
        scenarios::retransmission_then_spurious().to_pcap(),
    );
}

#[test]
fn tshark_out_of_order() {
    compare(
        "out_of_order",
        scenarios::out_of_order_then_filled_late().to_pcap(),
    );
}

#[test]
fn tshark_dup_acks_and_fast_retransmission() {
    let (c, _) = scenarios::dup_acks_and_fast_retransmission();
    compare("dup_ack", c.to_pcap());
}

#[test]
fn tshark_zero_window_and_probe() {
    compare("zero_window", scenarios::zero_window_probe().to_pcap());
}

#[test]
fn tshark_keep_alive() {
    compare("keep_alive", scenarios::keep_alive().to_pcap());
}

#[test]
fn tshark_window_update() {
    compare(
        "window_update",
        scenarios::window_closes_and_reopens_twice_then_more_data().to_pcap(),
    );
}

#[test]
fn tshark_midstream() {
    compare("midstream", scenarios::midstream().to_pcap());
}

#[test]
fn tshark_wraparound() {
    compare("wraparound", scenarios::wraparound().to_pcap());
}

#[test]
fn tshark_port_reuse() {
    let (a, b) = scenarios::port_reuse();
    compare("port_reuse", merge_pcap(&[&a, &b]));
}

#[test]
fn tshark_gap_acked() {
    compare("gap_acked", scenarios::gap_acked().to_pcap());
}

#[test]
fn tshark_syn_retransmitted() {
    compare(
        "syn_retransmitted",
        scenarios::syn_retransmitted().to_pcap(),
    );
}

#[test]
fn tshark_out_of_order_threshold_is_the_initial_rtt() {
    // SYN at 0, SYN/ACK at 10 ms, ACK at 20 ms: Wireshark's out-of-order
    // threshold becomes the 20 ms iRTT; the hole is filled 10 ms later.
    let c = scenarios::out_of_order_after_slow_handshake_acked();
    compare("slow_handshake", c.to_pcap());
}

#[test]
fn tshark_overlaps() {
    compare(
        "overlaps",
        scenarios::overlap_same_then_different_bytes().to_pcap(),
    );
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
    let c = scenarios::overlap_same_then_different_bytes_acked();
    let ack = Deviation {
        frame: 7,
        flag: "ack_lost_segment",
    };
    compare_except("ack_after_overlaps", c.to_pcap(), &[ack]);
}

#[test]
fn tshark_snaplen_cut() {
    compare("snaplen_cut", scenarios::snaplen_cut().to_pcap());
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
