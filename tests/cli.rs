//! The `sockscope` binary as a user runs it: the quick start, the report's text
//! and JSON faces, filters, stream files, standard input, broken files and
//! closed pipes.

mod support;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::Conv;

fn sockscope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sockscope"))
}

fn run(args: &[&str]) -> Output {
    sockscope().args(args).output().expect("run sockscope")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn of_type<'a>(records: &'a [Value], t: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["type"] == t).collect()
}

/// A small SMTP-like session on port 25 written to `dir/name`.
fn write_session(dir: &Path, name: &str, payload: &[u8]) -> std::path::PathBuf {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ready\r\n")
        .client_acks()
        .client_sends(payload)
        .server_acks()
        .client_fin()
        .server_fin()
        .client_acks();
    let path = dir.join(name);
    std::fs::write(&path, c.to_pcap()).expect("write capture");
    path
}

#[test]
fn quick_start_prints_the_shipped_ccnotes_report() {
    let o = run(&[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    assert!(text.contains("captures/ccnotes.pcapng"), "{text}");
    assert!(text.contains("connection 1"));
    // The split greeting: the first fragment has no CRLF, and read() returned it alone.
    assert!(text.contains("\"220 smtp.tele.fi \""), "{text}");
    assert!(
        text.contains("client read() → 17 B \"220 smtp.tele.fi \" (observed)"),
        "{text}"
    );
    assert!(text.contains("history ShAdDafF"));
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line}"
        );
    }
}

#[test]
fn json_follows_the_contract() {
    let o = run(&["report", "--json", "--segments"]);
    assert!(o.status.success());
    let records = json_lines(&o);
    let conns = of_type(&records, "connection");
    assert_eq!(conns.len(), 1);
    let c = conns[0];
    for field in [
        "id",
        "client",
        "server",
        "first_frame",
        "last_frame",
        "history",
        "state",
        "bytes_c2s",
        "bytes_s2c",
        "protocol",
    ] {
        assert!(c.get(field).is_some(), "connection lacks {field}: {c}");
    }
    assert_eq!(c["id"], 1);
    // The lab listens on an ephemeral port: SMTP is recognised by its 220.
    assert_eq!(
        c["server"].as_str().map(|s| s.starts_with("127.0.0.1:")),
        Some(true)
    );
    assert_eq!(c["protocol"], "smtp");
    assert_eq!(c["state"], "SF");
    assert_eq!(c["bytes_c2s"], 90);
    assert_eq!(c["bytes_s2c"], 140);
    let segs = of_type(&records, "segment");
    assert_eq!(segs.len(), 21);
    let helo = segs.iter().find(|s| s["frame"] == 6).expect("frame 6");
    assert_eq!(helo["dir"], "c2s");
    assert_eq!(helo["flags"], "PSH,ACK");
    assert_eq!(helo["seq"], 1);
    // The ACK proof of ccNotes: the HELO left having received only 17 bytes.
    assert_eq!(helo["ack"], 18);
    assert_eq!(helo["len"], 24);
    assert!(helo["analysis"].as_array().is_some_and(|a| a.is_empty()));
    // Without --segments there are no segment records.
    let plain = json_lines(&run(&["report", "--json"]));
    assert!(of_type(&plain, "segment").is_empty());
}

#[test]
fn filters_select_connections() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut a = Conv::new();
    a.handshake()
        .client_sends(b"EHLO a\r\n")
        .client_fin()
        .server_fin();
    let mut b = Conv::new().ports(40001, 110);
    b.at(500)
        .handshake()
        .server_sends(b"+OK ready\r\n")
        .client_fin()
        .server_fin();
    let path = dir.path().join("two.pcap");
    std::fs::write(&path, support::merge_pcap(&[&a, &b])).expect("write");
    let p = path.to_str().expect("path");
    let all = json_lines(&run(&["report", "--json", p]));
    assert_eq!(of_type(&all, "connection").len(), 2);
    let by_port = json_lines(&run(&["report", "--json", "--port", "110", p]));
    let conns = of_type(&by_port, "connection");
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0]["protocol"], "pop3");
    let by_id = json_lines(&run(&["report", "--json", "--conn", "1", p]));
    let conns = of_type(&by_id, "connection");
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0]["id"], 1);
}

