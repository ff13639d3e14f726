//! SMTP reply lines and the theory of reply codes (RFC 5321 §4.2, §4.2.1;
//! RFC 821 appendix E): what each line says, and what a whole reply means.
//!
//! A reply is one or more lines with the same three-digit code; every line but
//! the last has a hyphen after the code, the last a space (or nothing). A
//! reader must loop until that last line: one segment, or one line, is not a
//! reply (seed 001).

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
    let ok = line.len() >= 3
        && (b'2'..=b'5').contains(&line[0])
        && (b'0'..=b'5').contains(&line[1])
        && line[2].is_ascii_digit();
    if !ok {
        return ReplyLine::Malformed;
    }
    let code = u16::from(line[0] - b'0') * 100
        + u16::from(line[1] - b'0') * 10
        + u16::from(line[2] - b'0');
    match line.get(3) {
        None => ReplyLine::Last { code, text: &[] },
        Some(b' ') => ReplyLine::Last {
            code,
            text: &line[4..],
        },
        Some(b'-') => ReplyLine::More {
            code,
            text: &line[4..],
        },
        Some(_) => ReplyLine::Malformed,
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
    let valid = parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    valid.then(|| s.to_string())
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
