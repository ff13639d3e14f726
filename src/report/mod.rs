//! The report: text or JSON Lines written as the pipeline hands over each
//! connection's records, for scripts, tests and pipes; and the reassembled
//! streams as files. Each face is a [`Consumer`] of the pipeline.

mod dialogue;
pub mod graph_svg;
mod json;
mod live;
mod streams;
pub mod svg;
mod tally;
mod text;

use crate::pipeline::{CaptureEnd, ConnRecords, ConnSummary, Consumer};
use crate::socket::recorded::own_comment;
use crate::timeline::Timeline;

pub use json::{write_json, JsonReport, SCHEMA};
pub use live::{write_live_finding, write_live_segment};
pub use streams::{StreamFiles, WithStreams};
pub use text::{write_text, TextReport};

/// Which connections and records a report shows.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only this connection id.
    pub conn: Option<u32>,
    /// Only connections with this port on either side.
    pub port: Option<u16>,
    /// JSON: include `segment` records.
    pub segments: bool,
    /// JSON: include `socket` records.
    pub socket: bool,
    /// Show passwords sent in clear instead of masking them.
    pub show_secrets: bool,
}

impl Selection {
    pub fn wants(&self, c: &ConnSummary) -> bool {
        self.conn.is_none_or(|id| id == c.id)
            && self
                .port
                .is_none_or(|p| c.client.port() == p || c.server.port() == p)
    }
}

/// Hands a timeline already in memory to a consumer, connections in id
/// order, as the pipeline would have (the lab and live keep a timeline).
pub fn replay(t: &Timeline, consumer: &mut dyn Consumer) -> std::io::Result<()> {
    for c in &t.connections {
        let id = c.id;
        let records = ConnRecords {
            summary: c.clone(),
            segments: t.segments_of(id).cloned().collect(),
            socket: t.socket_of(id).cloned().collect(),
            kernel: t.kernel_of(id).cloned().collect(),
            dialogue: t.dialogue(id).cloned(),
            findings: t.findings_of(id).cloned().collect(),
            comments: t
                .segments_of(id)
                .filter_map(|s| Some((s.frame, own_comment(t.comment(s.frame)?)?)))
                .collect(),
        };
        consumer.connection(records)?;
    }
    consumer.end(CaptureEnd {
        source: t.source.clone(),
        stats: t.stats.clone(),
        findings: t.findings_of(0).cloned().collect(),
        connections: t.connections.len() as u32,
        first_time: t.first_time(),
        last_time: t.frames.last().map(|f| f.time),
        error: t.error.clone(),
    })
}
