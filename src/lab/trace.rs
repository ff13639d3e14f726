//! Real TCP sockets whose every call is written down: the lab's scenarios talk
//! through [`Sock`] and [`Listener`], and each connect(), accept(), write(),
//! read(), setsockopt(), shutdown() and close() lands in the shared [`Trace`]
//! with its arguments, return value, bytes and time, as a
//! [`RecordedCall`](crate::socket::recorded::RecordedCall).

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Arc, Mutex};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::netns::NetnsPair;
use super::sample::sample;
use crate::capture::live::now;
use crate::socket::kernel_sample::KernelSample;
use crate::socket::recorded::{CallKind, RecordedCall};
use crate::socket::Endpoint;

/// The MSS the lab asks for: what a 1500-byte Ethernet MTU allows for IPv4
/// (1500 − 20 − 20), so loopback segments look like a LAN's.
pub const LAN_MSS: u32 = 1460;

/// How often a blocked read() or accept() has its socket sampled.
const BLOCKED_SAMPLE_MS: libc::c_int = 50;

/// Kernel samples kept per run (about 500 bytes each: 10 MB); past this no
/// more are taken, and the lab says so (docs/lab.md).
pub const MAX_SAMPLES: usize = 20_000;

/// Every call of a scenario, in the order they returned.
#[derive(Clone, Default)]
pub struct Trace {
    calls: Arc<Mutex<Vec<RecordedCall>>>,
    /// What the kernel said about each socket around its calls.
    samples: Arc<Mutex<Vec<KernelSample>>>,
    /// With `--netns`: the server listens in one namespace and the client
    /// connects from the other; without, both are on loopback.
    netns: Option<Arc<NetnsPair>>,
}

impl Trace {
    /// A trace whose sockets live in the two namespaces of `pair`.
    pub fn in_namespaces(pair: Arc<NetnsPair>) -> Trace {
        Trace {
            netns: Some(pair),
            ..Trace::default()
        }
    }

    fn push(&self, call: RecordedCall) {
        // A poisoned lock only means another side panicked; keep recording.
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls.push(call);
    }

    fn push_sample(&self, s: Option<KernelSample>) {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = s.filter(|_| samples.len() < MAX_SAMPLES) {
            samples.push(s);
        }
    }

    /// The kernel samples so far, and whether [`MAX_SAMPLES`] was reached.
    pub fn samples(&self) -> (Vec<KernelSample>, bool) {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        (samples.clone(), samples.len() >= MAX_SAMPLES)
    }

    /// Samples `fd` as `side` at `at`.
    fn snap(
        &self,
        fd: RawFd,
        side: Endpoint,
        local: Option<SocketAddr>,
        peer: Option<SocketAddr>,
        at: &str,
    ) {
        self.push_sample(sample(fd, side, local, peer, at));
    }

    /// Waits until `fd` is readable (or in error), sampling it every
    /// [`BLOCKED_SAMPLE_MS`] while it is not: what the kernel held while
    /// the application was blocked in read() or accept().
    fn wait_readable(
        &self,
        fd: RawFd,
        side: Endpoint,
        local: Option<SocketAddr>,
        peer: Option<SocketAddr>,
        call: &str,
    ) {
        let at = format!("blocked {call}");
        loop {
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: `p` is one live pollfd and the count says one.
            let rc = unsafe { libc::poll(&mut p, 1, BLOCKED_SAMPLE_MS) };
            if rc != 0 {
                // Ready, in error, or poll failed (EINTR): the call itself
                // then blocks or fails as it would have.
                return;
            }
            self.snap(fd, side, local, peer, &at);
        }
    }

    /// With `--netns`, the namespace of the client's or the server's end.
    pub fn namespace(&self, server: bool) -> Option<&str> {
        self.netns.as_deref().map(|n| n.name(server))
    }

    /// The calls so far.
    pub fn calls(&self) -> Vec<RecordedCall> {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls.clone()
    }
}

fn addr(a: io::Result<SockAddr>) -> Option<SocketAddr> {
    a.ok().and_then(|a| a.as_socket())
}

fn errno_name(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ECONNRESET) => "ECONNRESET".to_string(),
        Some(libc::ECONNREFUSED) => "ECONNREFUSED".to_string(),
        Some(libc::EPIPE) => "EPIPE".to_string(),
        Some(libc::ETIMEDOUT) => "ETIMEDOUT".to_string(),
        _ => e.kind().to_string(),
    }
}

