//! The header fields kept from the content (RFC 5322 §3.6, §2.2.3).

use super::*;

#[test]
fn plain_message_with_folded_subject() {
    let msg = b"from: Ann <ann@example.org>\r\n\
                To:  bob@example.net\r\n\
                X-Mailer: ccNotes\r\n\
                Subject: a subject\r\n  that was folded\r\n\ttwice\r\n\
                Date: Sat, 27 Dec 2008 19:25:06 +0100\r\n\
                MESSAGE-ID: <1@example.org>\r\n\
                Subject: second one is ignored\r\n\
                \r\n\
                To: not a header, in the body\r\n\
                Hello Bob.\r\n\
                .\r\n";
    let (r, end, q) = whole(msg, false);
    let end = end.expect("end of data");
    assert_eq!(end.end, msg.len() as u64);
    assert_eq!(end.frame, 1);
    assert_eq!(end.time, Timestamp(10));
    assert!(q.is_empty());
    assert_eq!(r.size(), msg.len() as u64 - 3);
    let names: Vec<&str> = r.headers().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["From", "To", "Subject", "Date", "Message-ID"]);
    assert_eq!(header(&r, "From"), Some(&b"Ann <ann@example.org>"[..]));
    assert_eq!(header(&r, "To"), Some(&b"bob@example.net"[..]));
    assert_eq!(
        header(&r, "Subject"),
        Some(&b"a subject  that was folded\ttwice"[..])
    );
    assert_eq!(header(&r, "Message-ID"), Some(&b"<1@example.org>"[..]));
    assert!(r.notes().is_empty(), "{:?}", r.notes());
    assert!(r.is_done());
}

#[test]
fn a_value_starting_on_the_continuation_line_is_trimmed() {
    let (r, end, _) = whole(b"Subject:\r\n   late value\r\n\r\nbody\r\n.\r\n", false);
    assert!(end.is_some());
    assert_eq!(header(&r, "Subject"), Some(&b"late value"[..]));
}
