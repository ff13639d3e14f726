//! What the applications did at the segment at the cursor, from the socket
//! calls recorded (the lab) or inferred there: a read() that returns these
//! bytes, the write() they came from, an end of file, a close, an abort.

use crate::socket::{Endpoint, SocketCall};
use crate::tcp::SegmentRecord;
use crate::ui::data::Data;

/// What the applications did at this segment, from the socket calls.
pub(super) fn sentence(d: &Data, s: &SegmentRecord) -> Option<String> {
    let idx = d.kernel.socket_of(s.conn);
    let ev = &d.timeline.socket;
    let start = idx.partition_point(|&i| ev.get(i as usize).is_some_and(|e| e.frame < s.frame));
    let mut out = Vec::new();
    for &i in idx[start..].iter().take(8) {
        let Some(e) = ev.get(i as usize) else { break };
        if e.frame != s.frame {
            break;
        }
        let who = e.endpoint.name();
        let how = e.provenance;
        let text = match &e.call {
            SocketCall::Read {
                len,
                offset,
                preview,
                ..
            } => {
                // "These" only when the segment itself brought the bytes
                // read; a bare ACK or a segment the other way carries none
                // of them.
                let mine = Endpoint::receiver_of(s.dir) == e.endpoint
                    && s.len > 0
                    && u64::from(s.seq).saturating_sub(1) < offset.saturating_add(*len);
                let shown = crate::text::preview_prefix(preview, *len, 32);
                if mine {
                    format!("The {who}'s read() returns these {len} B ({how}).")
                } else {
                    format!(
                        "The {who}'s read() returns {len} B that were waiting in its receive buffer, \
                         \"{shown}\" ({how})."
                    )
                }
            }
            SocketCall::Write { len, .. } => {
                format!("They are the bytes of the {who}'s write() of {len} B ({how}).")
            }
            SocketCall::Eof {
                closed_first: false,
            } => format!("The {who}'s read() returns 0: end of file ({how})."),
            SocketCall::Eof { closed_first: true } => format!(
                "The {who} closed first: its read() would return 0 (end of file) only if it had \
                 shut down writing rather than closed ({how})."
            ),
            SocketCall::FinSent => format!(
                "The {who}'s application called close() or shutdown(SHUT_WR): its FIN says it will \
                 send no more ({how})."
            ),
            SocketCall::Abort => format!(
                "The {who}'s application closed with unread bytes or SO_LINGER 0, so its kernel \
                 aborted with a RST instead of a FIN ({how})."
            ),
            SocketCall::Accept => format!("accept() returns on the {who} ({how})."),
            SocketCall::ConnectReturned => format!("connect() returns 0 on the {who} ({how})."),
            SocketCall::Reset => format!("The {who}'s next call fails with ECONNRESET ({how})."),
            _ => continue,
        };
        if !out.contains(&text) {
            out.push(text);
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}
