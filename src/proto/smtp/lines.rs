//! What every SMTP line must be, whichever side sent it: at most 512 octets
//! (RFC 5321 §4.5.3.1.4–5) and ended by CR LF only (§2.3.8).

use crate::finding::{Findings, Severity};
use crate::proto::stream::{LineEnd, Taken};

/// RFC 5321 §4.5.3.1.4–5: command and reply lines, CRLF included.
const MAX_COMMAND_LINE: u64 = 512;
const MAX_REPLY_LINE: u64 = 512;

/// The checks on a command line.
pub fn command_line(line: &Taken, f: &mut Findings) {
    if line.wire_len() > MAX_COMMAND_LINE {
        f.add(
            line.last_frame(),
            "smtp_line_too_long",
            Severity::Warning,
            format!(
                "A command line of {} octets: RFC 5321 §4.5.3.1.4 guarantees only 512 (CRLF included).",
                line.wire_len()
            ),
            "RFC 5321 §4.5.3.1.4",
        );
    }
    line_end_finding(line, "client", f);
}

/// The checks on a reply line.
pub fn reply_line(line: &Taken, f: &mut Findings) {
    if line.wire_len() > MAX_REPLY_LINE && !f.has("smtp_line_too_long") {
        f.add(
            line.last_frame(),
            "smtp_line_too_long",
            Severity::Warning,
            format!(
                "A reply line of {} octets: RFC 5321 §4.5.3.1.5 guarantees only 512 (CRLF included); longer \
                 lines may be cut, and a cut line is a classic desync.",
                line.wire_len()
            ),
            "RFC 5321 §4.5.3.1.5",
        );
    }
    line_end_finding(line, "server", f);
}

fn line_end_finding(line: &Taken, who: &str, f: &mut Findings) {
    if line.end == LineEnd::Lf && !f.has("smtp_bare_lf") {
        f.add(
            line.last_frame(),
            "smtp_bare_lf",
            Severity::Warning,
            format!(
                "The {who} ended a line with a bare LF: implementations \"MUST NOT recognize\" any terminator but \
                 CRLF, so lenient and strict receivers disagree on where lines end (what SMTP smuggling exploits)."
            ),
            "RFC 5321 §2.3.8",
        );
    }
    if line.bytes.contains(&b'\r') && !f.has("smtp_bare_cr") {
        f.add(
            line.last_frame(),
            "smtp_bare_cr",
            Severity::Warning,
            format!("The {who} sent a bare CR inside a line."),
            "RFC 5321 §2.3.8",
        );
    }
}
