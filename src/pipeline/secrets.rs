//! Credentials out of the previews: once a dialogue knows which client bytes
//! were a password or a SASL response (PASS, APOP, AUTH and its continuation
//! lines), the same bytes are masked with `*` in the previews of the segments
//! and socket calls that carried them. The dialogue masks them unless
//! `--show-secrets`; without this pass, the ladder, the narration and the
//! socket pane would print them beside it.
//!
//! The view's hex view masks the same bytes of the frame ([`secret_bytes`]).
//! Left as they are: `live`'s per-segment lines, printed before the line is
//! known to be one.

use std::ops::Range;

use crate::proto::Dialogue;
use crate::socket::{Endpoint, SocketCall, SocketEvent};
use crate::tcp::{Dir, Preview, SegmentRecord};

/// The secret stretches of a dialogue's client stream, sorted. Disjoint:
/// each preview finds its few by binary search (a hostile client may send
/// hundreds of AUTH lines over millions of segments).
fn sorted_secrets(d: &Dialogue) -> Vec<Range<u64>> {
    let mut r = d.secret_ranges();
    r.sort_by_key(|r| r.start);
    r
}

/// Masks every preview byte of one connection's segments and socket calls
/// that falls in a secret range of its dialogue's client stream.
pub fn mask(d: &Dialogue, segments: &mut [SegmentRecord], socket: &mut [SocketEvent]) {
    let ranges = sorted_secrets(d);
    if ranges.is_empty() {
        return;
    }
    for s in segments.iter_mut().filter(|s| s.dir == Dir::C2s) {
        // Relative seq 1 is the first data byte (the SYN took 0).
        mask_segment(&mut s.preview, s.seq.wrapping_sub(1), &ranges);
    }
    for ev in socket.iter_mut() {
        // The client's stream: what the client wrote and the server read.
        match (&mut ev.call, ev.endpoint) {
            (
                SocketCall::Write {
                    offset, preview, ..
                },
                Endpoint::Client,
            )
            | (
                SocketCall::Read {
                    offset, preview, ..
                },
                Endpoint::Server,
            ) => mask_preview(preview, *offset, &ranges),
            _ => {}
        }
    }
}

/// Positions in a client segment's payload (`len` bytes from relative
/// sequence number `seq`) that hold a secret of the dialogue, as sorted
/// ranges; empty when there is none.
pub fn secret_bytes(d: &Dialogue, seq: u32, len: usize) -> Vec<Range<usize>> {
    let ranges = sorted_secrets(d);
    let last = ranges.last().map_or(0, |r| r.end);
    let mut out = Vec::new();
    // Relative seq 1 is stream offset 0; past 4 GiB every offset the 32-bit
    // number could stand for is tried (as `mask_segment` does).
    let mut start = u64::from(seq.wrapping_sub(1));
    while start < last {
        let end = start + len as u64;
        let first = ranges.partition_point(|r| r.end <= start);
        let rest = ranges.get(first..).unwrap_or(&[]);
        for r in rest.iter().take_while(|r| r.start < end) {
            let (a, b) = (r.start.max(start), r.end.min(end));
            out.push((a - start) as usize..(b - start) as usize);
        }
        start += 1 << 32;
    }
    out.sort_by_key(|r| r.start);
    out
}

/// A segment knows its stream offset only modulo 2³² (its relative
/// sequence number): every stream offset it could stand for, up to the last
/// secret, is tried — one for streams under 4 GiB.
fn mask_segment(preview: &mut Preview, offset32: u32, ranges: &[Range<u64>]) {
    let last = ranges.last().map_or(0, |r| r.end);
    let mut start = u64::from(offset32);
    while start < last {
        mask_preview(preview, start, ranges);
        start += 1 << 32;
    }
}

/// `preview` starts at stream offset `start`; `ranges` are sorted and
/// disjoint.
fn mask_preview(preview: &mut Preview, start: u64, ranges: &[Range<u64>]) {
    let end = start + preview.len() as u64;
    let first = ranges.partition_point(|r| r.end <= start);
    let rest = ranges.get(first..).unwrap_or(&[]);
    for r in rest.iter().take_while(|r| r.start < end) {
        for at in r.start.max(start)..r.end.min(end) {
            preview.mask((at - start) as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_secret_bytes_are_masked() {
        // "PASS hunter2\r\n" at stream offset 100: the secret is 105..112
        // (and a SASL line far away).
        let secrets = [105..112, 900..950];
        let mut p = Preview::of(b"PASS hunter2\r\n");
        mask_preview(&mut p, 100, &secrets);
        assert_eq!(&*p, b"PASS *******\r\n");
        // A preview that starts inside the secret, past 4 GiB.
        let base = 5 << 32;
        let mut p = Preview::of(b"er2\r\nQUIT");
        mask_segment(
            &mut p,
            ((base + 109) & 0xffff_ffff) as u32,
            &[base + 105..base + 112, base + 900..base + 950],
        );
        assert_eq!(&*p, b"***\r\nQUIT");
        // Elsewhere: untouched.
        let mut p = Preview::of(b"USER bob\r\n");
        mask_preview(&mut p, 0, &secrets);
        assert_eq!(&*p, b"USER bob\r\n");
    }

    #[test]
    fn the_hex_view_finds_the_secret_bytes_of_a_frame() {
        use crate::proto::{Dialogue, Protocol};
        let mut d = Dialogue::new(1, Protocol::Pop3);
        d.add_sasl_line(105..112);
        // "PASS hunter2\r\n" from relative seq 101 (stream offset 100).
        assert_eq!(secret_bytes(&d, 101, 14), vec![5..12]);
        assert!(secret_bytes(&d, 1, 14).is_empty());
    }
}
