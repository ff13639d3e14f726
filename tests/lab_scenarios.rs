//! Every lab scenario run again, for real: real sockets on loopback, captured
//! by sockscope itself when this process may capture. The dialogue and the
//! lesson's findings must equal those of the capture shipped in `captures/`
//! (timings, port numbers and TCP's segmentation may change; the lesson may
//! not). Without the privilege to capture, each scenario still runs with
//! `--no-capture` and its recorded calls are checked; the test says so.

use std::collections::BTreeSet;
use std::path::Path;

use sockscope::capture::live::LiveError;
use sockscope::finding::Provenance;
use sockscope::lab::netns::NetnsError;
use sockscope::lab::{self, LabError, SCENARIOS};
use sockscope::proto::Code;
use sockscope::socket::recorded::CallKind;
use sockscope::timeline::{analyze_file, Timeline};

/// What a scenario teaches: each connection's commands and reply codes, and
/// the ids of the application findings plus the TCP findings that are the
/// point of a scenario (a zero window, a reset).
#[derive(Debug, PartialEq, Eq)]
struct Lesson {
    dialogues: Vec<(Vec<String>, Vec<String>)>,
    findings: BTreeSet<&'static str>,
}

fn lesson(t: &Timeline) -> Lesson {
    let dialogues = t
        .dialogues
        .iter()
        .map(|d| {
            let commands = d
                .commands
                .iter()
                .map(|c| format!("{} {}", c.verb, String::from_utf8_lossy(&c.arg)))
                .collect();
            let codes = d
                .replies
                .iter()
                .map(|r| match r.code {
                    Code::Smtp(c) => c.to_string(),
                    other => other.to_string(),
                })
                .collect();
            (commands, codes)
        })
        .collect();
    let findings = t
        .findings
        .iter()
        .map(|f| f.id)
        .filter(|id| {
            id.starts_with("smtp_")
                || id.starts_with("pop3_")
                || matches!(
                    *id,
                    "tcp_zero_window"
                        | "tcp_rst"
                        | "tcp_connection_refused"
                        | "tcp_retransmission"
                        | "tcp_dup_ack"
                        | "tcp_rst_after_close"
                )
        })
        .collect();
    Lesson {
        dialogues,
        findings,
    }
}

/// A scenario this machine cannot run (the `loss` scenario without iptables
/// or CAP_NET_ADMIN) is said to be skipped; under CI, where `.ci/run`
/// installs iptables and runs as root, that is a failure.
fn skipped(name: &str, why: &LabError) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "lab {name} must run under CI: {why}"
    );
    println!("lab {name}: SKIPPED, this machine cannot run it: {why}");
}

#[test]
fn every_scenario_teaches_what_its_shipped_capture_teaches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shipped_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut captured = 0;
    for s in SCENARIOS {
        let out = dir.path().join(format!("{}.pcapng", s.name));
        let run = match lab::run(s.name, true, Some(&out)) {
            Err(LabError::Capture(LiveError::Permission(why))) => {
                println!(
                    "lab {}: cannot capture here ({why}); ran with --no-capture instead, so only the calls are checked",
                    s.name
                );
                match lab::run(s.name, false, None) {
                    Err(e) if e.unsupported_here() => {
                        skipped(s.name, &e);
                        continue;
                    }
                    other => other.unwrap_or_else(|e| panic!("lab {} --no-capture: {e}", s.name)),
                }
            }
            Err(e) if e.unsupported_here() => {
                skipped(s.name, &e);
                continue;
            }
            other => other.unwrap_or_else(|e| panic!("lab {}: {e}", s.name)),
        };
        // Both sides made real calls: a connect(), an accept(), writes and reads.
        for kind in [
            CallKind::Connect,
            CallKind::Accept,
            CallKind::Write,
            CallKind::Read,
        ] {
            assert!(
                run.calls.iter().any(|c| c.call == kind),
                "lab {}: no {kind:?} call recorded",
                s.name
            );
        }
        let Some((path, frames)) = &run.written else {
            continue;
        };
        captured += 1;
        assert!(*frames > 0, "lab {}: nothing captured", s.name);
        let fresh = analyze_file(path, &mut ()).expect("the lab's capture reads back");
        let shipped_path = shipped_dir.join(format!("{}.pcapng", s.name));
        let shipped = analyze_file(&shipped_path, &mut ())
            .unwrap_or_else(|e| panic!("captures/{}.pcapng must ship: {e}", s.name));
        assert_eq!(
            lesson(&fresh),
            lesson(&shipped),
            "lab {}: the lesson changed",
            s.name
        );
        // Replaying the file shows the calls, labelled observed, and no
        // inferred ones for the lab's connections.
        assert!(
            !fresh.socket.is_empty()
                && fresh
                    .socket
                    .iter()
                    .all(|e| e.provenance == Provenance::Observed),
            "lab {}: socket layer not observed",
            s.name
        );
    }
    println!(
        "{captured} of {} scenarios captured and compared",
        SCENARIOS.len()
    );
}

