//! Making capture bytes safe to show: no control byte from a payload, comment
//! or file name ever reaches a terminal unescaped (hostile input is normal input).
//!
//! The escapes are chosen to teach: a CRLF line end is `⏎`, while a *bare* LF
//! (`\n`) or CR (`\r`) stays visible, because bare line ends are what SMTP
//! smuggling and the ccNotes lesson are about.

use std::fmt::Write;

/// Escapes bytes for display: printable ASCII as is, CRLF as `⏎`, other
/// controls and non-ASCII as `\r`, `\n`, `\t`, `\\`, `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                out.push('⏎');
                i += 1;
            }
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
        i += 1;
    }
    out
}

/// Escapes a string that came from a capture (a comment, an interface name).
pub fn escape_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || is_bidi_control(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Unicode bidirectional controls can reorder what a terminal shows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Escapes at most `max` display characters of `bytes`, adding `…` when cut.
pub fn preview(bytes: &[u8], max: usize) -> String {
    let full = escape_bytes(bytes);
    if full.chars().count() <= max {
        return full;
    }
    let mut out: String = full.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// [`preview`] of the first bytes of something `total` bytes long: marked
/// "…" when it is only a prefix, and never ending in a lone `\r` that is the
/// first half of a CRLF the prefix split (shown as `\r` it would claim a bare
/// CR the data does not hold).
pub fn preview_prefix(prefix: &[u8], total: u64, max: usize) -> String {
    if total <= prefix.len() as u64 {
        return preview(prefix, max);
    }
    let kept = prefix.strip_suffix(b"\r").unwrap_or(prefix);
    let full = escape_bytes(kept);
    // Room for the ellipsis is kept whatever the length: a prefix that
    // happens to fill the width exactly must still say it is one.
    let mut out: String = full.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_never_pass() {
        let all: Vec<u8> = (0..=255).collect();
        let s = escape_bytes(&all);
        assert!(s.chars().all(|c| !c.is_control()), "{s}");
        assert!(escape_str("a\u{1b}[2Jb\u{202e}")
            .chars()
            .all(|c| !c.is_control() && !is_bidi_control(c)));
    }

    #[test]
    fn line_ends_teach() {
        assert_eq!(escape_bytes(b"220 hi\r\n"), "220 hi⏎");
        assert_eq!(escape_bytes(b"a\nb\rc"), "a\\nb\\rc");
        assert_eq!(escape_bytes(b"\x1b[31m"), "\\x1b[31m");
    }

    #[test]
    fn previews_are_cut() {
        assert_eq!(preview(b"abcdef", 4), "abc…");
        assert_eq!(preview(b"abc", 4), "abc");
    }

    #[test]
    fn a_prefix_says_it_is_one_and_does_not_invent_a_bare_cr() {
        // The whole thing: shown as it is, a real bare CR included.
        assert_eq!(preview_prefix(b"QUIT\r", 5, 40), "QUIT\\r");
        // The first 5 of 90 bytes, cut between CR and LF.
        assert_eq!(preview_prefix(b"QUIT\r", 90, 40), "QUIT…");
        assert_eq!(preview_prefix(b"HELO x", 90, 40), "HELO x…");
        assert_eq!(preview_prefix(b"HELO x", 90, 4), "HEL…");
        // Exactly as wide as the room: still marked, one character given up.
        assert_eq!(preview_prefix(b"HELO x", 90, 6), "HELO …");
        assert_eq!(preview_prefix(b"HELO x", 90, 7), "HELO x…");
    }
}
