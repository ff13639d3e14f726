//! Asking the running kernel what it holds for one socket:
//! `getsockopt(IPPROTO_TCP, TCP_INFO)` and `ioctl(SIOCINQ / SIOCOUTQ /
//! SIOCOUTQNSD)` (what `ss -tin` shows), made into a
//! [`KernelSample`]. Fields a kernel too old to fill are left out (the
//! kernel says how many bytes of `struct tcp_info` it wrote).

use std::net::SocketAddr;
use std::os::fd::RawFd;

use crate::capture::live::now;
use crate::socket::kernel_sample::KernelSample;
use crate::socket::tcp_info::{TcpInfo, INFO_LEN};
use crate::socket::Endpoint;

/// `SIOCOUTQNSD` (include/uapi/linux/sockios.h): not in the libc crate.
const SIOCOUTQNSD: libc::c_ulong = 0x894B;

fn tcp_info(fd: RawFd) -> Option<TcpInfo> {
    let mut info = TcpInfo {
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
    let listening = info.state() == "LISTEN";
    let queues = |r| if listening { None } else { ioctl_int(fd, r) };
    let mut s = info.sample(now().0, side, (local, peer), at);
    s.inq = queues(libc::FIONREAD as libc::c_ulong);
    s.outq = queues(libc::TIOCOUTQ as libc::c_ulong);
    s.unsent = queues(SIOCOUTQNSD);
    Some(s)
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
