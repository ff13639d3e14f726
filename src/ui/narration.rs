//! The narration: the segment at the cursor explained in words a student
//! reads, built from the facts the other panes show: what its flags mean
//! here, why it was sent (a connect(), a write(), the kernel's own ACK, a
//! close()), what it completed in the dialogue, and the first sentence of
//! any finding raised at it.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::data::model::RowKind;
use super::App;
use crate::socket::{Endpoint, SocketCall};
use crate::tcp::analysis::explain;
use crate::tcp::{Dir, Flag, SegmentRecord};
use crate::text::preview_prefix;

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let t = app.theme;
    let title = match app.segment() {
        Some(s) => format!(" what happens at #{} ", s.frame),
        None => " what happens ".to_string(),
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(t.dim())
        .title(Span::styled(title, t.title()));
    let (text, finding) = narrate(app);
    let inner = block.inner(area);
    let w = usize::from(inner.width);
    // A finding here is the point of the moment: it comes first. What does
    // not fit says so, and where to read on.
    let mut lines: Vec<Line> = Vec::new();
    if let Some((sev, s)) = finding {
        let style = t.severity(sev);
        for (i, l) in crate::wrap::wrap(&s, w.saturating_sub(2), w)
            .into_iter()
            .enumerate()
        {
            let l = if i == 0 { format!("⚠ {l}") } else { l };
            lines.push(Line::from(Span::styled(l, style)));
        }
    }
    for l in crate::wrap::wrap(&text, w, w) {
        lines.push(Line::from(Span::raw(l)));
    }
    let room = usize::from(inner.height);
    if lines.len() > room && room > 0 {
        lines.truncate(room);
        const MORE: &str = " … w reads on";
        if let Some(last) = lines.last_mut() {
            let style = last.spans.first().map_or(Style::new(), |s| s.style);
            let kept: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            let room = w.saturating_sub(MORE.chars().count());
            let cut: String = kept.chars().take(room).collect();
            let cut = cut.trim_end().to_string();
            *last = Line::from(vec![Span::styled(cut, style), Span::styled(MORE, t.key())]);
        }
    }
    f.render_widget(block, area);
    f.render_widget(Paragraph::new(lines), inner);
}

/// The narration, and the first sentence of the worst finding at the cursor.
pub fn narrate(app: &App) -> (String, Option<(crate::finding::Severity, String)>) {
    let Some(s) = app.segment() else {
        let t = &app.data.timeline;
        let text = if app.data.complete || t.stats.frames > 0 {
            "Nothing to step through: the capture holds no TCP segment.".to_string()
        } else {
            "Waiting for frames…".to_string()
        };
        return (text, None);
    };
    // The segment, then what it meant to the dialogue (the lesson), then
    // what the applications did.
    let mut parts = vec![segment_sentence(app, s)];
    if let Some(x) = dialogue_sentence(app, s) {
        parts.push(x);
    }
    if let Some(x) = socket_sentence(app, s) {
        parts.push(x);
    }
    for flag in s.analysis.iter() {
        // A RST is the segment sentence already.
        if flag == Flag::Reset {
            continue;
        }
        // The first window after the handshake grows because window scaling
        // takes effect (a SYN's window is never scaled, RFC 7323 §2.2), not
        // because the application read anything.
        if flag == Flag::WindowUpdate && s.ack <= 1 && s.len == 0 {
            parts.push(
                "The window looks larger than in the SYN: window scaling agreed in the handshake \
                 takes effect now (a SYN's window is never scaled, RFC 7323 §2.2)."
                    .to_string(),
            );
            continue;
        }
        parts.push(explain(flag, &s.context));
    }
    let worst = super::ladder::findings_at(app, s.conn, s.frame).max_by_key(|f| f.severity);
    let finding = worst.map(|f| {
        let first = first_sentence(&crate::text::escape_str(&f.message));
        (
            f.severity,
            format!("{}: {first}", super::ladder::tag(f, s.dir)),
        )
    });
    (parts.join(" "), finding)
}

