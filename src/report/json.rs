//! JSON Lines output, exactly as the contract in DESIGN.md (`connection`,
//! `segment`, `finding`), plus `capture`, `socket` and `error` records. Fields
//! may be added; the contract's fields are never renamed.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::Selection;
use crate::timeline::{ConnSummary, Timeline};

fn line(out: &mut dyn Write, v: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
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
