//! Line ends, long lines, 8-bit octets, and the memory a huge message costs.

use super::*;

#[test]
fn a_bare_cr_at_a_feed_boundary_waits_for_the_next_byte() {
    let mut r = DataReader::new(false);
    let mut q = ByteQueue::default();
    q.push(0, b"abc\r", 1, Timestamp(1));
    assert_eq!(r.feed(&mut q), None);
    assert!(
        r.notes().is_empty(),
        "a CR at the end of the queue is undecided"
    );
    q.push(4, b"\nxy\r", 2, Timestamp(2));
    assert_eq!(r.feed(&mut q), None);
    assert!(r.notes().is_empty(), "CR LF is a line end, not a bare CR");
    q.push(8, b"z\r\r\n", 3, Timestamp(3));
    assert_eq!(r.feed(&mut q), None);
    let n = note(&r, "smtp_bare_cr").expect("bare CR");
    assert_eq!(
        (n.offset, n.frame, n.count),
        (7, 2, 2),
        "the CR's own frame, from the earlier feed"
    );
    assert_eq!(n.detail, "First in \"…bc⏎xy\\rz\". 1 as CR CR LF.");
    q.push(12, b".\r\n", 4, Timestamp(4));
    assert!(r.feed(&mut q).is_some());
    assert_eq!(r.notes().len(), 1);
}

#[test]
fn long_lines_are_counted_without_the_stuffing_dot() {
    let mut msg = Vec::new();
    msg.extend(std::iter::repeat_n(b'a', 998));
    msg.extend_from_slice(b"\r\n"); // 1000: the limit
    msg.extend_from_slice(b"..");
    msg.extend(std::iter::repeat_n(b'b', 997));
    msg.extend_from_slice(b"\r\n"); // 1001 on the wire, 1000 without the stuffing dot
    let first_long = msg.len() as u64;
    msg.extend(std::iter::repeat_n(b'c', 999));
    msg.extend_from_slice(b"\r\n"); // 1001
    msg.extend(std::iter::repeat_n(b'd', 5000));
    msg.extend_from_slice(b"\r\n.\r\n");
    let (r, end, _) = whole(&msg, false);
    assert!(end.is_some());
    let n = note(&r, "smtp_line_too_long").expect("long");
    assert_eq!((n.offset, n.count), (first_long, 2));
    assert_eq!(n.detail, "First: 1001 octets.");
    assert_eq!(r.notes().len(), 1, "{:?}", r.notes());
}

#[test]
fn eight_bit_and_nul_octets() {
    let msg = b"caf\xc3\xa9 \0\r\n.\r\n";
    let (r, _, _) = whole(msg, false);
    let n = note(&r, "smtp_8bit_without_8bitmime").expect("8bit");
    assert_eq!((n.offset, n.count), (3, 3));
    assert_eq!(
        n.detail,
        "2 octets ≥ 0x80 (first 0xC3) without BODY=8BITMIME; 1 NUL octet."
    );
    let (r, _, _) = whole(msg, true);
    let n = note(&r, "smtp_8bit_without_8bitmime").expect("NUL is never allowed");
    assert_eq!((n.offset, n.count), (6, 1));
    assert_eq!(n.detail, "1 NUL octet.");
    let (r, _, _) = whole(b"caf\xc3\xa9\r\n.\r\n", true);
    assert!(r.notes().is_empty());
}

#[test]
fn five_megabytes_in_64k_pieces_stay_bounded() {
    let mut msg = Vec::new();
    for name in WANTED {
        msg.extend_from_slice(name.as_bytes());
        msg.extend_from_slice(b": ");
        msg.extend(std::iter::repeat_n(b'v', 980));
        // Folded on and on: the unfolded value must stop at 998.
        for _ in 0..50 {
            msg.extend_from_slice(b"\r\n ");
            msg.extend(std::iter::repeat_n(b'w', 900));
        }
        msg.extend_from_slice(b"\r\n");
    }
    msg.extend_from_slice(b"\r\n");
    let mut line = 0u32;
    while msg.len() < 5 * 1024 * 1024 {
        line += 1;
        if line.is_multiple_of(1000) {
            // A very long line now and then.
            msg.extend(std::iter::repeat_n(b'L', 70_000));
        } else {
            msg.extend_from_slice(
                format!("line {line} of the body, nothing special about it\r\n").as_bytes(),
            );
        }
        msg.extend_from_slice(b"\r\n");
    }
    msg.extend_from_slice(b".\r\nQUIT\r\n");

    let mut r = DataReader::new(false);
    let mut q = ByteQueue::default();
    let mut end = None;
    for (i, piece) in msg.chunks(64 * 1024).enumerate() {
        q.push(
            (i * 64 * 1024) as u64,
            piece,
            i as u64 + 1,
            Timestamp(i as i64),
        );
        end = r.feed(&mut q);
        if end.is_none() {
            assert!(q.is_empty(), "piece {i}: drained");
        }
        let stored: usize = r.headers().iter().map(|(_, v)| v.len()).sum();
        assert!(stored <= 5 * MAX_VALUE, "header storage {stored}");
        assert!(r.headers().iter().all(|(_, v)| v.len() <= MAX_VALUE));
        assert!(r.head.line.capacity() <= 2 * HEADER_LINE_KEEP);
        assert!(r.details.dot_line.capacity() <= 2 * DOT_LINE_KEEP);
        assert!(r.notes().len() <= KINDS);
    }
    let end = end.expect("end");
    assert_eq!(end.end, msg.len() as u64 - 6);
    assert_eq!(q.len(), 6);
    assert_eq!(r.size(), msg.len() as u64 - 9);
    assert_eq!(r.headers().len(), 5);
    assert!(r.headers().iter().all(|(_, v)| v.len() == MAX_VALUE));
    let n = note(&r, "smtp_line_too_long").expect("long lines");
    assert_eq!(n.detail, "First: 70002 octets.");
}
