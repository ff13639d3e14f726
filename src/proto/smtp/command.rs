//! SMTP command lines (RFC 5321 §4.1): the verbs, what an argument says
//! about the envelope, and the command hook: the checks a line allows, its
//! record, the reply it owes and how the client's next bytes are read.

use super::lines;
use super::state::{Expect, Smtp, Turns};
use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{split_command, Client, Command, Dialogue};
use crate::proto::stream::Taken;
use crate::text::preview;

/// Verbs sockscope knows (RFC 5321 §4.1, RFC 3207 STARTTLS, RFC 4954 AUTH,
/// RFC 3030 BDAT, RFC 1985 ETRN).
pub const KNOWN: &[&str] = &[
    "HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "VRFY", "EXPN", "HELP", "NOOP", "QUIT",
    "STARTTLS", "AUTH", "ETRN", "TURN",
];

pub fn is_known(verb: &str) -> bool {
    KNOWN.contains(&verb)
}

/// What kind of non-SMTP line a client sent, for `smtp_non_smtp_command`.
pub fn non_smtp_kind(line: &[u8]) -> &'static str {
    if line.starts_with(&[0x16, 0x03]) {
        "a TLS ClientHello (TLS without STARTTLS)"
    } else if line.starts_with(b"GET ") || line.starts_with(b"POST ") || line.starts_with(b"HTTP/")
    {
        "an HTTP request"
    } else if line.starts_with(b"CONNECT ") {
        "a proxy CONNECT"
    } else if line.iter().take_while(|&&b| b != b' ').any(|&b| b == b':') {
        "a header line (mail content sent as commands)"
    } else {
        "an unknown command"
    }
}

/// The address inside `FROM:<...>` / `TO:<...>` (case-insensitive keyword,
/// optional space), without angle brackets; parameters after it are ignored.
pub fn path(arg: &[u8], keyword: &str) -> Option<String> {
    let text = String::from_utf8_lossy(arg);
    let upper = text.to_ascii_uppercase();
    let rest = text
        .get(upper.find(keyword)? + keyword.len()..)?
        .trim_start();
    if let Some(inner) = rest.strip_prefix('<') {
        let (address, _) = inner.split_once('>')?;
        Some(address.to_string())
    } else {
        Some(rest.split_whitespace().next().unwrap_or("").to_string())
    }
}

/// ESMTP parameters after the path, e.g. `BODY=8BITMIME SIZE=1234`.
pub fn params(arg: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(arg);
    let after = text.split_once('>').map_or("", |(_, after)| after);
    after.split_whitespace().map(str::to_string).collect()
}

/// Relay tricks in an address (RFC 1123 §5.2.16, RFC 5321 §4.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    /// `user%host@relay`: the percent hack.
    Percent,
    /// `@a,@b:user@c`: a source route.
    SourceRoute,
    /// `host!user@relay`: a UUCP bang path.
    BangPath,
}

/// Which relay trick, if any, an address uses (outside a quoted local part).
pub fn routing(address: &str) -> Option<Routing> {
    if address.starts_with('@') && address.contains(':') {
        return Some(Routing::SourceRoute);
    }
    let local = match address.rsplit_once('@') {
        Some((local, _)) => local,
        None => address,
    };
    if local.starts_with('"') {
        return None;
    }
    if local.contains('%') {
        Some(Routing::Percent)
    } else if local.contains('!') {
        Some(Routing::BangPath)
    } else {
        None
    }
}

/// `BDAT <size> [LAST]` (RFC 3030 §2): the chunk size and whether it is the
/// last, or None for a malformed argument.
pub fn bdat(arg: &[u8]) -> Option<(u64, bool)> {
    let text = std::str::from_utf8(arg).ok()?;
    let mut words = text.split(' ');
    let size: u64 = words.next()?.parse().ok()?;
    match (words.next(), words.next()) {
        (None, _) => Some((size, false)),
        (Some(w), None) if w.eq_ignore_ascii_case("LAST") => Some((size, true)),
        _ => None,
    }
}

