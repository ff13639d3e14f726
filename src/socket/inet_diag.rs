//! Asking the kernel about every TCP socket of this machine at once, as
//! `ss -tin` does: a `NETLINK_SOCK_DIAG` socket, one `SOCK_DIAG_BY_FAMILY`
//! dump request per address family (include/uapi/linux/inet_diag.h,
//! sock_diag(7)), answered with one `inet_diag_msg` per socket and, asked
//! for with `INET_DIAG_INFO`, its `struct tcp_info`. `sockscope live
//! --observe-local` turns the answers into [`KernelSample`]s of the sockets
//! of local programs, so the kernel pane shows a real mail client's queues
//! as it talks (docs/lab.md, "Observing local programs").
//!
//! No privilege is needed: the kernel answers any process about every TCP
//! socket (their queues and `tcp_info`), as `ss` shows them to any user.
//! Everything is plain bytes over a socket; no `unsafe`.

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use socket2::{Domain, Protocol, Socket, Type};

use super::kernel_sample::KernelSample;
use super::tcp_info::TcpInfo;
use super::Endpoint;

/// `NETLINK_SOCK_DIAG` (linux/netlink.h).
const NETLINK_SOCK_DIAG: i32 = 4;
/// `SOCK_DIAG_BY_FAMILY` (linux/sock_diag.h).
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
/// The `INET_DIAG_INFO` attribute: a `struct tcp_info`.
const INET_DIAG_INFO: u16 = 2;
/// `struct nlmsghdr`, `struct inet_diag_req_v2`, `struct inet_diag_msg`.
const NLMSG_HDR: usize = 16;
const REQ_LEN: usize = 56;
const MSG_LEN: usize = 72;

/// Sockets read per dump at most; past this the rest of the dump is
/// skipped, so a machine with a million sockets costs bounded memory
/// (docs/lab.md).
pub const MAX_SOCKETS: usize = 65_536;

/// Why the kernel could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum DiagError {
    #[error(
        "opening a NETLINK_SOCK_DIAG socket (the kernel's socket table, as `ss` reads it): {0}"
    )]
    Open(io::Error),
    #[error("asking the kernel for its TCP sockets: {0}")]
    Io(io::Error),
    #[error("the kernel refused the socket dump (errno {0})")]
    Refused(i32),
}

/// One socket as the dump describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiagSocket {
    pub local: SocketAddr,
    pub peer: SocketAddr,
    /// `tcpi_state` of the message, by RFC 9293 name.
    pub state: &'static str,
    /// `idiag_rqueue`: unread bytes (a listener: its accept queue).
    pub rqueue: u32,
    /// `idiag_wqueue`: written and not acknowledged (a listener: its
    /// backlog).
    pub wqueue: u32,
    /// The `INET_DIAG_INFO` attribute's bytes, if it came.
    pub info: Option<Vec<u8>>,
}

impl DiagSocket {
    /// This socket as a kernel sample taken at `t`, seen from `side`.
    pub fn to_sample(&self, t: i64, side: Endpoint) -> KernelSample {
        let info = TcpInfo::from_bytes(self.info.as_deref().unwrap_or(&[]));
        let mut s = info.sample(t, side, (Some(self.local), Some(self.peer)), "inet_diag");
        // The message's own state is there even without the attribute.
        s.state = self.state.to_string();
        if self.state == "LISTEN" {
            s.peer = None;
            s.accept_queue = Some(u64::from(self.rqueue));
            s.accept_backlog = Some(u64::from(self.wqueue));
        } else {
            s.inq = Some(u64::from(self.rqueue));
            s.outq = Some(u64::from(self.wqueue));
            s.unsent = info.notsent();
        }
        s
    }
}

/// Every TCP socket of the machine, IPv4 then IPv6, at most
/// [`MAX_SOCKETS`].
pub fn dump() -> Result<Vec<DiagSocket>, DiagError> {
    let socket = Socket::new(
        Domain::from(libc::AF_NETLINK),
        Type::DGRAM,
        Some(Protocol::from(NETLINK_SOCK_DIAG)),
    )
    .map_err(DiagError::Open)?;
    // The kernel answers at once; a dump that never ends must not hang the
    // caller (`live` joins the observer when it stops).
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .map_err(DiagError::Open)?;
    let mut all = Vec::new();
    for family in [libc::AF_INET as u8, libc::AF_INET6 as u8] {
        socket.send(&request(family)).map_err(DiagError::Io)?;
        match read_answers(&socket, &mut all) {
            // A kernel without IPv6 refuses that family's dump: IPv4 stands.
            Err(DiagError::Refused(_)) if i32::from(family) == libc::AF_INET6 => {}
            other => other?,
        }
    }
    Ok(all)
}

