//! Never decode what was not captured (docs/robustness.md): bytes the
//! capture missed are shown as a gap and never parsed as a command or reply;
//! reading resumes at the next line that reads as the start of one; a line
//! over the line limit is one over-long line, not thousands of commands.

mod support;

use std::process::Command;

use serde_json::Value;
use support::Conv;

fn report_json(pcap: &[u8]) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("c.pcap");
    std::fs::write(&path, pcap).expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["report", "--json", path.to_str().expect("path")])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect()
}

fn of_type<'a>(r: &'a [Value], t: &str) -> Vec<&'a Value> {
    r.iter().filter(|v| v["type"] == t).collect()
}

fn finding_ids(r: &[Value]) -> Vec<String> {
    of_type(r, "finding")
        .iter()
        .map(|f| f["id"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A session whose 17-byte `MAIL` segment the capture lost (the server's
/// ACK covers it, so it was sent and received).
fn lost_mail() -> Vec<u8> {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ready\r\n")
        .client_sends(b"EHLO a\r\n")
        .server_sends(b"250 mx\r\n");
    c.client_sends(b"MAIL FROM:<a@b>\r\n");
    assert_eq!(c.segs.pop().map(|s| s.payload.len()), Some(17));
    c.server_sends(b"250 ok\r\n")
        .client_sends(b"RCPT TO:<c@d>\r\n")
        .server_sends(b"250 ok\r\n")
        .client_sends(b"QUIT\r\n")
        .server_sends(b"221 bye\r\n")
        .client_fin()
        .server_fin()
        .client_acks();
    c.to_pcap()
}

#[test]
fn a_lost_mail_segment_is_a_gap_and_the_next_command_reads_whole() {
    let r = report_json(&lost_mail());
    let verbs: Vec<&str> = of_type(&r, "command")
        .iter()
        .map(|c| c["verb"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(verbs, ["EHLO", "RCPT", "QUIT"], "no verb made of gap bytes");
    let ids = finding_ids(&r);
    assert!(ids.iter().any(|i| i == "tcp_gap"), "{ids:?}");
    assert!(
        !ids.iter().any(|i| i == "smtp_non_smtp_command"),
        "gap bytes are no command: {ids:?}"
    );
    let stray = of_type(&r, "stray_line");
    assert_eq!(stray.len(), 1, "the gap is shown where it was: {stray:?}");
    assert_eq!(stray[0]["finding"], "tcp_gap");
    assert!(!serde_json::to_string(&r).expect("json").contains("\\u0000"));
}

#[test]
fn a_gap_inside_a_line_leaves_the_rest_of_it_unread() {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ready\r\n")
        .client_sends(b"EHLO a\r\nMAIL FR");
    // The lost segment ends inside a line: what follows is the tail of MAIL.
    c.client_sends(b"OM:<a");
    c.segs.pop();
    c.client_sends(b"@b>\r\nRCPT TO:<c@d>\r\n")
        .server_sends(b"250 mx\r\n250 ok\r\n250 ok\r\n")
        .client_fin()
        .server_fin();
    let r = report_json(&c.to_pcap());
    let verbs: Vec<&str> = of_type(&r, "command")
        .iter()
        .map(|c| c["verb"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        verbs,
        ["EHLO", "RCPT"],
        "neither `MAIL FR` nor `@b>` is a command"
    );
    assert_eq!(
        of_type(&r, "stray_line").len(),
        2,
        "the cut line and its tail"
    );
    assert!(!finding_ids(&r).iter().any(|i| i == "smtp_non_smtp_command"));
}

#[test]
fn a_line_over_the_limit_is_one_line_skipped_to_its_end() {
    // 4 MB without a line end, in 1,000-byte segments, then a real command.
    let mut c = Conv::new();
    c.handshake().server_sends(b"220 mx ready\r\n");
    let chunk = vec![b'A'; 1000];
    for _ in 0..4000 {
        c.client_sends(&chunk);
    }
    c.client_sends(b"\r\nQUIT\r\n")
        .server_sends(b"500 too long\r\n221 bye\r\n")
        .client_fin()
        .server_fin();
    let r = report_json(&c.to_pcap());
    let commands = of_type(&r, "command");
    assert_eq!(commands.len(), 1, "only QUIT is a command");
    assert_eq!(commands[0]["verb"], "QUIT");
    let over: Vec<&Value> = of_type(&r, "finding")
        .into_iter()
        .filter(|f| f["id"] == "line_over_limit")
        .collect();
    assert_eq!(over.len(), 1, "one finding for the one line");
    assert!(over[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("at least 65536 bytes")));
}

/// A segment whose sequence number jumps about 2³¹ ahead of the stream
/// lies outside every window the peer advertised (RFC 9293 §3.10.7.4): it
/// is not a gap of two gigabytes to fill with nothing, and nothing in it is
/// a command.
#[test]
fn a_jump_of_two_gigabytes_is_no_gap_and_no_command() {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ready\r\n")
        .client_sends(b"EHLO a\r\n")
        .server_sends(b"250 mx\r\n");
    let mut far = c.client_seg("PA", b"MAIL FROM:<forged@far.example>\r\n");
    far.seq = far.seq.wrapping_add(0x8000_0000 - 7);
    c.push(far);
    c.client_sends(b"QUIT\r\n")
        .server_sends(b"221 bye\r\n")
        .client_fin()
        .server_fin()
        .client_acks();
    let pcap = c.to_pcap();
    let r = report_json(&pcap);
    let conn = of_type(&r, "connection");
    assert_eq!(conn.len(), 1, "{conn:?}");
    // --streams writes the client's 14 real bytes, not a 4 GiB sparse file.
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("c.pcap");
    std::fs::write(&file, &pcap).expect("write");
    let streams = dir.path().join("streams");
    let o = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["report", "--streams"])
        .arg(&streams)
        .arg(&file)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c2s = std::fs::read(streams.join("1-c2s.bin")).expect("the client's stream");
    assert_eq!(c2s, b"EHLO a\r\nQUIT\r\n");
    let gap = conn[0]["gap_bytes_c2s"].as_u64().unwrap_or(u64::MAX);
    assert!(gap < 1024, "a phantom gap of {gap} bytes");
    let verbs: Vec<&str> = of_type(&r, "command")
        .iter()
        .map(|c| c["verb"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(verbs, ["EHLO", "QUIT"], "{r:?}");
    let ids = finding_ids(&r);
    assert_eq!(
        ids.iter().filter(|i| *i == "tcp_foreign_segment").count(),
        1,
        "said once: {ids:?}"
    );
    assert!(!ids.iter().any(|i| i == "tcp_gap"), "no gap: {ids:?}");
}
