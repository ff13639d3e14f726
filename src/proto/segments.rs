//! Looking up one connection's segments by frame number. The readers hand the
//! timing checks a connection's segments in frame order, so every lookup is a
//! binary search: a scan per command made long sessions quadratic.

use crate::tcp::SegmentRecord;

/// The segment carried by `frame`, if it is one of this connection's.
pub fn at<'a>(segments: &[&'a SegmentRecord], frame: u64) -> Option<&'a SegmentRecord> {
    segments
        .binary_search_by_key(&frame, |s| s.frame)
        .ok()
        .and_then(|i| segments.get(i))
        .copied()
}

/// The segments strictly between frames `after` and `before`.
pub fn between<'s, 'a>(
    segments: &'s [&'a SegmentRecord],
    after: u64,
    before: u64,
) -> &'s [&'a SegmentRecord] {
    let lo = segments.partition_point(|s| s.frame <= after);
    let hi = segments.partition_point(|s| s.frame < before).max(lo);
    segments.get(lo..hi).unwrap_or(&[])
}

/// The segments from frame `from` on.
pub fn from<'s, 'a>(segments: &'s [&'a SegmentRecord], from: u64) -> &'s [&'a SegmentRecord] {
    segments
        .get(segments.partition_point(|s| s.frame < from)..)
        .unwrap_or(&[])
}
