//! One generated SMTP session, told one step at a time so that many of them
//! interleave in the capture: the three-way handshake (RFC 9293 §3.5), the
//! `220` greeting, `EHLO` (or `HELO`) and its reply, one to three mail
//! transactions (`MAIL`, one to three `RCPT` of which some are refused with
//! `550`, `DATA`, `354`, a dot-stuffed body, `.`, `250`; RFC 5321 §3.3 and
//! §4.5.2), `QUIT`, `221`, and the FIN exchange (RFC 9293 §3.6).
//!
//! Message bodies are where the impairments go: a segment sent twice (a
//! retransmission), two segments captured in the wrong order, a segment the
//! capture missed (a gap). The receiver acknowledges every second body
//! segment, as a delayed-ACK receiver does (RFC 9293 §3.8.6.3).

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::frames::{self, Seg};
use super::rng::Rng;
use super::{Shape, Totals};
use crate::capture::Timestamp;
use crate::wire::TcpFlags;

/// Payload bytes per data segment (a 1500-byte Ethernet MTU with
/// timestamps would give 1448; we use it for IPv4 and IPv6 alike).
const MSS: usize = 1448;
/// The window both sides advertise, unscaled.
const WINDOW: u16 = 64_240;
/// Per mille, per body segment.
const RETRANSMIT: u64 = 5;
const REORDER: u64 = 3;
const MISSING: u64 = 2;

/// What the next step sends.
enum Step {
    /// A SYN nobody answers (a SYN flood).
    Syn,
    Handshake,
    Client(Vec<u8>),
    Server(Vec<u8>),
    /// A message body of about this many octets, then the lone dot.
    Body(usize),
    Close,
}

/// Where a frame goes (and so which MAC addresses and sequence space).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    ToServer,
    ToClient,
}

pub struct Session {
    client: (IpAddr, u16),
    server: (IpAddr, u16),
    /// Next sequence number each side sends.
    client_seq: u32,
    server_seq: u32,
    ip_id: u16,
    steps: VecDeque<Step>,
    /// Frame time inside the current step.
    now: i64,
    /// The sizes of its messages so far, and whether the capture missed
    /// any of its bytes (then they are not counted: see [`Totals`]).
    message_bytes: u64,
    gap: bool,
}

impl Session {
    /// Plans session number `id` and counts what it will send.
    pub fn new(id: u64, shape: Shape, rng: &mut Rng, totals: &mut Totals) -> Self {
        let v6 = rng.chance(200);
        let client_ip = if v6 {
            IpAddr::V6(Ipv6Addr::new(
                0x2001,
                0xdb8,
                1,
                0,
                0,
                0,
                (id >> 16) as u16,
                id as u16,
            ))
        } else {
            IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (id as u32 & 0x00ff_ffff)))
        };
        let server_ip = if v6 {
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 25, 0, 0, 0, 0, 25))
        } else {
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 25))
        };
        totals.connections += 1;
        totals.ipv6_connections += u64::from(v6);
        let steps = match shape {
            Shape::Mail => plan(rng, totals),
            Shape::Tiny => tiny(totals),
            Shape::Syn => VecDeque::from([Step::Syn]),
        };
        Session {
            client: (client_ip, 32_768 + rng.below(28_000) as u16),
            server: (server_ip, 25),
            client_seq: rng.next_u64() as u32,
            server_seq: rng.next_u64() as u32,
            ip_id: rng.next_u64() as u16,
            steps,
            now: 0,
            message_bytes: 0,
            gap: false,
        }
    }

    /// Sends the next step's frames through `emit`, from time `at`; true
    /// when the session is over.
    pub fn step(
        &mut self,
        rng: &mut Rng,
        at: Timestamp,
        buf: &mut Vec<u8>,
        totals: &mut Totals,
        emit: &mut dyn FnMut(&[u8], Timestamp) -> io::Result<()>,
    ) -> io::Result<bool> {
        self.now = at.0;
        let Some(step) = self.steps.pop_front() else {
            return Ok(true);
        };
        let mut out = Out { s: self, buf, emit };
        match step {
            Step::Syn => {
                let c = out.s.client_seq;
                out.send(Dir::ToServer, c, TcpFlags::SYN, &[])?;
            }
            Step::Handshake => out.handshake()?,
            Step::Client(line) => out.data(Dir::ToServer, &line)?,
            Step::Server(line) => out.data(Dir::ToClient, &line)?,
            Step::Body(size) => out.body(size, rng, totals)?,
            Step::Close => out.close()?,
        }
        let over = self.steps.is_empty();
        if over && !self.gap {
            totals.message_bytes += self.message_bytes;
        }
        Ok(over)
    }
}

