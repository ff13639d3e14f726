//! The streaming face of a live capture: a line per TCP segment as it is
//! analysed (connection, direction, flags, relative seq/ack, the analysis
//! tags) and each finding as soon as a layer raises it, before the full
//! report that ends the capture.

use std::io::{self, Write};

use super::text::{finding_line, segment_line};
use crate::capture::Timestamp;
use crate::finding::Finding;
use crate::tcp::SegmentRecord;

/// One analysed segment: `conn N` and the ladder row the report would print,
/// then its analysis tags (retransmission, dup_ack, zero_window, ...).
pub fn write_live_segment(
    out: &mut dyn Write,
    s: &SegmentRecord,
    start: Timestamp,
) -> io::Result<()> {
    let mut row = Vec::new();
    segment_line(&mut row, s, start)?;
    let row = String::from_utf8_lossy(&row);
    let tags = s.analysis.names();
    let tags = if tags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", tags.join(", "))
    };
    writeln!(out, "conn {:<3}{}{tags}", s.conn, row.trim_end())
}

/// A finding as soon as it is raised.
pub fn write_live_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    write!(out, "conn {:<3}", f.conn)?;
    finding_line(out, f)
}
