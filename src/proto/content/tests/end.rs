//! Where the data ends (RFC 5321 §4.1.1.4) and transparency (§4.5.2),
//! however the bytes were cut into frames.

use super::*;

#[test]
fn a_dot_stuffed_line_counts_one_dot() {
    let msg = b"Subject: dots\r\n\r\n..hidden\r\n...\r\n..\r\n.\r\n";
    let (r, end, _) = whole(msg, false);
    assert_eq!(end.map(|e| e.end), Some(msg.len() as u64));
    // Three stuffed lines: each carries one dot less than it has on the wire.
    assert_eq!(r.size(), msg.len() as u64 - 3 - 3);
    assert!(r.notes().is_empty(), "{:?}", r.notes());
}

#[test]
fn an_undoubled_dot_is_noted() {
    let msg = b"a\r\n.hidden line\r\nb\r\n.\0x\r\n.\r\n";
    let (r, end, _) = whole(msg, true);
    assert!(end.is_some());
    let n = note(&r, "smtp_dot_stuffing_missing").expect("note");
    assert_eq!((n.offset, n.count), (3, 2));
    assert_eq!(n.detail, "First: \".hidden line\".");
    assert_eq!(r.size(), msg.len() as u64 - 3);
}

#[test]
fn an_empty_message() {
    let (r, end, q) = whole(b".\r\nQUIT\r\n", false);
    let end = end.expect("end");
    assert_eq!(end.end, 3);
    assert_eq!(r.size(), 0);
    assert!(r.headers().is_empty());
    assert!(r.notes().is_empty());
    assert_eq!(q.len(), 6);
}

#[test]
fn bytes_after_the_terminator_stay_queued() {
    let mut r = DataReader::new(false);
    let mut q = ByteQueue::default();
    q.push(500, b"hi\r\n.\r\nQUIT\r\n", 7, Timestamp(3));
    let end = r.feed(&mut q).expect("end");
    assert_eq!(
        end,
        DataEnd {
            frame: 7,
            time: Timestamp(3),
            end: 507
        }
    );
    assert_eq!(q.offset(), 507);
    assert_eq!(q.line().map(|l| l.bytes), Some(b"QUIT".to_vec()));
    q.push(513, b"more", 8, Timestamp(4));
    assert_eq!(
        r.feed(&mut q),
        Some(end),
        "a finished reader consumes nothing more"
    );
    assert_eq!(q.len(), 4);
    assert_eq!(r.size(), 4);
}

#[test]
fn the_end_split_across_frames_names_the_last_one() {
    let mut r = DataReader::new(false);
    let mut q = ByteQueue::default();
    q.push(0, b"x\r\n.", 1, Timestamp(1));
    assert_eq!(r.feed(&mut q), None);
    assert!(q.is_empty());
    q.push(4, b"\r", 2, Timestamp(2));
    assert_eq!(r.feed(&mut q), None);
    q.push(5, b"\nRSET\r\n", 3, Timestamp(3));
    assert_eq!(
        r.feed(&mut q),
        Some(DataEnd {
            frame: 3,
            time: Timestamp(3),
            end: 6
        })
    );
    assert_eq!(r.size(), 3);
    assert_eq!(q.len(), 6);
}

/// Stuffing, a bare LF, a smuggling variant with commands after it, the
/// real end, and the next commands.
const SAMPLE: &[u8] = b"From: a@example.org\r\n\
    Subject: split\r\n test\r\n\
    \r\n\
    ..stuffed\r\n\
    bare\nlf\r\n\
    text\n.\n\
    MAIL FROM:<evil@example.org>\n\
    RCPT TO:<victim@example.net>\n\
    DATA\n\
    From: ceo@example.net\n\
    \r\n.\r\n\
    QUIT\r\n";

