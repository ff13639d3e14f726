//! The envelope: MAIL FROM and RCPT TO (RFC 5321 §4.1.1.2–3). The checks on
//! their arguments — relay tricks in an address, non-ASCII without SMTPUTF8,
//! BODY=8BITMIME for the content — and what their replies open: the mail
//! transaction and its recipients.

use super::command::{params, path, routing, Routing};
use super::state::Smtp;
use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{Dialogue, Message};
use crate::text::escape_str;

impl Smtp {
    pub(super) fn check_arguments(
        &mut self,
        verb: &str,
        arg: &[u8],
        frame: u64,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        if matches!(verb, "MAIL" | "RCPT" | "EHLO" | "HELO")
            && arg.iter().any(|&b| b >= 0x80)
            && !d.has_capability("SMTPUTF8")
        {
            f.add(
                frame,
                "smtp_utf8_without_smtputf8",
                Severity::Warning,
                format!("Non-ASCII bytes in {verb} while the server did not advertise SMTPUTF8: the envelope is ASCII unless both sides agree."),
                "RFC 6531 §3; RFC 5321 §2.4",
            );
        }
        let address = match verb {
            "MAIL" => path(arg, "FROM:"),
            "RCPT" => path(arg, "TO:"),
            _ => None,
        };
        if verb == "MAIL" {
            self.eight_bit_requested = params(arg).iter().any(|p| {
                p.eq_ignore_ascii_case("BODY=8BITMIME") || p.eq_ignore_ascii_case("BODY=BINARYMIME")
            });
        }
        if let Some(a) = address {
            relay_trick(verb, &a, frame, f);
        }
    }

    /// A positive reply to MAIL opens a transaction (RFC 5321 §4.1.1.2).
    pub(super) fn mail_accepted(&mut self, cmd: usize, d: &mut Dialogue) {
        let from = d.commands.get(cmd).and_then(|c| path(&c.arg, "FROM:"));
        d.messages.push(Message {
            from,
            ..Message::default()
        });
        self.transaction = Some(d.messages.len() - 1);
    }

    /// A reply to RCPT: an accepted recipient joins the transaction
    /// (RFC 5321 §4.1.1.3); an accepted percent-hack recipient is a relay.
    pub(super) fn rcpt_reply(
        &mut self,
        cmd: usize,
        code: u16,
        frame: u64,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let positive = (200..300).contains(&code);
        let addr = d.commands.get(cmd).and_then(|c| path(&c.arg, "TO:"));
        let (true, Some(a), Some(m)) = (positive, addr, self.transaction) else {
            return;
        };
        if routing(&a) == Some(Routing::Percent) {
            f.add(
                frame,
                "smtp_percent_hack",
                Severity::Error,
                format!(
                    "The server accepted the percent-hack recipient <{}> ({code}): a possible \
                     open relay, as the ccNotes gateway was (the \"ccNotes SMTP problem explained\" war story).",
                    escape_str(&a)
                ),
                "RFC 1123 §5.2.16; RFC 2505 §2.1",
            );
        }
        if let Some(msg) = d.messages.get_mut(m) {
            msg.to.push(a);
        }
    }
}

/// The relay trick an envelope address uses, if any.
fn relay_trick(verb: &str, a: &str, frame: u64, f: &mut Findings) {
    let (id, what, reference) = match routing(a) {
        Some(Routing::Percent) => (
            "smtp_percent_hack",
            "uses the percent hack: user%host@relay asks the relay to forward to user@host. Only the \
             destination may interpret a local part, so a server that rewrites this relays for anyone \
             (the ccNotes gateway did, in the \"ccNotes SMTP problem explained\" war story)",
            "RFC 1123 §5.2.16; RFC 2505 §2.1",
        ),
        Some(Routing::SourceRoute) => (
            "smtp_source_route",
            "is a source route: it \"MUST BE accepted, SHOULD NOT be generated, and SHOULD be ignored\"; \
             honouring it makes a relay",
            "RFC 5321 §4.1.2, §3.6.1, App. C",
        ),
        Some(Routing::BangPath) => (
            "smtp_bang_path",
            "is a UUCP bang path: rewriting site!user into user@site is a relay path",
            "RFC 976; RFC 1123 §5.2.16",
        ),
        None => return,
    };
    f.add(
        frame,
        id,
        Severity::Warning,
        format!("{verb} address <{}> {what}.", escape_str(a)),
        reference,
    );
}
