//! DATA (RFC 5321 §4.1.1.4): the 354 that invites the content, the content
//! itself read by the shared [`DataReader`] up to CRLF.CRLF, the findings
//! its notes become, and the verdict on the message.

use super::state::{Body, Expect, Smtp, Turns};
use crate::finding::{Findings, Severity};
use crate::proto::content::{ContentNote, DataReader};
use crate::proto::dialogue::{Client, Dialogue, Message, Step};
use crate::proto::stream::ByteQueue;

/// A new message record; its index.
pub(super) fn new_message(d: &mut Dialogue) -> usize {
    d.messages.push(Message::default());
    d.messages.len() - 1
}

impl Smtp {
    /// Past the wait limit, read on as if the reply had been positive: the
    /// content after DATA, TLS after STARTTLS.
    pub(super) fn read_on(&mut self, t: &mut Turns, d: &mut Dialogue) {
        let last = d.commands.len().checked_sub(1);
        let verb = last
            .and_then(|i| d.commands.get(i))
            .map(|c| c.verb.as_str());
        t.client = match (last, verb) {
            (Some(i), Some("DATA")) => {
                let m = new_message(d);
                self.transaction = Some(m);
                self.content(i, m)
            }
            (_, Some("STARTTLS")) => Client::Tls,
            _ => Client::Commands,
        };
    }

    /// The reader of content for DATA command `cmd`, message `msg`.
    pub(super) fn content(&self, cmd: usize, msg: usize) -> Client<Body> {
        Client::Body(Body::Data {
            cmd,
            msg,
            reader: Box::new(DataReader::new(self.eight_bit_requested)),
        })
    }

    /// The reply to DATA: a 354 opens the content (RFC 5321 §4.1.1.4), any
    /// other code leaves the client at commands.
    pub(super) fn data_reply(
        &mut self,
        cmd: usize,
        code: u16,
        ridx: usize,
        frame: u64,
        t: &mut Turns,
        d: &mut Dialogue,
    ) {
        if code != 354 {
            self.after_rejected_data = true;
            t.client = Client::Commands;
            return;
        }
        let m = match self.transaction {
            Some(m) => m,
            None => new_message(d),
        };
        self.transaction = Some(m);
        if let Some(msg) = d.messages.get_mut(m) {
            msg.ready_frame = Some(frame);
            msg.ready_reply = Some(ridx);
        }
        t.client = self.content(cmd, m);
    }

    /// Reads DATA content until its end; then the verdict is owed.
    pub(super) fn data(
        &mut self,
        (cmd, msg, mut reader): (usize, usize, Box<DataReader>),
        q: &mut ByteQueue,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) -> Step<Body> {
        if q.is_empty() {
            return Step::Wait(Body::Data { cmd, msg, reader });
        }
        if let Some(m) = d
            .messages
            .get_mut(msg)
            .filter(|m| m.content_frame.is_none())
        {
            m.content_frame = q.frame_at(q.offset());
        }
        let before = q.len();
        let Some(end) = reader.feed(q) else {
            let body = Body::Data { cmd, msg, reader };
            // No byte consumed: wait for more rather than spin.
            return if q.len() == before {
                Step::Wait(body)
            } else {
                Step::More(body)
            };
        };
        if let Some(m) = d.messages.get_mut(msg) {
            m.size = reader.size();
            m.frame = end.frame;
            m.headers = reader.headers().to_vec();
            m.lenient = reader.lenient();
        }
        for note in reader.notes() {
            content_finding(note, f);
        }
        t.owe(cmd, Expect::EndOfData(msg));
        Step::Done
    }

    /// The reply to the end of DATA content or to a BDAT chunk: the verdict
    /// on message `m` (RFC 5321 §4.1.1.4, RFC 3030 §2).
    pub(super) fn content_reply(
        &mut self,
        what: Expect,
        code: u16,
        frame: u64,
        t: &Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let (Expect::EndOfData(m) | Expect::Chunk(m)) = what else {
            return;
        };
        let positive = (200..300).contains(&code);
        let done = matches!(what, Expect::EndOfData(..)) || !self.bdat_in_progress;
        if let Some(msg) = d.messages.get_mut(m) {
            msg.accepted = Some(positive);
            if done {
                msg.frame = msg.frame.max(frame);
            }
        }
        if done {
            self.transaction = None;
            self.bdat_in_progress = false;
        }
        if let Client::Body(Body::Data { .. }) = t.client {
            // A final reply while the client is still inside the content.
            f.add(
                frame,
                "smtp_server_ended_data_early",
                Severity::Error,
                "The server answered the message before the client sent CRLF.CRLF: it took something else \
                 for the end of data (smuggling accepted, or an unstuffed dot)."
                    .to_string(),
                "RFC 5321 §4.1.1.4, §4.2.5",
            );
        }
    }
}

/// The finding a content note becomes.
fn content_finding(note: &ContentNote, f: &mut Findings) {
    let (severity, reference, text) = match note.id {
        "smtp_smuggling_eod_variant" => (
            Severity::Error,
            "RFC 5321 §4.1.1.4",
            "a dot line with non-standard line ends before the real CRLF.CRLF: a lenient receiver ends the message \
             there, a strict one does not (SMTP smuggling)",
        ),
        "smtp_dot_stuffing_missing" => (
            Severity::Warning,
            "RFC 5321 §4.5.2",
            "content lines start with a dot that was not doubled: the receiver removes it, or ends the mail early",
        ),
        "smtp_bare_lf" | "smtp_bare_cr" => (
            Severity::Warning,
            "RFC 5321 §2.3.8",
            "bare line ends in the content: strict and lenient receivers disagree on where lines end",
        ),
        "smtp_line_too_long" => (
            Severity::Warning,
            "RFC 5321 §4.5.3.1.6",
            "content lines longer than 1000 octets (CRLF included); relays may cut them",
        ),
        _ => (
            Severity::Warning,
            "RFC 6152; RFC 5321 §2.4",
            "8-bit or NUL octets in the content without BODY=8BITMIME; SMTP is 7-bit unless negotiated",
        ),
    };
    // The sentence leads (the view narrates a finding by its first one);
    // how often it happened in this message follows it.
    let mut sentence = text.to_string();
    if let Some(first) = sentence.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let times = if note.count > 1 {
        format!(" ({} times in this message)", note.count)
    } else {
        String::new()
    };
    f.add(
        note.frame,
        note.id,
        severity,
        format!("{sentence}{times}. {}", note.detail),
        reference,
    );
}
