//! Where a step is anchored: a frame, or — so that a lesson holds on a fresh
//! capture from the lab — an event: a segment, a command, a reply, a socket
//! call, a finding, a kernel value crossing a line, a message. Each resolves
//! against a timeline to the frame the view's cursor goes to.

use serde::Deserialize;

use crate::socket::SocketCall;
use crate::tcp::{Dir, Endpoint, Flag, KernelAt};
use crate::timeline::{KernelIndex, Timeline};

/// An anchor, as a step's `at = { ... }` writes it: exactly one of the kinds
/// (`frame`, `segment`, `flag`, `command`, `reply`, `call`, `finding`,
/// `kernel`, `message`), and qualifiers.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// A frame number (only for a lesson on a shipped capture: a fresh lab
    /// capture numbers its frames otherwise).
    pub frame: Option<u64>,
    /// A segment with exactly these flags, as the ladder writes them
    /// (`SYN`, `SYN,ACK`, `ACK`, `PSH,ACK`, `FIN,ACK`, `RST,ACK`).
    pub segment: Option<String>,
    /// A segment with this TCP analysis flag (`retransmission`, `duplicate_ack`,
    /// `zero_window`, `zero_window_probe`, `window_update`, ...).
    pub flag: Option<String>,
    /// `resent = true`: a segment carrying bytes this capture had already
    /// seen, however the analysis classes it (a retransmission, fast or
    /// spurious, or — sent again within a round trip — out of order, as
    /// Wireshark's rule says), so a lesson holds on a fresh recording whose
    /// timing tips it one way or the other.
    pub resent: Option<bool>,
    /// A client command, by verb (`HELO`, `MAIL`, `USER`).
    pub command: Option<String>,
    /// A server reply, by code (`220`, `354`; POP3 `+OK`, `-ERR`).
    pub reply: Option<ReplyCode>,
    /// A socket call (`listen`, `connect`, `accept`, `read`, `write`,
    /// `close`, `eof`, `reset`, `setsockopt`, `shutdown`).
    pub call: Option<String>,
    /// A finding, by id.
    pub finding: Option<String>,
    /// A kernel value of the endpoint `side` (`unread`, `window`,
    /// `in_flight`, `received`, `read`, `retransmissions`), the first
    /// segment where it is `above`, `below` or `equals` a number.
    pub kernel: Option<String>,
    /// The n-th message (1-based).
    pub message: Option<u32>,

    /// Any anchor: look in connection `conn` of the capture (1-based, as the
    /// report lists them) instead of the one the lesson follows, so that one
    /// lesson can walk from a POP3 fetch to the SMTP hand-off after it.
    pub conn: Option<u32>,

    /// Segments and calls: whose (`client` or `server`); kernel: whose value.
    pub side: Option<Endpoint>,
    /// A reply that answers this command's verb.
    pub answers: Option<String>,
    /// The n-th match, from 1 (default 1).
    pub nth: Option<u32>,
    /// Commands and replies: the segment that carried their `first` byte, or
    /// (default) their `last`. Messages: the segment that carried the first
    /// byte of their content, or (default) where the analysis closes them
    /// (the reply that accepted them, else the content's last byte).
    pub part: Option<Part>,
    pub above: Option<u64>,
    pub below: Option<u64>,
    pub equals: Option<u64>,
}

/// A reply code: a number (SMTP) or `+OK`/`-ERR` (POP3).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ReplyCode {
    Smtp(u16),
    Text(String),
}

/// Which byte of a line anchors it.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    First,
    #[default]
    Last,
}

/// Where an anchor landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub conn: u32,
    pub frame: u64,
}

/// Why an anchor did not land.
pub type Miss = String;