/// The smallest SMTP session: the handshake, the greeting, and the client
/// closing at once.
fn tiny(t: &mut Totals) -> VecDeque<Step> {
    *t.replies.entry(220).or_default() += 1;
    VecDeque::from([
        Step::Handshake,
        Step::Server(b"220 mx.example.net ESMTP ready\r\n".to_vec()),
        Step::Close,
    ])
}

/// The dialogue of one session, counted into `totals` as planned.
fn plan(rng: &mut Rng, t: &mut Totals) -> VecDeque<Step> {
    let mut steps = VecDeque::new();
    let client = |steps: &mut VecDeque<Step>, t: &mut Totals, verb: &str, line: String| {
        *t.commands.entry(verb.to_string()).or_default() += 1;
        steps.push_back(Step::Client(line.into_bytes()));
    };
    let server = |steps: &mut VecDeque<Step>, t: &mut Totals, code: u16, text: String| {
        *t.replies.entry(code).or_default() += 1;
        steps.push_back(Step::Server(text.into_bytes()));
    };
    steps.push_back(Step::Handshake);
    server(
        &mut steps,
        t,
        220,
        "220 mx.example.net ESMTP ready\r\n".into(),
    );
    if rng.chance(100) {
        client(&mut steps, t, "HELO", "HELO old.example.org\r\n".into());
        server(&mut steps, t, 250, "250 mx.example.net\r\n".into());
    } else {
        client(&mut steps, t, "EHLO", "EHLO client.example.org\r\n".into());
        server(
            &mut steps,
            t,
            250,
            "250-mx.example.net Hello\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                .into(),
        );
    }
    for m in 0..=rng.below(3) {
        client(
            &mut steps,
            t,
            "MAIL",
            format!("MAIL FROM:<sender{m}@example.org>\r\n"),
        );
        server(&mut steps, t, 250, "250 2.1.0 Ok\r\n".into());
        let mut accepted = 0;
        for r in 0..=rng.below(3) {
            client(
                &mut steps,
                t,
                "RCPT",
                format!("RCPT TO:<user{r}@example.net>\r\n"),
            );
            if rng.chance(100) {
                server(&mut steps, t, 550, "550 5.1.1 No such user\r\n".into());
            } else {
                accepted += 1;
                server(&mut steps, t, 250, "250 2.1.5 Ok\r\n".into());
            }
        }
        if accepted == 0 {
            client(&mut steps, t, "RSET", "RSET\r\n".into());
            server(&mut steps, t, 250, "250 2.0.0 Ok\r\n".into());
            continue;
        }
        client(&mut steps, t, "DATA", "DATA\r\n".into());
        server(
            &mut steps,
            t,
            354,
            "354 End data with <CR><LF>.<CR><LF>\r\n".into(),
        );
        let size = match rng.below(100) {
            0..=69 => 1_000 + rng.below(7_000),
            70..=94 => 8_000 + rng.below(56_000),
            _ => 64_000 + rng.below(448_000),
        };
        steps.push_back(Step::Body(size as usize));
        t.messages += 1;
        server(&mut steps, t, 250, "250 2.0.0 Ok: queued\r\n".into());
    }
    client(&mut steps, t, "QUIT", "QUIT\r\n".into());
    server(&mut steps, t, 221, "221 2.0.0 Bye\r\n".into());
    steps.push_back(Step::Close);
    steps
}