#[test]
fn a_connection_that_does_not_exist_is_named_with_what_does() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_session(dir.path(), "one.pcap", b"EHLO a\r\n");
    let p = path.to_str().expect("path");
    for (id, json) in [("0", false), ("99", false), ("99", true)] {
        let mut args = vec!["report", "--conn", id, p];
        if json {
            args.insert(1, "--json");
        }
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "--conn {id}: {err}");
        assert!(
            err.contains(&format!("has no connection {id}")) && err.contains("one.pcap"),
            "--conn {id}: {err}"
        );
        assert!(err.contains("its connections are: 1 ("), "{err}");
        assert!(
            err.contains(":25)"),
            "the server's address is listed: {err}"
        );
    }
    let o = run(&["report", "--conn", "1", p]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn streams_are_written_as_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("streams");
    let o = run(&["report", "--streams", out.to_str().expect("path")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s2c = std::fs::read(out.join("1-s2c.bin")).expect("s2c file");
    assert!(s2c.starts_with(b"220 smtp.tele.fi ESMTP ZMailer ready\r\n250 smtp.tele.fi Hello"));
    // 38 (greeting) + 42 (HELO's 250) + 21 + 24 + 15 (221).
    assert_eq!(s2c.len(), 140);
    let c2s = std::fs::read(out.join("1-c2s.bin")).expect("c2s file");
    assert!(c2s.starts_with(b"HELO smtpgate.Customer\r\nMAIL FROM:"));
    assert!(c2s.ends_with(b"QUIT\r\n"));
    assert!(!out.join("1-c2s.gaps").exists(), "no gaps, no gaps file");
}

#[test]
fn streams_keep_offsets_across_a_gap() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = Conv::new();
    c.handshake().client_sends(b"AAAA");
    // Four bytes the capture never sees, then more data.
    let mut late = c.client_seg("PA", b"CCCC");
    late.seq = c.client_next().wrapping_add(4);
    c.push(late);
    let path = dir.path().join("gap.pcap");
    std::fs::write(&path, c.to_pcap()).expect("write");
    let out = dir.path().join("s");
    let o = run(&[
        "report",
        "--streams",
        out.to_str().expect("p"),
        path.to_str().expect("p"),
    ]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(out.join("1-c2s.bin")).expect("file"),
        b"AAAA\0\0\0\0CCCC"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("1-c2s.gaps")).expect("gaps"),
        "4 4\n"
    );
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_session(dir.path(), "s.pcap", b"HELO x\r\n");
    let mut child = sockscope()
        .args(["report", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let bytes = std::fs::read(&path).expect("read");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&bytes)
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success());
    let recs = json_lines(&o);
    assert_eq!(recs[0]["file"], "-");
    assert_eq!(of_type(&recs, "connection")[0]["bytes_c2s"], 8);
}

#[test]
fn payload_control_bytes_never_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_session(
        dir.path(),
        "esc.pcap",
        b"\x1b[2J\x1b]0;owned\x07\x9b31m\r\n",
    );
    let o = run(&["report", path.to_str().expect("p")]);
    assert!(o.status.success());
    let bad: Vec<&u8> = o
        .stdout
        .iter()
        .filter(|&&b| (b < 0x20 && b != b'\n') || b == 0x7f)
        .collect();
    assert!(bad.is_empty(), "control bytes in output: {bad:?}");
    assert!(stdout(&o).contains("\\x1b[2J"));
}

#[test]
fn a_file_that_is_not_a_capture_is_named_with_its_magic() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, b"hello, this is text").expect("write");
    let o = run(&["report", path.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("notes.txt") && err.contains("68 65 6c 6c"),
        "{err}"
    );
    let o = run(&[
        "report",
        dir.path().join("missing.pcap").to_str().expect("p"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.pcap"));
}

#[test]
fn a_truncated_file_reports_what_it_could_and_where_it_stopped() {
    let dir = tempfile::tempdir().expect("tmp");
    let full = std::fs::read(write_session(dir.path(), "s.pcap", b"HELO x\r\n")).expect("read");
    let path = dir.path().join("cut.pcap");
    std::fs::write(&path, &full[..full.len() - 20]).expect("write");
    let o = run(&["report", path.to_str().expect("p")]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("connection 1"), "{text}");
    assert!(text.contains("reading stopped"), "{text}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cut.pcap: frame 10 at byte"), "{err}");
    let recs = json_lines(&run(&["report", "--json", path.to_str().expect("p")]));
    let e = of_type(&recs, "error");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["frame"], 10);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut c = Conv::new();
    c.handshake();
    for i in 0..3000u32 {
        c.client_sends(format!("NOOP {i}\r\n").as_bytes())
            .server_acks();
    }
    let path = dir.path().join("long.pcap");
    std::fs::write(&path, c.to_pcap()).expect("write");
    let mut child = sockscope()
        .args(["report", "--json", "--segments", path.to_str().expect("p")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    assert!(o.status.success(), "exit {:?}", o.status);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn every_public_capture_reports_within_100_columns() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures-public");
    let Ok(folders) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    };
    let mut checked = 0;
    for folder in folders.flatten() {
        let Ok(files) = std::fs::read_dir(folder.path()) else {
            continue;
        };
        for file in files.flatten() {
            let p = file.path();
            if p.extension().is_none_or(|e| e != "pcap") {
                continue;
            }
            let o = run(&["report", p.to_str().expect("path")]);
            assert!(o.status.success());
            for line in stdout(&o).lines() {
                assert!(line.chars().count() <= 100, "{}: {line}", p.display());
            }
            checked += 1;
        }
    }
    assert!(checked >= 6, "checked {checked} captures");
}

#[test]
fn json_mode_reports_an_unreadable_file_as_a_record_too() {
    let o = run(&["report", "--json", "/nonexistent/\u{1b}[31mred.pcap"]);
    assert_eq!(o.status.code(), Some(2));
    let recs = json_lines(&o);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["type"], "error");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains('\u{1b}'),
        "escape byte from the file name reached stderr: {err}"
    );
    assert!(err.contains("red.pcap"));
}
