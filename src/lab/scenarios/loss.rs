//! The `loss` scenario: an SMTP session during which the network loses two
//! segments, one each way, and the kernels repair it on their own (RFC 9293
//! §3.8.1: retransmission; RFC 6298: the retransmission timer; RFC 5681
//! §3.2: duplicate ACKs; RFC 2018, RFC 2883: SACK and D-SACK), then a
//! client that ends with an abort instead of a close (RFC 9293 §3.10.5).
//!
//! 1. The client pipelines `MAIL`, `RCPT` and `DATA` in three segments; the
//!    first is lost. The server's kernel receives the other two out of
//!    order, keeps them, and says so with duplicate ACKs; the client's
//!    kernel sends the lost segment again; only then does the server
//!    program read `MAIL`.
//! 2. The first lines of the message leave, and the server's ACK of them is
//!    lost. The client's kernel, hearing nothing, sends the same bytes
//!    again: the server receives them twice, and its ACK says so (D-SACK).
//! 3. After `221` and the server's FIN, the client closes with SO_LINGER 0:
//!    a RST, not a FIN.
//!
//! The losses are made by [`DropOnce`] rules (root and iptables needed).

use std::io;
use std::thread::sleep;
use std::time::Duration;

use super::super::loss::{DropOnce, Toward};
use super::super::servers::SmtpServer;
use super::{ask, pair, Trace};

/// How long the client waits after the message's first lines, so that only
/// its kernel's retransmission timer (RFC 6298 §5; at least 200 ms on
/// Linux) can make anything happen.
const SILENCE: Duration = Duration::from_millis(800);

/// A pure ACK with the TCP timestamp option and up to one SACK block: 20
/// bytes of IP, 32 of TCP, 12 of SACK.
const PURE_ACK_MAX: &str = "0:64";

pub fn loss(t: &Trace) -> io::Result<()> {
    let server = SmtpServer {
        pipelining: true,
        ..SmtpServer::default()
    };
    pair(
        t,
        |s| server.serve(s),
        |mut c| {
            c.nodelay(true)?;
            let (Some(me), Some(peer)) = c.addrs() else {
                return Err(io::Error::other("the client socket has no addresses"));
            };
            c.read_reply()?;
            ask(&mut c, b"EHLO client.lab.example\r\n")?;
            {
                let _lose = DropOnce::insert(
                    t,
                    Toward::Server,
                    peer.port(),
                    &["-m", "string", "--string", "MAIL FROM", "--algo", "bm"],
                )?;
                // Three writes with Nagle off: three segments (RFC 2920 §3
                // allows the client to send them without waiting).
                c.write_all(b"MAIL FROM:<alice@lab.example>\r\n")?;
                c.write_all(b"RCPT TO:<bob@lab.example>\r\n")?;
                c.write_all(b"DATA\r\n")?;
                for _ in 0..3 {
                    c.read_reply()?;
                }
            }
            {
                let _lose = DropOnce::insert(
                    t,
                    Toward::Client,
                    me.port(),
                    &[
                        "--tcp-flags",
                        "ALL",
                        "ACK",
                        "-m",
                        "length",
                        "--length",
                        PURE_ACK_MAX,
                    ],
                )?;
                c.write_all(b"From: alice@lab.example\r\nTo: bob@lab.example\r\nSubject: lost and found\r\n\r\n")?;
                sleep(SILENCE);
            }
            c.write_all(b"Every byte arrived, some of them twice.\r\n.\r\n")?;
            c.read_reply()?;
            ask(&mut c, b"QUIT\r\n")?;
            // Wait for the server's FIN, so the abort always comes after it.
            c.drain()?;
            c.linger_zero()?;
            c.close();
            Ok(())
        },
    )
}
