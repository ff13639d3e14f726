//! The application layer: which dialogue a connection carries, and the
//! readers that turn its byte streams into commands, replies, messages and
//! findings. One reader per direction consumes the stream; a segment is never
//! taken for a line (RFC 9293 §3.7.4: TCP carries bytes, not messages).
//!
//! The layout: [`stream`] queues a direction's bytes; [`dialogue`] holds the
//! protocol-independent records and the one engine that pairs replies with
//! commands; [`smtp`] and [`pop3`] are the grammars it runs (each a
//! `command`, `reply` and `session` file, plus its own extras); [`content`]
//! reads dot-terminated mail content for both; [`tracker`] routes each
//! connection to its reader.

// Hostile input is normal here: every bound is proved in code, not assumed.
#![deny(clippy::indexing_slicing, clippy::unwrap_used)]

pub mod content;
pub mod detect;
pub mod dialogue;
pub mod pop3;
pub mod proof;
pub mod readers;
pub mod segments;
pub mod smtp;
pub mod stream;
pub mod tls;
pub mod tracker;

pub use detect::{by_greeting, by_port, Protocol};
pub use dialogue::{Code, Command, Dialogue, LenientReading, Message, Origin, Reply};
pub use tracker::Tracker;
