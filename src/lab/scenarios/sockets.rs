//! Scenarios about the sockets themselves rather than SMTP: what listening
//! is (a listener, the connected socket accept() returns, and what happens
//! to new connections once the listener is closed), and what the kernel
//! does for a connection before the program calls accept() (RFC 9293 §3.5;
//! the accept queue of listen(2)).

use std::io;
use std::thread::{self, sleep};
use std::time::Duration;

use super::super::servers::SmtpServer;
use super::super::trace::{Listener, Sock};
use super::{ask, Trace};

/// How long the listening server waits in accept() before the client comes:
/// long enough for the kernel samples taken while it is blocked to show an
/// empty accept queue.
const LISTEN_IDLE: Duration = Duration::from_millis(300);

/// How long the late server sleeps before its accept(): the handshake and
/// the client's first bytes are long done by then.
const ACCEPT_LATE: Duration = Duration::from_millis(500);

/// "The little guy listening": socket(), bind(), listen(); accept() waits;
/// a client connects; the server closes its listener and serves on the
/// connected socket; a second client is refused while the first session
/// goes on.
pub fn listening(t: &Trace) -> io::Result<()> {
    let listener = Listener::bind(t)?;
    let addr = listener.addr;
    let server = SmtpServer::default();
    thread::scope(|scope| {
        let handle = scope.spawn(move || {
            let s = listener.accept()?;
            // The connected socket "behaves independently of your listening
            // socket": closing the listener leaves it open.
            drop(listener);
            server.serve(s)
        });
        sleep(LISTEN_IDLE);
        let c = Sock::connect(t, addr).and_then(|mut c| {
            c.read_reply()?;
            // Nobody listens on the port any more: the server's kernel
            // answers this SYN with RST (RFC 9293 §3.10.7.1).
            if let Ok(late) = Sock::connect(t, addr) {
                late.close();
            }
            ask(&mut c, b"EHLO client.lab.example\r\n")?;
            ask(&mut c, b"QUIT\r\n")?;
            c.close();
            Ok(())
        });
        let s = handle
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the server thread panicked")));
        c.and(s)
    })
}

/// The kernel without the application: the server calls accept() only
/// [`ACCEPT_LATE`] after listen(); meanwhile the client's kernel completes the
/// handshake with the server's kernel, and the client, impatient, sends EHLO
/// before any greeting, which the server's kernel acknowledges and keeps.
pub fn late_accept(t: &Trace) -> io::Result<()> {
    let listener = Listener::bind(t)?;
    let addr = listener.addr;
    let server = SmtpServer::default();
    thread::scope(|scope| {
        let handle = scope.spawn(move || {
            sleep(ACCEPT_LATE);
            server.serve(listener.accept()?)
        });
        let c = Sock::connect(t, addr).and_then(|mut c| {
            c.write_all(b"EHLO client.lab.example\r\n")?;
            c.read_reply()?;
            c.read_reply()?;
            ask(&mut c, b"QUIT\r\n")?;
            c.close();
            Ok(())
        });
        let s = handle
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the server thread panicked")));
        c.and(s)
    })
}
