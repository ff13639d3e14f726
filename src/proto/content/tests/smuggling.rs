//! End-of-data variants: noted, never the end (SMTP smuggling).

use super::*;

#[test]
fn every_smuggling_variant_is_noted_and_is_not_the_end() {
    let variants: [(&[u8], &str); 12] = [
        (b"\n.\n", "\\n.\\n"),
        (b"\r.\r", "\\r.\\r"),
        (b"\r.\n", "\\r.\\n"),
        (b"\n.\r", "\\n.\\r"),
        (b"\n.\r\n", "\\n.\\r\\n"),
        (b"\r\n.\n", "\\r\\n.\\n"),
        (b"\r.\r\n", "\\r.\\r\\n"),
        (b"\r\n.\r", "\\r\\n.\\r"),
        (b"\r\n\0.\r\n", "\\r\\n\\0.\\r\\n"),
        (b"\r\n.\0\r\n", "\\r\\n.\\0\\r\\n"),
        (b"\n\0.\n", "\\n\\0.\\n"),
        (b"\r\n.\0\n", "\\r\\n.\\0\\n"),
    ];
    for (variant, name) in variants {
        let mut msg = b"Subject: x\r\n\r\nhello".to_vec();
        msg.extend_from_slice(variant);
        let real =
            b"mail FROM:<a@b>\r\nRcpt To:<c@d>\r\ndata\r\nSubject: forged\r\n\r\n.\r\nQUIT\r\n";
        msg.extend_from_slice(real);
        let (r, end, q) = whole(&msg, false);
        let end = end.unwrap_or_else(|| panic!("{name}: the real end"));
        assert_eq!(
            end.end,
            msg.len() as u64 - 6,
            "{name}: only CRLF.CRLF ends the data"
        );
        assert_eq!(q.len(), 6);
        let n = note(&r, "smtp_smuggling_eod_variant").unwrap_or_else(|| panic!("{name}: note"));
        assert_eq!((n.offset, n.count), (19, 1), "{name}");
        assert_eq!(
            n.detail,
            format!(
                "First: {name} followed by 3 smuggled command lines (MAIL FROM, RCPT TO, DATA)."
            ),
        );
        assert!(note(&r, "smtp_dot_stuffing_missing").is_none(), "{name}");
        let nul = note(&r, "smtp_8bit_without_8bitmime").is_some();
        assert_eq!(nul, variant.contains(&0), "{name}");
    }
}

#[test]
fn variants_are_counted_and_a_later_one_with_commands_is_named() {
    let msg = b"a\n.\nplain text\r\nb\r.\rQUIT\r\n\n.\n\r\n.\r\n";
    let (r, end, _) = whole(msg, false);
    assert_eq!(end.map(|e| e.end), Some(msg.len() as u64));
    let n = note(&r, "smtp_smuggling_eod_variant").expect("note");
    assert_eq!((n.offset, n.count), (1, 3));
    assert_eq!(
        n.detail,
        "First: \\n.\\n. At offset 17: \\r.\\r followed by 1 smuggled command line (QUIT)."
    );
}

#[test]
fn a_variant_at_the_very_start() {
    let (r, end, _) = whole(b".\nRSET\r\n\r\n.\r\n", false);
    assert_eq!(end.map(|e| e.end), Some(13));
    let n = note(&r, "smtp_smuggling_eod_variant").expect("note");
    assert_eq!(n.offset, 0);
    assert_eq!(
        n.detail,
        "First: .\\n followed by 1 smuggled command line (RSET)."
    );
}