#[test]
fn the_shipped_ccnotes_capture_shows_the_lesson() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/ccnotes.pcapng");
    let t = analyze_file(&path, &mut ()).expect("shipped capture");
    let ids: BTreeSet<&str> = t.findings.iter().map(|f| f.id).collect();
    for id in [
        "smtp_reply_split_across_segments",
        "smtp_pregreet",
        "smtp_client_out_of_step",
    ] {
        assert!(ids.contains(id), "{id} missing: {ids:?}");
    }
    // The HELO was proved early by its ACK number.
    let pregreet = t
        .findings
        .iter()
        .find(|f| f.id == "smtp_pregreet")
        .expect("pregreet");
    assert_eq!(pregreet.provenance, Provenance::Observed);
    assert!(
        pregreet.message.contains("proved by its ACK number"),
        "{}",
        pregreet.message
    );
    // The observed read() that returned "220 " and the host name, no CRLF.
    let reads: Vec<String> = t.socket.iter().map(|e| e.describe()).collect();
    assert!(
        t.socket.iter().any(|e| e.provenance == Provenance::Observed
            && e.describe() == "read() → 17 B \"220 smtp.tele.fi \""),
        "{reads:#?}"
    );
}

/// `--netns`: the same lesson over a veth pair between two network
/// namespaces, with real Ethernet (two distinct, non-zero MAC addresses) and
/// the veth addresses. Needs root and iproute2; says so and checks nothing
/// else when they are missing.
#[test]
fn ccnotes_across_two_namespaces_teaches_the_same_lesson_over_ethernet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("ccnotes-netns.pcapng");
    let options = lab::LabOptions {
        capture: true,
        write: Some(out.clone()),
        netns: true,
    };
    // Skipped only when this process truly cannot make namespaces: no `ip`,
    // or no CAP_NET_ADMIN/CAP_SYS_ADMIN. With both, any failure is a bug.
    let privileged = has_capabilities(&[CAP_NET_ADMIN, CAP_SYS_ADMIN]);
    let run = match lab::run_with("ccnotes", &options) {
        Err(e @ LabError::Netns(NetnsError::NoIp)) => {
            println!("lab ccnotes --netns: not possible here ({e}); not checked");
            return;
        }
        Err(e @ (LabError::Netns(_) | LabError::Capture(LiveError::Permission(_))))
            if !privileged =>
        {
            println!("lab ccnotes --netns: no CAP_NET_ADMIN/CAP_SYS_ADMIN ({e}); not checked");
            return;
        }
        other => other.unwrap_or_else(|e| panic!("lab ccnotes --netns: {e}")),
    };
    assert!(run.written.is_some());
    let fresh = analyze_file(&out, &mut ()).expect("reads back");
    let shipped = analyze_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/ccnotes.pcapng"),
        &mut (),
    )
    .expect("shipped capture");
    assert_eq!(lesson(&fresh), lesson(&shipped), "the lesson changed");
    let c = fresh.connection(1).expect("one connection");
    assert_eq!(c.client.ip().to_string(), "10.25.0.1");
    assert_eq!(c.server.ip().to_string(), "10.25.0.2");
    // Real Ethernet: the frames carry the two veth ends' MAC addresses.
    let bytes = std::fs::read(&out).expect("capture file");
    let mut reader =
        sockscope::capture::CaptureReader::from_reader("netns", std::io::Cursor::new(bytes))
            .expect("pcapng");
    let first = reader.next_frame().expect("frame").expect("a first frame");
    let (dst, src) = (&first.data[0..6], &first.data[6..12]);
    assert!(dst != src && dst.iter().any(|&b| b != 0) && src.iter().any(|&b| b != 0));
    // Nothing was left behind.
    let left = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    let pid = std::process::id();
    let left = String::from_utf8_lossy(&left.stdout);
    for side in ["c", "s"] {
        let name = format!("sockscope-{side}-{pid}");
        assert!(!left.contains(&name), "namespace {name} removed: {left}");
    }
    let links = std::process::Command::new("ip")
        .args(["-o", "link", "show"])
        .output()
        .expect("ip link show");
    let veth = format!("ssc{pid:x}");
    assert!(
        !String::from_utf8_lossy(&links.stdout).contains(&veth),
        "veth {veth} removed"
    );
}

