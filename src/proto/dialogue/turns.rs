//! Whose turn it is on one connection: the replies the server still owes, in
//! the order it must send them (RFC 5321 §4.3.1; RFC 2920 §3 under
//! pipelining; RFC 1939 §3), and how each direction's next bytes are to be
//! read. The dialogue engine and a protocol's grammar share this state.

use std::collections::VecDeque;

/// Client bytes held while waiting for the reply that decides how to read
/// them (after DATA, AUTH, STARTTLS, STLS): a reply that never comes must not
/// make them pile up.
pub const MAX_WAIT: usize = 1024 * 1024;

/// A reply the server owes: to command `command`, for `what` (protocol
/// specific: SMTP tells a SASL line, the end of DATA and a BDAT chunk apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owed<W> {
    /// Index in [`super::Dialogue::commands`].
    pub command: usize,
    pub what: W,
}

/// How the client's next bytes are to be read.
pub enum Client<B> {
    /// Command lines.
    Commands,
    /// The meaning of what follows depends on the reply to the last command
    /// (DATA, AUTH, STARTTLS, STLS), so reading waits for it.
    AwaitReply,
    /// A SASL response line answers a continuation (AUTH command index).
    Sasl(usize),
    /// Content that is not lines of commands (SMTP DATA content, a BDAT chunk).
    Body(B),
    /// TLS from here on: nothing more is decoded.
    Tls,
}

/// How the server's next bytes are to be read.
pub enum Server<B> {
    /// Reply lines.
    Replies,
    /// The body of a reply that is not reply lines (a POP3 listing or message).
    Body(B),
    /// TLS from here on: nothing more is decoded.
    Tls,
}

/// The state both readers of a connection share.
pub struct Turns<W, C, S> {
    /// Replies the server owes, oldest first.
    pub awaiting: VecDeque<Owed<W>>,
    /// The greeting (the server's first reply, RFC 5321 §3.1, RFC 1939 §4)
    /// has been read: replies from now on answer something.
    pub greeting_done: bool,
    pub client: Client<C>,
    pub server: Server<S>,
}

impl<W, C, S> Default for Turns<W, C, S> {
    fn default() -> Self {
        Turns {
            awaiting: VecDeque::new(),
            greeting_done: false,
            client: Client::Commands,
            server: Server::Replies,
        }
    }
}

impl<W, C, S> Turns<W, C, S> {
    /// The server owes a reply to command `command`.
    pub fn owe(&mut self, command: usize, what: W) {
        self.awaiting.push_back(Owed { command, what });
    }
}
