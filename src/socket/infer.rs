//! Socket calls inferred from one connection's TCP events, as they happen
//! (the mapping is in the [module doc](super)): connect() at the SYN,
//! listen() before it, accept() when the handshake completes, one write() per
//! run of new bytes up to a PSH, one read() per wake-up, close() at a FIN,
//! an abort at a RST, EOF and ECONNRESET on the other side.

use super::{Endpoint, SocketCall, SocketEvent};
use crate::capture::Timestamp;
use crate::finding::Provenance;
use crate::tcp::{Chunk, ConnEvent, Delivery, Dir, Preview};

/// Where one connection's inference stands.
#[derive(Clone, Copy, Debug, Default)]
struct Progress {
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

/// One connection's inferred socket events.
#[derive(Debug, Default)]
pub struct ConnSockets {
    conn: u32,
    events: Vec<SocketEvent>,
    progress: Progress,
    /// At most this many events are kept (0: no limit).
    cap: usize,
    /// The cap was reached: later events are not kept (progress still is).
    stopped: bool,
}

impl ConnSockets {
    /// The inference for connection `conn`, keeping at most `cap` events.
    pub fn new(conn: u32, cap: usize) -> Self {
        ConnSockets {
            conn,
            cap,
            ..ConnSockets::default()
        }
    }

    pub fn events(&self) -> &[SocketEvent] {
        &self.events
    }

    pub fn into_events(self) -> Vec<SocketEvent> {
        self.events
    }

    /// Whether events were dropped at the cap.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    fn push(&mut self, frame: u64, time: Timestamp, endpoint: Endpoint, call: SocketCall) {
        if self.stopped || (self.cap > 0 && self.events.len() >= self.cap) {
            self.stopped = true;
            return;
        }
        self.events.push(SocketEvent {
            conn: self.conn,
            frame,
            time,
            endpoint,
            call,
            provenance: Provenance::Inferred,
        });
    }

    /// Feeds one connection event; `frame`/`time` are those of the segment
    /// being processed (the moment of the wake-up). listen()'s port is the
    /// server's, filled in when the connection's roles are final.
    pub fn on_event(&mut self, frame: u64, time: Timestamp, ev: &ConnEvent<'_>) {
        match *ev {
            ConnEvent::Syn { .. } => {
                self.progress.connecting = true;
                self.progress.syn = Some((frame, time));
                self.push(frame, time, Endpoint::Client, SocketCall::Connect);
            }
            ConnEvent::SynAck { .. } => self.syn_ack(frame, time),
            ConnEvent::Established { .. } => {
                self.progress.talking = true;
                self.push(frame, time, Endpoint::Server, SocketCall::Accept);
            }
            ConnEvent::Sent {
                dir,
                offset,
                len,
                bytes,
                push,
                fin,
            } => self.sent(frame, time, dir, offset, len, bytes, push || fin, fin),
            ConnEvent::Delivered { dir, delivery } => self.delivered(frame, time, dir, &delivery),
            ConnEvent::Eof { dir, .. } => {
                let endpoint = Endpoint::receiver_of(dir);
                let closed_first = self.progress.fin_sent[endpoint.index()];
                self.push(frame, time, endpoint, SocketCall::Eof { closed_first });
            }
            ConnEvent::Reset { dir, .. } => self.reset(frame, time, dir),
        }
    }

    fn syn_ack(&mut self, frame: u64, time: Timestamp) {
        // The listener existed before the SYN it answered: dated there (the
        // pipeline puts it before connect()).
        let (at, when) = self.progress.syn.unwrap_or((frame, time));
        self.push(
            at,
            when,
            Endpoint::Server,
            SocketCall::Listening { port: 0 },
        );
        if self.progress.connecting {
            self.progress.connected = true;
            self.push(frame, time, Endpoint::Client, SocketCall::ConnectReturned);
        }
    }

    /// New bytes (or a FIN) left the sender of `dir`: its application wrote
    /// them, one write() running up to the segment that ends it (`ends`: PSH
    /// or FIN, RFC 9293 §3.9.1.2).
    #[allow(clippy::too_many_arguments)]
    fn sent(
        &mut self,
        frame: u64,
        time: Timestamp,
        dir: Dir,
        offset: u64,
        len: u64,
        bytes: &[u8],
        ends: bool,
        fin: bool,
    ) {
        let endpoint = Endpoint::sender_of(dir);
        let k = endpoint.index();
        self.progress.talking = true;
        if len > 0 {
            let open = self.progress.open_write[k];
            let extended =
                open.and_then(|at| self.events.get_mut(at))
                    .is_some_and(|e| match &mut e.call {
                        SocketCall::Write {
                            offset: o,
                            len: l,
                            preview,
                        } if e.endpoint == endpoint && *o + *l == offset => {
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
                self.push(frame, time, endpoint, call);
                self.progress.open_write[k] = (!self.stopped).then(|| self.events.len() - 1);
            }
            if ends {
                self.progress.open_write[k] = None;
            }
        }
        if fin {
            self.progress.fin_sent[k] = true;
            self.progress.open_write[k] = None;
            self.push(frame, time, endpoint, SocketCall::FinSent);
        }
    }

    /// Bytes of `dir` became readable: one wake-up per arriving segment, so
    /// bytes released together are returned by one read().
    fn delivered(&mut self, frame: u64, time: Timestamp, dir: Dir, delivery: &Delivery<'_>) {
        let endpoint = Endpoint::receiver_of(dir);
        let (bytes, gap): (&[u8], bool) = match delivery.chunk {
            Chunk::Data(b) => (b, false),
            Chunk::Gap(_) => (&[], true),
        };
        if let Some(last) = self.events.last_mut() {
            if let (
                true,
                SocketCall::Read {
                    offset,
                    len,
                    preview,
                    gap: g,
                },
            ) = (
                last.frame == frame && last.endpoint == endpoint,
                &mut last.call,
            ) {
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
        let call = SocketCall::Read {
            offset: delivery.offset,
            len: delivery.len(),
            preview: Preview::of(bytes),
            gap,
        };
        self.push(frame, time, endpoint, call);
    }

    fn reset(&mut self, frame: u64, time: Timestamp, dir: Dir) {
        let p = self.progress;
        let sender = Endpoint::sender_of(dir);
        // A connected side that had not closed: its application's close()
        // aborted (RFC 2525 §2.17). After its FIN, a RST is its kernel
        // refusing bytes for a closed socket, no call.
        if (p.connected || p.talking) && !p.fin_sent[sender.index()] {
            self.push(frame, time, sender, SocketCall::Abort);
        }
        let endpoint = Endpoint::receiver_of(dir);
        let call = if endpoint == Endpoint::Client && p.connecting && !p.connected {
            SocketCall::ConnectRefused
        } else {
            SocketCall::Reset
        };
        self.push(frame, time, endpoint, call);
    }
}
