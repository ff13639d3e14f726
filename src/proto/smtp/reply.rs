//! SMTP reply lines and the theory of reply codes (RFC 5321 §4.2, §4.2.1;
//! RFC 821 appendix E): what each line says, and what a whole reply means.
//!
//! A reply is one or more lines with the same three-digit code; every line but
//! the last has a hyphen after the code, the last a space (or nothing). A
//! reader must loop until that last line: one segment, or one line, is not a
//! reply (RFC 5321 §4.2.1; RFC 821 App. E). Also the findings about a reply
//! itself: a refusing greeting, a line with no code, codes that change inside
//! one reply, codes not listed for the command.

use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{Dialogue, Origin};
use crate::proto::stream::Taken;
use crate::text::preview;

/// One reply line, split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyLine<'a> {
    /// `ddd-text`: more lines follow.
    More { code: u16, text: &'a [u8] },
    /// `ddd text` or `ddd`: the reply's last line.
    Last { code: u16, text: &'a [u8] },
    /// Not `%x32-35 %x30-35 %x30-39` followed by SP, `-` or the line end.
    Malformed,
}

/// Splits a reply line (without its line end). RFC 5321 §4.2: the code's
/// first digit is 2–5, the second 0–5, the third 0–9.
pub fn parse_line(line: &[u8]) -> ReplyLine<'_> {
    let [a @ b'2'..=b'5', b @ b'0'..=b'5', c @ b'0'..=b'9', rest @ ..] = line else {
        return ReplyLine::Malformed;
    };
    let code = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
    match rest {
        [] => ReplyLine::Last { code, text: &[] },
        [b' ', text @ ..] => ReplyLine::Last { code, text },
        [b'-', text @ ..] => ReplyLine::More { code, text },
        _ => ReplyLine::Malformed,
    }
}

/// What the first digit says (RFC 5321 §4.2.1).
pub fn first_digit_meaning(code: u16) -> &'static str {
    match code / 100 {
        1 => "positive preliminary (not used in SMTP)",
        2 => "positive completion: done",
        3 => "positive intermediate: send more",
        4 => "transient failure: try again later",
        5 => "permanent failure: do not repeat as is",
        _ => "not a reply code",
    }
}

/// What the second digit says (RFC 5321 §4.2.1).
pub fn second_digit_meaning(code: u16) -> &'static str {
    match (code / 10) % 10 {
        0 => "syntax",
        1 => "information",
        2 => "connections",
        3 | 4 => "unspecified",
        5 => "mail system",
        _ => "not defined",
    }
}

/// The two-digit reading of a code, e.g. `2yz done · x5z mail system`.
pub fn meaning(code: u16) -> String {
    format!(
        "{} · {}",
        first_digit_meaning(code),
        second_digit_meaning(code)
    )
}

/// An enhanced status code (RFC 3463) at the start of the text, e.g. `2.1.0`.
pub fn enhanced_code(text: &[u8]) -> Option<String> {
    let word = text.split(|&b| b == b' ').next()?;
    let s = std::str::from_utf8(word).ok()?;
    let parts: Vec<&str> = s.split('.').collect();
    let valid = match parts.as_slice() {
        [class, subject, detail] => {
            matches!(*class, "2" | "4" | "5")
                && [subject, detail]
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        }
        _ => false,
    };
    valid.then(|| s.to_string())
}

/// `smtp_no_greeting` for a greeting that refuses the session (RFC 5321
/// §3.1): the server is not willing to talk.
pub fn greeting(code: u16, frame: u64, f: &mut Findings) {
    if matches!(code, 554 | 421) {
        f.add(
            frame,
            "smtp_no_greeting",
            Severity::Warning,
            format!("The server greets with {code}: it is not willing to talk (it answers 503 to everything but QUIT)."),
            "RFC 5321 §3.1, §4.5.3.2.1",
        );
    }
}

/// A server line with no reply code: shown where it arrived, explained by
/// `smtp_malformed_reply`.
pub fn malformed(line: &Taken, d: &mut Dialogue, f: &mut Findings) {
    d.add_stray(line, "no reply code", "smtp_malformed_reply");
    f.add_with(
        line.last_frame(),
        "smtp_malformed_reply",
        Severity::Error,
        "RFC 5321 §4.2, §4.2.1",
        || {
            format!(
                "The server line \"{}\" does not start with a reply code (three digits, then a space, a hyphen \
                 or the line end); clients act on the code alone, so this line means nothing to them.",
                preview(&line.bytes, 80)
            )
        },
    );
}

/// `smtp_multiline_code_mismatch`: a line of a reply carries another code
/// than the reply's first line.
pub fn mismatch(first: u16, this: u16, line: &Taken, f: &mut Findings) {
    if first != this {
        f.add(
            line.last_frame(),
            "smtp_multiline_code_mismatch",
            Severity::Error,
            format!(
                "A {first}- line is followed by a {this} line: the lines of one reply \"MUST\" carry the same code and \
                 only a line with a space after the code ends it, so the {first} reply never ended. sockscope shows \
                 it as sent, unterminated, and reads the {this} line as the next reply (Postfix's postscreen does \
                 this on purpose to a client that talks before the greeting is complete)."
            ),
            "RFC 5321 §4.2.1",
        );
    }
}

/// The capture ended inside a multi-line reply.
pub fn never_ended(code: u16, origin: &Origin, f: &mut Findings) {
    f.add(
        origin.last_frame(),
        "smtp_malformed_reply",
        Severity::Error,
        format!("A {code} reply never got its last line (the one with a space after the code) before the end of the capture."),
        "RFC 5321 §4.2.1",
    );
}

/// `smtp_unexpected_reply_code`: codes RFC 5321 §4.3.2 does not list for the command.
pub fn check_code(verb: &str, code: u16, frame: u64, f: &mut Findings) {
    let unexpected = match code {
        354 => verb != "DATA",
        334 => verb != "AUTH",
        c if verb == "DATA" && (200..300).contains(&c) => true,
        _ => false,
    };
    if unexpected {
        f.add(
            frame,
            "smtp_unexpected_reply_code",
            Severity::Info,
            format!("{code} is not a listed reply to {verb}; a client reads an unlisted code by its first digit ({}).", first_digit_meaning(code)),
            "RFC 5321 §4.3.2",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            parse_line(b"250-PIPELINING"),
            ReplyLine::More {
                code: 250,
                text: b"PIPELINING"
            }
        );
        assert_eq!(
            parse_line(b"250 OK"),
            ReplyLine::Last {
                code: 250,
                text: b"OK"
            }
        );
        assert_eq!(
            parse_line(b"250"),
            ReplyLine::Last {
                code: 250,
                text: b""
            }
        );
        assert_eq!(parse_line(b"ESMTP ready"), ReplyLine::Malformed);
        assert_eq!(
            parse_line(b"150 old"),
            ReplyLine::Malformed,
            "1yz is not an SMTP code"
        );
        assert_eq!(
            parse_line(b"260 x"),
            ReplyLine::Malformed,
            "second digit 0-5"
        );
        assert_eq!(parse_line(b"250x"), ReplyLine::Malformed);
        assert_eq!(parse_line(b"25"), ReplyLine::Malformed);
    }

    #[test]
    fn theory_of_reply_codes() {
        assert_eq!(
            meaning(354),
            "positive intermediate: send more · mail system"
        );
        assert_eq!(
            meaning(421),
            "transient failure: try again later · connections"
        );
        assert_eq!(enhanced_code(b"2.1.0 Sender ok"), Some("2.1.0".to_string()));
        assert_eq!(enhanced_code(b"Sender ok"), None);
    }
}
