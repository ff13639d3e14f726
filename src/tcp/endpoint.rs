//! The two ends of a connection by role: the client (the side that sent the
//! first SYN, RFC 9293 §3.5's active opener) and the server (the passive
//! opener). Every layer above names an application by its role.

use serde::{Deserialize, Serialize};

use super::dir::Dir;

/// Which end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    Client,
    Server,
}

impl Endpoint {
    /// The endpoint that receives the bytes of `dir`.
    pub fn receiver_of(dir: Dir) -> Self {
        match dir {
            Dir::C2s => Endpoint::Server,
            Dir::S2c => Endpoint::Client,
        }
    }
    /// The endpoint that sends the bytes of `dir`.
    pub fn sender_of(dir: Dir) -> Self {
        match dir {
            Dir::C2s => Endpoint::Client,
            Dir::S2c => Endpoint::Server,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Client => "client",
            Endpoint::Server => "server",
        }
    }
    /// 0 for the client, 1 for the server (as [`Dir::index`] of what it sends).
    pub fn index(self) -> usize {
        self as usize
    }
}