/// A listening socket on an ephemeral port: 127.0.0.1, or the server's veth
/// address with `--netns`.
pub struct Listener {
    socket: Socket,
    trace: Trace,
    pub addr: SocketAddr,
}

impl Listener {
    /// socket(), the LAN MSS, bind() and listen(); listen() is recorded.
    pub fn bind(trace: &Trace) -> io::Result<Listener> {
        let ip = trace
            .netns
            .as_ref()
            .map_or(IpAddr::from([127, 0, 0, 1]), |n| n.server_ip());
        let make = || -> io::Result<Socket> {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
            socket.set_mss(LAN_MSS)?;
            socket.bind(&SocketAddr::new(ip, 0).into())?;
            socket.listen(8)?;
            Ok(socket)
        };
        let socket = match &trace.netns {
            Some(n) => n.in_server(make).map_err(io::Error::other)??,
            None => make()?,
        };
        let addr = addr(socket.local_addr()).ok_or_else(|| io::Error::other("no local address"))?;
        trace.snap(
            socket.as_raw_fd(),
            Endpoint::Server,
            Some(addr),
            None,
            "after listen",
        );
        let mut call = RecordedCall::new(now().0, Endpoint::Server, CallKind::Listen, 0);
        call.local = Some(addr);
        call.arg = Some("backlog 8".to_string());
        trace.push(call);
        Ok(Listener {
            socket,
            trace: trace.clone(),
            addr,
        })
    }

    /// accept(): the connected socket of the next client.
    pub fn accept(&self) -> io::Result<Sock> {
        let fd = self.socket.as_raw_fd();
        let me = Some(self.addr);
        self.trace
            .snap(fd, Endpoint::Server, me, None, "before accept");
        self.trace
            .wait_readable(fd, Endpoint::Server, me, None, "accept");
        let (socket, _) = self.socket.accept()?;
        let sock = Sock::new(socket, Endpoint::Server, &self.trace);
        sock.record(CallKind::Accept, 0, None, None);
        self.trace
            .snap(fd, Endpoint::Server, me, None, "after accept");
        sock.snap("after accept");
        Ok(sock)
    }
}

/// A connected TCP socket whose calls are recorded.
pub struct Sock {
    socket: Socket,
    side: Endpoint,
    trace: Trace,
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    /// Bytes read but not yet handed out by a line reader.
    pending: Vec<u8>,
}

impl Sock {
    fn new(socket: Socket, side: Endpoint, trace: &Trace) -> Sock {
        Sock {
            local: addr(socket.local_addr()),
            peer: addr(socket.peer_addr()),
            socket,
            side,
            trace: trace.clone(),
            pending: Vec::new(),
        }
    }

    /// socket(), the LAN MSS, then connect() to `to`; connect() is recorded.
    pub fn connect(trace: &Trace, to: SocketAddr) -> io::Result<Sock> {
        let make = || -> io::Result<(Socket, io::Result<()>)> {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
            socket.set_mss(LAN_MSS)?;
            let result = socket.connect(&to.into());
            Ok((socket, result))
        };
        let (socket, result) = match &trace.netns {
            Some(n) => n.in_client(make).map_err(io::Error::other)??,
            None => make()?,
        };
        let sock = Sock::new(socket, Endpoint::Client, trace);
        match result {
            Ok(()) => {
                sock.record(CallKind::Connect, 0, None, None);
                sock.snap("after connect");
                Ok(sock)
            }
            Err(e) => {
                let mut call = sock.call(CallKind::Connect, -1);
                call.peer = Some(to);
                call.error = Some(errno_name(&e));
                sock.trace.push(call);
                Err(e)
            }
        }
    }

    /// Samples this socket's kernel state now.
    fn snap(&self, at: &str) {
        self.trace.snap(
            self.socket.as_raw_fd(),
            self.side,
            self.local,
            self.peer,
            at,
        );
    }

    fn call(&self, kind: CallKind, ret: i64) -> RecordedCall {
        let mut call = RecordedCall::new(now().0, self.side, kind, ret);
        call.local = self.local;
        call.peer = self.peer;
        call
    }

    fn record(&self, kind: CallKind, ret: i64, arg: Option<String>, data: Option<&[u8]>) {
        let mut call = self.call(kind, ret);
        call.arg = arg;
        if let Some(d) = data {
            call = call.with_data(d);
        }
        self.trace.push(call);
    }

