//! Counts of what the capture held besides analysed TCP, and where decoding
//! stopped early.

/// Decode notes kept verbatim; later ones are only counted.
pub const MAX_DECODE_NOTES: usize = 1000;

#[derive(Clone, Debug, Default)]
pub struct CaptureStats {
    pub frames: u64,
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    /// IP packets of other protocols.
    pub other_ip: u64,
    /// Frames with no IP layer (ARP, unknown link types, ...).
    pub non_ip: u64,
    /// Pieces of fragmented IP datagrams (counted, not reassembled).
    pub ip_fragments: u64,
    /// Frames cut by the snap length.
    pub truncated: u64,
    /// (frame, where decoding stopped and why), the first [`MAX_DECODE_NOTES`].
    pub decode_notes: Vec<(u64, String)>,
    pub decode_notes_total: u64,
    pub bytes: u64,
}

impl CaptureStats {
    pub fn note(&mut self, frame: u64, why: String) {
        self.decode_notes_total += 1;
        if self.decode_notes.len() < MAX_DECODE_NOTES {
            self.decode_notes.push((frame, why));
        }
    }
}
