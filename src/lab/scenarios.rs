//! The lab's scenarios: each a real server and a real client over loopback
//! TCP, scripted call for call, with the pauses that make its lesson visible.
//! `sockscope lab list` prints [`SCENARIOS`].

use std::io;
use std::thread::sleep;
use std::time::Duration;

use super::servers::{Greeting, Pop3Server, SmtpServer};
use super::trace::{Listener, Sock, Trace};

mod loss;
mod sockets;

/// One scenario: its name on the command line, what it shows, how it runs.
pub struct Scenario {
    pub name: &'static str,
    pub about: &'static str,
    pub run: fn(&Trace) -> io::Result<()>,
}

/// Every scenario, in teaching order.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "listening",
        about: "socket(), bind(), listen(), a blocked accept(); the server closes its listener after accept(): \
                its session goes on, a second client is refused (RST).",
        run: sockets::listening,
    },
    Scenario {
        name: "late-accept",
        about: "A server that calls accept() 0.5 s late: the handshake and the client's first bytes are done by \
                the kernel before the program sees the connection.",
        run: sockets::late_accept,
    },
    Scenario {
        name: "clean",
        about: "A correct SMTP session: EHLO, one message, QUIT; every reply read whole.",
        run: clean,
    },
    Scenario {
        name: "ccnotes",
        about: "The ccNotes desync: the greeting leaves in two segments; a client that reads once per reply sends HELO \
                early and stays one reply behind.",
        run: ccnotes,
    },
    Scenario {
        name: "ccnotes-fixed",
        about: "The same split greeting, read by a client with one correct reply reader: no desync.",
        run: ccnotes_fixed,
    },
    Scenario {
        name: "multiline",
        about: "A two-line 220- greeting (sendmail -v in \"SMTP and POP\") and a multi-line EHLO reply, read to the line with a space.",
        run: multiline,
    },
    Scenario {
        name: "pipelining",
        about: "RFC 2920 done right: the server offers PIPELINING, the client sends MAIL, RCPT and DATA at once \
                and counts three replies.",
        run: pipelining,
    },
    Scenario {
        name: "pipelining-abuse",
        about: "A client that pipelines MAIL, RCPT and DATA to a server that did not offer PIPELINING.",
        run: pipelining_abuse,
    },
    Scenario {
        name: "dot-stuffing",
        about: "Body lines that begin with a dot, doubled by the client and undoubled by the reader \
                (RFC 5321 §4.5.2).",
        run: dot_stuffing,
    },
    Scenario {
        name: "smuggling",
        about: "A body that holds a bare-LF end-of-data variant followed by SMTP commands (SMTP smuggling).",
        run: smuggling,
    },
    Scenario {
        name: "percent-relay",
        about: "The percent hack of the ccNotes war story: RCPT TO:<anybody%anywhere@local.host.name>, accepted for relay.",
        run: percent_relay,
    },
    Scenario {
        name: "pop3-fetch",
        about: "A mailbox fetched over POP3, then handed to a local SMTP server, as fetchmail does.",
        run: pop3_fetch,
    },
    Scenario {
        name: "slow-reader",
        about: "A receiver with a small buffer that stops reading: the window fills to zero, then reopens.",
        run: slow_reader,
    },
    Scenario {
        name: "reset",
        about: "The server aborts in mid-session (SO_LINGER 0, close): an RST, and the client's read fails.",
        run: reset,
    },
    Scenario {
        name: "loss",
        about: "Two segments lost on purpose (an iptables rule; root needed): MAIL is lost and resent after RCPT and \
                DATA arrive out of order (duplicate ACKs); an ACK is lost and the body arrives twice; the client \
                ends with a RST.",
        run: loss::loss,
    },
];

/// The scenario called `name`.
pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// Runs `server` on the next connection to a fresh listener while `client`
/// talks to it; both errors count.
fn pair(
    t: &Trace,
    server: impl FnOnce(Sock) -> io::Result<()> + Send,
    client: impl FnOnce(Sock) -> io::Result<()>,
) -> io::Result<()> {
    let listener = Listener::bind(t)?;
    std::thread::scope(|scope| {
        let handle = scope.spawn(|| server(listener.accept()?));
        let c = Sock::connect(t, listener.addr).and_then(client);
        let s = handle
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the server thread panicked")));
        c.and(s)
    })
}

/// A correct client's turn: write the command, read the whole reply.
fn ask(s: &mut Sock, command: &[u8]) -> io::Result<Vec<u8>> {
    s.write_all(command)?;
    s.read_reply()?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed"))
}

/// Greeting, EHLO, one message with `body`, QUIT; every reply read whole.
fn send_mail(mut sock: Sock, rcpt: &[u8], body: &[u8]) -> io::Result<()> {
    let s = &mut sock;
    s.read_reply()?;
    ask(s, b"EHLO client.lab.example\r\n")?;
    ask(s, b"MAIL FROM:<alice@lab.example>\r\n")?;
    ask(s, rcpt)?;
    let go = ask(s, b"DATA\r\n")?;
    if go.starts_with(b"354") {
        s.write_all(body)?;
        s.read_reply()?;
    }
    ask(s, b"QUIT\r\n")?;
    sock.close();
    Ok(())
}

