//! What a step asks the student to look at: a pane of the view, a field in
//! it, an endpoint, bytes of the frame. The names are the view's own, so
//! `lesson check` can tell a teacher when one is misspelt.

use serde::Deserialize;

use crate::tcp::Endpoint;

/// A pane of the terminal view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pane {
    Ladder,
    Dialogue,
    Nic,
    Hex,
    Kernel,
    Socket,
    Findings,
    Narration,
}

impl Pane {
    pub const ALL: [Pane; 8] = [
        Pane::Ladder,
        Pane::Dialogue,
        Pane::Nic,
        Pane::Hex,
        Pane::Kernel,
        Pane::Socket,
        Pane::Findings,
        Pane::Narration,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Pane::Ladder => "ladder",
            Pane::Dialogue => "dialogue",
            Pane::Nic => "nic",
            Pane::Hex => "hex",
            Pane::Kernel => "kernel",
            Pane::Socket => "socket",
            Pane::Findings => "findings",
            Pane::Narration => "narration",
        }
    }

    /// The fields a step may name in this pane.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Pane::Ladder => &[
                "flags", "seq", "ack", "len", "window", "payload", "analysis", "options",
            ],
            Pane::Dialogue => &[
                "command",
                "reply",
                "code",
                "lines",
                "message",
                "segments",
                "out_of_step",
            ],
            Pane::Nic => &[
                "frame",
                "time",
                "length",
                "interface",
                "link",
                "mac",
                "ip",
                "ttl",
                "ip_id",
                "ports",
                "seq",
                "ack",
                "flags",
                "window",
                "checksum",
                "options",
                "mss",
                "window_scale",
                "sack",
                "timestamps",
                "payload",
            ],
            Pane::Hex => &["bytes", "payload", "header"],
            Pane::Kernel => &[
                "state",
                "snd_una",
                "snd_nxt",
                "in_flight",
                "rcv_nxt",
                "window",
                "received",
                "read",
                "unread",
                "retransmissions",
            ],
            Pane::Socket => &["call", "read", "write", "accept", "connect", "close"],
            Pane::Findings => &["finding"],
            Pane::Narration => &[],
        }
    }
}

/// What a step points at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Look {
    pub pane: Option<Pane>,
    pub field: Option<String>,
    pub side: Option<Endpoint>,
    /// Byte range of the frame, from its first byte.
    pub bytes: Option<std::ops::Range<u32>>,
}

impl Look {
    /// Why this look names something the view does not have, if it does.
    pub fn problem(&self) -> Option<String> {
        let field = self.field.as_deref()?;
        let Some(pane) = self.pane else {
            return Some(format!(
                "field \"{field}\" is named without the pane (`look`) it is in"
            ));
        };
        if pane.fields().contains(&field) {
            return None;
        }
        Some(format!(
            "the {} pane has no field \"{field}\" (it has: {})",
            pane.name(),
            pane.fields().join(", ")
        ))
    }
}