/// Up to the first full stop followed by a space (a sentence, not `2.1.0`).
fn first_sentence(s: &str) -> String {
    match s.find(". ") {
        Some(i) => s[..=i].to_string(),
        None => s.to_string(),
    }
}

fn segment_sentence(app: &App, s: &SegmentRecord) -> String {
    let who = s.dir.sender();
    let peer = s.dir.receiver();
    let f = s.flags;
    let port = app
        .data
        .timeline
        .connection(s.conn)
        .map_or(0, |c| c.server.port());
    if f.rst() {
        return format!(
            "The {who} aborts the connection with a RST: no goodbye, unread data is thrown away, and \
             the {peer}'s next read() or write() fails with ECONNRESET."
        );
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
        return format!(
            "The client called connect(): its kernel sends a SYN to port {port} with its initial \
             sequence number (shown as 0){opts}. connect() blocks until the answer."
        );
    }
    if f.syn() && f.ack() {
        return format!(
            "A socket is listening on port {port}, so the server's kernel answers by itself: SYN/ACK \
             acknowledges the client's SYN (ack 1) and sends the server's own initial sequence number. \
             accept() has not returned yet."
        );
    }
    let data = s.len > 0;
    let fin = if f.fin() {
        let how = closing_call(app, s).unwrap_or("close() or shutdown()");
        format!(
            " FIN: the {who} has closed its side ({how}); once the {peer} has read everything \
             before it, its read() returns 0."
        )
    } else {
        String::new()
    };
    if data {
        let end = u64::from(s.seq) + u64::from(s.len) - 1;
        let shown = preview_prefix(&s.preview, u64::from(s.len), 40);
        let push = if f.psh() {
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
        return format!(
            "The {who} sends {} B (seq {}–{end}) \"{shown}\".{push}{acked}{fin}",
            s.len, s.seq
        );
    }
    if f.fin() {
        return fin.trim_start().to_string();
    }
    // A bare ACK.
    let handshake = s.dir == Dir::C2s && s.seq == 1 && s.ack == 1;
    if handshake {
        return "The client acknowledges the SYN/ACK: the three-way handshake is complete. connect() \
                has returned on the client; accept() can now return the new socket on the server."
            .to_string();
    }
    // Does it acknowledge the peer's FIN (the last number the peer used)?
    let before = app
        .pos
        .checked_sub(1)
        .and_then(|p| app.data.kernel.at(&app.data.timeline, app.conn, p));
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

/// "A", "A and B", "A, B and C".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The recorded call that closed the sender's side at this FIN (the lab
/// knows whether it was close() or shutdown()).
fn closing_call(app: &App, s: &SegmentRecord) -> Option<&'static str> {
    let d = &app.data;
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

/// What the applications did at this segment, from the socket calls.
fn socket_sentence(app: &App, s: &SegmentRecord) -> Option<String> {
    let d = &app.data;
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
            SocketCall::Read { len, .. } => {
                let mine = Endpoint::receiver_of(s.dir) == e.endpoint;
                if mine {
                    format!("The {who}'s read() returns these {len} B ({how}).")
                } else {
                    format!("The {who}'s read() returns {len} B ({how}).")
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

/// What this segment did to the dialogue: completed a line, or left one
/// waiting for its CRLF.
fn dialogue_sentence(app: &App, s: &SegmentRecord) -> Option<String> {
    let d = app.data.dialogue(s.conn)?;
    // After STARTTLS/STLS and its go-ahead (the reply at `tls_from`), the
    // bytes are TLS records.
    if let Some(from) = d.tls_from.filter(|&from| s.frame > from && s.len > 0) {
        let names: Vec<String> = d
            .tls_records
            .iter()
            .filter(|(f, _)| *f == s.frame)
            .take(4)
            .map(|(_, n)| crate::text::escape_str(n))
            .collect();
        let records = if names.is_empty() {
            String::new()
        } else {
            format!(" (TLS {})", names.join(", "))
        };
        let first = d.tls_records.first().map(|(f, _)| *f);
        let start = if first == Some(s.frame) {
            format!(
                "The TLS handshake begins here: after the server's go-ahead (#{from}) the connection \
                 carries TLS records"
            )
        } else {
            format!("Since the server's go-ahead (#{from}) the connection carries TLS records")
        };
        return Some(format!(
            "{start}{records}, not SMTP/POP3 lines; their content is encrypted, so nothing more is \
             decoded."
        ));
    }
    let rows = app.data.rows_of(s.conn);
    let n = rows.partition_point(|r| r.last < s.frame);
    let mut out = Vec::new();
    // Lines completed together (pipelined commands, a burst of replies) are
    // named in one sentence.
    let (mut verbs, mut codes) = (Vec::new(), Vec::new());
    for r in rows[n..].iter().take_while(|r| r.last == s.frame).take(64) {
        match r.kind {
            // A message row ends with its content or with the reply that
            // judged it; the reply's own sentence tells which.
            RowKind::Message(_) => {}
            RowKind::Command(i) => verbs.push(d.commands.get(i)?.verb.clone()),
            RowKind::Reply(i) => {
                let rep = d.replies.get(i)?;
                let parts = rep.origin.frames.len();
                if parts > 1 {
                    out.push(format!(
                        "The {} reply is complete (its last line ends with CRLF) — it took {parts} \
                         segments: {}.",
                        rep.code,
                        rep.origin.describe()
                    ));
                } else {
                    codes.push(rep.code.to_string());
                }
            }
            RowKind::Tls => {}
            RowKind::Stray(i) => {
                let l = d.stray.get(i)?;
                out.push(format!(
                    "The server's line \"{}\" is complete, but it is no reply ({}): a client \
                     still reads it while it waits for a verdict.",
                    preview_prefix(&l.text, l.text.len() as u64, 40),
                    l.why
                ));
            }
        }
    }
    if !verbs.is_empty() {
        let (lines, are) = if verbs.len() == 1 {
            ("command line is", "it")
        } else {
            ("command lines are", "them")
        };
        out.insert(
            0,
            format!(
                "The {} {lines} complete: the server can read {are}.",
                and_list(&verbs)
            ),
        );
    }
    if !codes.is_empty() {
        let what = if codes.len() == 1 {
            "reply is complete (its last line ends"
        } else {
            "replies are complete (each last line ends"
        };
        out.push(format!("The {} {what} with CRLF).", and_list(&codes)));
    }
    // A line that this segment started or continued but did not finish.
    // Bytes sent again (a retransmission, a zero-window probe) add nothing
    // to a line: their own explanation follows.
    let again = [
        Flag::Retransmission,
        Flag::FastRetransmission,
        Flag::SpuriousRetransmission,
        Flag::ZeroWindowProbe,
        Flag::KeepAlive,
    ]
    .iter()
    .any(|f| s.analysis.has(*f));
    if out.is_empty() && s.len > 0 && !again {
        let waiting = rows[n..]
            .iter()
            .take(16)
            .find(|r| r.first <= s.frame && r.last > s.frame);
        if let Some(r) = waiting {
            let what = match r.kind {
                RowKind::Command(i) => d.commands.get(i).map(|c| format!("the {} command", c.verb)),
                RowKind::Reply(i) => d.replies.get(i).map(|r| format!("a {} reply", r.code)),
                RowKind::Stray(_) => Some("a server line".to_string()),
                RowKind::Tls => None,
                RowKind::Message(i) => {
                    out.push(format!(
                        "These bytes are part of message {}'s content: the receiver keeps them until \
                         the end of data.",
                        i + 1
                    ));
                    None
                }
            };
            if let Some(what) = what {
                out.push(format!(
                    "These bytes are only part of {what}: no CRLF yet, so a reader must wait for \
                     the rest (#{}).",
                    r.last
                ));
            }
        }
    }
    (!out.is_empty()).then(|| out.join(" "))
}
