//! JSON Lines, written as records come: one object per line, each a typed
//! record (`docs/json.md` is the schema). The first record names the capture
//! and the schema version; then each connection's records when it is over
//! (`connection`, `segment` with `--segments`, `socket` with `--socket`,
//! `command`, `reply`, `stray_line`, `message`, `finding`); last the
//! capture's own findings, its `totals`, and an `error` when the file broke.
//! Fields may be added; the contract's fields are never renamed.

use std::io::{self, Write};

use serde::Serialize;

use super::Selection;
use crate::capture::{CaptureError, FrameMeta, Timestamp};
use crate::finding::{Finding, Provenance, Severity};
use crate::pipeline::{CaptureEnd, ConnRecords, ConnSummary, Consumer};
use crate::proto::dialogue::{Item, StrayLine};
use crate::proto::{Command, Dialogue, Message, Reply};
use crate::socket::kernel_sample::KernelSample;
use crate::socket::{Endpoint, SocketEvent};
use crate::tcp::{Dir, SegmentRecord};

/// The schema version in the first record; it changes when a field changes
/// meaning or goes away, never when one is added.
pub const SCHEMA: u32 = 2;

/// Every record, tagged by its `type`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Record<'a> {
    Capture {
        schema: u32,
        file: &'a str,
        tool: &'static str,
    },
    Connection(ConnectionRecord<'a>),
    Segment(SegmentJson<'a>),
    Socket {
        conn: u32,
        frame: u64,
        endpoint: Endpoint,
        call: String,
        provenance: Provenance,
    },
    Kernel {
        conn: u32,
        frame: u64,
        time: String,
        #[serde(flatten)]
        sample: &'a KernelSample,
        provenance: Provenance,
    },
    Command(CommandJson<'a>),
    Reply(ReplyJson<'a>),
    StrayLine(StrayJson<'a>),
    Message(MessageJson<'a>),
    Finding(FindingJson<'a>),
    Totals(TotalsJson),
    Error {
        file: &'a str,
        frame: u64,
        offset: u64,
        message: String,
    },
}

#[derive(Serialize)]
struct ConnectionRecord<'a> {
    id: u32,
    client: String,
    server: String,
    first_frame: u64,
    last_frame: u64,
    first_time: String,
    last_time: String,
    duration: f64,
    history: &'a str,
    state: &'static str,
    client_state: &'static str,
    server_state: &'static str,
    bytes_c2s: u64,
    bytes_s2c: u64,
    gap_bytes_c2s: u64,
    gap_bytes_s2c: u64,
    segments_c2s: u64,
    segments_s2c: u64,
    protocol: Option<&'static str>,
    irtt: Option<f64>,
    ended: &'static str,
}

#[derive(Serialize)]
struct SegmentJson<'a> {
    conn: u32,
    frame: u64,
    time: String,
    dir: Dir,
    flags: String,
    seq: u32,
    ack: u32,
    len: u32,
    captured: u32,
    win: u16,
    win_scaled: u64,
    analysis: Vec<&'a str>,
    client_state: &'static str,
    server_state: &'static str,
}

#[derive(Serialize)]
struct CommandJson<'a> {
    conn: u32,
    frame: u64,
    protocol: &'static str,
    verb: &'a str,
    arg: String,
    frames: Vec<u64>,
}

#[derive(Serialize)]
struct ReplyJson<'a> {
    conn: u32,
    frame: u64,
    protocol: &'static str,
    code: serde_json::Value,
    lines: Vec<String>,
    frames: Vec<u64>,
    answers: Option<&'a str>,
    /// Only a reply longer than sockscope keeps says how many lines it left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    more_lines: Option<u64>,
    /// Only when the reply never got its last line (RFC 5321 §4.2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    unterminated: Option<bool>,
}

/// A server line that is no reply (sockscope's own record: the contract's
/// `reply` is for lines with a code).
#[derive(Serialize)]
struct StrayJson<'a> {
    conn: u32,
    frame: u64,
    protocol: &'static str,
    text: String,
    why: &'a str,
    finding: &'a str,
    frames: Vec<u64>,
}

#[derive(Serialize)]
struct MessageJson<'a> {
    conn: u32,
    frame: u64,
    protocol: &'static str,
    size: u64,
    from: Option<&'a str>,
    to: Option<&'a [String]>,
    accepted: Option<bool>,
    headers: std::collections::BTreeMap<&'a str, String>,
    /// Only content with an end-of-data variant has a second reading.
    #[serde(skip_serializing_if = "Option::is_none")]
    lenient: Option<LenientJson<'a>>,
}

#[derive(Serialize)]
struct LenientJson<'a> {
    variant: &'a str,
    frame: u64,
    size: u64,
    commands: u32,
    verbs: &'a [&'static str],
}

#[derive(Serialize)]
struct FindingJson<'a> {
    conn: u32,
    frame: u64,
    id: &'static str,
    severity: Severity,
    message: &'a str,
    reference: &'static str,
    provenance: Provenance,
}

