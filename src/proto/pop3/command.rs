//! POP3 commands (RFC 1939 §3–7, RFC 2449, RFC 2595, RFC 5034): the verbs,
//! which responses are multi-line, the checks a command line allows, its
//! record and the response it owes.

use super::state::{Pop3, Turns};
use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{kept, split_command, Client, Command, Credential, Dialogue};
use crate::proto::stream::Taken;
use crate::text::preview;

const KNOWN: &[&str] = &[
    "USER", "PASS", "APOP", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "NOOP", "RSET", "QUIT",
    "CAPA", "STLS", "AUTH",
];
/// RFC 2449 §4: commands up to 255 octets.
const MAX_COMMAND: u64 = 255;

/// Whether a `+OK` to this command carries a multi-line body (RFC 1939 §5–7,
/// RFC 2449 §5).
/// Whether `verb` is a POP3 command (RFC 1939, RFC 2449, RFC 2595).
pub fn is_known(verb: &str) -> bool {
    KNOWN.contains(&verb)
}

pub fn multi_line(verb: &str, arg: &[u8]) -> bool {
    match verb {
        "LIST" | "UIDL" => arg.iter().all(u8::is_ascii_whitespace),
        "RETR" | "TOP" | "CAPA" => true,
        _ => false,
    }
}

impl Pop3 {
    /// A command line: its checks, its record, and the response it owes.
    pub(super) fn command(
        &mut self,
        line: Taken,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let (verb, arg) = split_command(&line.bytes);
        let frame = line.last_frame();
        self.check_command(&verb, &line, f);
        self.credentials(&verb, &arg, frame, d, f);
        let idx = d.commands.len();
        d.commands.push(Command::from_line(&line, &verb, &arg));
        t.owe(idx, ());
        if matches!(verb.as_str(), "AUTH" | "STLS") {
            t.client = Client::AwaitReply;
        }
    }

    /// `pop3_line_too_long` and `pop3_command_invalid`: POP3 runs
    /// AUTHORIZATION → TRANSACTION → UPDATE, and each state has its own
    /// commands (RFC 1939 §3).
    fn check_command(&self, verb: &str, line: &Taken, f: &mut Findings) {
        let frame = line.last_frame();
        if line.wire_len() > MAX_COMMAND {
            f.add(
                frame,
                "pop3_line_too_long",
                Severity::Warning,
                format!(
                    "A command of {} octets: RFC 2449 §4 allows 255.",
                    line.wire_len()
                ),
                "RFC 2449 §4; RFC 1939 §3",
            );
        }
        let wrong_state = match verb {
            "PASS" if !self.user_sent => Some("PASS without USER"),
            "STAT" | "LIST" | "UIDL" | "RETR" | "TOP" | "DELE" | "RSET" if !self.logged_in => {
                Some("a TRANSACTION command before login")
            }
            _ => None,
        };
        if !KNOWN.contains(&verb) || wrong_state.is_some() {
            let what = wrong_state.map_or_else(
                || format!("\"{}\" is not a POP3 command", preview(&line.bytes, 80)),
                str::to_string,
            );
            f.add(
                frame,
                "pop3_command_invalid",
                Severity::Warning,
                format!("{what}: POP3 runs AUTHORIZATION → TRANSACTION → UPDATE, and each state has its own commands."),
                "RFC 1939 §3–7",
            );
        }
    }

    /// USER, PASS and APOP: credentials in clear (RFC 1939 §7, §13).
    fn credentials(
        &mut self,
        verb: &str,
        arg: &[u8],
        frame: u64,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        // One finding per login, at the PASS that completes it: the USER
        // line alone is not a secret, and a login is one event to act on.
        if verb == "PASS" && d.tls_from.is_none() {
            let user = d
                .credentials
                .last()
                .filter(|c| c.mechanism == "USER/PASS" && c.password.is_none())
                .map(|c| {
                    format!(
                        "the user name \"{}\" (#{}) and ",
                        preview(&c.user, 60),
                        c.frame
                    )
                })
                .unwrap_or_default();
            f.add(
                frame,
                "pop3_cleartext_credentials",
                Severity::Warning,
                format!(
                    "USER/PASS login in clear text: {user}a password of {} characters (hidden here; \
                     recoverable by anyone on the path). The session was not inside TLS (no STLS, RFC 2595).",
                    arg.len()
                ),
                "RFC 1939 §7, §13; RFC 2595 §4; RFC 8314",
            );
        }
        if verb == "AUTH" && d.tls_from.is_none() {
            // RFC 5034: POP3 SASL. PLAIN and LOGIN carry the password itself,
            // base64-encoded (RFC 4616 §2); challenge mechanisms do not.
            let mech = arg.split(|&b| b == b' ').next().unwrap_or_default();
            if mech.eq_ignore_ascii_case(b"PLAIN") || mech.eq_ignore_ascii_case(b"LOGIN") {
                f.add(
                    frame,
                    "pop3_cleartext_credentials",
                    Severity::Warning,
                    format!(
                        "AUTH {} outside TLS (no STLS, RFC 2595): base64 is not encryption, the user name and password are \
                         recoverable by anyone on the path.",
                        preview(mech, 20)
                    ),
                    "RFC 5034 §4; RFC 4616 §2; RFC 8314",
                );
            }
        }
        if verb == "APOP" {
            self.apop(frame, f);
        }
        if verb == "USER" {
            self.user_sent = true;
            d.add_credential(Credential {
                frame,
                mechanism: "USER/PASS".to_string(),
                user: kept(arg),
                password: None,
            });
        }
        if verb == "PASS" {
            if let Some(c) = d.credentials.last_mut() {
                c.password = Some(kept(arg));
            }
        }
    }

    /// APOP (RFC 1939 §7): a digest, not the password, over the greeting's
    /// timestamp.
    fn apop(&self, frame: u64, f: &mut Findings) {
        f.add(
            frame,
            "pop3_cleartext_credentials",
            Severity::Info,
            "APOP sends MD5(timestamp‖secret), not the password, but the digest can be guessed offline and MD5 \
             collisions leak the start of the password (CVE-2007-1558)."
                .to_string(),
            "RFC 1939 §7, §13; RFC 8314",
        );
        if !self.greeting_timestamp {
            f.add(
                frame,
                "pop3_apop_without_timestamp",
                Severity::Warning,
                "APOP, but the greeting carried no <…> timestamp: there is no challenge to hash."
                    .to_string(),
                "RFC 1939 §7",
            );
        }
    }
}