/// A dump request for `family`'s TCP sockets in every state, with their
/// `tcp_info`.
fn request(family: u8) -> Vec<u8> {
    let mut r = Vec::with_capacity(NLMSG_HDR + REQ_LEN);
    r.extend_from_slice(&((NLMSG_HDR + REQ_LEN) as u32).to_ne_bytes());
    r.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    r.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    r.extend_from_slice(&1u32.to_ne_bytes()); // sequence number
    r.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel fills it
    r.push(family);
    r.push(libc::IPPROTO_TCP as u8);
    r.push(1 << (INET_DIAG_INFO - 1)); // idiag_ext
    r.push(0);
    r.extend_from_slice(&u32::MAX.to_ne_bytes()); // every state
    r.resize(NLMSG_HDR + REQ_LEN, 0); // inet_diag_sockid: any
    r
}

/// Reads datagrams until the dump's `NLMSG_DONE`.
fn read_answers(socket: &Socket, out: &mut Vec<DiagSocket>) -> Result<(), DiagError> {
    // The kernel fills datagrams of up to a page or so; 64 KiB holds any.
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = (&*socket).read(&mut buf).map_err(DiagError::Io)?;
        if n == 0 {
            return Ok(());
        }
        if parse(&buf[..n], out)? {
            return Ok(());
        }
    }
}

/// Parses one datagram of netlink messages into `out`; true at the end of
/// the dump. Malformed lengths end the datagram rather than panic.
fn parse(mut data: &[u8], out: &mut Vec<DiagSocket>) -> Result<bool, DiagError> {
    while data.len() >= NLMSG_HDR {
        let len = u32_at(data, 0) as usize;
        let kind = u16::from_ne_bytes([data[4], data[5]]);
        if len < NLMSG_HDR || len > data.len() {
            return Ok(false);
        }
        let body = &data[NLMSG_HDR..len];
        match kind {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let errno = body
                    .get(..4)
                    .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
                if errno != 0 {
                    return Err(DiagError::Refused(-errno));
                }
            }
            SOCK_DIAG_BY_FAMILY if out.len() < MAX_SOCKETS => {
                if let Some(s) = socket_of(body) {
                    out.push(s);
                }
            }
            _ => {}
        }
        // NLMSG_ALIGN: messages start on 4-byte boundaries.
        let next = (len + 3) & !3;
        data = data.get(next..).unwrap_or(&[]);
    }
    Ok(false)
}

/// One `inet_diag_msg` and its attributes.
fn socket_of(m: &[u8]) -> Option<DiagSocket> {
    if m.len() < MSG_LEN {
        return None;
    }
    let family = m[0];
    let state = super::kernel_sample::state_name(m[1]);
    // inet_diag_sockid at 4: ports big-endian, then 16 bytes per address.
    let sport = u16::from_be_bytes([m[4], m[5]]);
    let dport = u16::from_be_bytes([m[6], m[7]]);
    let addr = |at: usize| -> Option<IpAddr> {
        let b = m.get(at..at + 16)?;
        if i32::from(family) == libc::AF_INET {
            Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])))
        } else {
            let octets: [u8; 16] = b.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(octets)))
        }
    };
    let local = SocketAddr::new(addr(8)?, sport);
    let peer = SocketAddr::new(addr(24)?, dport);
    let mut info = None;
    let mut attrs = &m[MSG_LEN..];
    // struct rtattr: u16 length (header included), u16 type, payload.
    while attrs.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([attrs[0], attrs[1]]));
        let kind = u16::from_ne_bytes([attrs[2], attrs[3]]);
        if len < 4 || len > attrs.len() {
            break;
        }
        if kind == INET_DIAG_INFO {
            info = Some(attrs[4..len].to_vec());
        }
        attrs = attrs.get((len + 3) & !3..).unwrap_or(&[]);
    }
    Some(DiagSocket {
        local,
        peer,
        state,
        rqueue: u32_at(m, 56),
        wqueue: u32_at(m, 60),
        info,
    })
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |x| u32::from_ne_bytes([x[0], x[1], x[2], x[3]]))
}