/// A step being written.
struct Out<'a> {
    s: &'a mut Session,
    buf: &'a mut Vec<u8>,
    emit: &'a mut dyn FnMut(&[u8], Timestamp) -> io::Result<()>,
}

impl Out<'_> {
    /// One segment from the side `dir` names, acknowledging all the other
    /// side has sent; advances that side's sequence number.
    fn send(&mut self, dir: Dir, seq: u32, flags: u16, payload: &[u8]) -> io::Result<()> {
        let s = &mut *self.s;
        let (src, dst, ack) = match dir {
            Dir::ToServer => (s.client, s.server, s.server_seq),
            Dir::ToClient => (s.server, s.client, s.client_seq),
        };
        let ack = if flags & TcpFlags::ACK != 0 { ack } else { 0 };
        let seg = Seg {
            src,
            dst,
            seq,
            ack,
            flags,
            window: WINDOW,
            payload,
        };
        s.ip_id = s.ip_id.wrapping_add(1);
        frames::write(self.buf, &seg, dir == Dir::ToServer, s.ip_id);
        s.now += 12 + payload.len() as i64 / 8;
        (self.emit)(self.buf, Timestamp(s.now))
    }

    fn next_seq(&mut self, dir: Dir) -> &mut u32 {
        match dir {
            Dir::ToServer => &mut self.s.client_seq,
            Dir::ToClient => &mut self.s.server_seq,
        }
    }

    fn handshake(&mut self) -> io::Result<()> {
        let c = self.s.client_seq;
        self.send(Dir::ToServer, c, TcpFlags::SYN, &[])?;
        self.s.client_seq = c.wrapping_add(1);
        let srv = self.s.server_seq;
        self.send(Dir::ToClient, srv, TcpFlags::SYN | TcpFlags::ACK, &[])?;
        self.s.server_seq = srv.wrapping_add(1);
        let c = self.s.client_seq;
        self.send(Dir::ToServer, c, TcpFlags::ACK, &[])
    }

    /// A command or reply: one segment per MSS.
    fn data(&mut self, dir: Dir, bytes: &[u8]) -> io::Result<()> {
        for chunk in bytes.chunks(MSS) {
            let seq = *self.next_seq(dir);
            self.send(dir, seq, TcpFlags::PSH | TcpFlags::ACK, chunk)?;
            *self.next_seq(dir) = seq.wrapping_add(chunk.len() as u32);
        }
        Ok(())
    }

    /// A message body of about `size` octets and its lone dot, with the
    /// impairments, the server acknowledging every second segment.
    fn body(&mut self, size: usize, rng: &mut Rng, t: &mut Totals) -> io::Result<()> {
        let (text, unstuffed) = body_text(size, rng);
        self.s.message_bytes += unstuffed;
        let start = self.s.client_seq;
        let chunks: Vec<&[u8]> = text.chunks(MSS).collect();
        let seq_of = |i: usize| start.wrapping_add((i * MSS) as u32);
        let last = chunks.len().saturating_sub(1);
        let mut i = 0;
        let mut since_ack = 0;
        while let Some(chunk) = chunks.get(i) {
            let mut sent_to = i;
            // A gap never takes a byte of the terminating CRLF.CRLF: the
            // totals count the message as ended, and a reader cannot know
            // where content ends inside bytes it never saw.
            let clear_of_end = (i + 1) * MSS + 5 <= text.len();
            if i > 0 && clear_of_end && rng.chance(MISSING) {
                t.missing += 1;
                self.s.gap = true;
                t.gap_bytes += chunk.len() as u64;
            } else if i + 1 < last && rng.chance(REORDER) {
                let next = chunks.get(i + 1).copied().unwrap_or_default();
                self.send(Dir::ToServer, seq_of(i + 1), TcpFlags::ACK, next)?;
                self.send(Dir::ToServer, seq_of(i), TcpFlags::ACK, chunk)?;
                t.reordered += 1;
                sent_to = i + 1;
            } else {
                let flags = if i == last {
                    TcpFlags::PSH | TcpFlags::ACK
                } else {
                    TcpFlags::ACK
                };
                self.send(Dir::ToServer, seq_of(i), flags, chunk)?;
                if rng.chance(RETRANSMIT) {
                    self.send(Dir::ToServer, seq_of(i), flags, chunk)?;
                    t.retransmissions += 1;
                }
            }
            since_ack += sent_to + 1 - i;
            i = sent_to + 1;
            self.s.client_seq = start.wrapping_add((i * MSS).min(text.len()) as u32);
            if since_ack >= 2 && i <= last {
                since_ack = 0;
                let srv = self.s.server_seq;
                self.send(Dir::ToClient, srv, TcpFlags::ACK, &[])?;
            }
        }
        Ok(())
    }

    /// The client closes after `221`, the server answers with its FIN.
    fn close(&mut self) -> io::Result<()> {
        let c = self.s.client_seq;
        self.send(Dir::ToServer, c, TcpFlags::FIN | TcpFlags::ACK, &[])?;
        self.s.client_seq = c.wrapping_add(1);
        let srv = self.s.server_seq;
        self.send(Dir::ToClient, srv, TcpFlags::FIN | TcpFlags::ACK, &[])?;
        self.s.server_seq = srv.wrapping_add(1);
        let c = self.s.client_seq;
        self.send(Dir::ToServer, c, TcpFlags::ACK, &[])
    }
}

