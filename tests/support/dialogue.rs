//! Dialogues as captures: the step builder and the helpers that read the
//! analysis, shared by the SMTP, POP3 and segmentation tests.
//!
//! A dialogue is a list of [`Step`]s, each the bytes one side writes as the
//! segments that carry them. [`build`] (or [`build_on`], for other ports) puts
//! them on one [`Conv`] after the handshake: each step's non-empty segments as
//! PSH,ACK, then one pure ACK from the other side, so the peer has received the
//! whole step before it writes its next one. Frame numbers are 1-based as
//! Wireshark counts them; the handshake is frames 1–3.
//!
//! [`Built::analyze`] runs `sockscope::timeline::analyze` on the capture and
//! gives a [`Run`], whose methods look up findings by id. The free functions
//! turn a [`Dialogue`] into plain tuples that tests compare with `assert_eq!`.

use std::collections::BTreeSet;
use std::io::Cursor;

use sockscope::capture::CaptureReader;
use sockscope::finding::{Finding, Severity};
use sockscope::proto::{Code, Dialogue};
use sockscope::timeline::{analyze, Timeline};

use super::Conv;

/// One turn of the dialogue: the bytes one side writes, as the segments that
/// carry them (one element = one segment).
#[derive(Clone, Debug)]
pub enum Step {
    Client(Vec<Vec<u8>>),
    Server(Vec<Vec<u8>>),
}

/// The client writes `bytes` in one segment.
pub fn c(bytes: &[u8]) -> Step {
    Step::Client(vec![bytes.to_vec()])
}

/// The server writes `bytes` in one segment.
pub fn s(bytes: &[u8]) -> Step {
    Step::Server(vec![bytes.to_vec()])
}

/// The client writes these pieces, one segment each.
pub fn c_parts(parts: &[&[u8]]) -> Step {
    Step::Client(parts.iter().map(|p| p.to_vec()).collect())
}

/// The server writes these pieces, one segment each.
pub fn s_parts(parts: &[&[u8]]) -> Step {
    Step::Server(parts.iter().map(|p| p.to_vec()).collect())
}

impl Step {
    /// All the bytes of the step, whatever the segments.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Step::Client(p) | Step::Server(p) => p.concat(),
        }
    }

    /// The same bytes cut before each offset in `cuts` (sorted; offsets at
    /// the ends or not past the previous cut are ignored).
    pub fn cut(&self, cuts: &[usize]) -> Step {
        let bytes = self.bytes();
        let mut parts = Vec::new();
        let mut at = 0;
        for &cut in cuts {
            if cut > at && cut < bytes.len() {
                parts.push(bytes[at..cut].to_vec());
                at = cut;
            }
        }
        parts.push(bytes[at..].to_vec());
        match self {
            Step::Client(_) => Step::Client(parts),
            Step::Server(_) => Step::Server(parts),
        }
    }
}

/// A capture built from steps, with the frame numbers of each step's segments.
pub struct Built {
    pub conv: Conv,
    /// For each step, the frames of its segments (empty segments are skipped).
    pub frames: Vec<Vec<u64>>,
}

/// [`build_on`] a default [`Conv`] (client port 40000, server port 25).
pub fn build(steps: &[Step]) -> Built {
    build_on(Conv::new(), steps)
}

/// Handshake on `conv`, then each step's segments (PSH,ACK), each step ACKed
/// by the other side with a pure ACK: the peer has received all of it before
/// it writes its next step, so a command is sent only after the whole reply.
pub fn build_on(mut conv: Conv, steps: &[Step]) -> Built {
    conv.handshake();
    let mut frames = Vec::new();
    for step in steps {
        let mut fs = Vec::new();
        match step {
            Step::Client(parts) => {
                for p in parts.iter().filter(|p| !p.is_empty()) {
                    conv.client_sends(p);
                    fs.push(conv.segs.len() as u64);
                }
                conv.server_acks();
            }
            Step::Server(parts) => {
                for p in parts.iter().filter(|p| !p.is_empty()) {
                    conv.server_sends(p);
                    fs.push(conv.segs.len() as u64);
                }
                conv.client_acks();
            }
        }
        frames.push(fs);
    }
    Built { conv, frames }
}

impl Built {
    /// Writes the capture as pcap named `name` and analyses it.
    pub fn analyze(self, name: &str) -> Run {
        Run {
            t: analyze_pcap(name, self.conv.to_pcap()),
            frames: self.frames,
        }
    }
}

