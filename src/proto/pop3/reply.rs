//! POP3 responses (RFC 1939 §3): a status line starts with `+OK` or `-ERR`
//! in exact upper case and is at most 512 octets (RFC 2449 §4); a multi-line
//! response ends with a `.` line, and a reader that misses it is out of step.

use crate::finding::{Findings, Severity};
use crate::proto::stream::Taken;

/// RFC 2449 §4: response first lines up to 512 octets.
const MAX_RESPONSE: u64 = 512;

/// `+OK` or `-ERR` in exact upper case (RFC 1939 §3) and the text after it.
pub fn status_word(line: &[u8]) -> Option<(bool, &[u8])> {
    if let Some(t) = line.strip_prefix(b"+OK") {
        Some((true, t))
    } else {
        line.strip_prefix(b"-ERR").map(|t| (false, t))
    }
}

/// `pop3_line_too_long` for a response line.
pub fn check_line(line: &Taken, f: &mut Findings) {
    if line.wire_len() > MAX_RESPONSE {
        f.add(
            line.last_frame(),
            "pop3_line_too_long",
            Severity::Warning,
            format!(
                "A response line of {} octets: RFC 2449 §4 allows 512.",
                line.wire_len()
            ),
            "RFC 2449 §4",
        );
    }
}

/// `pop3_multiline_unterminated`: the response's end is CRLF.CRLF
/// (RFC 1939 §3), and a reader that misses it is out of step from there on.
pub fn unterminated(frame: u64, message: String, f: &mut Findings) {
    f.add(
        frame,
        "pop3_multiline_unterminated",
        Severity::Error,
        message,
        "RFC 1939 §3; RFC 2449 §5",
    );
}
