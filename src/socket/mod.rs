//! The socket layer: what each application could have seen through the socket
//! API, inferred from the capture (DESIGN.md: labelled `inferred`), or the
//! calls the lab really made, read back from the capture ([`recorded`],
//! labelled `observed`).
//!
//! The mapping, after seed 000 ("the little guy listening") and RFC 9293 §3.9:
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

pub mod recorded;

use serde::{Deserialize, Serialize};

use crate::capture::Timestamp;
use crate::finding::Provenance;
use crate::tcp::{Chunk, ConnEvent, Dir, Preview};

/// Which application.
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
}

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

/// Per-connection progress the inference needs.
#[derive(Clone, Copy, Debug, Default)]
struct ConnProgress {
    connecting: bool,
    connected: bool,
    /// The client's SYN (frame, time): listen() came before it.
    syn: Option<(u64, Timestamp)>,
    /// The connection carried a handshake's end or bytes (it is, or was,
    /// connected, even where the capture missed the SYN).
    talking: bool,
    /// Per endpoint: its FIN left.
    fin_sent: [bool; 2],
    /// Per endpoint: the index in the events of a write() not yet ended by
    /// a PSH, which the next new bytes extend.
    open_write: [Option<usize>; 2],
}

/// Turns TCP events into socket events.
#[derive(Debug, Default)]
pub struct SocketInference {
    events: Vec<SocketEvent>,
    progress: Vec<ConnProgress>,
    /// Set when the timeline's record limit is reached: events are no longer kept.
    stopped: bool,
}

impl SocketInference {
    pub fn events(&self) -> &[SocketEvent] {
        &self.events
    }

    pub fn into_events(self) -> Vec<SocketEvent> {
        self.events
    }

    /// Keeps no more events (progress is still tracked).
    pub fn stop_recording(&mut self) {
        self.stopped = true;
    }

    fn push(
        &mut self,
        conn: u32,
        frame: u64,
        time: Timestamp,
        endpoint: Endpoint,
        call: SocketCall,
    ) {
        if self.stopped {
            return;
        }
        self.events.push(SocketEvent {
            conn,
            frame,
            time,
            endpoint,
            call,
            provenance: Provenance::Inferred,
        });
    }

    /// Feeds one connection event; `frame`/`time` are those of the segment being
    /// processed (the moment of the wake-up), `server_port` the listening port.
    pub fn on_event(
        &mut self,
        conn: u32,
        server_port: u16,
        frame: u64,
        time: Timestamp,
        ev: &ConnEvent<'_>,
    ) {
        let i = conn as usize;
        if self.progress.len() <= i {
            self.progress.resize(i + 1, ConnProgress::default());
        }
        match *ev {
            ConnEvent::Syn { .. } => {
                self.progress[i].connecting = true;
                self.progress[i].syn = Some((frame, time));
                self.push(conn, frame, time, Endpoint::Client, SocketCall::Connect);
            }
            ConnEvent::SynAck { .. } => {
                // The listener existed before the SYN it answered: dated
                // there (the timeline puts it before connect()).
                let (at, when) = self.progress[i].syn.unwrap_or((frame, time));
                self.push(
                    conn,
                    at,
                    when,
                    Endpoint::Server,
                    SocketCall::Listening { port: server_port },
                );
                if self.progress[i].connecting {
                    self.progress[i].connected = true;
                    self.push(
                        conn,
                        frame,
                        time,
                        Endpoint::Client,
                        SocketCall::ConnectReturned,
                    );
                }
            }
            ConnEvent::Established { .. } => {
                self.progress[i].talking = true;
                self.push(conn, frame, time, Endpoint::Server, SocketCall::Accept);
            }
            ConnEvent::Sent {
                dir,
                offset,
                len,
                bytes,
                push,
                fin,
            } => {
                let endpoint = Endpoint::sender_of(dir);
                let k = endpoint as usize;
                self.progress[i].talking = true;
                if len > 0 {
                    let open = self.progress[i].open_write[k];
                    let extended = open
                        .and_then(|at| self.events.get_mut(at))
                        .is_some_and(|e| match &mut e.call {
                            SocketCall::Write {
                                offset: o,
                                len: l,
                                preview,
                            } if e.conn == conn && e.endpoint == endpoint && *o + *l == offset => {
                                *l += len;
                                preview.extend(bytes);
                                true
                            }
                            _ => false,
                        });
                    if !extended {
                        let call = SocketCall::Write {
                            offset,
                            len,
                            preview: Preview::of(bytes),
                        };
                        self.push(conn, frame, time, endpoint, call);
                        self.progress[i].open_write[k] =
                            (!self.stopped).then(|| self.events.len() - 1);
                    }
                    if push || fin {
                        self.progress[i].open_write[k] = None;
                    }
                }
                if fin {
                    self.progress[i].fin_sent[k] = true;
                    self.progress[i].open_write[k] = None;
                    self.push(conn, frame, time, endpoint, SocketCall::FinSent);
                }
            }
            ConnEvent::Delivered { dir, delivery } => {
                let endpoint = Endpoint::receiver_of(dir);
                let (bytes, gap): (&[u8], bool) = match delivery.chunk {
                    Chunk::Data(b) => (b, false),
                    Chunk::Gap(_) => (&[], true),
                };
                // One wake-up per arriving segment: bytes released together are
                // returned by one read().
                if let Some(last) = self.events.last_mut() {
                    if last.conn == conn && last.frame == frame && last.endpoint == endpoint {
                        if let SocketCall::Read {
                            offset,
                            len,
                            preview,
                            gap: g,
                        } = &mut last.call
                        {
                            if *offset + *len == delivery.offset {
                                *len += delivery.len();
                                *g |= gap;
                                // The preview stays contiguous: none past a gap.
                                if !*g {
                                    preview.extend(bytes);
                                }
                                return;
                            }
                        }
                    }
                }
                let call = SocketCall::Read {
                    offset: delivery.offset,
                    len: delivery.len(),
                    preview: Preview::of(bytes),
                    gap,
                };
                self.push(conn, frame, time, endpoint, call);
            }
            ConnEvent::Eof { dir, .. } => {
                let endpoint = Endpoint::receiver_of(dir);
                let closed_first = self.progress[i].fin_sent[endpoint as usize];
                self.push(
                    conn,
                    frame,
                    time,
                    endpoint,
                    SocketCall::Eof { closed_first },
                );
            }
            ConnEvent::Reset { dir, .. } => {
                let p = self.progress[i];
                let sender = Endpoint::sender_of(dir);
                // A connected side that had not closed: its application's
                // close() aborted. After its FIN, a RST is its kernel
                // refusing bytes for a closed socket, no call.
                if (p.connected || p.talking) && !p.fin_sent[sender as usize] {
                    self.push(conn, frame, time, sender, SocketCall::Abort);
                }
                let endpoint = Endpoint::receiver_of(dir);
                let call = if endpoint == Endpoint::Client && p.connecting && !p.connected {
                    SocketCall::ConnectRefused
                } else {
                    SocketCall::Reset
                };
                self.push(conn, frame, time, endpoint, call);
            }
        }
    }
}
