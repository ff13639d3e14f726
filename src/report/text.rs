//! The human-readable report: per connection a summary and a ladder of its
//! segments, with each annotation's rule and the inferred socket calls beneath
//! the segment that caused them. Fits in 100 columns; every payload byte is
//! escaped.

use std::io::{self, Write};

use super::Selection;
use crate::capture::FrameMeta;
use crate::capture::Timestamp;
use crate::finding::Finding;
use crate::pipeline::{CaptureEnd, ConnRecords, ConnSummary, Consumer};
use crate::socket::SocketEvent;
use crate::tcp::analysis::explain;
use crate::tcp::history::conn_state_meaning;
use crate::tcp::{Dir, RoleSource, SegmentRecord};
use crate::text::{escape_str, preview_prefix};
use crate::timeline::Timeline;

/// Report width the layout is made for.
const WIDTH: usize = 100;
/// Indent of annotation and socket lines under a segment.
const INDENT: usize = 10;

/// The text report, a pipeline consumer writing to `out`: a header naming
/// the capture, each connection's section when it is over, and the totals,
/// the capture's own findings and any error at the end.
pub struct TextReport<W: Write> {
    out: W,
    sel: Selection,
    source: String,
    started: bool,
    /// Time of the capture's first frame: ladder times count from it.
    start: Option<Timestamp>,
    shown: u32,
    broke: Option<String>,
    /// Findings summed over the connections shown.
    tally: super::tally::Tally,
}

