//! BDAT (RFC 3030 §2): content framed by a count, not a dot. The command
//! opens or continues a chunked transaction, the chunk's octets are counted
//! off the client's stream, and a count that does not match what follows is
//! what turns mail text into commands (or swallows a command).

use super::command::bdat;
use super::data::new_message;
use super::state::{Body, Expect, Smtp, Turns};
use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{Client, Dialogue, Step};
use crate::proto::stream::ByteQueue;
use crate::text::preview;

impl Smtp {
    /// `BDAT <size> [LAST]` (command `idx`): the chunk to read next.
    pub(super) fn bdat(
        &mut self,
        idx: usize,
        arg: &[u8],
        frame: u64,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        if !d.has_capability("CHUNKING") {
            f.add(
                frame,
                "smtp_bdat_misuse",
                Severity::Warning,
                "BDAT although the server did not advertise CHUNKING.".to_string(),
                "RFC 3030 §2",
            );
        }
        let Some((size, last)) = bdat(arg) else {
            f.add(
                frame,
                "smtp_bdat_misuse",
                Severity::Warning,
                format!("BDAT with a malformed argument \"{}\" (expected a size, then optionally LAST).", preview(arg, 60)),
                "RFC 3030 §2",
            );
            return;
        };
        let msg = match self.transaction {
            Some(m) => m,
            None => {
                let m = new_message(d);
                self.transaction = Some(m);
                m
            }
        };
        self.bdat_in_progress = true;
        if size == 0 {
            t.owe(idx, Expect::Chunk(msg));
            if last {
                self.bdat_in_progress = false;
            }
        } else {
            t.client = Client::Body(Body::Chunk {
                cmd: idx,
                msg,
                remaining: size,
                last,
            });
        }
    }

    /// Counts a chunk's octets off the client's stream; then its reply is owed.
    pub(super) fn chunk(
        &mut self,
        (cmd, msg, remaining, last): (usize, usize, u64, bool),
        q: &mut ByteQueue,
        t: &mut Turns,
        d: &mut Dialogue,
    ) -> Step<Body> {
        if q.is_empty() {
            return Step::Wait(Body::Chunk {
                cmd,
                msg,
                remaining,
                last,
            });
        }
        let take = remaining.min(q.len() as u64) as usize;
        let piece = q.take(take);
        let remaining = remaining - take as u64;
        if let Some(m) = d.messages.get_mut(msg) {
            m.size += take as u64;
            m.frame = piece.last_frame();
        }
        if remaining > 0 {
            return Step::More(Body::Chunk {
                cmd,
                msg,
                remaining,
                last,
            });
        }
        t.owe(cmd, Expect::Chunk(msg));
        self.after_chunk = true;
        if last {
            self.bdat_in_progress = false;
        }
        Step::Done
    }

    /// The capture ended inside a chunk.
    pub(super) fn chunk_cut(&self, t: &Turns, d: &Dialogue, f: &mut Findings) {
        if let Client::Body(Body::Chunk { cmd, remaining, .. }) = t.client {
            f.add(
                d.commands.get(cmd).map_or(0, |c| c.origin.last_frame()),
                "smtp_bdat_size_mismatch",
                Severity::Error,
                format!("The capture ended {remaining} octets short of the BDAT chunk's announced size."),
                "RFC 3030 §2",
            );
        }
    }
}
