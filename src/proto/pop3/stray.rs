//! Server lines that are no status (RFC 1939 §3): a SASL continuation to
//! AUTH (RFC 5034 §4), data after a one-line `-ERR`, or a bad status that a
//! reader must resynchronise after.

use super::reply::unterminated;
use super::state::{Pop3, Turns};
use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{Client, Dialogue};
use crate::proto::stream::Taken;
use crate::text::preview;

impl Pop3 {
    /// A server line that is neither `+OK` nor `-ERR`.
    pub(super) fn stray_line(
        &mut self,
        line: &Taken,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let frame = line.last_frame();
        if let Some(cmd) = self.after_err {
            // A -ERR is one line (RFC 1939 §3): whatever the server sends
            // before the next status is a body that should not be there.
            self.after_err_lines += 1;
            d.add_stray(
                line,
                "a line after a one-line -ERR",
                "pop3_multiline_unterminated",
            );
            if self.after_err_lines == 1 {
                let verb = d.commands.get(cmd).map_or("", |c| c.verb.as_str());
                unterminated(
                    frame,
                    format!(
                        "The server sent data after its -ERR to {}: a -ERR response is a single line, so a client \
                         reads this as the next status and falls out of step.",
                        preview(verb.as_bytes(), 8)
                    ),
                    f,
                );
            }
            return;
        }
        let to_auth = t
            .awaiting
            .front()
            .and_then(|o| d.commands.get(o.command))
            .is_some_and(|c| c.verb == "AUTH");
        if (line.bytes.starts_with(b"+ ") || line.bytes == b"+") && to_auth {
            // A SASL continuation (RFC 5034 §4) answers AUTH, and only AUTH:
            // to any other command a "+ " line is a bad status, and taking it
            // for a continuation would swallow the client's next command.
            if let Some(o) = t.awaiting.pop_front() {
                t.client = Client::Sasl(o.command);
            }
            return;
        }
        d.add_stray(line, "neither +OK nor -ERR", "pop3_bad_status");
        f.add_with(
            frame,
            "pop3_bad_status",
            Severity::Error,
            "RFC 1939 §3; RFC 5034 §4",
            || {
                format!(
                    "The server line \"{}\" starts with neither +OK nor -ERR: POP3 has only two verdicts, so a reader \
                     must resynchronise.",
                    preview(&line.bytes, 80)
                )
            },
        );
    }

    /// A status line ends whatever a -ERR left open.
    pub(super) fn status_seen(&mut self) {
        self.after_err = None;
        self.after_err_lines = 0;
    }
}
