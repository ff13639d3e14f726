//! The two pairings of an out-of-step session, side by side: each command
//! beside the reply that answers it (the server's meaning) and the segment a
//! client that reads one segment per reply took instead (RFC 5321 §4.3.1,
//! RFC 821 App. E). The SMTP timing check fills them; the views show them.

use crate::text::preview_prefix;

/// One row of the two pairings shown side by side for an out-of-step session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairRow {
    /// Command index.
    pub command: usize,
    /// The reply a client should read first after it (server's meaning):
    /// its only reply, or the 354 of a DATA, the first 334 of an AUTH.
    pub reply: Option<usize>,
    /// The server segment a one-read-per-reply client took as its answer.
    pub client_took: Option<Took>,
}

/// A server segment a one-read-per-reply client took as an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Took {
    pub frame: u64,
    /// Its first bytes (the segment record's preview).
    pub first_bytes: Vec<u8>,
    /// Its whole payload length.
    pub len: u64,
}

impl Took {
    /// The bytes as text in at most `max` characters, "…" when only the start.
    pub fn shown(&self, max: usize) -> String {
        preview_prefix(&self.first_bytes, self.len, max)
    }
}
