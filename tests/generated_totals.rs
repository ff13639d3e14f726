//! A generated capture (`sockscope generate`, src/synth) read back by
//! `report --json`: the report must count exactly what the generator sent.
//! This is the check behind the benchmark figures in BENCHMARKS.md: the
//! speed is measured on files whose totals are known to come out right.

use std::collections::{BTreeMap, HashSet};
use std::process::Command;

use serde_json::Value;
use sockscope::synth::{generate, Options, Totals};

fn report(path: &std::path::Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["report", "--json", "--segments"])
        .arg(path)
        .output()
        .expect("run sockscope");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("JSON is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn make(size: u64, seed: u64) -> (tempfile::NamedTempFile, Totals) {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let o = Options {
        size,
        seed,
        concurrent: 64,
        ..Options::default()
    };
    let totals =
        generate(std::io::BufWriter::new(file.reopen().expect("reopen")), o).expect("generate");
    (file, totals)
}

#[test]
fn report_json_counts_what_the_generator_sent() {
    let (file, want) = make(10 << 20, 1);
    assert_eq!(std::fs::metadata(file.path()).unwrap().len(), want.bytes);
    let records = report(file.path());
    let of = |t: &'static str| records.iter().filter(move |r| r["type"] == t);

    let conns: Vec<&Value> = of("connection").collect();
    assert_eq!(conns.len() as u64, want.connections);
    let v6 = conns
        .iter()
        .filter(|c| c["client"].as_str().unwrap().starts_with('['))
        .count();
    assert_eq!(v6 as u64, want.ipv6_connections);
    let gaps: u64 = conns
        .iter()
        .map(|c| c["gap_bytes_c2s"].as_u64().unwrap() + c["gap_bytes_s2c"].as_u64().unwrap())
        .sum();
    assert_eq!(gaps, want.gap_bytes, "octets the capture missed");

    let mut verbs: BTreeMap<String, u64> = BTreeMap::new();
    for c in of("command") {
        *verbs
            .entry(c["verb"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(verbs, want.commands, "commands by verb");
    let mut codes: BTreeMap<u16, u64> = BTreeMap::new();
    for r in of("reply") {
        *codes.entry(r["code"].as_u64().unwrap() as u16).or_default() += 1;
    }
    assert_eq!(codes, want.replies, "replies by code");

    assert_eq!(of("message").count() as u64, want.messages);
    let gapped: HashSet<u64> = conns
        .iter()
        .filter(|c| c["gap_bytes_c2s"].as_u64().unwrap() > 0)
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    let whole: u64 = of("message")
        .filter(|m| !gapped.contains(&m["conn"].as_u64().unwrap()))
        .map(|m| m["size"].as_u64().unwrap())
        .sum();
    assert_eq!(
        whole, want.message_bytes,
        "message sizes of sessions captured whole"
    );

    // A reordered pair reads as out of order or, past Wireshark's time
    // threshold, as a retransmission: the two together are exact.
    let flagged = of("segment")
        .flat_map(|s| s["analysis"].as_array().cloned().unwrap_or_default())
        .filter(|a| a == "retransmission" || a == "out_of_order")
        .count();
    assert_eq!(flagged as u64, want.retransmissions + want.reordered);
    assert!(want.retransmissions > 0 && want.reordered > 0 && want.missing > 0);
    let frames = of("totals").next().expect("a totals record")["frames"].as_u64();
    assert_eq!(frames, Some(want.frames));
}

fn make_shape(shape: sockscope::synth::Shape, sessions: u64) -> (tempfile::NamedTempFile, Totals) {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let o = Options {
        size: u64::MAX,
        seed: 5,
        concurrent: 1,
        shape,
        sessions,
    };
    let totals =
        generate(std::io::BufWriter::new(file.reopen().expect("reopen")), o).expect("generate");
    (file, totals)
}

#[test]
fn a_flood_of_tiny_sessions_is_counted_whole() {
    let (file, want) = make_shape(sockscope::synth::Shape::Tiny, 5_000);
    let records = report(file.path());
    let conns = records.iter().filter(|r| r["type"] == "connection").count();
    assert_eq!(conns as u64, want.connections);
    let greetings = records
        .iter()
        .filter(|r| r["type"] == "reply" && r["code"] == 220)
        .count();
    assert_eq!(greetings as u64, want.replies[&220]);
    assert!(records
        .iter()
        .filter(|r| r["type"] == "connection")
        .all(|c| c["state"] == "SF"));
}

#[test]
fn a_syn_flood_past_the_half_open_cap_says_so_and_keeps_every_connection() {
    // Past the cap by more than the sweep interval (SWEEP_FRAMES), so a
    // sweep sees it.
    let cap = sockscope::pipeline::release::MAX_HALF_OPEN as u64;
    let (file, want) = make_shape(sockscope::synth::Shape::Syn, cap + 6_000);
    let records = report(file.path());
    let conns: Vec<&Value> = records
        .iter()
        .filter(|r| r["type"] == "connection")
        .collect();
    assert_eq!(
        conns.len() as u64,
        want.connections,
        "every SYN is reported"
    );
    assert!(conns.iter().all(|c| c["state"] == "S0"));
    let limit: Vec<&Value> = records
        .iter()
        .filter(|r| r["type"] == "finding" && r["id"] == "connection_limit")
        .collect();
    assert_eq!(limit.len(), 1, "the cap is said once");
    assert!(conns.iter().any(|c| c["ended"] == "evicted"));
}
