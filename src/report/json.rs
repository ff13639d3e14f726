//! JSON Lines output, exactly as the contract in DESIGN.md (`connection`,
//! `segment`, `finding`), plus `capture`, `socket` and `error` records. Fields
//! may be added; the contract's fields are never renamed.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::Selection;
use crate::proto::dialogue::{Item, StrayLine};
use crate::proto::{Command, Dialogue, Message, Reply};
use crate::timeline::{ConnSummary, Timeline};

/// One record per line. serde_json escapes C0 controls itself; DEL, C1
/// controls and bidirectional overrides it leaves raw, so they are escaped here
/// too (they can only occur inside strings): no capture byte reaches a terminal.
fn line(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    let text = v.to_string();
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control()
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
        {
            safe.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            safe.push(c);
        }
    }
    out.write_all(safe.as_bytes())?;
    out.write_all(b"\n")
}

/// Writes the JSON Lines report.
pub fn write_json(out: &mut dyn Write, a: &Timeline, sel: &Selection) -> io::Result<()> {
    let s = &a.stats;
    line(
        out,
        &json!({
            "type": "capture",
            "file": a.source,
            "frames": s.frames,
            "tcp": s.tcp,
            "udp": s.udp,
            "icmp": s.icmp,
            "other_ip": s.other_ip,
            "not_ip": s.non_ip,
            "ip_fragments": s.ip_fragments,
            "truncated_frames": s.truncated,
            "connections": a.connections.len(),
        }),
    )?;
    let ids = sel.ids(a);
    for &id in &ids {
        let Some(c) = a.connection(id) else { continue };
        line(out, &connection(c))?;
        if sel.segments {
            for seg in a.segments_of(id) {
                line(
                    out,
                    &json!({
                        "type": "segment",
                        "conn": seg.conn,
                        "frame": seg.frame,
                        "time": seg.time.to_string(),
                        "dir": seg.dir,
                        "flags": seg.flags.to_string(),
                        "seq": seg.seq,
                        "ack": seg.ack,
                        "len": seg.len,
                        "captured": seg.captured,
                        "win": seg.window,
                        "win_scaled": seg.window_scaled,
                        "analysis": seg.analysis.names(),
                        "client_state": seg.states[0].name(),
                        "server_state": seg.states[1].name(),
                    }),
                )?;
            }
        }
        if sel.socket {
            for e in a.socket_of(id) {
                line(
                    out,
                    &json!({
                        "type": "socket",
                        "conn": e.conn,
                        "frame": e.frame,
                        "endpoint": e.endpoint,
                        "call": e.describe(),
                        "provenance": e.provenance,
                    }),
                )?;
            }
        }
        if let Some(d) = a.dialogue(id) {
            dialogue(out, d, sel.show_secrets)?;
        }
        for f in a.findings_of(id) {
            line(out, &finding(f))?;
        }
    }
    for f in a.findings_of(0) {
        line(out, &finding(f))?;
    }
    if let Some(e) = &a.error {
        line(
            out,
            &json!({
                "type": "error",
                "file": e.path,
                "frame": e.frame,
                "offset": e.offset,
                "message": e.to_string(),
            }),
        )?;
    }
    Ok(())
}

