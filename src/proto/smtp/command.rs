//! SMTP command lines (RFC 5321 §4.1): the verb, its argument, and what the
//! argument says about the envelope.

/// Verbs sockscope knows (RFC 5321 §4.1, RFC 3207 STARTTLS, RFC 4954 AUTH,
/// RFC 3030 BDAT, RFC 1985 ETRN).
pub const KNOWN: &[&str] = &[
    "HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "VRFY", "EXPN", "HELP", "NOOP", "QUIT",
    "STARTTLS", "AUTH", "ETRN", "TURN",
];

/// Bytes of the first word kept as the verb.
pub const MAX_VERB: usize = 32;

/// Splits a command line into its upper-cased, escaped verb and the raw rest.
pub fn split(line: &[u8]) -> (String, Vec<u8>) {
    let (verb, arg) = match line.iter().position(|&b| b == b' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (line, &[][..]),
    };
    // The verb is shown everywhere (report, findings): escape it once, here, so
    // no control byte of a hostile "command" can reach a terminal.
    // A verb is four letters (RFC 5321 §4.1.1); a long first word is no verb
    // and is kept cut, or every finding quoting it would copy it whole.
    let cut = verb.len() > MAX_VERB;
    let mut verb =
        crate::text::escape_bytes(&verb[..verb.len().min(MAX_VERB)].to_ascii_uppercase());
    if cut {
        verb.push('…');
    }
    (verb, arg.to_vec())
}

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
        let end = inner.find('>')?;
        Some(inner[..end].to_string())
    } else {
        Some(rest.split_whitespace().next().unwrap_or("").to_string())
    }
}

/// ESMTP parameters after the path, e.g. `BODY=8BITMIME SIZE=1234`.
pub fn params(arg: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(arg);
    let after = text.find('>').map_or("", |i| &text[i + 1..]);
    after.split_whitespace().map(str::to_string).collect()
}

/// Relay tricks in an address (seed 001, RFC 1123 §5.2.16, RFC 5321 §4.1.2).
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
    let local = match address.rfind('@') {
        Some(i) => &address[..i],
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

#[cfg(test)]
mod tests {
    use super::*;

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
