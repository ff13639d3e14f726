//! The report: a text or JSON Lines face over the timeline, for scripts, tests
//! and pipes. It only reads [`crate::timeline::Timeline`].

mod dialogue;
mod json;
mod live;
mod streams;
mod text;

use crate::timeline::{ConnSummary, Timeline};

pub use json::write_json;
pub use live::{write_live_finding, write_live_segment};
pub use streams::StreamFiles;
pub use text::write_text;

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

    /// Ids of the selected connections.
    pub fn ids(&self, a: &Timeline) -> Vec<u32> {
        a.connections
            .iter()
            .filter(|c| self.wants(c))
            .map(|c| c.id)
            .collect()
    }
}