#[test]
fn every_split_point_reads_the_same() {
    let (r, end, q) = whole(SAMPLE, false);
    let expect = outcome(&r, end.as_ref(), &q);
    let term_end = SAMPLE.len() as u64 - 6;
    assert_eq!(expect.end, Some(term_end));
    assert_eq!(expect.rest, b"QUIT\r\n");
    let ids: Vec<&str> = expect.notes.iter().map(|n| n.0).collect();
    assert_eq!(ids, ["smtp_bare_lf", "smtp_smuggling_eod_variant"]);
    let smug = note(&r, "smtp_smuggling_eod_variant").expect("smuggling");
    assert_eq!(smug.count, 1);
    assert_eq!(
        smug.detail,
        "First: \\n.\\n followed by 3 smuggled command lines (MAIL FROM, RCPT TO, DATA)."
    );
    assert_eq!(note(&r, "smtp_bare_lf").map(|n| n.count), Some(7));

    // Two pieces, cut at every point; frames say which piece.
    for cut in 0..=SAMPLE.len() {
        let mut r = DataReader::new(false);
        let mut q = ByteQueue::default();
        q.push(0, &SAMPLE[..cut], 1, Timestamp(1));
        let mut end = r.feed(&mut q);
        if end.is_none() {
            assert!(q.is_empty(), "cut {cut}: everything consumed");
            q.push(cut as u64, &SAMPLE[cut..], 2, Timestamp(2));
            end = r.feed(&mut q);
        } else {
            q.push(cut as u64, &SAMPLE[cut..], 2, Timestamp(2));
        }
        assert_eq!(outcome(&r, end.as_ref(), &q), expect, "cut at {cut}");
        let piece = |offset: u64| if offset < cut as u64 { 1 } else { 2 };
        let end = end.expect("end");
        assert_eq!(end.frame, piece(term_end - 1), "cut at {cut}");
        assert_eq!(end.time, Timestamp(piece(term_end - 1) as i64));
        for n in r.notes() {
            assert_eq!(n.frame, piece(n.offset), "cut at {cut}: {n:?}");
        }
    }

    // One byte per push and feed, each its own frame.
    let mut r = DataReader::new(false);
    let mut q = ByteQueue::default();
    let mut end = None;
    for (i, &b) in SAMPLE.iter().enumerate() {
        q.push(i as u64, &[b], i as u64 + 100, Timestamp(i as i64));
        if end.is_none() {
            end = r.feed(&mut q);
            if end.is_none() {
                assert!(q.is_empty());
            }
        }
    }
    assert_eq!(outcome(&r, end.as_ref(), &q), expect);
    assert_eq!(
        end.map(|e| (e.frame, e.time)),
        Some((term_end + 99, Timestamp(term_end as i64 - 1)))
    );
    for n in r.notes() {
        assert_eq!(n.frame, n.offset + 100, "{n:?}");
    }
}

/// A small deterministic generator (xorshift), so the test needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Where the end is, by the definition and nothing else.
fn oracle(bytes: &[u8]) -> Option<(usize, u64)> {
    let at = (0..bytes.len())
        .find(|&i| bytes[i..].starts_with(b".\r\n") && (i == 0 || bytes[..i].ends_with(b"\r\n")))?;
    let stuffed = (0..at)
        .filter(|&p| bytes[p..].starts_with(b"..") && (p == 0 || bytes[..p].ends_with(b"\r\n")))
        .count();
    Some((at + 3, (at - stuffed) as u64))
}

#[test]
fn random_bytes_cut_anywhere() {
    let alphabet: [&[u8]; 14] = [
        b"\r",
        b"\n",
        b".",
        b"\r",
        b"\n",
        b".",
        b"\0",
        b"a",
        b"\xe9",
        b" ",
        b"\r\n",
        b"MAIL FROM:<a>",
        b"data",
        b"Subject: x",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..5000 {
        let len = (rng.next() % 30) as usize;
        let bytes: Vec<u8> = (0..len)
            .flat_map(|_| {
                alphabet[(rng.next() % alphabet.len() as u64) as usize]
                    .iter()
                    .copied()
            })
            .collect();
        let (r, end, q) = whole(&bytes, false);
        let expect = outcome(&r, end.as_ref(), &q);
        match oracle(&bytes) {
            Some((end_at, size)) => {
                assert_eq!(expect.end, Some(end_at as u64), "round {round}: {bytes:?}");
                assert_eq!(expect.size, size, "round {round}: {bytes:?}");
                assert_eq!(expect.rest, &bytes[end_at..]);
            }
            None => {
                assert_eq!(expect.end, None, "round {round}: {bytes:?}");
                assert!(expect.rest.is_empty());
            }
        }
        // Random cuts into several pieces read the same.
        let mut r = DataReader::new(false);
        let mut q = ByteQueue::default();
        let mut at = 0;
        let mut end = None;
        while at < bytes.len() {
            let n = 1 + (rng.next() % 6) as usize;
            let piece = &bytes[at..(at + n).min(bytes.len())];
            q.push(at as u64, piece, at as u64, Timestamp(0));
            at += piece.len();
            if end.is_none() {
                end = r.feed(&mut q);
            }
        }
        assert_eq!(
            outcome(&r, end.as_ref(), &q),
            expect,
            "round {round}: {bytes:?}"
        );
    }
}
