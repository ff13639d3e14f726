//! The socket layer: what each application could have seen through the socket
//! API, inferred from the capture (labelled `inferred`), or the
//! calls the lab really made, read back from the capture ([`recorded`],
//! labelled `observed`).
//!
//! The mapping (RFC 9293 §3.9, and the mailing-list post "Re TCP Ports -- and
//! the little guy listening", see `docs/sources.md`):
//! a SYN means the client called connect(); a SYN/ACK means a socket was
//! listening on the server's port (so listen() came before the SYN);
//! accept() returns when the handshake completes; new bytes leaving a side
//! were handed over by write(), one write() running up to the segment that
//! carries PSH (§3.9.1.2: the PUSH marks the end of what SEND was given;
//! Linux sets it at the end of each send()); each in-order arrival of bytes
//! wakes a reader, and read() would return what arrived; a side's first FIN
//! means close() or shutdown(SHUT_WR) (§3.9.1.4); a RST from a connected side
//! that had not closed means close() aborted it (unread bytes or SO_LINGER 0,
//! RFC 2525 §2.17); the peer's FIN makes read() return 0 (EOF); a RST makes
//! it fail with ECONNRESET (or connect() with ECONNREFUSED).

pub mod inet_diag;
pub mod infer;
pub mod kernel_compare;
pub mod kernel_sample;
pub mod recorded;
pub mod settle;
pub mod tcp_info;

pub use crate::tcp::Endpoint;
pub use infer::ConnSockets;

use crate::capture::Timestamp;
use crate::finding::Provenance;
use crate::tcp::Preview;

/// A socket call or wake-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketCall {
    /// A socket was listening on this port (the server answered the SYN).
    Listening { port: u16 },
    /// connect() was called (the SYN left).
    Connect,
    /// connect() returned 0 (the SYN/ACK arrived).
    ConnectReturned,
    /// connect() failed with ECONNREFUSED (a RST answered the SYN).
    ConnectRefused,
    /// accept() returned the new connection (the handshake completed).
    Accept,
    /// The socket became readable; read() would return these bytes.
    Read {
        offset: u64,
        len: u64,
        /// The first bytes (escape before display).
        preview: Preview,
        /// Bytes the capture missed are part of this range.
        gap: bool,
    },
    /// read() returns 0: the peer closed its side. `closed_first`: this
    /// side had sent its own FIN already, so it sees the EOF only if it
    /// shut down writing rather than closing.
    Eof { closed_first: bool },
    /// read()/write() fail with ECONNRESET.
    Reset,
    /// write() handed these bytes to the kernel (observed only).
    Write {
        offset: u64,
        len: u64,
        /// The first bytes (escape before display).
        preview: Preview,
    },
    /// setsockopt() with this option and value, e.g. `TCP_NODELAY, 1`.
    SetOption { option: String },
    /// shutdown(), e.g. `SHUT_WR`.
    Shutdown { how: String },
    /// close().
    Close,
    /// close() or shutdown(SHUT_WR): its first FIN left (inferred only).
    FinSent,
    /// close() that aborted the connection: its RST left while connected
    /// (inferred only).
    Abort,
    /// A read() or write() that failed with this error.
    Failed { call: &'static str, error: String },
}

/// One inferred socket event.
#[derive(Clone, Debug)]
pub struct SocketEvent {
    pub conn: u32,
    /// The frame whose arrival made this happen.
    pub frame: u64,
    pub time: Timestamp,
    pub endpoint: Endpoint,
    pub call: SocketCall,
    pub provenance: Provenance,
}

impl SocketCall {
    /// The C function the call is, as a lesson or a search names it:
    /// `listen`, `connect`, `accept`, `read`, `write`, `setsockopt`,
    /// `shutdown`, `close`; a read that returns 0 is `eof`, one that fails
    /// with ECONNRESET `reset`.
    pub fn name(&self) -> &'static str {
        match self {
            SocketCall::Listening { .. } => "listen",
            SocketCall::Connect | SocketCall::ConnectReturned | SocketCall::ConnectRefused => {
                "connect"
            }
            SocketCall::Accept => "accept",
            SocketCall::Read { .. } => "read",
            SocketCall::Eof { .. } => "eof",
            SocketCall::Reset => "reset",
            SocketCall::Write { .. } => "write",
            SocketCall::SetOption { .. } => "setsockopt",
            SocketCall::Shutdown { .. } => "shutdown",
            SocketCall::Close | SocketCall::FinSent | SocketCall::Abort => "close",
            SocketCall::Failed { call, .. } => call,
        }
    }
}

impl SocketEvent {
    /// The call as a line of pseudo-code, e.g. `read() → 17 B "220 smtp.tele.fi "`.
    pub fn describe(&self) -> String {
        match &self.call {
            SocketCall::Listening { port } => format!("listen() on port {port}"),
            SocketCall::Connect => "connect() called".to_string(),
            SocketCall::ConnectReturned => "connect() → 0 (connected)".to_string(),
            SocketCall::ConnectRefused => "connect() → -1 ECONNREFUSED".to_string(),
            SocketCall::Accept => "accept() → new connected socket".to_string(),
            SocketCall::Read {
                len, preview, gap, ..
            } => {
                let shown = crate::text::preview_prefix(preview, *len, 40);
                if *gap {
                    format!("read() → {len} B, including bytes the capture missed")
                } else {
                    format!("read() → {len} B \"{shown}\"")
                }
            }
            SocketCall::Eof {
                closed_first: false,
            } => "read() → 0 (EOF: the peer closed its side)".to_string(),
            SocketCall::Eof { closed_first: true } => {
                "read() → 0 (EOF), only if it shut down writing: its own FIN left first".to_string()
            }
            SocketCall::FinSent => "close() or shutdown(SHUT_WR) → 0 (its FIN left)".to_string(),
            SocketCall::Abort => {
                "close() → 0, aborting (its RST left: unread bytes or SO_LINGER 0)".to_string()
            }
            SocketCall::Reset => "read()/write() → -1 ECONNRESET".to_string(),
            SocketCall::Write { len, preview, .. } => {
                let shown = crate::text::preview_prefix(preview, *len, 40);
                format!("write(\"{shown}\") → {len}")
            }
            SocketCall::SetOption { option } => {
                format!(
                    "setsockopt({}) → 0",
                    crate::text::preview(option.as_bytes(), 40)
                )
            }
            SocketCall::Shutdown { how } => {
                format!("shutdown({}) → 0", crate::text::preview(how.as_bytes(), 12))
            }
            SocketCall::Close => "close() → 0".to_string(),
            SocketCall::Failed { call, error } => {
                format!(
                    "{call}() → -1 {}",
                    crate::text::preview(error.as_bytes(), 20)
                )
            }
        }
    }
}
