//! The lab's servers: a small SMTP server and a small POP3 server, each with
//! one correct reader (a line ends at CRLF; DATA ends at CRLF.CRLF, RFC 5321
//! §4.1.1.4; RFC 1939 §3), and the knobs the scenarios turn: how the greeting
//! is written, whether PIPELINING is offered, whether the percent hack relays,
//! how fast the content is read.

use std::io;
use std::thread::sleep;
use std::time::Duration;

use super::trace::Sock;

/// How an SMTP server writes its greeting.
#[derive(Clone, Copy)]
pub enum Greeting {
    /// One write(): `220 host ESMTP ready`.
    Whole,
    /// The ccNotes war story (docs/sources.md): `220 smtp.tele.fi ` and, after a pause, the rest,
    /// in two write() calls with TCP_NODELAY, so two segments leave.
    Split(Duration),
    /// The `sendmail -v` session of "SMTP and POP" (docs/sources.md): a two-line `220-` greeting.
    MultiLine,
}

/// What the SMTP server offers and allows.
#[derive(Clone, Copy)]
pub struct SmtpServer {
    pub host: &'static str,
    pub greeting: Greeting,
    pub pipelining: bool,
    /// Relay `RCPT TO:<user%other@here>` (the percent hack of the ccNotes war story).
    pub percent_relay: bool,
    /// Wait this long after the 354 before reading the content (a slow
    /// reader whose window fills).
    pub read_pause: Option<Duration>,
    /// Abort (RST) the connection when this command arrives.
    pub reset_on: Option<&'static str>,
    /// Think this long before each reply (a real server looks things up),
    /// so each reply leaves in its own segment.
    pub reply_pause: Option<Duration>,
}

impl Default for SmtpServer {
    fn default() -> Self {
        SmtpServer {
            host: "mx.lab.example",
            greeting: Greeting::Whole,
            pipelining: false,
            percent_relay: false,
            read_pause: None,
            reset_on: None,
            reply_pause: None,
        }
    }
}

impl SmtpServer {
    /// Serves one session on an accepted socket until QUIT or EOF.
    pub fn serve(&self, mut s: Sock) -> io::Result<()> {
        // Replies leave as they are written (the ccNotes server did the same).
        s.nodelay(true)?;
        match self.greeting {
            Greeting::Whole => {
                s.write_all(format!("220 {} ESMTP ready\r\n", self.host).as_bytes())?
            }
            Greeting::Split(pause) => {
                s.write_all(b"220 smtp.tele.fi ")?;
                sleep(pause);
                s.write_all(b"ESMTP ZMailer ready\r\n")?;
            }
            Greeting::MultiLine => s.write_all(
                format!(
                    "220-{} ESMTP Sendmail 8.12.11; Mon, 23 Nov 2026 10:00:00 +0200\r\n\
                     220 Messages are logged; be nice.\r\n",
                    self.host
                )
                .as_bytes(),
            )?,
        }
        while let Some(line) = s.read_line()? {
            let text = String::from_utf8_lossy(&line);
            let verb = text
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            if self.reset_on == Some(verb.as_str()) {
                // SO_LINGER 0 then close(): the kernel sends RST, not FIN.
                s.linger_zero()?;
                s.close();
                return Ok(());
            }
            let reply = match verb.as_str() {
                "EHLO" => {
                    let mut r = format!("250-{} Hello\r\n250-SIZE 10240000\r\n", self.host);
                    if self.pipelining {
                        r.push_str("250-PIPELINING\r\n");
                    }
                    r.push_str("250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n");
                    r
                }
                "HELO" => format!(
                    "250 {} Hello {}\r\n",
                    self.host,
                    text.split_whitespace().nth(1).unwrap_or("")
                ),
                "MAIL" => "250 2.1.0 Sender ok\r\n".to_string(),
                "RCPT" if text.contains('%') && !self.percent_relay => {
                    "550 5.7.1 Relaying denied\r\n".to_string()
                }
                "RCPT" => "250 2.1.5 Recipient ok\r\n".to_string(),
                "DATA" => {
                    s.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                    if let Some(pause) = self.read_pause {
                        sleep(pause);
                    }
                    // Only a line that is exactly "." CRLF ends the data.
                    loop {
                        match s.read_line()? {
                            Some(l) if l == b".\r\n" => break,
                            Some(_) => {}
                            None => return Ok(()),
                        }
                    }
                    "250 2.0.0 Ok: queued\r\n".to_string()
                }
                "RSET" | "NOOP" => "250 2.0.0 Ok\r\n".to_string(),
                "QUIT" => {
                    if let Some(pause) = self.reply_pause {
                        sleep(pause);
                    }
                    s.write_all(b"221 2.0.0 Bye\r\n")?;
                    s.close();
                    return Ok(());
                }
                _ => "500 5.5.2 Command unrecognized\r\n".to_string(),
            };
            if let Some(pause) = self.reply_pause {
                sleep(pause);
            }
            s.write_all(reply.as_bytes())?;
        }
        s.close();
        Ok(())
    }
}

/// A POP3 maildrop of one message for `alice` / `wonderland`.
pub struct Pop3Server {
    pub message: &'static [u8],
}

impl Pop3Server {
    /// Serves one session until QUIT or EOF (RFC 1939 §4–6).
    pub fn serve(&self, mut s: Sock) -> io::Result<()> {
        s.write_all(b"+OK POP3 lab server ready\r\n")?;
        let size = self.message.len();
        while let Some(line) = s.read_line()? {
            let text = String::from_utf8_lossy(&line);
            let mut words = text.split_whitespace();
            let verb = words.next().unwrap_or("").to_ascii_uppercase();
            let reply = match verb.as_str() {
                "USER" => "+OK send PASS\r\n".to_string(),
                "PASS" => "+OK maildrop locked and ready\r\n".to_string(),
                "STAT" => format!("+OK 1 {size}\r\n"),
                "LIST" => format!("+OK 1 message\r\n1 {size}\r\n.\r\n"),
                "RETR" => {
                    // Byte-stuff lines that begin with a dot (RFC 1939 §3).
                    let mut r = format!("+OK {size} octets\r\n").into_bytes();
                    for l in self.message.split_inclusive(|&b| b == b'\n') {
                        if l.starts_with(b".") {
                            r.push(b'.');
                        }
                        r.extend_from_slice(l);
                    }
                    r.extend_from_slice(b".\r\n");
                    s.write_all(&r)?;
                    continue;
                }
                "DELE" => "+OK message 1 deleted\r\n".to_string(),
                "QUIT" => {
                    s.write_all(b"+OK bye\r\n")?;
                    s.close();
                    return Ok(());
                }
                _ => "-ERR unknown command\r\n".to_string(),
            };
            s.write_all(reply.as_bytes())?;
        }
        s.close();
        Ok(())
    }
}
