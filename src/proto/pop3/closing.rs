//! What is still open when a POP3 capture ends: a multi-line response that
//! never reached its `.` line (RFC 1939 §3), and the capabilities a CAPA
//! listing gave (RFC 2449 §5), taken once the listing is complete.

use super::reply::unterminated;
use super::state::{Body, Turns};
use crate::finding::Findings;
use crate::proto::dialogue::{Dialogue, Server};
use crate::proto::segments;
use crate::tcp::SegmentRecord;

/// `pop3_multiline_unterminated` for a listing or message still open.
pub fn open_response(t: &Turns, d: &Dialogue, f: &mut Findings, segs: &[&SegmentRecord]) {
    let (r, reader) = match &t.server {
        Server::Body(Body::Listing(r)) => (*r, None),
        Server::Body(Body::Message { reply, reader, .. }) => (*reply, Some(reader)),
        _ => return,
    };
    let frame = d.replies.get(r).map_or(0, |x| x.origin.last_frame());
    let close = segments::from(segs, frame)
        .iter()
        .find(|s| s.flags.fin() || s.flags.rst());
    let end = match close {
        Some(s) => format!("before the connection closed (#{})", s.frame),
        None => "before the end of the capture".to_string(),
    };
    let variant = reader
        .and_then(|r| r.lenient())
        .map(|l| {
            format!(
                " Its only dot line, {} in #{}, is not CRLF.CRLF.",
                l.variant, l.frame
            )
        })
        .unwrap_or_default();
    unterminated(
        frame,
        format!(
            "A multi-line response never reached its \".\" line {end}: a reader that stops early takes the \
             rest for the next status (POP3's ccNotes).{variant}"
        ),
        f,
    );
}

/// The capabilities of the first CAPA response (every line but the status).
pub fn capabilities(d: &mut Dialogue) {
    let capa = d.replies.iter().position(|r| {
        r.command
            .and_then(|c| d.commands.get(c))
            .is_some_and(|c| c.verb == "CAPA")
    });
    if let Some(i) = capa {
        d.set_capabilities(i);
    }
}
