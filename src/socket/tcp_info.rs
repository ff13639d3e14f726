//! `struct tcp_info` (include/uapi/linux/tcp.h) as the kernel hands it out,
//! raw bytes read field by field at their offsets, made into the fields of
//! a [`KernelSample`]. Two readers give these bytes: the lab's
//! `getsockopt(TCP_INFO)` on its own sockets, and `INET_DIAG`'s
//! `INET_DIAG_INFO` attribute for any socket of the machine
//! ([`super::inet_diag`]). A kernel older than a field fills fewer bytes;
//! a field past them is left out.

use std::net::SocketAddr;

use super::kernel_sample::{state_name, KernelSample};
use super::Endpoint;

/// Bytes of `struct tcp_info` kept: up to and past `tcpi_snd_wnd`.
pub const INFO_LEN: usize = 256;

/// `struct tcp_info` as raw bytes and how many the kernel filled.
pub struct TcpInfo {
    pub buf: [u8; INFO_LEN],
    pub len: usize,
}

impl TcpInfo {
    /// The first `bytes` of a `struct tcp_info` (more are ignored).
    pub fn from_bytes(bytes: &[u8]) -> TcpInfo {
        let mut info = TcpInfo {
            buf: [0; INFO_LEN],
            len: bytes.len().min(INFO_LEN),
        };
        info.buf[..info.len].copy_from_slice(&bytes[..info.len]);
        info
    }

    fn u8(&self, at: usize) -> u8 {
        if at < self.len {
            self.buf[at]
        } else {
            0
        }
    }

    /// The u32 field at byte offset `at`, if the kernel filled it.
    fn u32(&self, at: usize) -> Option<u64> {
        let b = self.buf.get(at..at + 4).filter(|_| at + 4 <= self.len)?;
        Some(u64::from(u32::from_ne_bytes(b.try_into().ok()?)))
    }

    fn u64(&self, at: usize) -> Option<u64> {
        let b = self.buf.get(at..at + 8).filter(|_| at + 8 <= self.len)?;
        Some(u64::from_ne_bytes(b.try_into().ok()?))
    }

    /// `tcpi_state`, by its RFC 9293 name.
    pub fn state(&self) -> &'static str {
        state_name(self.u8(0))
    }

    /// `tcpi_notsent_bytes` (Linux 4.6+): written, not yet sent.
    pub fn notsent(&self) -> Option<u64> {
        self.u32(144)
    }

    /// A sample of the socket this describes, taken at `t` because of `at`;
    /// the queues (`inq`, `outq`, `unsent`) are the caller's to fill, from
    /// the ioctls or from INET_DIAG's queue counts.
    pub fn sample(
        &self,
        t: i64,
        side: Endpoint,
        addrs: (Option<SocketAddr>, Option<SocketAddr>),
        at: &str,
    ) -> KernelSample {
        let state = self.state();
        let listening = state == "LISTEN";
        // On a listener `tcpi_unacked` is the accept queue and
        // `tcpi_sacked` its limit (tcp_get_info in net/ipv4/tcp.c).
        let unacked = self.u32(24).unwrap_or(0);
        KernelSample {
            t,
            side,
            local: addrs.0,
            peer: addrs.1,
            at: at.to_string(),
            state: state.to_string(),
            inq: None,
            outq: None,
            unsent: None,
            accept_queue: listening.then_some(unacked),
            accept_backlog: if listening { self.u32(28) } else { None },
            unacked: if listening { 0 } else { unacked },
            retransmits: self.u32(100).unwrap_or(0),
            snd_mss: self.u32(16).unwrap_or(0),
            rcv_mss: self.u32(20).unwrap_or(0),
            snd_cwnd: self.u32(80).unwrap_or(0),
            rcv_space: self.u32(96).unwrap_or(0),
            snd_wnd: self.u32(228),
            rtt_us: self.u32(68).unwrap_or(0),
            rttvar_us: self.u32(72).unwrap_or(0),
            bytes_acked: self.u64(120),
            bytes_received: self.u64(128),
            delivery_rate: self.u64(160),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_past_what_the_kernel_filled_are_left_out() {
        let mut bytes = vec![0u8; 232];
        bytes[0] = 1; // ESTABLISHED
        bytes[16..20].copy_from_slice(&1448u32.to_ne_bytes());
        bytes[228..232].copy_from_slice(&65_483u32.to_ne_bytes());
        let full = TcpInfo::from_bytes(&bytes).sample(7, Endpoint::Client, (None, None), "t");
        assert_eq!(full.state, "ESTABLISHED");
        assert_eq!((full.snd_mss, full.snd_wnd), (1448, Some(65_483)));
        // An older kernel: 104 bytes, no snd_wnd, no byte counters.
        let old = TcpInfo::from_bytes(&bytes[..104]).sample(7, Endpoint::Client, (None, None), "t");
        assert_eq!(
            (old.snd_mss, old.snd_wnd, old.bytes_acked),
            (1448, None, None)
        );
        // Nothing at all: a state nobody knows, and no panic.
        assert_eq!(TcpInfo::from_bytes(&[]).state(), "UNKNOWN");
    }

    #[test]
    fn a_listener_reports_its_accept_queue() {
        let mut bytes = vec![0u8; 104];
        bytes[0] = 10; // LISTEN
        bytes[24..28].copy_from_slice(&2u32.to_ne_bytes());
        bytes[28..32].copy_from_slice(&128u32.to_ne_bytes());
        let s = TcpInfo::from_bytes(&bytes).sample(1, Endpoint::Server, (None, None), "t");
        assert_eq!(
            (s.accept_queue, s.accept_backlog, s.unacked),
            (Some(2), Some(128), 0)
        );
    }
}