impl Smtp {
    /// A command line: the checks it allows, its record, and the reply it owes.
    pub(super) fn command(
        &mut self,
        line: Taken,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let (verb, arg) = split_command(&line.bytes);
        let idx = d.commands.len();
        let frame = line.last_frame();
        lines::command_line(&line, f);
        if self.quit_sent {
            f.add(
                frame,
                "smtp_command_out_of_sequence",
                Severity::Warning,
                format!("{verb} after QUIT: the session is over once QUIT is sent."),
                "RFC 5321 §4.1.1.10",
            );
        }
        self.not_a_command(&verb, &line, f);
        self.check_sequence(&verb, frame, t, d, f);
        self.check_arguments(&verb, &arg, frame, d, f);
        d.commands.push(Command::from_line(&line, &verb, &arg));
        // A well-formed BDAT is answered once, after its chunk (RFC 3030 §2):
        // the chunk's expectation stands for the command.
        if verb != "BDAT" || bdat(&arg).is_none() {
            t.owe(idx, Expect::Command);
            self.pending.add(&verb);
        }
        match verb.as_str() {
            "DATA" | "STARTTLS" => t.client = Client::AwaitReply,
            "AUTH" => {
                t.client = Client::AwaitReply;
                self.auth_command(idx, &arg, frame, d, f);
            }
            "QUIT" => self.quit_sent = true,
            "BDAT" => self.bdat(idx, &arg, frame, t, d, f),
            _ => {}
        }
    }

    /// `smtp_non_smtp_command` and what explains such a line: a BDAT count
    /// that was wrong (RFC 3030 §2), or content sent after a refused DATA
    /// (RFC 5321 §3.3).
    fn not_a_command(&mut self, verb: &str, line: &Taken, f: &mut Findings) {
        let frame = line.last_frame();
        if !is_known(verb) && std::mem::take(&mut self.after_chunk) {
            f.add(
                frame,
                "smtp_bdat_size_mismatch",
                Severity::Error,
                format!(
                    "Right after a BDAT chunk the client sent \"{}\", which is no command: BDAT is framed by a count, \
                     not a dot, and a wrong count turns mail text into commands (or swallows a command).",
                    preview(&line.bytes, 80)
                ),
                "RFC 3030 §2",
            );
        }
        self.after_chunk = false;
        if is_known(verb) {
            return;
        }
        let kind = non_smtp_kind(&line.bytes);
        let cause = if self.after_rejected_data {
            " It follows a rejected DATA: the client sent its mail anyway, and the server reads each line as a command."
        } else {
            ""
        };
        f.add_with(
            frame,
            "smtp_non_smtp_command",
            Severity::Warning,
            "RFC 5321 §4.1, §4.2.4",
            || {
                format!(
                    "\"{}\" is {kind}, not an SMTP command.{cause}",
                    preview(&line.bytes, 80)
                )
            },
        );
        if self.after_rejected_data && !self.rejected_data_reported {
            self.rejected_data_reported = true;
            f.add(
                frame,
                "smtp_data_rejected_body_sent",
                Severity::Error,
                "DATA was refused, yet the client sent the message content: \"message data MUST NOT be sent \
                 unless a 354 reply is received\", so every content line becomes a bad command."
                    .to_string(),
                "RFC 5321 §3.3",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dialogue::record::MAX_VERB;
    use crate::proto::dialogue::split_command as split;

    #[test]
    fn splitting() {
        assert_eq!(
            split(b"mail FROM:<a@b>"),
            ("MAIL".to_string(), b"FROM:<a@b>".to_vec())
        );
        assert_eq!(split(b"QUIT"), ("QUIT".to_string(), Vec::new()));
        let (long, _) = split(&[0x80; 65000]);
        assert_eq!(long, format!("{}…", "\\x80".repeat(MAX_VERB)));
        assert_eq!(
            path(b"FROM:<a@b> BODY=8BITMIME", "FROM:").as_deref(),
            Some("a@b")
        );
        assert_eq!(path(b"To: <c@d>", "TO:").as_deref(), Some("c@d"));
        assert_eq!(path(b"FROM:<>", "FROM:").as_deref(), Some(""));
        assert_eq!(
            params(b"FROM:<a@b> BODY=8BITMIME SIZE=9"),
            vec!["BODY=8BITMIME", "SIZE=9"]
        );
    }

    #[test]
    fn relay_tricks() {
        assert_eq!(
            routing("anybody%anywhere@local.host.name"),
            Some(Routing::Percent)
        );
        assert_eq!(routing("@a,@b:user@c"), Some(Routing::SourceRoute));
        assert_eq!(routing("host!user@relay"), Some(Routing::BangPath));
        assert_eq!(routing("\"a%b\"@c"), None);
        assert_eq!(routing("user@example.com"), None);
    }

    #[test]
    fn bdat_arguments() {
        assert_eq!(bdat(b"11 LAST"), Some((11, true)));
        assert_eq!(bdat(b"300"), Some((300, false)));
        assert_eq!(bdat(b"86LAST"), None);
        assert_eq!(bdat(b"5 LAST junk"), None);
    }
}
