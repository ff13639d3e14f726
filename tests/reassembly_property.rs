//! Property: however a client's byte stream is cut into segments, reordered,
//! partly duplicated and overlapped with segments carrying the same bytes, the
//! stream sockscope reassembles equals the original — no gap, no conflict.
//!
//! Each case is a capture with a client handshake, then only client data
//! segments (PSH without ACK, so no acknowledgement can declare a hole a gap),
//! analysed through `timeline::analyze` with the bytes collected by a
//! `StreamSink`.

mod support;

use std::io::Cursor;

use proptest::prelude::*;
use proptest::sample::Index;
use sockscope::capture::CaptureReader;
use sockscope::tcp::{Chunk, Dir};
use sockscope::timeline::{analyze, StreamSink};
use support::{Conv, Seg};

/// The client's stream as delivered; gaps counted separately.
#[derive(Default)]
struct C2s {
    bytes: Vec<u8>,
    gaps: u64,
    out_of_place: Vec<(u64, u64)>,
}

impl StreamSink for C2s {
    fn chunk(&mut self, conn: u32, dir: Dir, offset: u64, chunk: Chunk<'_>) {
        assert_eq!(conn, 1, "one connection only");
        if dir != Dir::C2s {
            return;
        }
        let expected = self.bytes.len() as u64 + self.gaps;
        if offset != expected {
            self.out_of_place.push((offset, expected));
        }
        match chunk {
            Chunk::Data(d) => self.bytes.extend_from_slice(d),
            Chunk::Gap(n) => self.gaps += n,
        }
    }
}

/// How to turn a stream into segments.
#[derive(Debug, Clone)]
struct Plan {
    data: Vec<u8>,
    /// Cut points of the base partition (positions into `0..=len`).
    cuts: Vec<Index>,
    /// Extra segments over arbitrary sub-ranges: (start, length).
    extras: Vec<(Index, usize)>,
    /// Segments sent twice.
    dups: Vec<Index>,
    /// Sort keys giving the order segments are sent in.
    order: Vec<u64>,
}

fn plans() -> impl Strategy<Value = Plan> {
    (
        prop::collection::vec(any::<u8>(), 0..3000),
        prop::collection::vec(any::<Index>(), 0..40),
        prop::collection::vec((any::<Index>(), 1..400usize), 0..12),
        prop::collection::vec(any::<Index>(), 0..8),
        prop::collection::vec(any::<u64>(), 64),
    )
        .prop_map(|(data, cuts, extras, dups, order)| Plan {
            data,
            cuts,
            extras,
            dups,
            order,
        })
}

/// The segments as (stream offset, length), in sending order.
fn segments(plan: &Plan) -> Vec<(usize, usize)> {
    let len = plan.data.len();
    if len == 0 {
        return Vec::new();
    }
    let mut points: Vec<usize> = plan.cuts.iter().map(|i| i.index(len + 1)).collect();
    points.extend([0, len]);
    points.sort_unstable();
    points.dedup();
    let mut segs: Vec<(usize, usize)> = points.windows(2).map(|w| (w[0], w[1] - w[0])).collect();
    for (start, n) in &plan.extras {
        let start = start.index(len);
        segs.push((start, (*n).min(len - start)));
    }
    let dups: Vec<(usize, usize)> = plan
        .dups
        .iter()
        .map(|i| segs[i.index(segs.len())])
        .collect();
    segs.extend(dups);
    let mut keyed: Vec<(u64, (usize, usize))> = segs
        .into_iter()
        .enumerate()
        .map(|(i, s)| (plan.order[i % plan.order.len()].wrapping_add(i as u64), s))
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    keyed.into_iter().map(|(_, s)| s).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn reassembled_stream_equals_the_original(plan in plans()) {
        let mut c = Conv::new();
        c.handshake();
        let base = c.client_next();
        let t0 = c.now();
        for (i, (offset, len)) in segments(&plan).into_iter().enumerate() {
            let seg = Seg {
                seq: base.wrapping_add(offset as u32),
                time_us: t0 + 1_000 * i as u64,
                ..c.client_seg("P", &plan.data[offset..offset + len])
            };
            c.push(seg);
        }
        let reader = CaptureReader::from_reader("prop.pcap", Cursor::new(c.to_pcap()))
            .expect("capture opens");
        let mut sink = C2s::default();
        let a = analyze(reader, &mut sink);

        prop_assert!(a.error.is_none(), "{:?}", a.error);
        prop_assert_eq!(a.connections.len(), 1);
        prop_assert!(sink.out_of_place.is_empty(), "chunks out of place: {:?}", sink.out_of_place);
        prop_assert_eq!(sink.gaps, 0, "a gap in the stream");
        prop_assert!(sink.bytes == plan.data, "stream differs: got {} bytes, want {}",
            sink.bytes.len(), plan.data.len());
        prop_assert_eq!(a.connections[0].bytes_c2s, plan.data.len() as u64);
        prop_assert_eq!(a.connections[0].gap_c2s, 0);
        let bad: Vec<_> = a
            .findings
            .iter()
            .filter(|f| matches!(f.id, "tcp_overlap_conflict" | "tcp_gap" | "tcp_reassembly_limit"))
            .collect();
        prop_assert!(bad.is_empty(), "{:?}", bad);
    }
}
