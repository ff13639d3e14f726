//! A message a RETR or TOP response carries (RFC 1939 §7): read by the
//! shared dot-terminated [`DataReader`] to its CRLF.CRLF, every frame of it
//! added to the response, and checked against the size LIST gave.

use super::reply::unterminated;
use super::state::{Body, Pop3};
use crate::finding::{Findings, Severity};
use crate::proto::content::DataReader;
use crate::proto::dialogue::{Dialogue, ServerStep, Step};
use crate::proto::stream::ByteQueue;

impl Pop3 {
    /// Reads the message `msg` that reply `reply` opened.
    pub(super) fn message(
        &mut self,
        (reply, msg, mut reader): (usize, usize, Box<DataReader>),
        q: &mut ByteQueue,
        d: &mut Dialogue,
        f: &mut Findings,
    ) -> ServerStep<Body> {
        let before = q.len();
        let queued = q.frames_of(before);
        let fed = if q.is_empty() { None } else { reader.feed(q) };
        let consumed = before - q.len();
        if fed.is_none() && consumed == 0 {
            // Nothing consumed: wait for more.
            return ServerStep::Body(Step::Wait(Body::Message { reply, msg, reader }));
        }
        // The response runs on to its "." line (RFC 1939 §3): every
        // frame of the body belongs to it, with its own byte count.
        let mut left = consumed;
        let taken: Vec<(u64, u32)> = queued
            .into_iter()
            .map_while(|(fr, n)| {
                let k = (n as usize).min(left);
                left -= k;
                (k > 0).then_some((fr, k as u32))
            })
            .collect();
        if let Some(r) = d.replies.get_mut(reply) {
            let time = fed.as_ref().map_or(r.origin.time, |e| e.time);
            r.origin.extend_frames(&taken, q.offset(), time);
        }
        let Some(end) = fed else {
            return ServerStep::Body(Step::More(Body::Message { reply, msg, reader }));
        };
        if let Some(l) = reader.lenient() {
            unterminated(
                l.frame,
                format!(
                    "The message holds a dot line with non-standard line ends ({}) before its CRLF.CRLF: a \
                     reader that accepts it ends the response there and takes the rest of the mail for the \
                     next status.",
                    l.variant
                ),
                f,
            );
        }
        if let Some(m) = d.messages.get_mut(msg) {
            m.size = reader.size();
            m.frame = end.frame;
            m.headers = reader.headers().to_vec();
        }
        if let Some(note) = reader
            .notes()
            .iter()
            .find(|n| n.id == "smtp_dot_stuffing_missing")
        {
            f.add(
                note.frame,
                "pop3_byte_stuffing_missing",
                Severity::Warning,
                format!("Message lines start with a dot that was not doubled ({}×): the same dot rule as SMTP.", note.count),
                "RFC 1939 §3",
            );
        }
        self.check_size(reply, msg, d, f);
        ServerStep::Body(Step::Done)
    }

    /// `pop3_size_mismatch` for the message `msg` that reply `reply` carried:
    /// only a RETR delivers the whole message LIST measured (a TOP does not).
    fn check_size(&self, reply: usize, msg: usize, d: &Dialogue, f: &mut Findings) {
        let Some(cmd) = d
            .replies
            .get(reply)
            .and_then(|r| r.command)
            .and_then(|c| d.commands.get(c))
            .filter(|c| c.verb == "RETR")
        else {
            return;
        };
        let n: Option<u64> = String::from_utf8_lossy(&cmd.arg).trim().parse().ok();
        let listed = n.and_then(|n| self.listed.get(n));
        let Some((listed, m)) = listed.zip(d.messages.get(msg)) else {
            return;
        };
        let got = m.size;
        if listed != got {
            f.add(
                m.frame,
                "pop3_size_mismatch",
                Severity::Info,
                format!("LIST said {listed} octets, RETR delivered {got} after un-stuffing: a sign of LF-only storage or truncation."),
                "RFC 1939 §5",
            );
        }
    }
}
