//! `/` search: the next segment after the cursor, in any connection, whose
//! payload, command or reply holds the text (ASCII case ignored). Payloads
//! are read again from the capture (and decoded by [`super::frame`]) where
//! the 32 bytes kept per segment do not hold the whole of it. A search stops after [`BUDGET`] so a key press never
//! hangs on a huge capture; `/ ⏎` goes on from where it stopped.

use std::time::{Duration, Instant};

use super::frame::payload;
use super::model::{Data, RowKind};
use crate::proto::Dialogue;
use crate::tcp::PREVIEW_LEN;
use crate::timeline::FrameStore;

/// Time one search may take before it hands back control.
pub const BUDGET: Duration = Duration::from_millis(150);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// At this position of `timeline.segments`; `what` says where it matched.
    Found {
        segment: usize,
        what: &'static str,
    },
    NotFound,
    /// The budget ran out; go on from this position.
    Stopped {
        next: usize,
    },
}

/// Searches from segment position `from` on, wrapping around once.
pub fn find(
    data: &Data,
    store: &FrameStore,
    query: &str,
    from: usize,
    budget: Duration,
) -> Outcome {
    let needle: Vec<u8> = query.bytes().map(|b| b.to_ascii_lowercase()).collect();
    let segs = &data.timeline.segments;
    let n = segs.len();
    if n == 0 || needle.is_empty() {
        return Outcome::NotFound;
    }
    let start = Instant::now();
    for k in 0..n {
        let i = (from + k) % n;
        // Checking the clock every segment would cost more than the match.
        if k % 256 == 255 && start.elapsed() > budget {
            return Outcome::Stopped { next: i };
        }
        let Some(s) = segs.get(i) else { continue };
        if contains(&s.preview, &needle) {
            return Outcome::Found {
                segment: i,
                what: "a payload",
            };
        }
        if let Some(d) = data.dialogue(s.conn) {
            if let Some(what) = dialogue_hit(data, d, s.conn, s.frame, &needle) {
                return Outcome::Found { segment: i, what };
            }
        }
        if s.captured as usize > PREVIEW_LEN && payload_hit(data, store, s.frame, &needle) {
            return Outcome::Found {
                segment: i,
                what: "a payload",
            };
        }
    }
    Outcome::NotFound
}

/// A command or reply completed by this frame that holds the text.
fn dialogue_hit(
    data: &Data,
    d: &Dialogue,
    conn: u32,
    frame: u64,
    needle: &[u8],
) -> Option<&'static str> {
    let rows = data.rows_of(conn);
    let first = rows.partition_point(|r| r.last < frame);
    for r in rows[first..].iter().take_while(|r| r.last == frame) {
        match r.kind {
            RowKind::Message(i) => {
                let m = d.messages.get(i)?;
                let envelope = m.from.iter().chain(m.to.iter());
                if envelope.clone().any(|a| contains(a.as_bytes(), needle))
                    || m.headers.iter().any(|(_, v)| contains(v, needle))
                {
                    return Some("a message");
                }
            }
            RowKind::Command(i) => {
                let c = d.commands.get(i)?;
                let line = [c.verb.as_bytes(), b" ", &c.shown_arg(false)].concat();
                if contains(&line, needle) {
                    return Some("a command");
                }
            }
            RowKind::Reply(i) => {
                let rep = d.replies.get(i)?;
                let code = rep.code.to_string();
                if contains(code.as_bytes(), needle)
                    || rep.lines.iter().any(|l| contains(l, needle))
                {
                    return Some("a reply");
                }
            }
            RowKind::Tls => {
                if d.tls_records
                    .iter()
                    .any(|(_, n)| contains(n.as_bytes(), needle))
                {
                    return Some("TLS");
                }
            }
            RowKind::Stray(i) => {
                if d.stray.get(i).is_some_and(|l| contains(&l.text, needle)) {
                    return Some("a server line");
                }
            }
        }
    }
    None
}

fn payload_hit(data: &Data, store: &FrameStore, frame: u64, needle: &[u8]) -> bool {
    let Some(f) = data.frame_info(frame) else {
        return false;
    };
    let Ok(bytes) = store.frame(f) else {
        return false;
    };
    payload(f.link_type, &bytes).is_some_and(|p| contains(p, needle))
}

/// ASCII-case-insensitive substring test; `needle` is lower-case.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len()
        && hay.windows(needle.len()).any(|w| {
            w.iter()
                .zip(needle)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn case_is_ignored() {
        assert!(super::contains(b"HELO smtpgate", b"helo"));
        assert!(!super::contains(b"HEL", b"helo"));
    }
}