impl<W: Write> TextReport<W> {
    pub fn new(out: W, source: &str, sel: Selection) -> Self {
        TextReport {
            out,
            sel,
            source: source.to_string(),
            started: false,
            start: None,
            shown: 0,
            broke: None,
            tally: super::tally::Tally::default(),
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

    fn header(&mut self) -> io::Result<()> {
        if std::mem::replace(&mut self.started, true) {
            return Ok(());
        }
        let title = format!("sockscope report · {}", escape_str(&self.source));
        wrapped(&mut self.out, &title, 0, 2)?;
        let legend = "(TCP state: inferred · socket calls: inferred, or observed where the lab \
                      recorded them · segments, payload: observed)";
        wrapped(&mut self.out, legend, 0, 1)
    }
}

impl<W: Write> Consumer for TextReport<W> {
    fn frame(&mut self, meta: &FrameMeta, _segment: Option<&SegmentRecord>) {
        self.start.get_or_insert(meta.time);
    }

    fn connection(&mut self, c: ConnRecords) -> io::Result<()> {
        self.header()?;
        if !self.sel.wants(&c.summary) {
            return Ok(());
        }
        self.shown += 1;
        self.tally.add(c.summary.id, &c.findings);
        let start = self.start.unwrap_or(c.summary.first_time);
        connection(&mut self.out, &c, start)?;
        if let Some(d) = &c.dialogue {
            super::dialogue::write_dialogue(&mut self.out, d, self.sel.show_secrets)?;
        }
        Ok(())
    }

    fn end(&mut self, end: CaptureEnd) -> io::Result<()> {
        self.broke = end.error.as_ref().map(|e| e.to_string());
        self.header()?;
        footer(&mut self.out, &end, self.shown)?;
        self.tally.write(&mut self.out, self.shown)?;
        self.out.flush()
    }
}

/// The totals, the capture's findings, the frames not fully decoded, and
/// why reading stopped.
fn footer(out: &mut dyn Write, end: &CaptureEnd, shown: u32) -> io::Result<()> {
    totals(out, end, shown)?;
    if !end.findings.is_empty() {
        writeln!(out, "\ncapture findings")?;
        for f in &end.findings {
            finding_line(out, f)?;
        }
    }
    let s = &end.stats;
    if s.decode_notes_total > 0 {
        writeln!(out, "\nframes not fully decoded: {}", s.decode_notes_total)?;
        for (frame, why) in s.decode_notes.iter().take(20) {
            wrapped(out, &format!("frame {frame}: {}", escape_str(why)), 2, 2)?;
        }
        if s.decode_notes_total > 20 {
            writeln!(out, "  … and {} more", s.decode_notes_total - 20)?;
        }
    }
    if let Some(e) = &end.error {
        writeln!(out)?;
        wrapped(
            out,
            &format!(
                "✗ reading stopped: {}. Everything above comes from the frames before that point.",
                escape_str(&e.to_string())
            ),
            0,
            2,
        )?;
    }
    Ok(())
}

fn totals(out: &mut dyn Write, end: &CaptureEnd, shown: u32) -> io::Result<()> {
    let s = &end.stats;
    let mut parts = vec![format!("{} frames", s.frames), format!("{} TCP", s.tcp)];
    for (n, what) in [
        (s.udp, "UDP"),
        (s.icmp, "ICMP"),
        (s.other_ip, "other IP"),
        (s.non_ip, "not IP"),
        (s.ip_fragments, "IP fragments"),
        (s.truncated, "cut by the snap length"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if let (Some(first), Some(last)) = (end.first_time, end.last_time) {
        parts.push(format!("{:.6} s", last.secs_since(first)));
    }
    writeln!(out, "\n━━ totals {}", "━".repeat(WIDTH - 10))?;
    writeln!(out, "{}", parts.join(" · "))?;
    let total = end.connections;
    if shown == total {
        writeln!(
            out,
            "{total} TCP connection{}",
            if total == 1 { "" } else { "s" }
        )
    } else {
        writeln!(out, "{shown} of {total} TCP connections selected")
    }
}

/// The text report of a timeline already in memory (the lab and live keep
/// one): the same sections, connections in id order.
pub fn write_text(out: &mut dyn Write, t: &Timeline, sel: &Selection) -> io::Result<()> {
    let mut r = TextReport::new(out, &t.source, sel.clone());
    r.start = t.first_time();
    super::replay(t, &mut r)
}

fn connection(out: &mut dyn Write, r: &ConnRecords, start: Timestamp) -> io::Result<()> {
    heading(out, &r.summary)?;
    endpoints(out, &r.summary)?;
    writeln!(out)?;
    writeln!(
        out,
        "  {:>6} {:>10}  {:<3} {:<11} {:>10} {:>10} {:>5} {:>6}  payload",
        "frame", "time", "dir", "flags", "seq", "ack", "len", "win"
    )?;
    segment_rows(out, r, start)?;
    if !r.findings.is_empty() {
        writeln!(out, "\n  findings")?;
        for f in &r.findings {
            finding_line(out, f)?;
        }
    }
    Ok(())
}

/// The connection's title bar and its one-line summary.
fn heading(out: &mut dyn Write, c: &ConnSummary) -> io::Result<()> {
    let proto = c.protocol.map_or("", |p| p.name());
    let title = format!(
        "━━ connection {} · {} → {} {proto} ",
        c.id, c.client, c.server
    );
    let fill = WIDTH.saturating_sub(title.chars().count());
    writeln!(out, "\n{title}{}", "━".repeat(fill))?;
    let duration = c.last_time.secs_since(c.first_time);
    let irtt = c
        .irtt_nanos
        .map(|n| format!(" · handshake RTT {:.3} ms", n as f64 / 1e6))
        .unwrap_or_default();
    let line = format!(
        "frames {}–{} · {duration:.6} s{irtt} · history {} · state {} ({})",
        c.first_frame,
        c.last_frame,
        c.history,
        c.state,
        conn_state_meaning(c.state)
    );
    wrapped(out, &line, 2, 4)
}

/// One line per endpoint: what it sent and how it ended.
fn endpoints(out: &mut dyn Write, c: &ConnSummary) -> io::Result<()> {
    let roles = match c.roles {
        RoleSource::Syn => "sent the first SYN",
        RoleSource::SynAck => "was answered by the first SYN/ACK seen",
        RoleSource::Ports => "has the higher port (no handshake captured)",
    };
    for (who, addr, dir, state) in [
        ("client", c.client, Dir::C2s, c.client_state),
        ("server", c.server, Dir::S2c, c.server_state),
    ] {
        let (bytes, gap, segs) = match dir {
            Dir::C2s => (c.bytes_c2s, c.gap_c2s, c.segments_c2s),
            Dir::S2c => (c.bytes_s2c, c.gap_s2c, c.segments_s2c),
        };
        let gap = if gap > 0 {
            format!(" + {gap} B never captured")
        } else {
            String::new()
        };
        let note = if dir == Dir::C2s {
            format!(" · {roles}")
        } else {
            String::new()
        };
        let line = format!(
            "{who} {addr} · {segs} segments · {bytes} B sent{gap} · ends {state} (inferred){note}"
        );
        wrapped(out, &line, 2, 4)?;
    }
    Ok(())
}

/// Each segment, with beneath it its comments, analysis flags, findings
/// and the socket calls it caused; calls after the last segment at the end.
fn segment_rows(out: &mut dyn Write, r: &ConnRecords, start: Timestamp) -> io::Result<()> {
    let (findings, socket) = (&r.findings, &r.socket);
    let (mut si, mut fi, mut ci) = (0, 0, 0);
    for s in &r.segments {
        segment_line(out, s, start)?;
        // Recorded socket calls are not among the comments: they are shown
        // as the calls themselves, below.
        while let Some((frame, text)) = r.comments.get(ci).filter(|(f, _)| *f <= s.frame) {
            if *frame == s.frame {
                let line = format!("# {} (recorded comment)", escape_str(text));
                wrapped(out, &line, INDENT, INDENT + 2)?;
            }
            ci += 1;
        }
        for flag in s.analysis.iter() {
            let text = format!("⚑ {}: {}", flag.label(), explain(flag, &s.context));
            wrapped(out, &text, INDENT, INDENT + 2)?;
        }
        while let Some(f) = findings.get(fi).filter(|f| f.frame <= s.frame) {
            if f.frame == s.frame && !is_summary(f) {
                // One glyph per severity: the shape says it, not only a
                // colour (a projector or a printout loses colour).
                let line = format!(
                    "{} {} {}: {}",
                    f.severity.glyph(),
                    f.severity,
                    f.id,
                    escape_str(&f.message)
                );
                wrapped(out, &line, INDENT, INDENT + 2)?;
            }
            fi += 1;
        }
        while let Some(e) = socket.get(si).filter(|e| e.frame <= s.frame) {
            socket_line(out, e, "")?;
            si += 1;
        }
    }
    for e in socket.get(si..).unwrap_or(&[]) {
        socket_line(out, e, ", at the end of the capture")?;
    }
    Ok(())
}

/// `↳ client read() → 17 B "…" (inferred)` beneath the segment that caused it.
fn socket_line(out: &mut dyn Write, e: &SocketEvent, note: &str) -> io::Result<()> {
    let text = format!(
        "↳ {} {} ({}{note})",
        e.endpoint.name(),
        e.describe(),
        e.provenance
    );
    wrapped(out, &text, INDENT, INDENT + 2)
}

/// Findings that summarise per-segment annotations are shown in the findings
/// list only; the ladder already carries the annotation on each segment.
fn is_summary(f: &Finding) -> bool {
    matches!(
        f.id,
        "tcp_retransmission"
            | "tcp_out_of_order"
            | "tcp_dup_ack"
            | "tcp_keep_alive"
            | "tcp_window_full"
    )
}

pub(super) fn segment_line(
    out: &mut dyn Write,
    s: &SegmentRecord,
    start: Timestamp,
) -> io::Result<()> {
    let arrow = match s.dir {
        Dir::C2s => "→",
        Dir::S2c => "←",
    };
    let head = format!(
        "  {:>6} {:>10.6}  {:<3} {:<11} {:>10} {:>10} {:>5} {:>6}  ",
        s.frame,
        s.time.secs_since(start),
        arrow,
        s.flags.to_string(),
        s.seq,
        s.ack,
        s.len,
        s.window_scaled
    );
    let room = WIDTH.saturating_sub(head.chars().count()).max(8);
    let mut parts = s
        .syn_options
        .as_ref()
        .map(|o| o.syn_summary())
        .unwrap_or_default();
    if s.captured > 0 {
        let cut = if s.captured < s.len { " (cut)" } else { "" };
        let used: usize = parts.iter().map(|p| p.chars().count() + 1).sum();
        let max = room.saturating_sub(used + 2 + cut.len()).max(4);
        parts.push(format!(
            "\"{}\"{cut}",
            preview_prefix(&s.preview, u64::from(s.len), max)
        ));
    } else if s.len > 0 {
        parts.push("(payload not captured)".to_string());
    }
    let mut tail = parts.join(" ");
    if tail.chars().count() > room {
        tail = tail.chars().take(room - 1).collect::<String>() + "…";
    }
    writeln!(out, "{}", format!("{head}{tail}").trim_end())
}

pub(super) fn finding_line(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    wrapped(
        out,
        &format!(
            "frame {} · {} · {} · {} [{}]",
            f.frame,
            f.severity,
            f.id,
            escape_str(&f.message),
            f.reference
        ),
        4,
        6,
    )
}

/// Writes `text` word-wrapped to [`WIDTH`], first line indented by `first`,
/// continuation lines by `rest`; a word longer than a line is cut.
pub(super) fn wrapped(
    out: &mut dyn Write,
    text: &str,
    first: usize,
    rest: usize,
) -> io::Result<()> {
    // Most lines fit: a string's display width is never more than its
    // length in bytes, so one that short needs no breaking.
    if text.len() <= WIDTH.saturating_sub(first) {
        return writeln!(out, "{:first$}{text}", "");
    }
    let lines = crate::wrap::wrap(
        text,
        WIDTH.saturating_sub(first),
        WIDTH.saturating_sub(rest),
    );
    for (i, line) in lines.iter().enumerate() {
        let indent = if i == 0 { first } else { rest };
        writeln!(out, "{:indent$}{line}", "")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let long = format!("short {} words after", "x".repeat(250));
        let mut out = Vec::new();
        wrapped(&mut out, &long, 4, 6).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.lines().all(|l| l.chars().count() <= WIDTH), "{text}");
        assert_eq!(text.matches('x').count(), 250, "nothing lost");
        assert!(text.contains("words after"));
    }
}