const BODY: &[u8] =
    b"From: alice@lab.example\r\nTo: bob@lab.example\r\nSubject: lab\r\n\r\nHello Bob.\r\n.\r\n";
const RCPT: &[u8] = b"RCPT TO:<bob@lab.example>\r\n";

fn clean(t: &Trace) -> io::Result<()> {
    let server = SmtpServer::default();
    pair(t, |s| server.serve(s), |c| send_mail(c, RCPT, BODY))
}

/// The pause between the greeting's two writes (the ccNotes war story's ZMailer wrote
/// them apart; 200 ms makes the gap plain on the ladder).
const SPLIT_PAUSE: Duration = Duration::from_millis(200);
/// The ccNotes server's thinking time before each reply: long enough that
/// the client's read() has returned the greeting's tail before the answer to
/// HELO leaves, so each read() gets one segment, as in the ccNotes war story.
const REPLY_PAUSE: Duration = Duration::from_millis(20);

/// The ccNotes war story's server: ZMailer at smtp.tele.fi, greeting in two writes.
fn ccnotes_server() -> SmtpServer {
    SmtpServer {
        host: "smtp.tele.fi",
        greeting: Greeting::Split(SPLIT_PAUSE),
        reply_pause: Some(REPLY_PAUSE),
        ..SmtpServer::default()
    }
}

fn ccnotes(t: &Trace) -> io::Result<()> {
    let server = ccnotes_server();
    pair(
        t,
        |s| server.serve(s),
        |mut c| {
            c.nodelay(true)?;
            // The bug: one read() is taken for one whole reply.
            for command in [
                &b"HELO smtpgate.Customer\r\n"[..],
                b"MAIL FROM:<notes@customer.example>\r\n",
                b"RCPT TO:<user@tele.fi>\r\n",
                b"QUIT\r\n",
            ] {
                c.read(4096)?;
                sleep(Duration::from_millis(50));
                c.write_all(command)?;
            }
            c.drain()?;
            c.close();
            Ok(())
        },
    )
}

fn ccnotes_fixed(t: &Trace) -> io::Result<()> {
    let server = ccnotes_server();
    pair(
        t,
        |s| server.serve(s),
        |mut c| {
            c.nodelay(true)?;
            c.read_reply()?;
            ask(&mut c, b"HELO smtpgate.Customer\r\n")?;
            ask(&mut c, b"MAIL FROM:<notes@customer.example>\r\n")?;
            ask(&mut c, b"RCPT TO:<user@tele.fi>\r\n")?;
            ask(&mut c, b"QUIT\r\n")?;
            c.close();
            Ok(())
        },
    )
}

fn multiline(t: &Trace) -> io::Result<()> {
    let server = SmtpServer {
        greeting: Greeting::MultiLine,
        ..SmtpServer::default()
    };
    pair(t, |s| server.serve(s), |c| send_mail(c, RCPT, BODY))
}

/// MAIL, RCPT and DATA in one write, then three replies counted.
fn pipelined(c: &mut Sock) -> io::Result<()> {
    c.read_reply()?;
    ask(c, b"EHLO client.lab.example\r\n")?;
    c.write_all(b"MAIL FROM:<alice@lab.example>\r\nRCPT TO:<bob@lab.example>\r\nDATA\r\n")?;
    for _ in 0..3 {
        c.read_reply()?;
    }
    c.write_all(BODY)?;
    c.read_reply()?;
    ask(c, b"QUIT\r\n")?;
    Ok(())
}

fn pipelining(t: &Trace) -> io::Result<()> {
    pipelined_to(t, true)
}

fn pipelining_abuse(t: &Trace) -> io::Result<()> {
    pipelined_to(t, false)
}

/// The pipelining client against a server that does or does not offer it.
fn pipelined_to(t: &Trace, offered: bool) -> io::Result<()> {
    let server = SmtpServer {
        pipelining: offered,
        ..SmtpServer::default()
    };
    pair(
        t,
        |s| server.serve(s),
        |mut c| {
            pipelined(&mut c)?;
            c.close();
            Ok(())
        },
    )
}

fn dot_stuffing(t: &Trace) -> io::Result<()> {
    let server = SmtpServer::default();
    let body = b"Subject: dots\r\n\r\nThe next line begins with a dot:\r\n..hidden? no, stuffed.\r\n...\r\n.\r\n";
    pair(t, |s| server.serve(s), |c| send_mail(c, RCPT, body))
}

