//! What the segment at the cursor is, in a sentence or two: an abort, a
//! step of the handshake, data sent (and what its ack says), a FIN (and the
//! call that closed, when the lab recorded it), or a bare ACK — the kernel's
//! own receipt, the end of the handshake, an acknowledged FIN, or a full
//! receiver's zero window.

use crate::socket::{Endpoint, SocketCall};
use crate::tcp::{Dir, SegmentRecord};
use crate::text::preview_prefix;
use crate::ui::data::Data;
use crate::ui::state::ViewState;

pub(super) fn sentence(st: &ViewState, d: &Data, s: &SegmentRecord) -> String {
    let port = d.timeline.connection(s.conn).map_or(0, |c| c.server.port());
    if let Some(x) = control(s, port) {
        return x;
    }
    let (who, peer) = (s.dir.sender(), s.dir.receiver());
    let fin = if s.flags.fin() {
        let how = closing_call(d, s).unwrap_or("close() or shutdown()");
        format!(
            " FIN: the {who} has closed its side ({how}); once the {peer} has read everything \
             before it, its read() returns 0."
        )
    } else {
        String::new()
    };
    if s.len > 0 {
        return data(s, &fin);
    }
    if s.flags.fin() {
        return fin.trim_start().to_string();
    }
    bare_ack(st, d, s)
}

/// A RST, a SYN or a SYN/ACK: what the call behind it was.
fn control(s: &SegmentRecord, port: u16) -> Option<String> {
    let (who, peer, f) = (s.dir.sender(), s.dir.receiver(), s.flags);
    if f.rst() {
        return Some(format!(
            "The {who} aborts the connection with a RST: no goodbye, unread data is thrown away, and \
             the {peer}'s next read() or write() fails with ECONNRESET."
        ));
    }
    if f.syn() && !f.ack() {
        let opts = s
            .syn_options
            .as_ref()
            .map(|o| {
                let mut v = Vec::new();
                if let Some(m) = o.mss {
                    v.push(format!("MSS {m}"));
                }
                if let Some(w) = o.window_scale {
                    v.push(format!("window scale ×{}", 1u64 << w.min(14)));
                }
                if o.sack_permitted {
                    v.push("SACK".to_string());
                }
                if v.is_empty() {
                    String::new()
                } else {
                    format!(", offering {}", v.join(", "))
                }
            })
            .unwrap_or_default();
        return Some(format!(
            "The client called connect(): its kernel sends a SYN to port {port} with its initial \
             sequence number (shown as 0){opts}. connect() blocks until the answer."
        ));
    }
    if f.syn() && f.ack() {
        return Some(format!(
            "A socket is listening on port {port}, so the server's kernel answers by itself: SYN/ACK \
             acknowledges the client's SYN (ack 1) and sends the server's own initial sequence number. \
             accept() has not returned yet."
        ));
    }
    None
}

/// Data sent: which bytes, what PSH asks, what its ack says; then the FIN
/// clause `fin`, if any.
fn data(s: &SegmentRecord, fin: &str) -> String {
    let (who, peer) = (s.dir.sender(), s.dir.receiver());
    let end = u64::from(s.seq) + u64::from(s.len) - 1;
    let shown = preview_prefix(&s.preview, u64::from(s.len), 40);
    let push = if s.flags.psh() {
        " PSH: deliver them to the application at once."
    } else {
        ""
    };
    let acked = if s.ack <= 1 {
        format!(
            " Its ack {} acknowledges only the {peer}'s SYN: no data from the {peer} yet.",
            s.ack
        )
    } else {
        format!(
            " Its ack {} says it has received the {peer}'s bytes up to {}.",
            s.ack,
            s.ack - 1
        )
    };
    format!(
        "The {who} sends {} B (seq {}–{end}) \"{shown}\".{push}{acked}{fin}",
        s.len, s.seq
    )
}