/// A message of about `size` octets as sent after `DATA`: headers, a blank
/// line, text lines of which some begin with a dot (doubled on the wire,
/// RFC 5321 §4.5.2), and the lone dot. Returns the bytes on the wire and the
/// message's size as a reader counts it (un-stuffed, with the CRLF of the
/// last line, without the terminating `.CRLF`; RFC 5321 §4.1.1.4).
fn body_text(size: usize, rng: &mut Rng) -> (Vec<u8>, u64) {
    const WORDS: [&str; 12] = [
        "the",
        "segment",
        "window",
        "reply",
        "kernel",
        "socket",
        "mail",
        "queue",
        "acknowledged",
        "greeting",
        "relay",
        "buffer",
    ];
    let mut out = Vec::with_capacity(size + 80);
    let id = rng.next_u64();
    out.extend_from_slice(
        format!(
            "From: sender@example.org\r\nTo: user@example.net\r\nSubject: report {id:x}\r\n\
             Message-ID: <{id:x}@example.org>\r\n\r\n"
        )
        .as_bytes(),
    );
    let mut stuffed = 0u64;
    while out.len() < size {
        if rng.chance(20) {
            out.extend_from_slice(b"..");
            stuffed += 1;
        }
        let words = 3 + rng.below(10);
        for w in 0..words {
            if w > 0 {
                out.push(b' ');
            }
            let word = WORDS
                .get(rng.below(WORDS.len() as u64) as usize)
                .unwrap_or(&"x");
            out.extend_from_slice(word.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }
    let unstuffed = out.len() as u64 - stuffed;
    out.extend_from_slice(b".\r\n");
    (out, unstuffed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_dot_stuffed_and_sized_as_a_reader_counts_it() {
        let mut rng = Rng::new(3);
        let (text, unstuffed) = body_text(20_000, &mut rng);
        assert!(text.ends_with(b"\r\n.\r\n"));
        let doubled = text.windows(4).filter(|w| w == b"\r\n..").count() as u64;
        assert!(doubled > 0, "some lines begin with a dot");
        assert_eq!(unstuffed, text.len() as u64 - 3 - doubled);
    }
}