    /// setsockopt(IPPROTO_TCP, TCP_NODELAY): Nagle off, so each write()
    /// leaves at once (RFC 896; RFC 9293 §3.7.4).
    pub fn nodelay(&self, on: bool) -> io::Result<()> {
        self.socket.set_nodelay(on)?;
        self.record(
            CallKind::Setsockopt,
            0,
            Some(format!("TCP_NODELAY, {}", u8::from(on))),
            None,
        );
        Ok(())
    }

    /// setsockopt(SOL_SOCKET, SO_RCVBUF): the receive buffer, which bounds
    /// the window this side advertises.
    pub fn rcvbuf(&self, bytes: usize) -> io::Result<()> {
        self.socket.set_recv_buffer_size(bytes)?;
        self.record(
            CallKind::Setsockopt,
            0,
            Some(format!("SO_RCVBUF, {bytes}")),
            None,
        );
        Ok(())
    }

    /// setsockopt(SOL_SOCKET, SO_LINGER, 0 s): close() then resets the
    /// connection instead of closing it (the ABORT user call, RFC 9293 §3.9.1.6; its processing, §3.10.5).
    pub fn linger_zero(&self) -> io::Result<()> {
        self.socket.set_linger(Some(std::time::Duration::ZERO))?;
        self.record(
            CallKind::Setsockopt,
            0,
            Some("SO_LINGER, {on, 0 s}".to_string()),
            None,
        );
        Ok(())
    }

    /// One write() call; returns how many bytes the kernel took.
    pub fn write(&self, bytes: &[u8]) -> io::Result<usize> {
        self.snap("before write");
        let result = match (&self.socket).write(bytes) {
            Ok(n) => {
                self.record(CallKind::Write, n as i64, None, Some(&bytes[..n]));
                Ok(n)
            }
            Err(e) => {
                let mut call = self.call(CallKind::Write, -1);
                call.error = Some(errno_name(&e));
                self.trace.push(call);
                Err(e)
            }
        };
        self.snap("after write");
        result
    }

    /// write() until every byte was taken.
    pub fn write_all(&self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let n = self.write(bytes)?;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// One read() call of at most `max` bytes; an empty result is EOF.
    pub fn read(&mut self, max: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; max];
        self.snap("before read");
        let fd = self.socket.as_raw_fd();
        self.trace
            .wait_readable(fd, self.side, self.local, self.peer, "read");
        let result = match (&self.socket).read(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                self.record(
                    CallKind::Read,
                    n as i64,
                    Some(format!("buffer {max}")),
                    Some(&buf),
                );
                Ok(buf)
            }
            Err(e) => {
                let mut call = self.call(CallKind::Read, -1);
                call.error = Some(errno_name(&e));
                self.trace.push(call);
                Err(e)
            }
        };
        self.snap("after read");
        result
    }

    /// The correct reader: one line up to CRLF (or LF), however many read()
    /// calls it takes; bytes after it wait for the next call. None at EOF.
    pub fn read_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=i).collect();
                return Ok(Some(line));
            }
            let more = self.read(4096)?;
            if more.is_empty() {
                return Ok(None);
            }
            self.pending.extend_from_slice(&more);
        }
    }

    /// The correct SMTP reply reader (RFC 5321 §4.2): lines until the one
    /// whose code is followed by a space (or ends there). None at EOF.
    pub fn read_reply(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut reply = Vec::new();
        while let Some(line) = self.read_line()? {
            let last = line.get(3).is_none_or(|&b| b != b'-');
            reply.extend_from_slice(&line);
            if last {
                return Ok(Some(reply));
            }
        }
        Ok(None)
    }

    /// shutdown(SHUT_WR): send FIN, keep reading.
    pub fn shutdown_write(&self) -> io::Result<()> {
        self.socket.shutdown(Shutdown::Write)?;
        self.record(CallKind::Shutdown, 0, Some("SHUT_WR".to_string()), None);
        self.snap("after shutdown");
        Ok(())
    }

    /// close().
    pub fn close(self) {
        self.snap("before close");
        self.record(CallKind::Close, 0, None, None);
        drop(self.socket);
    }

    /// This socket's own address and its peer's.
    pub fn addrs(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (self.local, self.peer)
    }

    /// Whatever a line reader has read ahead and not handed out yet.
    pub fn pending(&self) -> &[u8] {
        &self.pending
    }

    /// Reads everything until EOF (recording each read()).
    pub fn drain(&mut self) -> io::Result<Vec<u8>> {
        let mut all = std::mem::take(&mut self.pending);
        loop {
            let more = self.read(4096)?;
            if more.is_empty() {
                return Ok(all);
            }
            all.extend_from_slice(&more);
        }
    }
}