/// A bare ACK: the kernel's receipt, sent whether or not the application
/// read anything (RFC 9293 §3.10.7.4).
fn bare_ack(st: &ViewState, d: &Data, s: &SegmentRecord) -> String {
    let (who, peer) = (s.dir.sender(), s.dir.receiver());
    let handshake = s.dir == Dir::C2s && s.seq == 1 && s.ack == 1;
    if handshake {
        return "The client acknowledges the SYN/ACK: the three-way handshake is complete. connect() \
                has returned on the client; accept() can now return the new socket on the server."
            .to_string();
    }
    // Does it acknowledge the peer's FIN (the last number the peer used)?
    let before = st.kernel_at(d, 1);
    let peer_before = before.map(|k| match s.dir {
        Dir::C2s => k.server,
        Dir::S2c => k.client,
    });
    let peer_closed = peer_before.is_some_and(|k| k.state.has_closed_send_side());
    let peer_nxt = peer_before.and_then(|k| k.snd_nxt);
    if peer_closed && peer_nxt == Some(u64::from(s.ack)) {
        return format!(
            "The {who}'s kernel acknowledges the {peer}'s FIN (ack {}): it knows the {peer} will send \
             nothing more. Each side closes its own direction; the {peer}'s side is now done.",
            s.ack
        );
    }
    if s.ack <= 1 {
        return format!(
            "The {who}'s kernel acknowledges only the {peer}'s SYN (ack 1): no data from the {peer} \
             yet. Its window says {} B may come.",
            s.window_scaled
        );
    }
    // Its own ACK below bytes the capture saw sent to it, with the window
    // shut: its buffer was full and those bytes were dropped.
    let mine_before = before.map(|k| match s.dir {
        Dir::C2s => k.client,
        Dir::S2c => k.server,
    });
    if let Some(held) = mine_before
        .and_then(|k| k.rcv_nxt)
        .filter(|&r| s.window_scaled == 0 && r > u64::from(s.ack))
    {
        return format!(
            "The {who}'s kernel acknowledges the {peer}'s bytes up to {} (ack {}) and advertises a \
             zero window: its receive buffer is full. The {} B the capture saw sent to it after \
             that (up to {}) were dropped, not kept: the {peer} must send them again once the \
             window opens.",
            s.ack.saturating_sub(1),
            s.ack,
            held - u64::from(s.ack),
            held - 1
        );
    }
    format!(
        "The {who}'s kernel acknowledges the {peer}'s bytes up to {} (ack {}). No data: the kernel \
         sends this receipt by itself, whether or not the application has read them; its window says \
         {} B more may come.",
        s.ack.saturating_sub(1),
        s.ack,
        s.window_scaled
    )
}

/// The recorded call that closed the sender's side at this FIN (the lab
/// knows whether it was close() or shutdown()).
fn closing_call(d: &Data, s: &SegmentRecord) -> Option<&'static str> {
    let idx = d.kernel.socket_of(s.conn);
    let ev = &d.timeline.socket;
    let sender = Endpoint::sender_of(s.dir);
    let end = idx.partition_point(|&i| ev.get(i as usize).is_some_and(|e| e.frame <= s.frame));
    idx[..end].iter().rev().take(64).find_map(|&i| {
        let e = ev.get(i as usize)?;
        if e.endpoint != sender || e.provenance == crate::finding::Provenance::Inferred {
            return None;
        }
        match &e.call {
            SocketCall::Close => Some("close()"),
            SocketCall::Shutdown { .. } => Some("shutdown()"),
            _ => None,
        }
    })
}

/// What the receiving kernel holds after new data: bytes its application
/// has not read yet (the kernel pane's "unread").
pub(super) fn kernel_sentence(st: &ViewState, d: &Data, s: &SegmentRecord) -> Option<String> {
    let again = [
        crate::tcp::Flag::Retransmission,
        crate::tcp::Flag::FastRetransmission,
        crate::tcp::Flag::SpuriousRetransmission,
        crate::tcp::Flag::ZeroWindowProbe,
        crate::tcp::Flag::KeepAlive,
    ];
    if s.len == 0 || again.iter().any(|f| s.analysis.has(*f)) {
        return None;
    }
    let k = st.kernel_at(d, 0)?;
    let peer = match s.dir {
        Dir::C2s => k.server,
        Dir::S2c => k.client,
    };
    let unread = peer.unread();
    (unread > 0).then(|| {
        let how = if peer.reads_observed {
            "recorded"
        } else {
            "inferred"
        };
        format!(
            "The {}'s kernel now holds {unread} B its application has not read yet ({how}).",
            s.dir.receiver()
        )
    })
}
