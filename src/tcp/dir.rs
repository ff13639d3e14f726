//! Which way a segment travels within its connection, and the words for the
//! endpoint at each end.

use serde::Serialize;

/// Direction of a segment within its connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Dir {
    /// Client to server.
    #[serde(rename = "c2s")]
    C2s,
    /// Server to client.
    #[serde(rename = "s2c")]
    S2c,
}

impl Dir {
    pub fn index(self) -> usize {
        match self {
            Dir::C2s => 0,
            Dir::S2c => 1,
        }
    }
    pub fn other(self) -> Dir {
        match self {
            Dir::C2s => Dir::S2c,
            Dir::S2c => Dir::C2s,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Dir::C2s => "c2s",
            Dir::S2c => "s2c",
        }
    }
    /// The endpoint that sends in this direction.
    pub fn sender(self) -> &'static str {
        match self {
            Dir::C2s => "client",
            Dir::S2c => "server",
        }
    }
    pub fn receiver(self) -> &'static str {
        self.other().sender()
    }
}
