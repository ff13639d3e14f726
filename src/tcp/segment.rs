//! What the report and the views keep of each TCP segment: a compact record,
//! numbers relative to each side's ISN as Wireshark shows them.

use super::analysis::{Analysis, Context};
use super::dir::Dir;
use super::state::TcpState;
use crate::capture::Timestamp;
use crate::wire::{TcpFlags, TcpOptions};

/// Payload bytes kept per segment for previews.
pub const PREVIEW_LEN: usize = 32;

/// The first payload bytes of a segment or read, kept inline (no allocation per
/// record). Escape before display!
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Preview {
    len: u8,
    bytes: [u8; PREVIEW_LEN],
}

impl Preview {
    /// Keeps the first [`PREVIEW_LEN`] bytes of `data`.
    pub fn of(data: &[u8]) -> Self {
        let mut p = Preview {
            len: 0,
            bytes: [0; PREVIEW_LEN],
        };
        p.extend(data);
        p
    }

    /// Appends as much of `more` as still fits.
    pub fn extend(&mut self, more: &[u8]) {
        let free = self.bytes.iter_mut().skip(usize::from(self.len));
        for (slot, b) in free.zip(more) {
            *slot = *b;
            self.len += 1;
        }
    }

    /// Replaces byte `k` with `*` (a secret, see `timeline::secrets`).
    pub fn mask(&mut self, k: usize) {
        if let Some(b) = self
            .bytes
            .get_mut(..usize::from(self.len))
            .and_then(|kept| kept.get_mut(k))
        {
            *b = b'*';
        }
    }

    pub fn is_full(&self) -> bool {
        usize::from(self.len) == PREVIEW_LEN
    }
}

impl std::ops::Deref for Preview {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // `len` never exceeds PREVIEW_LEN: `extend` only fills free slots.
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl std::fmt::Debug for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", crate::text::escape_bytes(self))
    }
}

/// One TCP segment of a connection.
#[derive(Clone, Debug)]
pub struct SegmentRecord {
    pub conn: u32,
    pub frame: u64,
    pub time: Timestamp,
    pub dir: Dir,
    pub flags: TcpFlags,
    /// Relative sequence number (raw − the sender's ISN, modulo 2³²).
    pub seq: u32,
    /// Relative acknowledgement number; 0 when the ACK flag is not set.
    pub ack: u32,
    /// Payload length on the wire.
    pub len: u32,
    /// Payload bytes present in the capture (less than `len` when cut).
    pub captured: u32,
    /// Window field as sent, and after scaling (RFC 7323 §2.3).
    pub window: u16,
    pub window_scaled: u64,
    pub analysis: Analysis,
    pub context: Context,
    /// The first payload bytes, for previews (escape before display!).
    pub preview: Preview,
    /// Options of SYN segments (the ones that negotiate).
    pub syn_options: Option<Box<TcpOptions>>,
    /// Inferred RFC 9293 state of (client, server) after this segment.
    pub states: [TcpState; 2],
}

#[cfg(test)]
mod tests {
    /// One record is kept per segment of the capture: keep it compact.
    #[test]
    fn records_stay_compact() {
        assert!(
            std::mem::size_of::<super::SegmentRecord>() <= 144,
            "{}",
            std::mem::size_of::<super::SegmentRecord>()
        );
    }

    #[test]
    fn previews_keep_the_first_bytes() {
        let mut p = super::Preview::of(b"220 ");
        assert_eq!(&p[..], b"220 ");
        p.extend(&[b'x'; 100]);
        assert!(p.is_full());
        assert_eq!(p.len(), super::PREVIEW_LEN);
        assert!(p.starts_with(b"220 xx"));
    }
}
