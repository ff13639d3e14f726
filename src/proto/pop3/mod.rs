//! POP3 (RFC 1939; CAPA and pipelining RFC 2449; STLS RFC 2595; AUTH RFC 5034)
//! as a grammar for the dialogue engine: commands, `+OK`/`-ERR` responses,
//! multi-line responses ended by a `.` line and byte-unstuffed (RFC 1939 §3),
//! RETR/TOP messages, and the catalogue's POP3 findings.
//!
//! The same file names as every protocol: `command`, `reply`, `state`,
//! `session`; then POP3's own: `stray` (lines that are no status), `listing`
//! and `message` (the two kinds of multi-line body), `sizes`, `closing` (what
//! is open at the end) and `timing`.

pub mod closing;
pub mod command;
pub mod listing;
pub mod message;
pub mod reply;
pub mod session;
pub mod sizes;
pub mod state;
pub mod stray;
pub mod timing;

pub use state::Pop3;
