//! What the segment at the cursor did to the dialogue: the lines it
//! completed (named together when pipelined), a line it left waiting for
//! its CRLF, message content on its way, or TLS records after STARTTLS.

use crate::proto::Dialogue;
use crate::tcp::SegmentRecord;
use crate::text::preview_prefix;
use crate::ui::data::{Data, Row, RowKind};

pub(super) fn sentence(d: &Data, s: &SegmentRecord) -> Option<String> {
    let dlg = d.dialogue(s.conn)?;
    // After STARTTLS/STLS and its go-ahead (the reply at `tls_from`), the
    // bytes are TLS records.
    if let Some(from) = dlg.tls_from.filter(|&from| s.frame > from && s.len > 0) {
        return Some(tls(dlg, s, from));
    }
    let rows = d.rows_of(s.conn);
    let n = rows.partition_point(|r| r.last < s.frame);
    let mut out = completed(dlg, &rows[n..], s.frame)?;
    // A line that this segment started or continued but did not finish.
    // Bytes sent again (a retransmission, a zero-window probe) add nothing
    // to a line: their own explanation follows.
    let again = s.analysis.sends_again();
    if out.is_empty() && s.len > 0 && !again {
        out.extend(waiting(dlg, &rows[n..], s.frame));
    }
    (!out.is_empty()).then(|| out.join(" "))
}

/// Since the go-ahead at `from`, the connection carries TLS records.
fn tls(dlg: &Dialogue, s: &SegmentRecord, from: u64) -> String {
    let names: Vec<String> = dlg
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
    let first = dlg.tls_records.first().map(|(f, _)| *f);
    let start = if first == Some(s.frame) {
        format!(
            "The TLS handshake begins here: after the server's go-ahead (#{from}) the connection \
             carries TLS records"
        )
    } else {
        format!("Since the server's go-ahead (#{from}) the connection carries TLS records")
    };
    format!(
        "{start}{records}, not SMTP/POP3 lines; their content is encrypted, so nothing more is \
         decoded."
    )
}

/// The lines `frame` completed, from the rows that end at or after it;
/// `None` when a row points past the dialogue's lists.
fn completed(dlg: &Dialogue, rows: &[Row], frame: u64) -> Option<Vec<String>> {
    let mut out = Vec::new();
    // Lines completed together (pipelined commands, a burst of replies) are
    // named in one sentence.
    let (mut verbs, mut codes) = (Vec::new(), Vec::new());
    for r in rows.iter().take_while(|r| r.last == frame).take(64) {
        match r.kind {
            // A message row ends with its content or with the reply that
            // judged it; the reply's own sentence tells which.
            RowKind::Message(_) => {}
            RowKind::Command(i) => verbs.push(dlg.commands.get(i)?.verb.clone()),
            RowKind::Reply(i) => {
                let rep = dlg.replies.get(i)?;
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
                let l = dlg.stray.get(i)?;
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
    Some(out)
}

/// The line `frame` carried part of without ending it.
fn waiting(dlg: &Dialogue, rows: &[Row], frame: u64) -> Option<String> {
    let r = rows
        .iter()
        .take(16)
        .find(|r| r.first <= frame && r.last > frame)?;
    let what = match r.kind {
        RowKind::Command(i) => dlg
            .commands
            .get(i)
            .map(|c| format!("the {} command", c.verb)),
        RowKind::Reply(i) => dlg.replies.get(i).map(|r| format!("a {} reply", r.code)),
        RowKind::Stray(_) => Some("a server line".to_string()),
        RowKind::Tls => None,
        RowKind::Message(i) => {
            return Some(format!(
                "These bytes are part of message {}'s content: the receiver keeps them until \
                 the end of data.",
                i + 1
            ));
        }
    }?;
    Some(format!(
        "These bytes are only part of {what}: no CRLF yet, so a reader must wait for the rest \
         (#{}).",
        r.last
    ))
}

/// "A", "A and B", "A, B and C".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Out of step: a client that reads one segment per reply takes this
/// segment's bytes as the answer to a command the server answered
/// otherwise (the ccNotes desync, told where it happens).
pub(super) fn lenient_sentence(d: &Data, s: &SegmentRecord) -> Option<String> {
    let dlg = d.dialogue(s.conn)?;
    let p = dlg
        .pairings
        .iter()
        .find(|p| p.client_took.as_ref().is_some_and(|t| t.frame == s.frame))?;
    let verb = &dlg.commands.get(p.command)?.verb;
    let meant = p.reply.and_then(|r| dlg.replies.get(r));
    if meant.is_some_and(|r| r.origin.last_frame() == s.frame) {
        return None;
    }
    let meant = meant
        .map(|r| {
            format!(
                " (the server's answer to it is its {} at #{})",
                r.code,
                r.origin.last_frame()
            )
        })
        .unwrap_or_default();
    Some(format!(
        "A client that reads one segment per reply takes these bytes as the answer to {verb}{meant}: \
         it is one reply behind."
    ))
}
