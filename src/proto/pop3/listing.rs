//! A multi-line listing (LIST, UIDL, CAPA; RFC 1939 §5, §7, RFC 2449 §5):
//! lines until the `.` line, byte-unstuffed (RFC 1939 §3), added to the
//! response they belong to; LIST's sizes are remembered for RETR.

use super::reply::{status_word, unterminated};
use super::state::{Body, Pop3, Turns};
use crate::finding::Findings;
use crate::proto::dialogue::{keep_line, Dialogue, ServerStep, Step};
use crate::proto::stream::{ByteQueue, LineEnd};
use crate::text::preview;

impl Pop3 {
    /// One line of the listing that reply `reply` opened.
    pub(super) fn listing(
        &mut self,
        reply: usize,
        q: &mut ByteQueue,
        t: &Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) -> ServerStep<Body> {
        let Some(line) = q.line() else {
            return ServerStep::Body(Step::Wait(Body::Listing(reply)));
        };
        if line.bytes == b"." {
            if line.end == LineEnd::Lf {
                unterminated(
                    line.last_frame(),
                    "The listing ends with a \".\" line that has a bare LF: the end is CRLF.CRLF, and a strict \
                     reader keeps reading (sockscope ends the listing here, as most clients would)."
                        .to_string(),
                    f,
                );
            }
            if let Some(r) = d.replies.get_mut(reply) {
                r.origin.extend(&line);
            }
            return ServerStep::Body(Step::Done);
        }
        if !t.awaiting.is_empty() && status_word(&line.bytes).is_some() {
            // No listing line starts with +OK/-ERR: the next response
            // began before this one's "." line.
            unterminated(
                line.last_frame(),
                format!(
                    "The next response (\"{}\") began before the listing's \".\" line: a reader waiting \
                     for the dot takes it as listing data, and every later response is one step late.",
                    preview(&line.bytes, 40)
                ),
                f,
            );
            return ServerStep::Reply(line);
        }
        let body = line.bytes.strip_prefix(b".").unwrap_or(&line.bytes);
        let is_list = d
            .replies
            .get(reply)
            .and_then(|r| r.command)
            .and_then(|c| d.commands.get(c))
            .is_some_and(|c| c.verb == "LIST");
        if is_list {
            self.listed.note(body);
        }
        if let Some(r) = d.replies.get_mut(reply) {
            keep_line(&mut r.lines, &mut r.more_lines, body);
            r.origin.extend(&line);
        }
        ServerStep::Body(Step::More(Body::Listing(reply)))
    }
}
