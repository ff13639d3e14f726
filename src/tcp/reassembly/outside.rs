//! Bytes past the receiver's window (RFC 9293 §3.10.7.4 segment
//! acceptability): kept aside, replaced by a later copy inside the window,
//! delivered when the receiver acknowledges them or the sender moves on past
//! them, and the window rule given up when the sender does not share the
//! capture's view of it (docs/reassembly.md).

use super::*;

impl Reassembler {
    /// Stops using the window for this direction; the copies kept aside go
    /// through the ordinary path (first copy wins) in stream order.
    pub(super) fn give_up_window(&mut self, out: &mut dyn FnMut(Delivery<'_>)) {
        self.edge = None;
        self.window_off = true;
        self.outside_bytes = 0;
        for (k, p) in std::mem::take(&mut self.outside) {
            let o = self.push(k, &p.data, p.frame, p.time, out);
            if let Some(c) = o.conflict {
                if self.conflicts.len() == CONFLICTS_KEPT {
                    self.conflicts.pop_front();
                }
                self.conflicts.push_back(c);
            }
        }
    }

    /// Keeps bytes that came past the receiver's window aside: the first
    /// out-of-window copy of each byte, up to [`OUTSIDE_CAP`].
    pub(super) fn keep_outside(
        &mut self,
        offset: u64,
        data: &[u8],
        frame: u64,
        time: Timestamp,
        outcome: &mut PushOutcome,
    ) {
        outcome.outside += data.len() as u64;
        let end = offset + data.len() as u64;
        let mut cursor = offset;
        let start = self
            .outside
            .range(..=offset)
            .next_back()
            .map_or(offset, |(k, _)| *k);
        let mut pieces = Vec::new();
        for (&k, p) in self.outside.range(start..end) {
            let p_end = k + p.data.len() as u64;
            if p_end <= cursor {
                continue;
            }
            if k > cursor {
                pieces.push((cursor, between(data, offset, cursor, k)));
            }
            cursor = cursor.max(p_end.min(end));
        }
        if cursor < end {
            pieces.push((cursor, between(data, offset, cursor, end)));
        }
        for (at, bytes) in pieces {
            if bytes.is_empty() {
                continue;
            }
            if self.outside_bytes + bytes.len() > OUTSIDE_CAP {
                outcome.outside_limit_hit = true;
                continue;
            }
            self.outside_bytes += bytes.len();
            let data = bytes.to_vec();
            self.outside.insert(at, Pending { data, frame, time });
        }
    }

    /// A copy inside the window came for bytes an out-of-window copy also
    /// carried: the one inside wins, and a difference is a conflict.
    pub(super) fn replace_outside(
        &mut self,
        offset: u64,
        data: &[u8],
        frame: u64,
        outcome: &mut PushOutcome,
    ) {
        let end = offset + data.len() as u64;
        let start = self
            .outside
            .range(..=offset)
            .next_back()
            .map_or(offset, |(k, _)| *k);
        let hit: Vec<u64> = self
            .outside
            .range(start..end)
            .filter(|(k, p)| *k + p.data.len() as u64 > offset)
            .map(|(k, _)| *k)
            .collect();
        for k in hit {
            let Some(p) = self.outside.remove(&k) else {
                continue;
            };
            self.outside_bytes -= p.data.len();
            let p_end = k + p.data.len() as u64;
            let (from, to) = (k.max(offset), p_end.min(end));
            let theirs = between(&p.data, k, from, to);
            let mine = between(data, offset, from, to);
            if outcome.conflict.is_none() {
                outcome.conflict = conflict(from, mine, theirs, frame).map(|c| Conflict {
                    other_frame: p.frame,
                    rule: OverlapRule::Window,
                    ..c
                });
            }
            // What this copy does not cover stays aside.
            for (a, b) in [(k, from), (to, p_end)] {
                if a < b {
                    let rest = between(&p.data, k, a, b).to_vec();
                    self.outside_bytes += rest.len();
                    let (frame, time) = (p.frame, p.time);
                    self.outside.insert(
                        a,
                        Pending {
                            data: rest,
                            frame,
                            time,
                        },
                    );
                }
            }
        }
    }

    /// The receiver acknowledged bytes that only an out-of-window copy
    /// carried: its ACK proves it accepted that copy, so it is delivered
    /// (up to `offset`) rather than declared a gap.
    pub(super) fn accept_outside(&mut self, offset: u64, out: &mut dyn FnMut(Delivery<'_>)) {
        // Copies entirely behind the stream can never be read.
        while let Some(entry) = self.outside.first_entry() {
            let k = *entry.key();
            let p_end = k + entry.get().data.len() as u64;
            if p_end <= self.next {
                self.outside_bytes -= entry.remove().data.len();
                continue;
            }
            if k > self.next || self.next >= offset {
                break;
            }
            let p = entry.remove();
            self.outside_bytes -= p.data.len();
            let upto = offset
                .min(p_end)
                .min(self.first_pending().unwrap_or(u64::MAX));
            let part = between(&p.data, k, self.next, upto).to_vec();
            if upto < p_end {
                let rest = between(&p.data, k, upto, p_end).to_vec();
                self.outside_bytes += rest.len();
                let (frame, time) = (p.frame, p.time);
                self.outside.insert(
                    upto,
                    Pending {
                        data: rest,
                        frame,
                        time,
                    },
                );
            }
            if part.is_empty() {
                break;
            }
            let at = self.next;
            self.deliver(at, Chunk::Data(&part), p.frame, p.time, out);
            self.drain(out);
        }
    }
}
