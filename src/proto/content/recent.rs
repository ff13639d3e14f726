//! The last few content bytes with their frames: a CR, a dot line or an
//! end-of-data variant can straddle two feeds, and its note must still name
//! the frame of its first byte after that byte left the queue.

/// How many recent bytes are remembered: the longest pattern looked back on is
/// a NUL variant such as `\r\n\0.\0\r\n` (7 bytes) seen from the byte after it.
pub const RECENT: usize = 8;

/// A ring of the last [`RECENT`] bytes and the frames that carried them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Recent {
    bytes: [u8; RECENT],
    frames: [u64; RECENT],
    /// Slot the next byte goes to (always below [`RECENT`]).
    next: usize,
    /// How many slots hold a byte (the content may be shorter than the ring).
    len: usize,
}

impl Recent {
    pub fn push(&mut self, b: u8, frame: u64) {
        if let (Some(byte), Some(f)) = (
            self.bytes.get_mut(self.next),
            self.frames.get_mut(self.next),
        ) {
            *byte = b;
            *f = frame;
        }
        self.next = (self.next + 1) % RECENT;
        self.len = (self.len + 1).min(RECENT);
    }

    fn slot(&self, k: usize) -> Option<usize> {
        (k < self.len).then(|| (self.next + RECENT - 1 - k) % RECENT)
    }

    /// The byte `k` back (0 = the latest); None before the content's start.
    pub fn byte(&self, k: usize) -> Option<u8> {
        self.slot(k).and_then(|s| self.bytes.get(s)).copied()
    }

    /// The frame of the byte `k` back (0 before the content's start).
    pub fn frame(&self, k: usize) -> u64 {
        self.slot(k)
            .and_then(|s| self.frames.get(s))
            .copied()
            .unwrap_or(0)
    }

    /// The latest `n` bytes, oldest first.
    pub fn tail(&self, n: usize) -> Vec<u8> {
        (0..n.min(self.len))
            .rev()
            .filter_map(|k| self.byte(k))
            .collect()
    }
}
