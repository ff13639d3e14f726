//! Commands sent before the reply they should have waited for. In lock-step a
//! client sends its first command after the greeting and each later one after
//! the reply to the one before (RFC 5321 §4.3.1, RFC 1939 §3); the timing
//! checks of SMTP and POP3 start from this list and differ in what they allow
//! (pipelining, RFC 2920 §3.1, RFC 2449 §6.6) and how they name it.

use super::model::Dialogue;
use super::record::{Command, Reply};

/// A command whose first byte passed the capture point before the last byte
/// of the reply it should have waited for.
pub struct Early<'d> {
    /// Index of the command in [`Dialogue::commands`].
    pub index: usize,
    pub command: &'d Command,
    /// The command before it (None for the first).
    pub previous: Option<&'d Command>,
    /// The reply it should have waited for: the greeting, or the reply to
    /// the command before.
    pub awaited: &'d Reply,
    /// The frame that carried the command's first byte.
    pub start: u64,
}

/// Every command sent before the reply it should have waited for, in order.
pub fn early_commands(d: &Dialogue) -> impl Iterator<Item = Early<'_>> {
    let greeting = d.replies.first().filter(|r| r.command.is_none());
    let mut previous: Option<&Command> = None;
    d.commands
        .iter()
        .enumerate()
        .filter_map(move |(index, command)| {
            let before = previous.replace(command);
            let awaited = match before {
                None => greeting,
                Some(p) => p.reply.and_then(|r| d.replies.get(r)),
            }?;
            let start = command.origin.first_frame();
            (start < awaited.origin.last_frame()).then_some(Early {
                index,
                command,
                previous: before,
                awaited,
                start,
            })
        })
}