/// `command`, `reply` and `message` records, in the order their last byte
/// arrived. Only the order is sorted; each record is built as it is written,
/// so a long dialogue never holds all its JSON at once.
fn dialogue(out: &mut dyn Write, d: &Dialogue, show_secrets: bool) -> io::Result<()> {
    for (_, item) in d.in_order(true) {
        let v = match item {
            Item::Command(i) => command(d, &d.commands[i], show_secrets),
            Item::Reply(i) => reply(d, &d.replies[i]),
            Item::Message(i) => message(d, &d.messages[i]),
            Item::Stray(i) => stray(d, &d.stray[i]),
        };
        line(out, &v)?;
    }
    Ok(())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn command(d: &Dialogue, c: &Command, show_secrets: bool) -> Value {
    json!({
        "type": "command",
        "conn": d.conn,
        "frame": c.origin.last_frame(),
        "protocol": d.protocol.name(),
        "verb": c.verb,
        "arg": text(&c.shown_arg(show_secrets)),
        "frames": c.origin.frames.iter().map(|f| f.0).collect::<Vec<_>>(),
    })
}

fn reply(d: &Dialogue, r: &Reply) -> Value {
    let mut v = json!({
        "type": "reply",
        "conn": d.conn,
        "frame": r.origin.last_frame(),
        "protocol": d.protocol.name(),
        "code": r.code.json(),
        "lines": r.lines.iter().map(|l| text(l)).collect::<Vec<_>>(),
        "frames": r.origin.frames.iter().map(|f| f.0).collect::<Vec<_>>(),
        "answers": r.command.and_then(|i| d.commands.get(i)).map(|c| c.verb.clone()),
    });
    // Only a reply longer than sockscope keeps says how many lines it left out.
    if let (true, Some(obj)) = (r.more_lines > 0, v.as_object_mut()) {
        obj.insert("more_lines".into(), r.more_lines.into());
    }
    v
}

/// A server line that is no reply (`stray_line`, sockscope's own record:
/// the contract's `reply` is for lines with a code).
fn stray(d: &Dialogue, l: &StrayLine) -> Value {
    json!({
        "type": "stray_line",
        "conn": d.conn,
        "frame": l.origin.last_frame(),
        "protocol": d.protocol.name(),
        "text": text(&l.text),
        "why": l.why,
        "finding": l.finding,
        "frames": l.origin.frames.iter().map(|f| f.0).collect::<Vec<_>>(),
    })
}

fn message(d: &Dialogue, m: &Message) -> Value {
    let mut record = json!({
        "type": "message",
        "conn": d.conn,
        "frame": m.frame,
        "protocol": d.protocol.name(),
        "size": m.size,
        "from": m.from,
        "to": if d.protocol == crate::proto::Protocol::Smtp { Some(&m.to) } else { None },
        "accepted": m.accepted,
        "headers": m.headers.iter().map(|(k, v)| (k.clone(), text(v))).collect::<std::collections::BTreeMap<_, _>>(),
    });
    // Only content with an end-of-data variant has a second reading.
    if let (Some(l), Some(obj)) = (&m.lenient, record.as_object_mut()) {
        obj.insert(
            "lenient".into(),
            json!({
                "variant": l.variant,
                "frame": l.frame,
                "size": l.size,
                "commands": l.commands,
                "verbs": l.verbs,
            }),
        );
    }
    record
}

fn connection(c: &ConnSummary) -> Value {
    json!({
        "type": "connection",
        "id": c.id,
        "client": c.client.to_string(),
        "server": c.server.to_string(),
        "first_frame": c.first_frame,
        "last_frame": c.last_frame,
        "first_time": c.first_time.to_string(),
        "last_time": c.last_time.to_string(),
        "duration": c.last_time.secs_since(c.first_time),
        "history": c.history,
        "state": c.state,
        "client_state": c.client_state.name(),
        "server_state": c.server_state.name(),
        "bytes_c2s": c.bytes_c2s,
        "bytes_s2c": c.bytes_s2c,
        "gap_bytes_c2s": c.gap_c2s,
        "gap_bytes_s2c": c.gap_s2c,
        "segments_c2s": c.segments_c2s,
        "segments_s2c": c.segments_s2c,
        "protocol": c.protocol.map(|p| p.name()),
        "irtt": c.irtt_nanos.map(|n| n as f64 / 1e9),
    })
}

fn finding(f: &crate::finding::Finding) -> Value {
    json!({
        "type": "finding",
        "conn": f.conn,
        "frame": f.frame,
        "id": f.id,
        "severity": f.severity,
        "message": f.message,
        "reference": f.reference,
        "provenance": f.provenance,
    })
}
