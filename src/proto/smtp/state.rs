//! The state of one SMTP connection beyond the engine's, and the types the
//! SMTP files share: what an owed reply answers, and the client content that
//! is not command lines.

use super::pending::Pending;
use crate::proto::content::DataReader;
use crate::proto::dialogue::TurnsOf;

/// What an owed reply answers besides its command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The command line itself.
    Command,
    /// A SASL response line sent after a 334 to AUTH.
    Sasl,
    /// The end of DATA content (message index).
    EndOfData(usize),
    /// A BDAT chunk (message index).
    Chunk(usize),
}

/// Client content that is not command lines.
pub enum Body {
    /// DATA content, up to CRLF.CRLF.
    Data {
        cmd: usize,
        msg: usize,
        reader: Box<DataReader>,
    },
    /// BDAT chunk octets still to come.
    Chunk {
        cmd: usize,
        msg: usize,
        remaining: u64,
        last: bool,
    },
}

/// The state the engine shares with SMTP.
pub type Turns = TurnsOf<Smtp>;

/// The state of one SMTP connection, beyond the engine's.
#[derive(Default)]
pub struct Smtp {
    /// Owed replies to MAIL, RCPT, EHLO and HELO, counted.
    pub(super) pending: Pending,
    /// The message of the current transaction, if MAIL was accepted (index).
    pub(super) transaction: Option<usize>,
    pub(super) helo_ok: bool,
    pub(super) quit_sent: bool,
    pub(super) eight_bit_requested: bool,
    pub(super) rejected_data_reported: bool,
    pub(super) after_rejected_data: bool,
    pub(super) bdat_in_progress: bool,
    /// SASL response lines sent for the current AUTH.
    pub(super) sasl_lines: usize,
    /// A BDAT chunk just ended: the next line must be a command.
    pub(super) after_chunk: bool,
}
