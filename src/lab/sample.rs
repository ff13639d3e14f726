//! Asking the running kernel what it holds for one socket:
//! `getsockopt(IPPROTO_TCP, TCP_INFO)` and `ioctl(SIOCINQ / SIOCOUTQ /
//! SIOCOUTQNSD)` (what `ss -tin` shows), made into a
//! [`KernelSample`]. Fields a kernel too old to fill are left out (the
//! kernel says how many bytes of `struct tcp_info` it wrote).

use std::net::SocketAddr;
use std::os::fd::RawFd;

use crate::capture::live::now;
use crate::socket::kernel_sample::{state_name, KernelSample};
use crate::socket::Endpoint;

/// `SIOCOUTQNSD` (include/uapi/linux/sockios.h): not in the libc crate.
const SIOCOUTQNSD: libc::c_ulong = 0x894B;

/// Bytes of `struct tcp_info` asked for: up to and past `tcpi_snd_wnd`.
const INFO_LEN: usize = 256;

/// `struct tcp_info` as raw bytes and how many the kernel filled.
struct Info {
    buf: [u8; INFO_LEN],
    len: usize,
}

impl Info {
    fn u8(&self, at: usize) -> u8 {
        if at < self.len {
            self.buf[at]
        } else {
            0
        }
    }
    /// The u32 field at byte offset `at` (offsets from the uapi header
    /// include/uapi/linux/tcp.h), if the kernel filled it.
    fn u32(&self, at: usize) -> Option<u64> {
        let b = self.buf.get(at..at + 4).filter(|_| at + 4 <= self.len)?;
        Some(u64::from(u32::from_ne_bytes(b.try_into().ok()?)))
    }
    fn u64(&self, at: usize) -> Option<u64> {
        let b = self.buf.get(at..at + 8).filter(|_| at + 8 <= self.len)?;
        Some(u64::from_ne_bytes(b.try_into().ok()?))
    }
}

fn tcp_info(fd: RawFd) -> Option<Info> {
    let mut info = Info {
        buf: [0; INFO_LEN],
        len: 0,
    };
    let mut len = INFO_LEN as libc::socklen_t;
    // SAFETY: `buf` is a live, writable buffer of INFO_LEN bytes and `len`
    // says so; the kernel writes at most `len` bytes and stores how many it
    // wrote in `len`. A bad fd only makes the call fail.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            info.buf.as_mut_ptr().cast(),
            &mut len,
        )
    };
    (rc == 0).then(|| {
        info.len = (len as usize).min(INFO_LEN);
        info
    })
}

fn ioctl_int(fd: RawFd, request: libc::c_ulong) -> Option<u64> {
    let mut value: libc::c_int = 0;
    // SAFETY: these three requests write one int through the pointer, which
    // points at a live c_int; a bad fd or a listener only makes it fail.
    let rc = unsafe { libc::ioctl(fd, request as _, &mut value as *mut libc::c_int) };
    (rc == 0).then(|| u64::try_from(value).unwrap_or(0))
}

/// One sample of socket `fd`, or None if the kernel would not say.
pub fn sample(
    fd: RawFd,
    side: Endpoint,
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    at: &str,
) -> Option<KernelSample> {
    let info = tcp_info(fd)?;
    let state = state_name(info.u8(0));
    let listening = state == "LISTEN";
    let unacked = info.u32(24).unwrap_or(0);
    let queues = |r| if listening { None } else { ioctl_int(fd, r) };
    Some(KernelSample {
        t: now().0,
        side,
        local,
        peer,
        at: at.to_string(),
        state: state.to_string(),
        inq: queues(libc::FIONREAD as libc::c_ulong),
        outq: queues(libc::TIOCOUTQ as libc::c_ulong),
        unsent: queues(SIOCOUTQNSD),
        accept_queue: listening.then_some(unacked),
        accept_backlog: if listening { info.u32(28) } else { None },
        unacked: if listening { 0 } else { unacked },
        retransmits: info.u32(100).unwrap_or(0),
        snd_mss: info.u32(16).unwrap_or(0),
        rcv_mss: info.u32(20).unwrap_or(0),
        snd_cwnd: info.u32(80).unwrap_or(0),
        rcv_space: info.u32(96).unwrap_or(0),
        snd_wnd: info.u32(228),
        rtt_us: info.u32(68).unwrap_or(0),
        rttvar_us: info.u32(72).unwrap_or(0),
        bytes_acked: info.u64(120),
        bytes_received: info.u64(128),
        delivery_rate: info.u64(160),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    #[test]
    fn unread_bytes_show_in_siocinq_and_the_listener_in_listen() {
        let Ok(l) = TcpListener::bind("127.0.0.1:0") else {
            eprintln!("skipped: cannot bind loopback");
            return;
        };
        let ls = sample(l.as_raw_fd(), Endpoint::Server, None, None, "t").unwrap();
        assert_eq!(ls.state, "LISTEN");
        assert_eq!(ls.inq, None);
        let mut c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let ls = sample(l.as_raw_fd(), Endpoint::Server, None, None, "t").unwrap();
        assert_eq!(ls.accept_queue, Some(1), "one connection not yet accepted");
        let (mut s, _) = l.accept().unwrap();
        c.write_all(b"hello").unwrap();
        let mut one = [0u8; 1];
        s.read_exact(&mut one).unwrap();
        // The other four bytes arrived with the first (one segment).
        let got = sample(s.as_raw_fd(), Endpoint::Server, None, None, "t").unwrap();
        assert_eq!(got.state, "ESTABLISHED");
        assert_eq!(got.inq, Some(4));
    }
}