/// The sockets of a dump that have one of `ports` on either end (all when
/// `ports` is empty), each as a sample from its side: a socket whose local
/// port is one this machine listens on is the server's end, any other the
/// client's (a guess only a client bound to a listening port defeats).
pub fn samples(sockets: &[DiagSocket], ports: &[u16], t: i64) -> Vec<KernelSample> {
    let listening: BTreeSet<u16> = sockets
        .iter()
        .filter(|s| s.state == "LISTEN")
        .map(|s| s.local.port())
        .collect();
    let wanted = |s: &DiagSocket| {
        ports.is_empty() || ports.contains(&s.local.port()) || ports.contains(&s.peer.port())
    };
    sockets
        .iter()
        .filter(|s| wanted(s))
        .map(|s| {
            let side = if listening.contains(&s.local.port()) {
                Endpoint::Server
            } else {
                Endpoint::Client
            };
            s.to_sample(t, side)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    /// One `inet_diag_msg` for 127.0.0.1:`sport` → 127.0.0.1:`dport`.
    fn message(state: u8, sport: u16, dport: u16, rqueue: u32, info: &[u8]) -> Vec<u8> {
        let mut m = vec![0u8; MSG_LEN];
        m[0] = libc::AF_INET as u8;
        m[1] = state;
        m[4..6].copy_from_slice(&sport.to_be_bytes());
        m[6..8].copy_from_slice(&dport.to_be_bytes());
        m[8..12].copy_from_slice(&[127, 0, 0, 1]);
        m[24..28].copy_from_slice(&[127, 0, 0, 1]);
        m[56..60].copy_from_slice(&rqueue.to_ne_bytes());
        m.extend_from_slice(&((4 + info.len()) as u16).to_ne_bytes());
        m.extend_from_slice(&INET_DIAG_INFO.to_ne_bytes());
        m.extend_from_slice(info);
        let mut out = ((NLMSG_HDR + m.len()) as u32).to_ne_bytes().to_vec();
        out.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        out.extend_from_slice(&[0; 10]);
        out.extend_from_slice(&m);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        out
    }

    #[test]
    fn a_datagram_of_messages_is_read_and_hostile_lengths_stop_it() {
        let mut data = message(1, 40000, 25, 42, &[1; 8]);
        data.extend(message(10, 25, 0, 0, &[]));
        let mut done = 16u32.to_ne_bytes().to_vec();
        done.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
        done.extend_from_slice(&[0; 10]);
        data.extend(done);
        let mut out = Vec::new();
        assert!(parse(&data, &mut out).unwrap());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].local, "127.0.0.1:40000".parse().unwrap());
        assert_eq!((out[0].state, out[0].rqueue), ("ESTABLISHED", 42));
        assert_eq!(out[0].info.as_deref(), Some(&[1u8; 8][..]));
        // The listener makes port 25 the server's side.
        let s = samples(&out, &[25], 9);
        assert_eq!(s[0].side, Endpoint::Client);
        assert_eq!(
            (s[0].inq, s[1].side, s[1].accept_queue),
            (Some(42), Endpoint::Server, Some(0))
        );
        // A length past the datagram, or a cut message: no panic, nothing read.
        for bad in [&data[..20], &[0xff; 40][..], &[]] {
            let mut out = Vec::new();
            assert!(!parse(bad, &mut out).unwrap_or(false));
        }
    }

    #[test]
    fn the_kernel_reports_the_unread_bytes_of_a_real_socket() {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let (_s, _) = l.accept().expect("accept");
        c.write_all(b"hello").expect("write");
        // The five bytes wait unread in the server's receive queue.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let sockets = dump().expect("the kernel answers any process");
            let all = samples(&sockets, &[port], 1);
            let server = all
                .iter()
                .find(|s| s.side == Endpoint::Server && s.state == "ESTABLISHED");
            if let Some(s) = server.filter(|s| s.inq == Some(5)) {
                assert!(s.snd_mss > 0, "tcp_info came with it: {s:?}");
                assert!(all
                    .iter()
                    .any(|s| s.state == "LISTEN" && s.side == Endpoint::Server));
                assert!(all
                    .iter()
                    .any(|s| s.side == Endpoint::Client && s.outq == Some(0)));
                return;
            }
            assert!(
                Instant::now() < deadline,
                "never saw 5 unread bytes: {all:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
