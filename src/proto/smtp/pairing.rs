//! What SMTP adds to the engine's in-order pairing: a reply when none is
//! owed (only 421 may come at any time, RFC 5321 §3.8), and the codes that
//! can answer only one command — 354 DATA, 334 AUTH, 220 STARTTLS — which
//! prove the replies to earlier pipelined commands missing (RFC 5321 §4.3.2,
//! RFC 2920 §3.1).

use super::state::{Body, Expect, Smtp, Turns};
use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{Client, Dialogue, Owed};

impl Smtp {
    /// A reply with no command waiting: inside DATA content or a BDAT chunk
    /// it answers the content; otherwise nothing (a 421 shutdown may come at
    /// any time).
    pub(super) fn unowed_reply(
        &mut self,
        code: u16,
        frame: u64,
        t: &mut Turns,
        f: &mut Findings,
    ) -> Option<Owed<Expect>> {
        match t.client {
            // A reply while the client is still inside the content: the
            // server took something else for the end of data.
            Client::Body(Body::Data { cmd, msg, .. }) => Some(Owed {
                command: cmd,
                what: Expect::EndOfData(msg),
            }),
            Client::Body(Body::Chunk {
                cmd,
                msg,
                remaining,
                ..
            }) => {
                f.add(
                    frame,
                    "smtp_bdat_size_mismatch",
                    Severity::Error,
                    format!(
                        "The server replied {code} while {remaining} octets of the BDAT chunk were still \
                         announced: the server no longer reads them as the chunk, so sockscope reads what \
                         follows as commands again (a size of {remaining} octets would otherwise swallow \
                         the rest of the session)."
                    ),
                    "RFC 3030 §2",
                );
                // The reply answers the BDAT; the client is read as
                // the server reads it from here on.
                t.client = Client::Commands;
                self.bdat_in_progress = false;
                Some(Owed {
                    command: cmd,
                    what: Expect::Chunk(msg),
                })
            }
            _ => {
                unsolicited(code, frame, f);
                None
            }
        }
    }

    /// A 354, 334 or 220 can only answer DATA, AUTH or STARTTLS. Such a
    /// command ends a pipelining group, so it is the last one waiting; when
    /// earlier commands still wait too, their replies are missing (lost from
    /// the capture, or never sent) and pairing the code with the first of
    /// them would shift every later pairing. They are given up instead, and
    /// the code answers the command it belongs to.
    pub(super) fn resync(
        &mut self,
        code: u16,
        frame: u64,
        t: &mut Turns,
        d: &Dialogue,
        f: &mut Findings,
    ) {
        let wants = match code {
            354 => "DATA",
            334 => "AUTH",
            220 => "STARTTLS",
            _ => return,
        };
        let belongs = |o: &Owed<Expect>| {
            matches!(o.what, Expect::Command | Expect::Sasl)
                && d.commands.get(o.command).is_some_and(|c| c.verb == wants)
        };
        if t.awaiting.len() < 2 || !t.awaiting.back().is_some_and(belongs) {
            return;
        }
        if t.awaiting.front().is_some_and(belongs) {
            return;
        }
        let keep = t.awaiting.pop_back();
        let skipped = t.awaiting.len();
        let first = t.awaiting.front().map_or(0, |o| o.command);
        for o in t.awaiting.drain(..) {
            if let (Expect::Command, Some(c)) = (o.what, d.commands.get(o.command)) {
                self.pending.remove(&c.verb);
            }
        }
        t.awaiting.extend(keep);
        let verb = d.commands.get(first).map_or("", |c| c.verb.as_str());
        f.add(
            frame,
            "smtp_unexpected_reply_code",
            Severity::Info,
            format!(
                "A {code} arrived while {verb} still waited for its reply: {code} only answers {wants}, sent later, so \
                 the replies to {skipped} earlier command(s) are missing (not in the capture, or never sent). \
                 sockscope pairs the {code} with {wants} and reads on."
            ),
            "RFC 5321 §4.3.2",
        );
    }
}

/// `smtp_unsolicited_reply`: one extra reply shifts every later pairing.
fn unsolicited(code: u16, frame: u64, f: &mut Findings) {
    if code != 421 {
        f.add(
            frame,
            "smtp_unsolicited_reply",
            Severity::Warning,
            format!(
                "A {code} reply with no command waiting for one: one extra reply shifts every later \
                 pairing, often the first visible sign of a desync."
            ),
            "RFC 5321 §4.3.1, §3.8",
        );
    }
}