fn smuggling(t: &Trace) -> io::Result<()> {
    let server = SmtpServer::default();
    let body = b"From: alice@lab.example\r\nSubject: hello\r\n\r\nHello.\n.\nMAIL FROM:<ceo@lab.example>\r\n\
RCPT TO:<bob@lab.example>\r\nDATA\r\nFrom: ceo@lab.example\r\nSubject: wire the money\r\n\r\nNow.\r\n.\r\n";
    pair(t, |s| server.serve(s), |c| send_mail(c, RCPT, body))
}

fn percent_relay(t: &Trace) -> io::Result<()> {
    let server = SmtpServer {
        host: "local.host.name",
        percent_relay: true,
        ..SmtpServer::default()
    };
    pair(
        t,
        |s| server.serve(s),
        |c| send_mail(c, b"RCPT TO:<anybody%anywhere@local.host.name>\r\n", BODY),
    )
}

const MAILBOX: &[u8] =
    b"From: carol@far.example\r\nTo: alice@lab.example\r\nSubject: fetched\r\n\r\n\
Fetched by POP3, delivered by SMTP.\r\n.a line that begins with a dot\r\n";

fn pop3_fetch(t: &Trace) -> io::Result<()> {
    let pop = Pop3Server { message: MAILBOX };
    let mut fetched = Vec::new();
    pair(
        t,
        |s| pop.serve(s),
        |mut c| {
            let ok = |c: &mut Sock, cmd: &[u8]| -> io::Result<Vec<u8>> {
                c.write_all(cmd)?;
                c.read_line()?.ok_or_else(|| {
                    io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed")
                })
            };
            c.read_line()?;
            ok(&mut c, b"USER alice\r\n")?;
            ok(&mut c, b"PASS wonderland\r\n")?;
            ok(&mut c, b"STAT\r\n")?;
            ok(&mut c, b"LIST\r\n")?;
            while c.read_line()?.is_some_and(|l| l != b".\r\n") {}
            ok(&mut c, b"RETR 1\r\n")?;
            // Undo the byte-stuffing as the message is read (RFC 1939 §3).
            while let Some(l) = c.read_line()? {
                if l == b".\r\n" {
                    break;
                }
                fetched.extend_from_slice(l.strip_prefix(b".").unwrap_or(&l));
            }
            ok(&mut c, b"DELE 1\r\n")?;
            ok(&mut c, b"QUIT\r\n")?;
            c.close();
            Ok(())
        },
    )?;
    // Hand it to the local MTA, stuffing dots again for SMTP (RFC 5321 §4.5.2).
    let mut body = Vec::new();
    for l in fetched.split_inclusive(|&b| b == b'\n') {
        if l.starts_with(b".") {
            body.push(b'.');
        }
        body.extend_from_slice(l);
    }
    body.extend_from_slice(b".\r\n");
    let smtp = SmtpServer {
        host: "localhost",
        ..SmtpServer::default()
    };
    pair(
        t,
        |s| smtp.serve(s),
        |c| send_mail(c, b"RCPT TO:<alice@localhost>\r\n", &body),
    )
}

fn slow_reader(t: &Trace) -> io::Result<()> {
    let server = SmtpServer {
        read_pause: Some(Duration::from_millis(1500)),
        ..SmtpServer::default()
    };
    // About 96 KB of body in lines of 1000 octets (the RFC 5321 limit).
    let mut body = b"Subject: a large attachment\r\n\r\n".to_vec();
    for i in 0..96 {
        body.extend_from_slice(format!("{i:04} ").as_bytes());
        body.extend(std::iter::repeat_n(b'x', 993));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b".\r\n");
    let reader = |s: Sock| {
        // A small receive buffer: the window it advertises fills quickly.
        s.rcvbuf(4096)?;
        server.serve(s)
    };
    pair(t, reader, |mut c| {
        c.nodelay(true)?;
        c.read_reply()?;
        ask(&mut c, b"EHLO client.lab.example\r\n")?;
        ask(&mut c, b"MAIL FROM:<alice@lab.example>\r\n")?;
        ask(&mut c, RCPT)?;
        ask(&mut c, b"DATA\r\n")?;
        // Segment-sized writes, as a NIC would carry them.
        for piece in body.chunks(1024) {
            c.write_all(piece)?;
        }
        c.read_reply()?;
        ask(&mut c, b"QUIT\r\n")?;
        c.close();
        Ok(())
    })
}

fn reset(t: &Trace) -> io::Result<()> {
    let server = SmtpServer {
        reset_on: Some("RCPT"),
        ..SmtpServer::default()
    };
    pair(
        t,
        |s| server.serve(s),
        |mut c| {
            c.read_reply()?;
            ask(&mut c, b"EHLO client.lab.example\r\n")?;
            ask(&mut c, b"MAIL FROM:<alice@lab.example>\r\n")?;
            c.write_all(RCPT)?;
            // The server's RST makes this read fail (ECONNRESET) or end.
            let _ = c.read_reply();
            c.close();
            Ok(())
        },
    )
}
