//! What a real kernel said about a socket, sampled by the lab around each
//! recorded call and while a call blocks: `getsockopt(TCP_INFO)` and the
//! queue ioctls (`SIOCINQ`, `SIOCOUTQ`, `SIOCOUTQNSD`). Each sample travels
//! in the capture like a recorded call ([`super::recorded`]): one line of a
//! pcapng packet comment, `sockscope-kernel ` followed by a JSON object
//! (format in `docs/lab.md`). These values are *observed* (the kernel's own
//! numbers); the kernel model's are *inferred* from the segments.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::recorded::ConnView;
use super::Endpoint;
use crate::capture::Timestamp;

/// What starts a comment line that carries a kernel sample.
pub const PREFIX: &str = "sockscope-kernel ";

/// One sample of one socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelSample {
    /// When it was taken, in nanoseconds since the Unix epoch.
    pub t: i64,
    pub side: Endpoint,
    #[serde(default)]
    pub local: Option<SocketAddr>,
    #[serde(default)]
    pub peer: Option<SocketAddr>,
    /// Why it was taken: `before read`, `after write`, `blocked read`.
    pub at: String,
    /// `tcpi_state`, named as RFC 9293 §3.3.2 does (`ESTABLISHED`).
    pub state: String,
    /// SIOCINQ: bytes received in order and not yet read (None on a
    /// listener, where the ioctl means nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inq: Option<u64>,
    /// SIOCOUTQ: bytes written and not yet acknowledged (sent or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outq: Option<u64>,
    /// SIOCOUTQNSD: of those, bytes not yet sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsent: Option<u64>,
    /// Listener only: connections waiting in the accept queue
    /// (`tcpi_unacked` on a LISTEN socket) and its limit (`tcpi_sacked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_queue: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_backlog: Option<u64>,
    /// Segments sent and not acknowledged (`tcpi_unacked`).
    #[serde(default)]
    pub unacked: u64,
    /// `tcpi_total_retrans`: segments retransmitted over the connection.
    #[serde(default)]
    pub retransmits: u64,
    #[serde(default)]
    pub snd_mss: u64,
    #[serde(default)]
    pub rcv_mss: u64,
    /// Congestion window, in segments.
    #[serde(default)]
    pub snd_cwnd: u64,
    /// `tcpi_rcv_space`: the receive-buffer autotuning estimate, bytes.
    #[serde(default)]
    pub rcv_space: u64,
    /// The peer's window as the kernel holds it (`tcpi_snd_wnd`, Linux 5.4+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snd_wnd: Option<u64>,
    /// Smoothed RTT and its variation, microseconds.
    #[serde(default)]
    pub rtt_us: u64,
    #[serde(default)]
    pub rttvar_us: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_acked: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_received: Option<u64>,
    /// Bytes per second (`tcpi_delivery_rate`, Linux 4.9+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_rate: Option<u64>,
}

impl KernelSample {
    /// The comment line that carries it.
    pub fn to_comment(&self) -> String {
        // A struct of strings and numbers always serialises.
        format!(
            "{PREFIX}{}",
            serde_json::to_string(self).unwrap_or_default()
        )
    }

    /// Every sample a comment carries; other lines (recorded calls, a
    /// person's note) and malformed samples are ignored.
    pub fn from_comment(comment: &str) -> Vec<KernelSample> {
        comment
            .lines()
            .filter_map(|l| l.strip_prefix(PREFIX))
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect()
    }

    pub fn time(&self) -> Timestamp {
        Timestamp(self.t)
    }

    /// Bytes sent and not acknowledged: SIOCOUTQ − SIOCOUTQNSD.
    pub fn in_flight(&self) -> Option<u64> {
        Some(self.outq?.saturating_sub(self.unsent.unwrap_or(0)))
    }

    /// Whether it is a sample of this connection's socket on its side (a
    /// listener's sample belongs to every connection on its port).
    pub fn belongs(&self, c: &ConnView<'_>) -> bool {
        let (me, them) = match self.side {
            Endpoint::Client => (c.client, c.server),
            Endpoint::Server => (c.server, c.client),
        };
        if self.state == "LISTEN" {
            return self.side == Endpoint::Server
                && self.local.is_some_and(|a| a.port() == me.port());
        }
        self.local == Some(me) && self.peer == Some(them)
    }
}

/// A sample placed in its connection: on the last segment captured at or
/// before it was taken (what the kernel had seen by then, as far as the
/// capture knows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacedSample {
    pub conn: u32,
    pub frame: u64,
    pub sample: KernelSample,
}

/// The samples of `c`, placed; the ones taken are removed from `samples`
/// (listener samples stay: one listener serves many connections).
pub fn place(samples: &mut Vec<KernelSample>, c: &ConnView<'_>) -> Vec<PlacedSample> {
    let mut placed = Vec::new();
    samples.retain(|s| {
        if !s.belongs(c) {
            return true;
        }
        let i = c.segments.partition_point(|g| g.time <= s.time());
        let frame = i
            .checked_sub(1)
            .and_then(|k| c.segments.get(k))
            .or(c.segments.first())
            .map_or(0, |g| g.frame);
        placed.push(PlacedSample {
            conn: c.id,
            frame,
            sample: s.clone(),
        });
        s.state == "LISTEN"
    });
    placed.sort_by_key(|p| (p.frame, p.sample.t));
    placed
}

/// `tcpi_state` as the kernel numbers it (include/net/tcp_states.h), by
/// RFC 9293 §3.3.2 names.
pub fn state_name(n: u8) -> &'static str {
    match n {
        1 => "ESTABLISHED",
        2 => "SYN-SENT",
        3 => "SYN-RECEIVED",
        4 => "FIN-WAIT-1",
        5 => "FIN-WAIT-2",
        6 => "TIME-WAIT",
        7 => "CLOSED",
        8 => "CLOSE-WAIT",
        9 => "LAST-ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> KernelSample {
        KernelSample {
            t: 1_700_000_000_000_000_001,
            side: Endpoint::Client,
            local: Some("127.0.0.1:40000".parse().unwrap()),
            peer: Some("127.0.0.1:2525".parse().unwrap()),
            at: "after write".into(),
            state: "ESTABLISHED".into(),
            inq: Some(0),
            outq: Some(120),
            unsent: Some(20),
            accept_queue: None,
            accept_backlog: None,
            unacked: 1,
            retransmits: 0,
            snd_mss: 1460,
            rcv_mss: 536,
            snd_cwnd: 10,
            rcv_space: 14600,
            snd_wnd: Some(65483),
            rtt_us: 40,
            rttvar_us: 20,
            bytes_acked: Some(1),
            bytes_received: Some(0),
            delivery_rate: None,
        }
    }

    #[test]
    fn a_sample_survives_its_comment_beside_a_call() {
        let s = sample();
        let text = format!("sockscope-call {{\"x\":1}}\n{}\nnote", s.to_comment());
        assert_eq!(KernelSample::from_comment(&text), vec![s.clone()]);
        assert_eq!(s.in_flight(), Some(100));
    }

    #[test]
    fn hostile_samples_are_ignored() {
        for bad in [
            "sockscope-kernel {",
            "sockscope-kernel 7",
            "sockscope-kernel {\"t\":1}",
        ] {
            assert!(KernelSample::from_comment(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn states_have_rfc_names() {
        assert_eq!(state_name(1), "ESTABLISHED");
        assert_eq!(state_name(10), "LISTEN");
        assert_eq!(state_name(200), "UNKNOWN");
    }
}
