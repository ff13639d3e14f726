//! `smtp_reply_split_across_segments`: a command or reply line that TCP
//! carried in two or more segments. Legal — TCP carries bytes, not messages
//! (RFC 9293 §3.7.4) — and the moment a reader that takes a segment for a
//! line goes wrong.

use crate::finding::{Findings, Severity};
use crate::proto::dialogue::Dialogue;
use crate::proto::segments;
use crate::tcp::{Dir, SegmentRecord};
use crate::text::{preview, preview_prefix};

/// `smtp_reply_split_across_segments`, for replies and commands: anchored at
/// the segment that ended inside the line (the ccNotes trigger), with how long
/// the rest took and what the peer sent meanwhile (RFC 9293 §3.7.4: legal,
/// and the classic trigger of a reader that takes a segment for a line).
pub fn split_lines(d: &Dialogue, segments: &[&SegmentRecord], f: &mut Findings) {
    let replies = d.replies.iter().filter_map(|r| {
        Some((
            r.split_at?,
            &r.origin,
            Dir::S2c,
            format!("{} reply", r.code),
        ))
    });
    let commands = d
        .commands
        .iter()
        .filter(|c| c.origin.frames.len() > 1)
        .map(|c| {
            let what = format!("command {}", preview(c.verb.as_bytes(), 16));
            (c.origin.first_frame(), &c.origin, Dir::C2s, what)
        });
    for (at, origin, dir, what) in replies.chain(commands) {
        let time_of = |frame: u64| segments::at(segments, frame).map(|s| s.time);
        let gap = match (time_of(at), time_of(origin.last_frame())) {
            (Some(a), Some(b)) => format!(", {:.3} s later", b.secs_since(a)),
            _ => String::new(),
        };
        // The peer's data segments while the line waited for its end: the
        // first three are named, the rest counted.
        let mut meanwhile: Vec<String> = Vec::new();
        let mut n = 0usize;
        for s in segments::between(segments, at, origin.last_frame()) {
            if s.dir == dir.other() && s.len > 0 {
                n += 1;
                if meanwhile.len() < 3 {
                    meanwhile.push(format!(
                        "#{} \"{}\"",
                        s.frame,
                        preview_prefix(&s.preview, u64::from(s.len), 24)
                    ));
                }
            }
        }
        let peer = match n {
            0 => String::new(),
            n => format!(
                " Meanwhile the {} sent {}{}.",
                dir.other().sender(),
                meanwhile.join(", "),
                if n > 3 {
                    format!(" and {} more", n - 3)
                } else {
                    String::new()
                }
            ),
        };
        let rule = match dir {
            Dir::S2c => "a reader must collect bytes until the line with a space after the code ends with CRLF",
            Dir::C2s => "the server must read until CRLF (a person typing into telnet sends a byte per segment)",
        };
        f.add(
            at,
            "smtp_reply_split_across_segments",
            Severity::Info,
            format!(
                "Frame #{at} ended inside a line of this {what} (no CRLF yet); the rest came in #{}{gap}: {}.{peer} \
                 Legal: TCP carries bytes, not messages (\"no necessary relationship between push functions and \
                 segment boundaries\"), so {rule}.",
                origin.last_frame(),
                origin.describe()
            ),
            "RFC 9293 §3.7.4; RFC 5321 §4.2",
        );
    }
}
