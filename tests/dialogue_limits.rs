//! A hostile peer cannot make the application layer grow without bound: a
//! flood of lines keeps at most `MAX_ITEMS_PER_CONN` records and says so, a
//! repeated anomaly is listed `MAX_PER_ID` times and then counted, and a reply
//! of thousands of lines keeps `MAX_KEPT_LINES` of them, each cut to
//! `MAX_KEPT_BYTES`.

mod support;

use sockscope::finding::MAX_PER_ID;
use sockscope::proto::dialogue::{MAX_KEPT_BYTES, MAX_KEPT_LINES};
use sockscope::proto::tracker::MAX_ITEMS_PER_CONN;
use support::dialogue::analyze_pcap;
use support::Conv;

/// Sends `data` from the client in segments of at most 1400 bytes.
fn client_sends_all(c: &mut Conv, data: &[u8]) {
    for chunk in data.chunks(1400) {
        c.client_sends(chunk);
    }
}

#[test]
fn a_flood_of_bare_lf_commands_is_cut_at_the_limit_and_said() {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ESMTP\r\n")
        .client_sends(b"EHLO a\r\n")
        .server_sends(b"250 mx\r\n");
    // Unanswered RCPTs without a MAIL, each ended by a bare LF: every one is
    // out of sequence (the check asks whether a MAIL awaits its reply — once
    // a scan of the queue, quadratic) and each line's end is checked.
    let lines = MAX_ITEMS_PER_CONN + 5_000;
    client_sends_all(&mut c, &b"RCPT TO:<x@y>\n".repeat(lines));
    let t = analyze_pcap("flood.pcap", c.to_pcap());
    let d = t.dialogue(1).expect("an SMTP dialogue");
    let items = d.commands.len() + d.replies.len();
    assert!(
        (MAX_ITEMS_PER_CONN..MAX_ITEMS_PER_CONN + 5).contains(&items),
        "{items} items kept"
    );
    let limit: Vec<_> = t
        .findings
        .iter()
        .filter(|f| f.id == "dialogue_limit")
        .collect();
    assert_eq!(limit.len(), 1, "one dialogue_limit finding");
    assert!(
        limit[0].message.contains("stopped reading"),
        "{}",
        limit[0].message
    );
    let seq: Vec<_> = t
        .findings
        .iter()
        .filter(|f| f.id == "smtp_command_out_of_sequence")
        .collect();
    assert_eq!(
        seq.len() as u64,
        MAX_PER_ID + 1,
        "listed up to the limit, then counted"
    );
    let summary = seq.last().expect("summary");
    assert!(
        summary.message.contains(&format!(
            "repeated {} times",
            d.commands.iter().filter(|c| c.verb == "RCPT").count()
        )),
        "{}",
        summary.message
    );
}

#[test]
fn lines_released_at_once_do_not_run_past_the_limit() {
    // AUTH with no reply: past 1 MiB the reader stops waiting and reads the
    // held bytes as commands — half a million lines in one go.
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ESMTP\r\n")
        .client_sends(b"EHLO a\r\n")
        .server_sends(b"250-mx\r\n250 AUTH LOGIN\r\n")
        .client_sends(b"AUTH LOGIN\r\n");
    client_sends_all(&mut c, &b"x\n".repeat(600_000));
    let t = analyze_pcap("released.pcap", c.to_pcap());
    let d = t.dialogue(1).expect("an SMTP dialogue");
    assert!(d.items() < MAX_ITEMS_PER_CONN + 5, "{} items", d.items());
    assert_eq!(
        t.findings
            .iter()
            .filter(|f| f.id == "dialogue_limit")
            .count(),
        1
    );
}

#[test]
fn a_long_multi_line_reply_keeps_its_first_lines_and_counts_the_rest() {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ESMTP\r\n")
        .client_sends(b"EHLO a\r\n");
    let long_line = vec![b'x'; 3000];
    let mut reply = Vec::new();
    for i in 0..MAX_KEPT_LINES + 500 {
        reply.extend_from_slice(b"250-");
        reply.extend_from_slice(&long_line[..if i == 0 { 3000 } else { 10 }]);
        reply.extend_from_slice(b"\r\n");
    }
    reply.extend_from_slice(b"250 PIPELINING\r\n");
    for chunk in reply.chunks(1400) {
        c.server_sends(chunk);
    }
    c.client_sends(b"QUIT\r\n").server_sends(b"221 bye\r\n");
    let t = analyze_pcap("long-reply.pcap", c.to_pcap());
    let d = t.dialogue(1).expect("an SMTP dialogue");
    let r = &d.replies[1];
    assert_eq!(r.lines.len(), MAX_KEPT_LINES);
    assert_eq!(r.more_lines, 501);
    assert_eq!(
        r.lines[0].len(),
        MAX_KEPT_BYTES,
        "a 3000-byte line is kept cut"
    );
    assert!(d.capabilities.len() <= sockscope::proto::dialogue::MAX_CAPABILITIES);
    assert_eq!(
        d.replies.last().map(|r| r.lines[0].as_slice()),
        Some(&b"bye"[..])
    );
    let mut text = Vec::new();
    sockscope::report::write_text(&mut text, &t, &sockscope::report::Selection::default())
        .expect("text report");
    let text = String::from_utf8(text).expect("utf-8");
    assert!(text.contains("and 501 more lines, not kept"));
}

/// Issue 16: a limit must never make a later finding false. 30,000 NOOPs
/// and their replies pass the per-connection limit; the session still ends
/// with QUIT and 221, so it did not close without QUIT.
#[test]
fn a_session_past_the_limit_that_quit_is_not_said_to_close_without_quit() {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ESMTP\r\n")
        .client_sends(b"EHLO a\r\n")
        .server_sends(b"250 mx\r\n");
    for _ in 0..30 {
        client_sends_all(&mut c, &b"NOOP\r\n".repeat(1000));
        c.server_acks();
        for chunk in b"250 2.0.0 Ok\r\n".repeat(1000).chunks(1400) {
            c.server_sends(chunk);
        }
        c.client_acks();
    }
    c.client_sends(b"QUIT\r\n")
        .server_sends(b"221 2.0.0 Bye\r\n")
        .server_fin()
        .client_fin()
        .server_acks();
    let t = analyze_pcap("noops.pcap", c.to_pcap());
    let ids: Vec<_> = t.findings.iter().map(|f| f.id).collect();
    assert!(ids.contains(&"dialogue_limit"), "{ids:?}");
    assert!(!ids.contains(&"smtp_closed_without_quit"), "{ids:?}");
}
