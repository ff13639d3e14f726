//! The message sizes a LIST response gave (RFC 1939 §5), remembered so a
//! RETR can be checked against them.

use std::collections::HashMap;

/// Message sizes remembered from LIST replies (a mailbox of more is rare;
/// the rest are not checked).
const MAX_LISTED: usize = 100_000;

/// Sizes from LIST replies: message number → octets (at most
/// `MAX_LISTED` entries).
#[derive(Default)]
pub struct Listed(HashMap<u64, u64>);

impl Listed {
    /// Remembers the size a `LIST` line (`n size`) gives.
    pub fn note(&mut self, listing: &[u8]) {
        let text = String::from_utf8_lossy(listing);
        let mut w = text.split_whitespace();
        if let (Some(Ok(n)), Some(Ok(size))) = (w.next().map(str::parse), w.next().map(str::parse))
        {
            if self.0.len() < MAX_LISTED || self.0.contains_key(&n) {
                self.0.insert(n, size);
            }
        }
    }

    /// The size LIST gave for message `n`.
    pub fn get(&self, n: u64) -> Option<u64> {
        self.0.get(&n).copied()
    }
}
