//! What `sockscope live` prints as frames arrive: the [`Analyzer`] fed a
//! frame at a time shows each segment analysed and a finding as soon as its
//! layer raises it, and ends with the same timeline `analyze` builds.

mod support;

use std::io::Cursor;

use sockscope::capture::CaptureReader;
use sockscope::finding::Severity;
use sockscope::report::{write_live_finding, write_live_segment};
use sockscope::timeline::Analyzer;
use support::Conv;

fn capture() -> Vec<u8> {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 mx ESMTP\r\n")
        .client_sends(b"HELO a\r\n")
        .server_sends(b"250 mx\r\n")
        .client_sends(b"MAIL FROM:<a@b>\r\n")
        .server_sends(b"250 ok\r\n")
        .client_sends(b"RCPT TO:<anybody%anywhere@local.host.name>\r\n")
        .server_sends(b"250 ok\r\n")
        .client_sends(b"QUIT\r\n")
        .server_sends(b"221 bye\r\n");
    c.to_pcap()
}

#[test]
fn findings_stream_before_the_capture_ends() {
    let bytes = capture();
    let mut reader = CaptureReader::from_reader("live.pcap", Cursor::new(bytes.clone())).unwrap();
    let mut sink = ();
    let mut a = Analyzer::new("live", &mut sink, 1000);
    let mut first_seen = None;
    let mut lines = Vec::new();
    while let Some(frame) = reader.next_frame().expect("frame") {
        let number = frame.meta.number;
        if let Some(seg) = a.push(frame) {
            write_live_segment(&mut lines, seg, Default::default()).unwrap();
        }
        if first_seen.is_none() && !a.app_findings(1).is_empty() {
            first_seen = Some(number);
            write_live_finding(&mut lines, &a.app_findings(1)[0]).unwrap();
        }
    }
    let t = a.finish(None);
    let rcpt = t
        .dialogue(1)
        .and_then(|d| d.commands.iter().find(|c| c.verb == "RCPT"))
        .map(|c| c.origin.last_frame())
        .expect("RCPT decoded");
    assert_eq!(first_seen, Some(rcpt), "raised at the RCPT's own frame");
    let text = String::from_utf8(lines).unwrap();
    assert!(text.starts_with("conn 1 "), "{text}");
    assert!(text.contains("smtp_percent_hack"), "{text}");
    // Relative sequence numbers, as in the report: the SYN is 0.
    assert!(text.lines().next().unwrap().contains(" SYN "), "{text}");
    // At its end, the same findings as the file's report: the RCPT's warning
    // and the accepted relay's error.
    let hack: Vec<_> = t
        .findings
        .iter()
        .filter(|f| f.id == "smtp_percent_hack")
        .map(|f| f.severity)
        .collect();
    assert_eq!(hack, [Severity::Warning, Severity::Error]);
}

#[test]
fn segments_still_stream_past_the_record_limit() {
    let bytes = capture();
    let mut reader = CaptureReader::from_reader("live.pcap", Cursor::new(bytes)).unwrap();
    let mut sink = ();
    let mut a = Analyzer::new("live", &mut sink, 5);
    let mut streamed = 0;
    let mut frames = 0;
    while let Some(frame) = reader.next_frame().expect("frame") {
        frames += 1;
        if let Some(seg) = a.push(frame) {
            assert_eq!(seg.frame, frames);
            streamed += 1;
        }
    }
    assert_eq!(streamed, frames, "every segment is shown live");
    let t = a.finish(None);
    assert_eq!(t.segments.len(), 5, "only the first five are kept");
    assert!(t.findings.iter().any(|f| f.id == "index_limit"));
}
