//! A connection's sequence graph, as Stevens and tcptrace draw it and
//! Wireshark's "TCP Stream Graphs" show: for one direction, each segment's
//! bytes as a vertical bar at its time (sequence numbers up the side), the
//! receiver's acknowledgments as a stepped line under them, and the right
//! edge of the window it advertised (ACK + window) above. Where the window
//! edge meets the data, the sender is blocked: the slow reader's picture.

use super::dir::Dir;
use super::segment::SegmentRecord;
use crate::capture::Timestamp;

/// Points kept per series (a long connection is sampled evenly).
pub const MAX_POINTS: usize = 4000;

/// One direction's graph. Times are seconds since the connection's first
/// segment, sequence numbers relative and unwrapped (bytes of the stream).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeqGraph {
    pub dir: Option<Dir>,
    pub t0: Timestamp,
    /// New data: (time, first byte, one past the last).
    pub data: Vec<(f64, f64, f64)>,
    /// Bytes sent again (retransmissions, probes).
    pub again: Vec<(f64, f64, f64)>,
    /// The receiver's acknowledgments: (time, ACK).
    pub acks: Vec<(f64, f64)>,
    /// The receiver's window edge: (time, ACK + window).
    pub window: Vec<(f64, f64)>,
    pub max_time: f64,
    pub max_seq: f64,
}

/// Unwraps a 32-bit relative number near the last one seen.
fn near(raw: u32, last: &mut Option<i64>) -> i64 {
    let v = match *last {
        Some(k) => k + i64::from(raw.wrapping_sub(k as u32) as i32),
        None => i64::from(raw),
    };
    *last = Some(v);
    v
}

/// Keeps every `n`-th point so at most [`MAX_POINTS`] remain.
fn sample<T: Copy>(v: Vec<T>) -> Vec<T> {
    if v.len() <= MAX_POINTS {
        return v;
    }
    let step = v.len().div_ceil(MAX_POINTS);
    v.into_iter().step_by(step).collect()
}

/// The graph of the bytes sent in `dir`, from a connection's segments in
/// frame order.
pub fn build<'a>(segments: impl IntoIterator<Item = &'a SegmentRecord>, dir: Dir) -> SeqGraph {
    let mut g = SeqGraph {
        dir: Some(dir),
        ..SeqGraph::default()
    };
    let (mut seq_last, mut ack_last) = (None, None);
    let mut first = None;
    let mut sent_end = i64::MIN;
    for s in segments {
        let t0 = *first.get_or_insert(s.time);
        let t = s.time.secs_since(t0).max(0.0);
        g.max_time = g.max_time.max(t);
        if s.dir == dir {
            let start = near(s.seq, &mut seq_last);
            let end = start + i64::from(s.len);
            if s.len > 0 {
                let point = (t, start as f64, end as f64);
                if end <= sent_end {
                    g.again.push(point);
                } else {
                    g.data.push(point);
                }
                sent_end = sent_end.max(end);
                g.max_seq = g.max_seq.max(end as f64);
            }
        } else if s.flags.ack() {
            let ack = near(s.ack, &mut ack_last) as f64;
            let edge = ack + s.window_scaled as f64;
            g.acks.push((t, ack));
            g.window.push((t, edge));
        }
    }
    g.t0 = first.unwrap_or_default();
    g.data = sample(g.data);
    g.again = sample(g.again);
    g.acks = sample(g.acks);
    g.window = sample(g.window);
    g
}

/// The direction that carried more payload: the one worth graphing first.
pub fn busier<'a>(segments: impl IntoIterator<Item = &'a SegmentRecord>) -> Dir {
    let mut bytes = [0u64; 2];
    for s in segments {
        if let Some(b) = bytes.get_mut(s.dir.index()) {
            *b += u64::from(s.len);
        }
    }
    let [client, server] = bytes;
    if server > client {
        Dir::S2c
    } else {
        Dir::C2s
    }
}

#[cfg(test)]
// Tests index the series they built themselves.
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::tcp::{Preview, TcpState};
    use crate::wire::TcpFlags;

    fn seg(dir: Dir, seq: u32, ack: u32, len: u32, win: u64, ms: i64) -> SegmentRecord {
        SegmentRecord {
            conn: 1,
            frame: 0,
            time: Timestamp(ms * 1_000_000),
            dir,
            flags: TcpFlags(TcpFlags::ACK),
            seq,
            ack,
            len,
            captured: len,
            window: 0,
            window_scaled: win,
            analysis: Default::default(),
            context: Default::default(),
            preview: Preview::of(b""),
            syn_options: None,
            states: [TcpState::Established; 2],
        }
    }

    #[test]
    fn data_acks_and_the_window_edge() {
        let segs = [
            seg(Dir::C2s, 1, 1, 100, 1000, 0),
            seg(Dir::S2c, 1, 101, 0, 0, 10),
            seg(Dir::C2s, 1, 1, 100, 1000, 20),
            seg(Dir::S2c, 1, 101, 0, 900, 30),
        ];
        let g = build(&segs, Dir::C2s);
        assert_eq!(g.data, vec![(0.0, 1.0, 101.0)]);
        assert_eq!(g.again.len(), 1, "the same bytes again");
        assert_eq!(g.acks, vec![(0.01, 101.0), (0.03, 101.0)]);
        assert_eq!(
            g.window,
            vec![(0.01, 101.0), (0.03, 1001.0)],
            "the window closed, then opened"
        );
        assert_eq!(busier(&segs), Dir::C2s);
    }
}
