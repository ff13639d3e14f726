//! The state of one POP3 connection beyond the engine's (RFC 1939 §3:
//! AUTHORIZATION → TRANSACTION → UPDATE), and the server content that is not
//! status lines, shared by the POP3 files.

use super::sizes::Listed;
use crate::proto::content::DataReader;
use crate::proto::dialogue::TurnsOf;

/// Server content that is not status lines.
pub enum Body {
    /// Lines of a multi-line listing (LIST, UIDL, CAPA) until `.` (reply index).
    Listing(usize),
    /// A message (RETR, TOP) until CRLF.CRLF.
    Message {
        reply: usize,
        msg: usize,
        reader: Box<DataReader>,
    },
}

/// The state the engine shares with POP3.
pub type Turns = TurnsOf<Pop3>;

/// The state of one POP3 connection, beyond the engine's.
#[derive(Default)]
pub struct Pop3 {
    pub(super) user_sent: bool,
    pub(super) logged_in: bool,
    pub(super) greeting_timestamp: bool,
    /// Sizes from LIST replies.
    pub(super) listed: Listed,
    /// The last response was a -ERR to a command whose +OK is multi-line:
    /// data lines now are data after -ERR (RFC 1939 §3).
    pub(super) after_err: Option<usize>,
    pub(super) after_err_lines: u32,
}
