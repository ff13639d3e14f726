//! What the application layer saw, independent of the protocol: the records
//! (commands, replies, messages, stray lines) each knowing the frames its
//! bytes came from, the dialogue that holds them, and the one engine that
//! reads both directions of a connection and pairs replies with commands,
//! driven by a protocol's [`Grammar`].

pub mod early;
pub mod engine;
pub mod grammar;
pub mod message;
pub mod model;
pub mod pairing;
pub mod record;
pub mod turns;

pub use engine::{Engine, Session};
pub use grammar::{Grammar, ReplyLine, ServerStep, Step, TurnsOf};
pub use message::{Credential, LenientReading, Message};
pub use model::{Dialogue, MAX_CAPABILITIES, MAX_CREDENTIALS, MAX_SECRETS};
pub use pairing::{PairRow, Took};
pub use record::{
    keep_line, kept, split_command, verb_as_sent, Code, Command, Item, Origin, Reply, StrayLine,
    MAX_KEPT_BYTES, MAX_KEPT_LINES,
};
pub use turns::{Client, Owed, Server, Turns, MAX_WAIT};
