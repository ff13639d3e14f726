//! Socket calls recorded by the program that made them (the lab), and how they
//! travel inside a capture: one pcapng packet comment (`opt_comment`, shown by
//! Wireshark as the frame's comment) per call, `sockscope-call ` followed by a
//! JSON object.
//!
//! A call rides on the first frame captured after it returned (the last frame
//! if none came later); the frame that carries the comment is only a carrier.
//! Where a call belongs is decided from what it did: a write() sits on the
//! segment nearest the time it returned, a read() on the segment that brought
//! its last byte, connect() on the SYN/ACK that made it return, and so on
//! ([`observe`]). Replaying the file then shows these calls, labelled
//! `observed`, instead of the ones inferred from the segments.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::{Endpoint, SocketCall, SocketEvent};
use crate::capture::Timestamp;
use crate::finding::Provenance;
use crate::tcp::{Dir, Flag, Preview, SegmentRecord};

/// What starts a comment that carries a recorded call.
pub const PREFIX: &str = "sockscope-call ";

/// Bytes of a read or write kept in its comment (a pcapng option holds at
/// most 65,535 octets — 4 KiB stays under it even when every byte needs a
/// six-character JSON escape — and the comment is for showing, not replaying).
pub const DATA_KEEP: usize = 4096;

/// Which call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallKind {
    Listen,
    Connect,
    Accept,
    Setsockopt,
    Write,
    Read,
    Shutdown,
    Close,
}

/// One call as the lab recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedCall {
    /// When the call returned, in nanoseconds since the Unix epoch.
    pub t: i64,
    pub side: Endpoint,
    pub call: CallKind,
    /// The socket's own address and its peer's, when it had them.
    #[serde(default)]
    pub local: Option<SocketAddr>,
    #[serde(default)]
    pub peer: Option<SocketAddr>,
    /// What the call was given, as C would spell it: `TCP_NODELAY, 1`,
    /// `SHUT_WR`, a buffer size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
    /// The return value: a byte count for read()/write(), 0 or -1 otherwise.
    pub ret: i64,
    /// The error name when the call failed (`ECONNRESET`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The bytes written or read, as text when they are UTF-8 ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// ... or in hex when they are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_hex: Option<String>,
}

impl RecordedCall {
    /// A call with no data.
    pub fn new(t: i64, side: Endpoint, call: CallKind, ret: i64) -> Self {
        RecordedCall {
            t,
            side,
            call,
            local: None,
            peer: None,
            arg: None,
            ret,
            error: None,
            data: None,
            data_hex: None,
        }
    }

    /// Keeps (the first [`DATA_KEEP`] of) the bytes the call moved.
    pub fn with_data(mut self, bytes: &[u8]) -> Self {
        let kept = &bytes[..bytes.len().min(DATA_KEEP)];
        match std::str::from_utf8(kept) {
            Ok(s) => self.data = Some(s.to_string()),
            Err(_) => self.data_hex = Some(kept.iter().map(|b| format!("{b:02x}")).collect()),
        }
        self
    }

    /// The bytes kept in the record.
    pub fn bytes(&self) -> Vec<u8> {
        if let Some(s) = &self.data {
            return s.as_bytes().to_vec();
        }
        let hex = self.data_hex.as_deref().unwrap_or("").as_bytes();
        hex.chunks_exact(2)
            .filter_map(|p| {
                let s = std::str::from_utf8(p).ok()?;
                u8::from_str_radix(s, 16).ok()
            })
            .collect()
    }

    /// The comment text that carries it.
    pub fn to_comment(&self) -> String {
        // Serialising a struct of strings and numbers cannot fail.
        format!(
            "{PREFIX}{}",
            serde_json::to_string(self).unwrap_or_default()
        )
    }

    /// Every call carried by a comment (a frame may carry several, one per
    /// line); anything else in the comment is ignored.
    pub fn from_comment(comment: &str) -> Vec<RecordedCall> {
        comment
            .lines()
            .filter_map(|l| l.strip_prefix(PREFIX))
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect()
    }

    fn time(&self) -> Timestamp {
        Timestamp(self.t)
    }
}

/// The lines of a pcapng comment that are a person's
/// own comment on the frame), if any: neither recorded calls nor kernel
/// samples, which the socket and kernel panes show in their own words.
pub fn own_comment(text: &str) -> Option<String> {
    let own: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(PREFIX) && !l.starts_with(super::kernel_sample::PREFIX))
        .collect();
    (!own.is_empty()).then(|| own.join("\n"))
}

/// A connection as [`observe`] needs it: who is who, and its segments.
pub struct ConnView<'a> {
    pub id: u32,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub segments: Vec<&'a SegmentRecord>,
}