#[derive(Serialize)]
struct TotalsJson {
    frames: u64,
    tcp: u64,
    udp: u64,
    icmp: u64,
    other_ip: u64,
    not_ip: u64,
    ip_fragments: u64,
    truncated_frames: u64,
    connections: u32,
    first_time: Option<String>,
    last_time: Option<String>,
}

/// The JSON Lines report, a pipeline consumer writing to `out`.
pub struct JsonReport<W: Write> {
    out: W,
    sel: Selection,
    buf: Vec<u8>,
    started: bool,
    source: String,
    broke: Option<String>,
}

impl<W: Write> JsonReport<W> {
    pub fn new(out: W, source: &str, sel: Selection) -> Self {
        JsonReport {
            out,
            sel,
            buf: Vec::with_capacity(512),
            started: false,
            source: source.to_string(),
            broke: None,
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// Why the capture broke part-way, once it ended (everything before was
    /// reported).
    pub fn broke(&self) -> Option<String> {
        self.broke.clone()
    }

    /// One record per line. serde_json escapes C0 controls itself; DEL, C1
    /// controls and bidirectional overrides it leaves raw, so they are escaped
    /// here too (they can only occur inside strings): no capture byte reaches
    /// a terminal.
    fn write(&mut self, r: &Record<'_>) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, r)?;
        if self.buf.iter().any(|&b| b >= 0x7f) {
            let text = String::from_utf8_lossy(&self.buf);
            let mut safe = String::with_capacity(text.len() + 16);
            for c in text.chars() {
                if needs_escape(c) {
                    safe.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    safe.push(c);
                }
            }
            self.out.write_all(safe.as_bytes())?;
        } else {
            self.out.write_all(&self.buf)?;
        }
        self.out.write_all(b"\n")
    }

    fn start(&mut self) -> io::Result<()> {
        if std::mem::replace(&mut self.started, true) {
            return Ok(());
        }
        let file = std::mem::take(&mut self.source);
        self.write(&Record::Capture {
            schema: SCHEMA,
            file: &file,
            tool: concat!("sockscope ", env!("CARGO_PKG_VERSION")),
        })
    }

    fn records(&mut self, c: &ConnRecords) -> io::Result<()> {
        self.write(&Record::Connection(connection(&c.summary)))?;
        if self.sel.segments {
            for s in &c.segments {
                self.write(&Record::Segment(segment(s)))?;
            }
        }
        if self.sel.socket {
            for e in &c.socket {
                self.write(&socket(e))?;
            }
            for k in &c.kernel {
                self.write(&Record::Kernel {
                    conn: k.conn,
                    frame: k.frame,
                    time: time(k.sample.time()),
                    sample: &k.sample,
                    provenance: Provenance::Observed,
                })?;
            }
        }
        if let Some(d) = &c.dialogue {
            self.dialogue(d)?;
        }
        for f in &c.findings {
            self.write(&Record::Finding(finding(f)))?;
        }
        Ok(())
    }

    /// `command`, `reply`, `stray_line` and `message` records, in the order
    /// their last byte arrived; each is built as it is written.
    fn dialogue(&mut self, d: &Dialogue) -> io::Result<()> {
        let show = self.sel.show_secrets;
        for (_, item) in d.in_order(true) {
            let r = match item {
                Item::Command(i) => d.commands.get(i).map(|c| command(d, c, show)),
                Item::Reply(i) => d.replies.get(i).map(|r| reply(d, r)),
                Item::Message(i) => d.messages.get(i).map(|m| message(d, m)),
                Item::Stray(i) => d.stray.get(i).map(|l| stray(d, l)),
            };
            if let Some(r) = r {
                self.write(&r)?;
            }
        }
        Ok(())
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

impl<W: Write> Consumer for JsonReport<W> {
    fn frame(&mut self, _meta: &FrameMeta, _segment: Option<&SegmentRecord>) {}

    fn connection(&mut self, c: ConnRecords) -> io::Result<()> {
        self.start()?;
        if self.sel.wants(&c.summary) {
            self.records(&c)?;
        }
        Ok(())
    }

    fn end(&mut self, end: CaptureEnd) -> io::Result<()> {
        self.broke = end.error.as_ref().map(|e| e.to_string());
        self.start()?;
        for f in &end.findings {
            self.write(&Record::Finding(finding(f)))?;
        }
        let s = &end.stats;
        self.write(&Record::Totals(TotalsJson {
            frames: s.frames,
            tcp: s.tcp,
            udp: s.udp,
            icmp: s.icmp,
            other_ip: s.other_ip,
            not_ip: s.non_ip,
            ip_fragments: s.ip_fragments,
            truncated_frames: s.truncated,
            connections: end.connections,
            first_time: end.first_time.map(|t| t.to_string()),
            last_time: end.last_time.map(|t| t.to_string()),
        }))?;
        if let Some(e) = &end.error {
            self.write(&error(e))?;
        }
        self.out.flush()
    }
}

fn error(e: &CaptureError) -> Record<'_> {
    Record::Error {
        file: &e.path,
        frame: e.frame,
        offset: e.offset,
        message: e.to_string(),
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn frames(o: &crate::proto::Origin) -> Vec<u64> {
    o.frames.iter().map(|f| f.0).collect()
}

fn command<'a>(d: &Dialogue, c: &'a Command, show_secrets: bool) -> Record<'a> {
    Record::Command(CommandJson {
        conn: d.conn,
        frame: c.origin.last_frame(),
        protocol: d.protocol.name(),
        verb: &c.verb,
        arg: text(&c.shown_arg(show_secrets)),
        frames: frames(&c.origin),
    })
}

fn reply<'a>(d: &'a Dialogue, r: &Reply) -> Record<'a> {
    Record::Reply(ReplyJson {
        conn: d.conn,
        frame: r.origin.last_frame(),
        protocol: d.protocol.name(),
        code: r.code.json(),
        lines: r.lines.iter().map(|l| text(l)).collect(),
        frames: frames(&r.origin),
        answers: r
            .command
            .and_then(|i| d.commands.get(i))
            .map(|c| c.verb.as_str()),
        more_lines: (r.more_lines > 0).then_some(r.more_lines),
        unterminated: r.unterminated.then_some(true),
    })
}

fn stray<'a>(d: &Dialogue, l: &'a StrayLine) -> Record<'a> {
    Record::StrayLine(StrayJson {
        conn: d.conn,
        frame: l.origin.last_frame(),
        protocol: d.protocol.name(),
        text: text(&l.text),
        why: l.why,
        finding: l.finding,
        frames: frames(&l.origin),
    })
}

