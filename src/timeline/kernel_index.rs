//! What each endpoint's TCP stack held at a cursor, for a view that asks at
//! every key press anywhere in a capture of millions of segments: a snapshot
//! of the [kernel model](crate::tcp::kernel) every [`CHECKPOINT`] segments of
//! a connection, replayed for at most that many. The cost of a question does
//! not grow with the capture.

use crate::capture::Timestamp;
use crate::finding::Provenance;
use crate::socket::kernel_sample::PlacedSample;
use crate::socket::{Endpoint, SocketCall};
use crate::tcp::{KernelAt, KernelModel};

use super::Timeline;

/// Segments between two snapshots of a connection's kernel state.
pub const CHECKPOINT: usize = 64;

/// One read() of the application, for the unread count.
#[derive(Clone, Copy, Debug)]
struct ReadMark {
    /// The frame the socket layer lists it at (the socket pane shows it
    /// from there on, and so does the unread count), and its time.
    frame: u64,
    time: Timestamp,
    endpoint: Endpoint,
    /// Stream offset one past the last byte read.
    end: u64,
    observed: bool,
}

/// Per connection: where its records are, and kernel snapshots.
#[derive(Debug, Default)]
struct ConnKernel {
    /// Positions in [`Timeline::segments`], in frame order.
    segments: Vec<u32>,
    /// Positions in [`Timeline::socket`], in frame order.
    socket: Vec<u32>,
    /// Snapshot before segment `k * CHECKPOINT` of the connection.
    checkpoints: Vec<KernelModel>,
    /// Reads sorted by frame, with the running maximum of `end` per endpoint.
    reads: Vec<(ReadMark, [u64; 2])>,
    /// Positions in [`Timeline::kernel`] of the real kernel's samples (lab
    /// captures only), by frame then time.
    samples: Vec<u32>,
}

/// Positions and snapshots for every connection of a timeline, built once
/// (linear in the capture); each question then costs at most [`CHECKPOINT`]
/// steps and a binary search.
#[derive(Debug, Default)]
pub struct KernelIndex {
    conns: Vec<ConnKernel>,
}

impl KernelIndex {
    pub fn build(t: &Timeline) -> Self {
        let mut conns: Vec<ConnKernel> = (0..t.connections.len())
            .map(|_| ConnKernel::default())
            .collect();
        for (i, s) in t.segments.iter().enumerate() {
            if let Some(c) = slot(&mut conns, s.conn) {
                c.segments.push(i as u32);
            }
        }
        for (i, e) in t.socket.iter().enumerate() {
            if let Some(c) = slot(&mut conns, e.conn) {
                c.socket.push(i as u32);
                if let SocketCall::Read { offset, len, .. } = e.call {
                    c.reads.push((
                        ReadMark {
                            frame: e.frame,
                            time: e.time,
                            endpoint: e.endpoint,
                            end: offset.saturating_add(len),
                            observed: e.provenance != Provenance::Inferred,
                        },
                        [0, 0],
                    ));
                }
            }
        }
        for (i, k) in t.kernel.iter().enumerate() {
            if let Some(c) = slot(&mut conns, k.conn) {
                c.samples.push(i as u32);
            }
        }
        for c in &mut conns {
            c.samples.sort_by_key(|&i| {
                t.kernel
                    .get(i as usize)
                    .map_or((0, 0), |k| (k.frame, k.sample.t))
            });
            c.reads.sort_by_key(|(m, _)| (m.frame, m.time));
            let mut best = [0u64; 2];
            for (m, run) in &mut c.reads {
                let [client, server] = &mut best;
                let b = match m.endpoint {
                    Endpoint::Client => client,
                    Endpoint::Server => server,
                };
                *b = (*b).max(m.end);
                *run = best;
            }
            let mut model = KernelModel::default();
            for (k, &i) in c.segments.iter().enumerate() {
                if k % CHECKPOINT == 0 {
                    c.checkpoints.push(model);
                }
                if let Some(s) = t.segments.get(i as usize) {
                    model.step(s);
                }
            }
        }
        KernelIndex { conns }
    }