impl Anchor {
    /// The kinds this anchor names (exactly one is valid).
    fn kinds(&self) -> Vec<&'static str> {
        let mut k = Vec::new();
        let has = [
            (self.frame.is_some(), "frame"),
            (self.segment.is_some(), "segment"),
            (self.flag.is_some(), "flag"),
            (self.resent.is_some(), "resent"),
            (self.command.is_some(), "command"),
            (self.reply.is_some(), "reply"),
            (self.call.is_some(), "call"),
            (self.finding.is_some(), "finding"),
            (self.kernel.is_some(), "kernel"),
            (self.message.is_some(), "message"),
        ];
        for (yes, name) in has {
            if yes {
                k.push(name);
            }
        }
        k
    }

    /// Whether it names a frame number (which a fresh capture does not keep).
    pub fn is_frame(&self) -> bool {
        self.frame.is_some()
    }

    /// The anchor in a few words, for messages and the lesson pane.
    pub fn describe(&self) -> String {
        match self.conn {
            Some(c) => format!("{} in connection {c}", self.describe_event()),
            None => self.describe_event(),
        }
    }

    /// The event alone, without the connection.
    fn describe_event(&self) -> String {
        let nth = self
            .nth
            .filter(|&n| n > 1)
            .map(|n| format!(" #{n}"))
            .unwrap_or_default();
        let side = self
            .side
            .map(|s| format!(" from the {}", s.name()))
            .unwrap_or_default();
        if let Some(f) = self.frame {
            return format!("frame {f}");
        }
        if let Some(s) = &self.segment {
            return format!("the {s} segment{nth}{side}");
        }
        if let Some(f) = &self.flag {
            return format!("the segment{nth} marked {f}{side}");
        }
        if self.resent.is_some() {
            return format!("the segment{nth} that resent bytes{side}");
        }
        if let Some(c) = &self.command {
            return format!("the {c} command{nth}");
        }
        if let Some(r) = &self.reply {
            let code = match r {
                ReplyCode::Smtp(c) => c.to_string(),
                ReplyCode::Text(t) => t.clone(),
            };
            let to = self
                .answers
                .as_ref()
                .map(|a| format!(" to {a}"))
                .unwrap_or_default();
            return format!("the {code} reply{to}{nth}");
        }
        if let Some(c) = &self.call {
            return format!("{c}(){nth}{side}");
        }
        if let Some(f) = &self.finding {
            return format!("the {f} finding{nth}");
        }
        if let Some(k) = &self.kernel {
            return format!("the {} kernel's {k}", self.side.map_or("", |s| s.name()));
        }
        if let Some(m) = self.message {
            return format!("message {m}");
        }
        "nothing".to_string()
    }

    /// Finds the anchor in connection `conn` of a timeline.
    pub fn resolve(&self, t: &Timeline, kernel: &KernelIndex, conn: u32) -> Result<Resolved, Miss> {
        match self.kinds().as_slice() {
            [_] => {}
            [] => return Err("names no event (frame, segment, flag, resent, command, reply, call, finding, kernel or message)".into()),
            many => return Err(format!("names {} at once; a step is anchored to one", many.join(" and "))),
        }
        if let Some(c) = self.conn.filter(|&c| t.connection(c).is_none()) {
            return Err(format!(
                "the capture has no connection {c} ({} connection(s))",
                t.connections.len()
            ));
        }
        let conn = self.conn.unwrap_or(conn);
        let nth = self.nth.unwrap_or(1).max(1) as usize;
        let at = |frame: u64| Resolved { conn, frame };
        if let Some(f) = self.frame {
            return match t.frames.iter().find(|x| x.number == f) {
                Some(_) => Ok(at(f)),
                None => Err(format!(
                    "frame {f} is not in the capture ({} frames)",
                    t.frames.len()
                )),
            };
        }
        if let Some(frame) = self.segment_frame(t, conn, nth)? {
            return Ok(at(frame));
        }
        if let Some(frame) = self.dialogue_frame(t, conn, nth)? {
            return Ok(at(frame));
        }
        if let Some(c) = &self.call {
            let mut calls = t
                .socket_of(conn)
                .filter(|e| call_is(&e.call, c))
                .filter(|e| self.side.is_none_or(|s| e.endpoint == s));
            return calls.nth(nth - 1).map(|e| at(e.frame)).ok_or_else(|| {
                format!(
                    "no {}: the connection's socket calls have no such call",
                    self.describe()
                )
            });
        }
        if let Some(id) = &self.finding {
            let mut found = t.findings_of(conn).filter(|f| f.id == id.as_str());
            return found
                .nth(nth - 1)
                .map(|f| at(f.frame))
                .ok_or_else(|| format!("no {} in connection {conn}", self.describe()));
        }
        if self.kernel.is_some() {
            return self.kernel_frame(t, kernel, conn).map(at);
        }
        Err(format!("{} cannot be found", self.describe()))
    }

    /// `segment`, `flag` and `resent` anchors.
    fn segment_frame(&self, t: &Timeline, conn: u32, nth: usize) -> Result<Option<u64>, Miss> {
        let dir = self.side.map(|s| match s {
            Endpoint::Client => Dir::C2s,
            Endpoint::Server => Dir::S2c,
        });
        let mine = |d: Dir| dir.is_none_or(|x| x == d);
        if let Some(flags) = &self.segment {
            let want = normalise_flags(flags);
            let mut segs = t
                .segments_of(conn)
                .filter(|s| mine(s.dir) && s.flags.to_string() == want);
            return segs
                .nth(nth - 1)
                .map(|s| Some(s.frame))
                .ok_or_else(|| format!("no {} in connection {conn}", self.describe()));
        }
        if let Some(flag) = &self.flag {
            if !Flag::ALL.iter().any(|f| f.name() == flag.as_str()) {
                let known: Vec<&str> = Flag::ALL.iter().map(|f| f.name()).collect();
                return Err(format!(
                    "\"{flag}\" is not a TCP analysis flag (they are: {})",
                    known.join(", ")
                ));
            }
            let mut segs = t
                .segments_of(conn)
                .filter(|s| mine(s.dir) && s.analysis.names().contains(&flag.as_str()));
            return segs
                .nth(nth - 1)
                .map(|s| Some(s.frame))
                .ok_or_else(|| format!("no {} in connection {conn}", self.describe()));
        }
        if let Some(resent) = self.resent {
            if !resent {
                return Err("`resent = false` names no event; write `resent = true`".into());
            }
            let mut segs = t
                .segments_of(conn)
                .filter(|s| mine(s.dir) && s.context.original_frame.is_some());
            return segs
                .nth(nth - 1)
                .map(|s| Some(s.frame))
                .ok_or_else(|| format!("no {} in connection {conn}", self.describe()));
        }
        Ok(None)
    }

    /// `command`, `reply` and `message` anchors.
    fn dialogue_frame(&self, t: &Timeline, conn: u32, nth: usize) -> Result<Option<u64>, Miss> {
        if self.command.is_none() && self.reply.is_none() && self.message.is_none() {
            return Ok(None);
        }
        let Some(d) = t.dialogue(conn) else {
            return Err(format!(
                "connection {conn} carries no SMTP or POP3 dialogue"
            ));
        };
        let pick = |o: &crate::proto::Origin| match self.part.unwrap_or_default() {
            Part::First => o.first_frame(),
            Part::Last => o.last_frame(),
        };
        if let Some(verb) = &self.command {
            let mut cmds = d
                .commands
                .iter()
                .filter(|c| c.verb.eq_ignore_ascii_case(verb));
            return cmds
                .nth(nth - 1)
                .map(|c| Some(pick(&c.origin)))
                .ok_or_else(|| format!("no {} in connection {conn}'s dialogue", self.describe()));
        }
        if let Some(code) = &self.reply {
            let want = match code {
                ReplyCode::Smtp(c) => c.to_string(),
                ReplyCode::Text(t) => t.clone(),
            };
            let answers = |r: &crate::proto::Reply| match &self.answers {
                None => true,
                Some(verb) => r
                    .command
                    .and_then(|i| d.commands.get(i))
                    .is_some_and(|c| c.verb.eq_ignore_ascii_case(verb)),
            };
            let mut replies = d
                .replies
                .iter()
                .filter(|r| r.code.to_string() == want && answers(r));
            return replies
                .nth(nth - 1)
                .map(|r| Some(pick(&r.origin)))
                .ok_or_else(|| format!("no {} in connection {conn}'s dialogue", self.describe()));
        }
        let m = self.message.unwrap_or(1).max(1) as usize;
        let frame = |x: &crate::proto::Message| match self.part.unwrap_or_default() {
            Part::First => x.content_frame.unwrap_or(x.frame),
            Part::Last => x.frame,
        };
        d.messages
            .get(m - 1)
            .map(|x| Some(frame(x)))
            .ok_or_else(|| {
                format!(
                    "connection {conn} has {} message(s), not {m}",
                    d.messages.len()
                )
            })
    }

    /// A `kernel` anchor: the first segment after which the value crosses.
    fn kernel_frame(&self, t: &Timeline, k: &KernelIndex, conn: u32) -> Result<u64, Miss> {
        let name = self.kernel.as_deref().unwrap_or("");
        let side = self.side.ok_or_else(|| {
            format!("a kernel anchor names whose kernel (`side`) holds the {name}")
        })?;
        let value = kernel_value(name).ok_or_else(|| {
            format!("the kernel has no \"{name}\" to watch (unread, window, in_flight, received, read, retransmissions)")
        })?;
        let meets = |v: u64| {
            self.above.is_none_or(|a| v > a)
                && self.below.is_none_or(|b| v < b)
                && self.equals.is_none_or(|e| v == e)
        };
        if self.above.is_none() && self.below.is_none() && self.equals.is_none() {
            return Err(format!(
                "a kernel anchor on {name} needs `above`, `below` or `equals`"
            ));
        }
        let frames: Vec<u64> = t.segments_of(conn).map(|s| s.frame).collect();
        for (pos, frame) in frames.iter().enumerate() {
            let Some(at) = k.at(t, conn, pos) else {
                continue;
            };
            if value(&at, side).is_some_and(meets) {
                return Ok(*frame);
            }
        }
        Err(format!(
            "the {} kernel's {name} never meets the condition in connection {conn}",
            side.name()
        ))
    }
}