fn message<'a>(d: &Dialogue, m: &'a Message) -> Record<'a> {
    Record::Message(MessageJson {
        conn: d.conn,
        frame: m.frame,
        protocol: d.protocol.name(),
        size: m.size,
        from: m.from.as_deref(),
        to: (d.protocol == crate::proto::Protocol::Smtp).then_some(m.to.as_slice()),
        accepted: m.accepted,
        headers: m
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), text(v)))
            .collect(),
        lenient: m.lenient.as_ref().map(|l| LenientJson {
            variant: &l.variant,
            frame: l.frame,
            size: l.size,
            commands: l.commands,
            verbs: &l.verbs,
        }),
    })
}

fn time(t: Timestamp) -> String {
    t.to_string()
}

fn connection(c: &ConnSummary) -> ConnectionRecord<'_> {
    ConnectionRecord {
        id: c.id,
        client: c.client.to_string(),
        server: c.server.to_string(),
        first_frame: c.first_frame,
        last_frame: c.last_frame,
        first_time: time(c.first_time),
        last_time: time(c.last_time),
        duration: c.last_time.secs_since(c.first_time),
        history: &c.history,
        state: c.state,
        client_state: c.client_state.name(),
        server_state: c.server_state.name(),
        bytes_c2s: c.bytes_c2s,
        bytes_s2c: c.bytes_s2c,
        gap_bytes_c2s: c.gap_c2s,
        gap_bytes_s2c: c.gap_s2c,
        segments_c2s: c.segments_c2s,
        segments_s2c: c.segments_s2c,
        protocol: c.protocol.map(|p| p.name()),
        irtt: c.irtt_nanos.map(|n| n as f64 / 1e9),
        ended: c.ended.name(),
    }
}

fn segment(s: &SegmentRecord) -> SegmentJson<'static> {
    SegmentJson {
        conn: s.conn,
        frame: s.frame,
        time: time(s.time),
        dir: s.dir,
        flags: s.flags.to_string(),
        seq: s.seq,
        ack: s.ack,
        len: s.len,
        captured: s.captured,
        win: s.window,
        win_scaled: s.window_scaled,
        analysis: s.analysis.names(),
        client_state: s.states[0].name(),
        server_state: s.states[1].name(),
    }
}

fn socket(e: &SocketEvent) -> Record<'static> {
    Record::Socket {
        conn: e.conn,
        frame: e.frame,
        endpoint: e.endpoint,
        call: e.describe(),
        provenance: e.provenance,
    }
}

fn finding(f: &Finding) -> FindingJson<'_> {
    FindingJson {
        conn: f.conn,
        frame: f.frame,
        id: f.id,
        severity: f.severity,
        message: &f.message,
        reference: f.reference,
        provenance: f.provenance,
    }
}

/// The JSON report of a timeline already in memory (the lab and live keep
/// one): the same records, connections in id order.
pub fn write_json(
    out: &mut dyn Write,
    t: &crate::timeline::Timeline,
    sel: &Selection,
) -> io::Result<()> {
    let mut r = JsonReport::new(out, &t.source, sel.clone());
    super::replay(t, &mut r)
}
