//! Unit tests of the reassembler: order, holes, retransmissions, conflicts,
//! the caps and the receiver's window.
//!
//! Tests index the values they built themselves: a panic is a failed test.
#![allow(clippy::indexing_slicing)]

use super::*;

/// A delivery as (offset, Some(bytes) | None for a gap, len).
type Got = (u64, Option<Vec<u8>>, u64);

/// Collects deliveries.
fn run(steps: &[(u64, &[u8])]) -> (Vec<Got>, Vec<PushOutcome>, Reassembler) {
    let mut r = Reassembler::default();
    let mut got = Vec::new();
    let mut outcomes = Vec::new();
    for (i, (off, data)) in steps.iter().enumerate() {
        let o = r.push(*off, data, i as u64 + 1, Timestamp(0), &mut |d| {
            got.push((
                d.offset,
                match d.chunk {
                    Chunk::Data(b) => Some(b.to_vec()),
                    Chunk::Gap(_) => None,
                },
                d.len(),
            ))
        });
        outcomes.push(o);
    }
    (got, outcomes, r)
}

fn stream(got: &[Got]) -> Vec<u8> {
    got.iter()
        .flat_map(|(_, b, n)| b.clone().unwrap_or_else(|| vec![0; *n as usize]))
        .collect()
}

#[test]
fn in_order() {
    let (got, _, r) = run(&[(0, b"hello "), (6, b"world")]);
    assert_eq!(stream(&got), b"hello world");
    assert_eq!(r.spans().len(), 2);
    assert_eq!(r.frame_of(7), Some(2));
}

#[test]
fn out_of_order_waits_for_the_hole() {
    let (got, outcomes, _) = run(&[(6, b"world"), (0, b"hello ")]);
    assert_eq!(outcomes[0].buffered, 5);
    assert_eq!(got.len(), 2, "both delivered when the hole fills");
    assert_eq!(stream(&got), b"hello world");
    assert_eq!(got[1].0, 6);
}

#[test]
fn retransmission_same_bytes_is_no_conflict() {
    let (got, outcomes, _) = run(&[(0, b"hello"), (0, b"hello"), (3, b"lo wo")]);
    assert_eq!(stream(&got), b"hello wo");
    assert_eq!(outcomes[1].repeated, 5);
    assert_eq!(outcomes[1].conflict, None);
    assert_eq!(outcomes[2].repeated, 2);
}

#[test]
fn overlap_with_different_bytes_keeps_the_first_copy() {
    let (got, outcomes, _) = run(&[(0, b"hello"), (0, b"help!")]);
    assert_eq!(stream(&got), b"hello");
    let c = outcomes[1].conflict.as_ref().expect("conflict");
    assert_eq!(c.offset, 3);
    assert_eq!(c.kept, b"lo");
    assert_eq!(c.other, b"p!");
    assert_eq!(c.kept_frame, 1);
    assert_eq!(c.rule, OverlapRule::FirstCopy);
}

#[test]
fn conflict_between_waiting_copies() {
    let (got, outcomes, _) = run(&[(5, b"WORLD"), (5, b"world"), (0, b"hello")]);
    assert_eq!(stream(&got), b"helloWORLD");
    assert!(outcomes[1].conflict.is_some());
}

#[test]
fn gap_on_acknowledgement() {
    let mut r = Reassembler::default();
    let mut got = Vec::new();
    let mut sink =
        |d: Delivery<'_>| got.push((d.offset, d.len(), matches!(d.chunk, Chunk::Gap(_))));
    r.push(0, b"abc", 1, Timestamp(0), &mut sink);
    r.push(10, b"xyz", 2, Timestamp(0), &mut sink);
    assert!(r.acknowledged(13, 3, Timestamp(0), &mut sink));
    assert_eq!(got, vec![(0, 3, false), (3, 7, true), (10, 3, false)]);
    assert_eq!(r.gap_bytes(), 7);
}

#[test]
fn finish_turns_holes_into_gaps() {
    let mut r = Reassembler::default();
    let mut n = 0;
    r.push(4, b"late", 1, Timestamp(0), &mut |_| n += 1);
    assert_eq!(n, 0);
    r.finish(9, Timestamp(0), &mut |_| n += 1);
    assert_eq!(n, 2);
    assert_eq!(r.next_offset(), 8);
}