/// Turns recorded calls into socket events of the connections they belong
/// to, labelled `observed`. Returns the events and the ids of the connections
/// that have recorded calls (their inferred events should be dropped).
pub fn observe(calls: &[RecordedCall], conns: &[ConnView<'_>]) -> (Vec<SocketEvent>, Vec<u32>) {
    let mut events = Vec::new();
    let mut covered = Vec::new();
    for c in conns {
        let mine: Vec<&RecordedCall> = calls.iter().filter(|k| belongs(k, c)).collect();
        if !mine.iter().any(|k| k.call != CallKind::Listen) {
            continue;
        }
        covered.push(c.id);
        // Bytes moved so far by each side's write() and read() calls.
        let mut written = [0u64; 2];
        let mut read = [0u64; 2];
        // Each side's calls keep the order in which they returned: none is
        // placed at an earlier frame than the call before it (a close()
        // after a write() is not listed before it).
        let mut at_least = [0u64; 2];
        for k in mine {
            let side = k.side as usize;
            let own = match k.side {
                Endpoint::Client => Dir::C2s,
                Endpoint::Server => Dir::S2c,
            };
            let n = u64::try_from(k.ret).unwrap_or(0);
            let bytes = k.bytes();
            let (frame, call) = match k.call {
                CallKind::Listen => (
                    first_frame(c),
                    SocketCall::Listening {
                        port: k.local.map_or(c.server.port(), |a| a.port()),
                    },
                ),
                CallKind::Connect if k.ret == 0 => (
                    flagged(c, Dir::S2c, |s| s.flags.syn() && s.flags.ack()),
                    SocketCall::ConnectReturned,
                ),
                CallKind::Connect => (
                    flagged(c, Dir::S2c, |s| s.flags.rst()),
                    SocketCall::ConnectRefused,
                ),
                // Not before the handshake completed, and not before it
                // returned: a server that accepts late sees the connection
                // long after the queue held it.
                CallKind::Accept => (accepted(c).max(by_time(c, k.time())), SocketCall::Accept),
                CallKind::Setsockopt => (
                    by_time(c, k.time()),
                    SocketCall::SetOption {
                        option: k.arg.clone().unwrap_or_default(),
                    },
                ),
                CallKind::Write if k.ret >= 0 => {
                    let offset = written[side];
                    written[side] += n;
                    // Where it returned, not where its first byte left:
                    // a write() into a full send buffer's free space returns
                    // at once and its bytes may leave seconds later
                    // (docs/kernel.md, slow reader).
                    let after = c.segments[c.segments.partition_point(|s| s.time < k.time())..]
                        .first()
                        .map(|s| s.frame);
                    let frame = match (carrying(c, own, offset), after) {
                        (Some(f), Some(a)) => f.min(a),
                        (Some(f), None) => f,
                        _ => by_time(c, k.time()),
                    };
                    (
                        frame,
                        SocketCall::Write {
                            offset,
                            len: n,
                            preview: Preview::of(&bytes),
                        },
                    )
                }
                CallKind::Read if k.ret > 0 => {
                    let offset = read[side];
                    read[side] += n;
                    let last = offset + n - 1;
                    // Not before its last byte arrived, and not before it
                    // was made: a slow reader reads long after the data.
                    let frame = carrying(c, own.other(), last)
                        .unwrap_or(0)
                        .max(by_time(c, k.time()));
                    (
                        frame,
                        SocketCall::Read {
                            offset,
                            len: n,
                            preview: Preview::of(&bytes),
                            gap: false,
                        },
                    )
                }
                CallKind::Read if k.ret == 0 => (
                    flagged(c, own.other(), |s| s.flags.fin()),
                    SocketCall::Eof {
                        closed_first: false,
                    },
                ),
                CallKind::Shutdown => (
                    flagged(c, own, |s| s.flags.fin()),
                    SocketCall::Shutdown {
                        how: k.arg.clone().unwrap_or_default(),
                    },
                ),
                CallKind::Close => (by_time(c, k.time()), SocketCall::Close),
                // read() failing because the peer reset the connection is
                // the same call the inference names `reset` (RFC 9293
                // §3.10.7.4: the RST makes pending RECEIVEs fail).
                CallKind::Read if k.error.as_deref() == Some("ECONNRESET") => (
                    flagged(c, own.other(), |s| s.flags.rst()),
                    SocketCall::Reset,
                ),
                // A failed read() or write().
                CallKind::Read | CallKind::Write => (
                    by_time(c, k.time()),
                    SocketCall::Failed {
                        call: if k.call == CallKind::Read {
                            "read"
                        } else {
                            "write"
                        },
                        error: k.error.clone().unwrap_or_else(|| "error".to_string()),
                    },
                ),
            };
            let frame = frame.max(at_least[side]);
            at_least[side] = frame;
            events.push(SocketEvent {
                conn: c.id,
                frame,
                time: k.time(),
                endpoint: k.side,
                call,
                provenance: Provenance::Observed,
            });
        }
    }
    // In frame order; calls anchored to the same frame keep the order in
    // which they returned.
    events.sort_by_key(|e| (e.conn, e.frame, e.time));
    (events, covered)
}

/// A call belongs to a connection when its addresses are the connection's
/// (a listen() call: when it listened on the connection's server address).
pub fn belongs(k: &RecordedCall, c: &ConnView<'_>) -> bool {
    let (me, them) = match k.side {
        Endpoint::Client => (c.client, c.server),
        Endpoint::Server => (c.server, c.client),
    };
    match k.call {
        // Only a connection the listener took: a SYN refused with RST
        // found nobody listening (RFC 9293 §3.10.7.1), whatever listened
        // on that port before.
        CallKind::Listen => {
            k.side == Endpoint::Server
                && k.local.is_some_and(|a| a.port() == c.server.port())
                && c.segments
                    .iter()
                    .any(|s| s.dir == Dir::S2c && s.flags.syn() && s.flags.ack())
        }
        _ => k.local.is_some_and(|a| same_end(a, me)) && k.peer == Some(them),
    }
}

/// A recorded local address names `me` when it is `me`, or when it has
/// `me`'s port and no address: getsockname() after a refused connect()
/// reports the ephemeral port the SYN left from but `0.0.0.0`, since the
/// socket was never connected (connect(2)).
fn same_end(recorded: SocketAddr, me: SocketAddr) -> bool {
    recorded == me || (recorded.ip().is_unspecified() && recorded.port() == me.port())
}

fn first_frame(c: &ConnView<'_>) -> u64 {
    c.segments.first().map_or(0, |s| s.frame)
}

/// The first segment of `dir` with a property, else the connection's last.
fn flagged(c: &ConnView<'_>, dir: Dir, pick: impl Fn(&SegmentRecord) -> bool) -> u64 {
    c.segments
        .iter()
        .find(|s| s.dir == dir && pick(s))
        .or(c.segments.last())
        .map_or(0, |s| s.frame)
}

/// accept() returns when the handshake completes: the client's first ACK
/// after the SYN/ACK (RFC 9293 §3.5).
fn accepted(c: &ConnView<'_>) -> u64 {
    let synack = c
        .segments
        .iter()
        .position(|s| s.dir == Dir::S2c && s.flags.syn() && s.flags.ack());
    synack
        .and_then(|i| {
            c.segments[i..]
                .iter()
                .find(|s| s.dir == Dir::C2s && s.flags.ack())
        })
        .map_or_else(|| first_frame(c), |s| s.frame)
}

/// The first new segment of `dir` that carried stream byte `at` (0-based;
/// relative sequence number 1 is byte 0).
fn carrying(c: &ConnView<'_>, dir: Dir, at: u64) -> Option<u64> {
    c.segments
        .iter()
        .filter(|s| s.dir == dir && s.len > 0 && !s.analysis.has(Flag::Retransmission))
        .find(|s| {
            let start = u64::from(s.seq.wrapping_sub(1));
            (start..start + u64::from(s.len)).contains(&(at % (1 << 32)))
        })
        .map(|s| s.frame)
}

/// The segment nearest in time to `t`: the last one at or before it, or the
/// next one when that is closer. A call is listed beside what it relates
/// to: a read() made 0.7 s after the last segment and 26 µs before the
/// window update it causes is listed at the update, not 0.7 s early.
fn by_time(c: &ConnView<'_>, t: Timestamp) -> u64 {
    let i = c.segments.partition_point(|s| s.time <= t);
    let before = i.checked_sub(1).and_then(|k| c.segments.get(k));
    let after = c.segments.get(i);
    match (before, after) {
        (Some(b), Some(a)) if a.time.nanos_since(t) < t.nanos_since(b.time) => a.frame,
        (Some(b), _) => b.frame,
        (None, a) => a.map_or(0, |s| s.frame),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_survives_its_comment() {
        let mut k = RecordedCall::new(
            1_700_000_000_123_456_789,
            Endpoint::Server,
            CallKind::Write,
            17,
        )
        .with_data(b"220 smtp.tele.fi ");
        k.local = Some("127.0.0.1:2525".parse().unwrap());
        k.peer = Some("127.0.0.1:40112".parse().unwrap());
        let text = format!("{}\nsome other note", k.to_comment());
        assert_eq!(RecordedCall::from_comment(&text), vec![k]);
    }

    #[test]
    fn bytes_that_are_not_text_travel_as_hex() {
        let k =
            RecordedCall::new(0, Endpoint::Client, CallKind::Read, 3).with_data(&[0xff, 0, b'\n']);
        assert_eq!(k.data_hex.as_deref(), Some("ff000a"));
        assert_eq!(k.bytes(), vec![0xff, 0, b'\n']);
    }

    #[test]
    fn a_hostile_comment_is_ignored() {
        for bad in [
            "sockscope-call {",
            "sockscope-call {\"t\":1}",
            "sockscope-call null",
            "x",
        ] {
            assert!(RecordedCall::from_comment(bad).is_empty(), "{bad}");
        }
    }
}
