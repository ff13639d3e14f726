//! `smtp_command_out_of_sequence`: the states run EHLO → MAIL → RCPT+ → DATA
//! (RFC 5321 §4.1.4, §3.3). Under PIPELINING a command may follow one whose
//! reply is still owed, so a command counts as accepted while its reply is
//! pending (RFC 2920 §3.1).

use super::state::{Smtp, Turns};
use crate::finding::{Findings, Severity};
use crate::proto::dialogue::Dialogue;

impl Smtp {
    /// `smtp_command_out_of_sequence` (RFC 5321 §4.1.4, §3.3).
    pub(super) fn check_sequence(
        &mut self,
        verb: &str,
        frame: u64,
        t: &Turns,
        d: &Dialogue,
        f: &mut Findings,
    ) {
        let accepted_rcpts = self
            .transaction
            .and_then(|m| d.messages.get(m))
            .is_some_and(|m| !m.to.is_empty());
        let problem = match verb {
            "MAIL" | "DATA" if self.bdat_in_progress => {
                f.add(
                    frame,
                    "smtp_bdat_misuse",
                    Severity::Warning,
                    format!("{verb} while a BDAT transaction had no LAST chunk yet: chunking has its own state rules (a server answers 503)."),
                    "RFC 3030 §2",
                );
                None
            }
            "MAIL" if self.transaction.is_some() => {
                Some("MAIL inside a mail transaction that was not finished or reset")
            }
            "MAIL" if !self.helo_ok && t.greeting_done && !self.pending.helo() => {
                Some("MAIL before EHLO/HELO was accepted")
            }
            "RCPT" if self.transaction.is_none() && !self.pending.has("MAIL") => {
                Some("RCPT without an accepted MAIL")
            }
            "DATA" if !accepted_rcpts && !self.pending.has("RCPT") => {
                Some("DATA without an accepted RCPT")
            }
            _ => None,
        };
        if let Some(what) = problem {
            f.add(
                frame,
                "smtp_command_out_of_sequence",
                Severity::Warning,
                format!(
                    "{what}: the states run EHLO → MAIL → RCPT+ → DATA, and a server answers 503."
                ),
                "RFC 5321 §4.1.4, §3.3",
            );
        }
    }
}