#[test]
fn a_full_buffer_never_drops_the_piece_in_hand() {
    let mut r = Reassembler::default();
    let mut got = Vec::new();
    let mut sink =
        |d: Delivery<'_>| got.push((d.offset, d.len(), matches!(d.chunk, Chunk::Gap(_))));
    let block = vec![1u8; 64 * 1024];
    let mut off = 1000u64;
    while r.pending_bytes() + block.len() <= PENDING_CAP {
        r.push(off, &block, 1, Timestamp(0), &mut sink);
        off += block.len() as u64;
    }
    // The buffer is full; 500 bytes inside the hole before it arrive.
    let o = r.push(500, &[2u8; 500], 2, Timestamp(0), &mut sink);
    assert!(o.limit_hit);
    assert_eq!(
        got[0],
        (0, 500, true),
        "a gap of exactly the missing 500 bytes"
    );
    assert_eq!(got[1], (500, 500, false), "the piece in hand is delivered");
    assert_eq!(got[2], (1000, 64 * 1024, false));
    assert_eq!(r.gap_bytes(), 500);
}

#[test]
fn the_cap_bounds_waiting_bytes() {
    let mut r = Reassembler::default();
    let block = vec![7u8; 64 * 1024];
    let mut hit = false;
    for i in 0..100u64 {
        let o = r.push(
            1 + i * block.len() as u64,
            &block,
            i,
            Timestamp(0),
            &mut |_| {},
        );
        hit |= o.limit_hit;
        assert!(r.pending_bytes() <= PENDING_CAP);
    }
    assert!(hit);
}

/// A sink that appends delivered data bytes to `got`.
fn data_into(got: &mut Vec<u8>) -> impl FnMut(Delivery<'_>) + '_ {
    |d| {
        if let Chunk::Data(b) = d.chunk {
            got.extend_from_slice(b)
        }
    }
}

/// The 5,002-byte shape (docs/reassembly.md): the receiver's window takes
/// only the first 5 bytes; later copies inside the window win.
#[test]
fn a_copy_inside_the_window_wins_over_one_past_it() {
    let mut r = Reassembler::default();
    let mut got = Vec::new();
    r.advertised(5);
    let o = r.push(
        0,
        b"hello PADDINGPADDING",
        1,
        Timestamp(0),
        &mut data_into(&mut got),
    );
    assert_eq!(o.outside, 15);
    r.advertised(5 + 1000);
    let o = r.push(5, b" world", 2, Timestamp(0), &mut data_into(&mut got));
    let c = o.conflict.expect("the out-of-window copy differs");
    assert_eq!(
        (c.rule, c.kept_frame, c.other_frame),
        (OverlapRule::Window, 2, 1)
    );
    assert_eq!(
        (c.kept.as_slice(), c.other.as_slice()),
        (&b"world"[..], &b"PADDI"[..])
    );
    assert_eq!(c.offset, 6);
    assert_eq!(r.conflicts().count(), 1);
    r.push(11, b"!", 3, Timestamp(0), &mut data_into(&mut got));
    assert_eq!(got, b"hello world!");
    // The rest of the padding was never accepted: no ACK covers it.
    r.finish(4, Timestamp(0), &mut data_into(&mut got));
    assert_eq!(got, b"hello world!");
    assert_eq!(r.gap_bytes(), 0);
}

#[test]
fn an_ack_over_an_out_of_window_copy_delivers_it() {
    let mut r = Reassembler::default();
    let mut got = Vec::new();
    r.advertised(3);
    r.push(0, b"abcdef", 1, Timestamp(0), &mut data_into(&mut got));
    assert_eq!(got, b"abc");
    // The receiver acknowledges 5: it took those bytes after all.
    assert!(!r.acknowledged(5, 2, Timestamp(0), &mut data_into(&mut got)));
    assert_eq!(got, b"abcde");
    assert_eq!(r.gap_bytes(), 0);
    assert_eq!(r.next_offset(), 5);
}

/// A capture that missed the window update: the sender's next segment
/// starts after its out-of-window bytes, so no other copy of them came.
#[test]
fn a_sender_moving_on_past_out_of_window_bytes_delivers_them() {
    let mut r = Reassembler::default();
    let mut got = Vec::new();
    r.advertised(3);
    r.push(0, b"abcdef", 1, Timestamp(0), &mut data_into(&mut got));
    assert_eq!(got, b"abc");
    // A second run past the window: the sender does not share the
    // capture's view of the window, so the rule is given up and all is read.
    r.push(6, b"ghi", 2, Timestamp(0), &mut data_into(&mut got));
    assert_eq!(got, b"abcdefghi");
    assert_eq!(r.gap_bytes(), 0);
    assert_eq!(r.window_edge(), None);
    r.advertised(100);
    assert_eq!(r.window_edge(), None, "given up for good");
}

#[test]
fn the_edge_never_moves_left() {
    let mut r = Reassembler::default();
    r.advertised(100);
    r.advertised(10);
    assert_eq!(r.window_edge(), Some(100));
}