/// Analyses a pcap (or pcapng) capture held in memory, read as file `name`.
pub fn analyze_pcap(name: &str, bytes: Vec<u8>) -> Timeline {
    let reader = CaptureReader::from_reader(name, Cursor::new(bytes)).expect("capture");
    analyze(reader, &mut ())
}

/// An analysed dialogue and where each step went.
pub struct Run {
    pub t: Timeline,
    /// For each step, the frames of its segments.
    pub frames: Vec<Vec<u64>>,
}

impl Run {
    /// The frame that carried the last byte of step `i`.
    pub fn last(&self, i: usize) -> u64 {
        *self.frames[i].last().expect("step has a segment")
    }

    /// Every finding `id`.
    pub fn findings(&self, id: &str) -> Vec<&Finding> {
        self.t.findings.iter().filter(|f| f.id == id).collect()
    }

    /// The ids of all findings.
    pub fn ids(&self) -> BTreeSet<&'static str> {
        self.t.findings.iter().map(|f| f.id).collect()
    }

    /// Exactly one finding `id`; it has this severity and frame.
    pub fn expect_one(&self, id: &str, severity: Severity, frame: u64) -> &Finding {
        let all = self.findings(id);
        assert_eq!(
            all.len(),
            1,
            "one {id} expected, got {all:#?}\nall findings: {:#?}",
            self.t.findings
        );
        let f = all[0];
        assert_eq!((f.severity, f.frame), (severity, frame), "{f:#?}");
        assert_eq!(f.conn, 1);
        f
    }

    /// A finding `id` at `frame` with this severity (others may exist).
    pub fn expect_at(&self, id: &str, severity: Severity, frame: u64) -> &Finding {
        self.findings(id)
            .into_iter()
            .find(|f| f.frame == frame && f.severity == severity)
            .unwrap_or_else(|| {
                panic!(
                    "no {id} ({severity}) at frame {frame}; findings: {:#?}",
                    self.t.findings
                )
            })
    }

    /// No finding `id`.
    pub fn expect_none(&self, id: &str) {
        assert!(
            self.findings(id).is_empty(),
            "no {id} expected: {:#?}",
            self.t.findings
        );
    }
}

/// Bytes as text, invalid UTF-8 replaced.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A command as (verb, arg, codes of the replies that answer it, in order).
pub type Cmd<C> = (String, String, Vec<C>);
/// A reply as (code, lines, verb of the command it answers).
pub type Rep<C> = (C, Vec<String>, Option<String>);

/// Each command of `d` as a [`Cmd`], reply codes mapped by `code`.
pub fn commands<C>(d: &Dialogue, code: impl Fn(Code) -> C) -> Vec<Cmd<C>> {
    d.commands
        .iter()
        .enumerate()
        .map(|(i, cm)| {
            (
                cm.verb.clone(),
                text(&cm.arg),
                d.replies
                    .iter()
                    .filter(|r| r.command == Some(i))
                    .map(|r| code(r.code))
                    .collect(),
            )
        })
        .collect()
}

/// Each reply of `d` as a [`Rep`], its code mapped by `code`.
pub fn replies<C>(d: &Dialogue, code: impl Fn(Code) -> C) -> Vec<Rep<C>> {
    d.replies
        .iter()
        .map(|r| {
            (
                code(r.code),
                r.lines.iter().map(|l| text(l)).collect(),
                r.command.map(|i| d.commands[i].verb.clone()),
            )
        })
        .collect()
}

/// An expected [`Cmd`].
pub fn cmd<C: Clone>(verb: &str, arg: &str, codes: &[C]) -> Cmd<C> {
    (verb.to_string(), arg.to_string(), codes.to_vec())
}

/// An expected [`Rep`].
pub fn rep<C>(code: C, lines: &[&str], answers: Option<&str>) -> Rep<C> {
    (
        code,
        lines.iter().map(|l| l.to_string()).collect(),
        answers.map(str::to_string),
    )
}

/// The pairing seen from both ends must agree: a command's `reply` is the
/// last (final) reply that answers it.
pub fn assert_pairing_consistent(d: &Dialogue) {
    for (i, cm) in d.commands.iter().enumerate() {
        let last = d.replies.iter().rposition(|r| r.command == Some(i));
        assert_eq!(cm.reply, last, "command {i} {}", cm.verb);
    }
}

/// Standard base64 (RFC 4648 §4) with padding.
pub fn b64(input: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(A[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