const CAP_NET_ADMIN: u32 = 12;
const CAP_SYS_ADMIN: u32 = 21;

/// Whether this process holds every capability named (capabilities(7):
/// `CapEff` in /proc/self/status is the effective set, in hex).
fn has_capabilities(caps: &[u32]) -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let effective = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    caps.iter().all(|&c| effective & (1 << c) != 0)
}

/// Recorded calls sit where they happened in time, each side's in the order
/// they returned: the lazy ccNotes server read HELO only after writing the
/// greeting's tail (#8, the read on #8 or #9), and wrote 221 before it closed; the slow reader's
/// first read comes 1.5 s after the data, just before its window update.
#[test]
fn recorded_calls_are_placed_by_their_time() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let t = analyze_file(&dir.join("ccnotes.pcapng"), &mut ()).expect("ccnotes");
    let helo_read = t
        .socket
        .iter()
        .find(|e| e.describe().starts_with("read() → 24 B \"HELO"))
        .expect("the server's read of HELO");
    // After the greeting's tail (#8) left, before the 250 (#10): on
    // loopback the client's ACK of the tail (#9) comes inside the server's
    // write(), so with the kernel's frame times the read sits on #9.
    assert!(
        (8..10).contains(&helo_read.frame),
        "read after the greeting's tail: #{}",
        helo_read.frame
    );
    let server: Vec<String> = t
        .socket
        .iter()
        .filter(|e| e.endpoint == sockscope::socket::Endpoint::Server)
        .map(|e| e.describe())
        .collect();
    let write_221 = server.iter().position(|d| d.contains("221")).expect("221");
    let close = server
        .iter()
        .position(|d| d.starts_with("close()"))
        .expect("close");
    assert!(write_221 < close, "{server:#?}");

    let t = analyze_file(&dir.join("slow-reader.pcapng"), &mut ()).expect("slow-reader");
    let big = t
        .socket
        .iter()
        .find(|e| e.describe().starts_with("read() → 4096 B"))
        .expect("the first large read");
    let at = t
        .segments
        .iter()
        .find(|s| s.frame == big.frame)
        .expect("its segment");
    let start = t.segments[0].time;
    assert!(
        at.time.secs_since(start) > 0.5,
        "placed at #{} ({} s), long after the data",
        big.frame,
        at.time.secs_since(start)
    );
}