    /// Positions in [`Timeline::segments`] of a connection's segments.
    pub fn segments_of(&self, conn: u32) -> &[u32] {
        self.get(conn).map_or(&[], |c| c.segments.as_slice())
    }

    /// Positions in [`Timeline::socket`] of a connection's socket events.
    pub fn socket_of(&self, conn: u32) -> &[u32] {
        self.get(conn).map_or(&[], |c| c.socket.as_slice())
    }

    /// Positions in [`Timeline::kernel`] of a connection's kernel samples,
    /// by frame then time.
    pub fn samples_of(&self, conn: u32) -> &[u32] {
        self.get(conn).map_or(&[], |c| c.samples.as_slice())
    }

    /// The position among the connection's segments of the one in `frame`.
    pub fn pos_of_frame(&self, t: &Timeline, conn: u32, frame: u64) -> Option<usize> {
        let segs = self.segments_of(conn);
        let i =
            segs.partition_point(|&i| t.segments.get(i as usize).is_some_and(|s| s.frame < frame));
        let s = t.segments.get(*segs.get(i)? as usize)?;
        (s.frame == frame).then_some(i)
    }

    /// What the real kernel said last, for each endpoint (client, server),
    /// by the end of the connection's `pos`-th segment: the latest sample
    /// placed at that frame or before it (docs/kernel.md). A connected
    /// socket's sample wins over its listener's. None outside the lab.
    pub fn observed_at<'t>(
        &self,
        t: &'t Timeline,
        conn: u32,
        pos: usize,
    ) -> [Option<&'t PlacedSample>; 2] {
        let mut out = [None, None];
        let Some(c) = self.get(conn) else {
            return out;
        };
        let Some(frame) = c
            .segments
            .get(pos)
            .and_then(|&i| t.segments.get(i as usize))
            .map(|s| s.frame)
        else {
            return out;
        };
        let upto = c
            .samples
            .partition_point(|&i| t.kernel.get(i as usize).is_some_and(|k| k.frame <= frame));
        for &i in c.samples.get(..upto).unwrap_or(&[]).iter().rev() {
            let Some(p) = t.kernel.get(i as usize) else {
                continue;
            };
            let k = &p.sample;
            let [client, server] = &mut out;
            let slot = match k.side {
                Endpoint::Client => client,
                Endpoint::Server => server,
            };
            let listening = k.state == "LISTEN";
            // Walking back in time: the latest sample, unless it is the
            // listener's and the connected socket said something earlier.
            if slot.is_none_or(|s: &PlacedSample| s.sample.state == "LISTEN" && !listening) {
                *slot = Some(p);
            }
        }
        out
    }

    fn get(&self, conn: u32) -> Option<&ConnKernel> {
        self.conns.get((conn as usize).checked_sub(1)?)
    }

    /// Both endpoints just after the connection's `pos`-th segment (0-based).
    pub fn at(&self, t: &Timeline, conn: u32, pos: usize) -> Option<KernelAt> {
        let c = self.get(conn)?;
        let here = *c.segments.get(pos)?;
        let from = pos / CHECKPOINT * CHECKPOINT;
        let mut model = *c.checkpoints.get(pos / CHECKPOINT)?;
        for &i in c.segments.get(from..=pos)? {
            model.step(t.segments.get(i as usize)?);
        }
        // The reads listed at this frame or before it: the socket pane and
        // the unread count agree.
        let frame = t.segments.get(here as usize).map_or(0, |s| s.frame);
        let n = c.reads.partition_point(|(m, _)| m.frame <= frame);
        let read_end = n
            .checked_sub(1)
            .and_then(|i| c.reads.get(i))
            .map_or([0, 0], |r| r.1);
        let observed = c.reads.first().is_some_and(|(m, _)| m.observed);
        Some(model.endpoints(read_end, observed))
    }
}

fn slot(conns: &mut [ConnKernel], conn: u32) -> Option<&mut ConnKernel> {
    conns.get_mut((conn as usize).checked_sub(1)?)
}