/// Whether a socket call is the one a lesson names. `reset` is a read()
/// that failed with ECONNRESET whether sockscope inferred it or the lab
/// recorded it (a recorded failure is named by its call, `read`).
fn call_is(call: &SocketCall, name: &str) -> bool {
    match call {
        SocketCall::Failed { call, error } if name == "reset" => {
            *call == "read" && error.as_str() == "ECONNRESET"
        }
        other => other.name() == name,
    }
}

/// A kernel value by the name a lesson uses.
type KernelValue = fn(&KernelAt, Endpoint) -> Option<u64>;

fn kernel_value(name: &str) -> Option<KernelValue> {
    Some(match name {
        "unread" => |k, e| Some(k.side(e).unread()),
        "window" => |k, e| k.side(e).window,
        "in_flight" => |k, e| k.side(e).in_flight(),
        "received" => |k, e| Some(k.side(e).received),
        "read" => |k, e| Some(k.side(e).read),
        "retransmissions" => |k, e| Some(k.side(e).retransmissions),
        _ => return None,
    })
}

/// `syn, ack` → `SYN,ACK`, as the ladder writes flags.
fn normalise_flags(flags: &str) -> String {
    flags
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|f| !f.is_empty())
        .map(str::to_ascii_uppercase)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::CaptureReader;
    use crate::timeline::analyze;

    fn shipped(name: &str) -> (Timeline, KernelIndex) {
        let bytes = crate::lessons::shipped::capture(name).expect("shipped");
        let reader = CaptureReader::from_reader(name, bytes).expect("opens");
        let t = analyze(reader, &mut ());
        let k = KernelIndex::build(&t);
        (t, k)
    }

    fn anchor(toml_text: &str) -> Anchor {
        toml::from_str(toml_text).expect("an anchor")
    }

    #[test]
    fn conn_looks_in_another_connection() {
        // The POP3 fetch is connection 1, the SMTP hand-off connection 2.
        let (t, k) = shipped("pop3-fetch.pcapng");
        let in_pop3 = anchor("command = \"QUIT\"").resolve(&t, &k, 1);
        let in_smtp = anchor("command = \"QUIT\"\nconn = 2").resolve(&t, &k, 1);
        assert_eq!(in_pop3, Ok(Resolved { conn: 1, frame: 19 }));
        assert_eq!(in_smtp, Ok(Resolved { conn: 2, frame: 40 }));
        let none = anchor("reply = 220\nconn = 3").resolve(&t, &k, 1);
        assert!(none.unwrap_err().contains("no connection 3"));
        assert_eq!(
            anchor("reply = 220\nconn = 2").describe(),
            "the 220 reply in connection 2"
        );
    }

    #[test]
    fn a_message_anchors_at_its_first_content_byte_or_its_end() {
        // clean.pcapng: the content is #15, the 250 that accepts it #16.
        let (t, k) = shipped("clean.pcapng");
        let first = anchor("message = 1\npart = \"first\"").resolve(&t, &k, 1);
        let last = anchor("message = 1").resolve(&t, &k, 1);
        assert_eq!(first.map(|r| r.frame), Ok(15));
        assert_eq!(last.map(|r| r.frame), Ok(16));
    }

    #[test]
    fn a_recorded_read_that_failed_with_econnreset_is_a_reset() {
        // reset.pcapng: the lab recorded the client's read() → -1 ECONNRESET
        // at the server's RST, #12.
        let (t, k) = shipped("reset.pcapng");
        let reset = anchor("call = \"reset\"\nside = \"client\"").resolve(&t, &k, 1);
        assert_eq!(reset.map(|r| r.frame), Ok(12));
    }

    #[test]
    fn an_unknown_analysis_flag_is_named() {
        let (t, k) = shipped("slow-reader.pcapng");
        let typo = anchor("flag = \"dup_ack\"").resolve(&t, &k, 1);
        assert!(typo.unwrap_err().contains("not a TCP analysis flag"));
        let zero = anchor("flag = \"zero_window\"").resolve(&t, &k, 1);
        assert_eq!(zero.map(|r| r.frame), Ok(22));
    }

    #[test]
    fn resent_lands_on_bytes_sent_again_however_they_are_classed() {
        // loss.pcapng: MAIL first in #9, sent again in #12 within a round
        // trip (out of order by Wireshark's rule); the body first in #19,
        // again in #21 (a spurious retransmission).
        let (t, k) = shipped("loss.pcapng");
        let first = anchor("resent = true\nside = \"client\"").resolve(&t, &k, 1);
        let second = anchor("resent = true\nnth = 2").resolve(&t, &k, 1);
        assert_eq!(first.map(|r| r.frame), Ok(12));
        assert_eq!(second.map(|r| r.frame), Ok(21));
        let none = anchor("resent = true\nside = \"server\"").resolve(&t, &k, 1);
        assert!(none.unwrap_err().contains("resent bytes from the server"));
        let no = anchor("resent = false").resolve(&t, &k, 1);
        assert!(no.unwrap_err().contains("resent = true"));
    }
}
