//! A connection summary in Zeek's conn.log vocabulary: the `history` letters and
//! the `conn_state` code (Zeek `scripts/base/protocols/conn/main.zeek`, and
//! `TCPSessionAdapter::UpdateHistory`). Client (originator) letters are upper
//! case, server (responder) letters lower case.

use super::analysis::{Analysis, Flag};
use crate::wire::TcpSegment;

/// Zeek's coarse view of one endpoint, from which `conn_state` is derived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ZeekEndpoint {
    #[default]
    Inactive,
    SynSent,
    SynAckSent,
    /// Seen sending without a handshake (capture started mid-connection).
    Partial,
    Established,
    /// Sent a FIN.
    Closed,
    /// Sent a RST.
    Reset,
}

/// Builds the `history` string as segments pass.
#[derive(Clone, Debug, Default)]
pub struct History {
    text: String,
    /// Letters recorded at most once per direction: a d i q.
    once: [u8; 2],
    /// Last sequence number recorded for s h f r, per direction, so a repeat is
    /// recorded only when the number changed.
    last_seq: [[Option<u32>; 4]; 2],
    /// Counters for the logarithmic letters c g t w, per direction.
    counts: [[u64; 4]; 2],
}

/// Letters whose repeats are recorded when the sequence number differs.
#[derive(Clone, Copy)]
pub enum SeqLetter {
    Syn = 0,
    SynAck = 1,
    Fin = 2,
    Rst = 3,
}

/// Letters recorded once per direction.
#[derive(Clone, Copy)]
pub enum OnceLetter {
    Ack = 0,
    Data = 1,
    Inconsistent = 2,
    MultiFlag = 3,
}

/// Logarithmic letters: recorded at the 1st, 10th, 100th ... occurrence.
#[derive(Clone, Copy)]
pub enum LogLetter {
    BadChecksum = 0,
    Gap = 1,
    Retransmission = 2,
    ZeroWindow = 3,
}

impl History {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Zeek's `^`: the connection's direction was flipped from the order of the
    /// first packet.
    pub fn flipped(&mut self) {
        if !self.text.starts_with('^') {
            self.text.insert(0, '^');
        }
    }

    fn push(&mut self, client: bool, letter: char) {
        self.text.push(if client {
            letter.to_ascii_uppercase()
        } else {
            letter
        });
    }

    pub fn seq_letter(&mut self, client: bool, which: SeqLetter, seq: u32) {
        let [s, h, f, r] = side(&mut self.last_seq, client);
        let (slot, letter) = match which {
            SeqLetter::Syn => (s, 's'),
            SeqLetter::SynAck => (h, 'h'),
            SeqLetter::Fin => (f, 'f'),
            SeqLetter::Rst => (r, 'r'),
        };
        if *slot == Some(seq) {
            return;
        }
        *slot = Some(seq);
        self.push(client, letter);
    }

    pub fn once(&mut self, client: bool, which: OnceLetter) {
        let bit = 1u8 << (which as u8);
        let seen = side(&mut self.once, client);
        if *seen & bit != 0 {
            return;
        }
        *seen |= bit;
        let letter = match which {
            OnceLetter::Ack => 'a',
            OnceLetter::Data => 'd',
            OnceLetter::Inconsistent => 'i',
            OnceLetter::MultiFlag => 'q',
        };
        self.push(client, letter);
    }

    /// Zeek's `TCPSessionAdapter::UpdateHistory`, letter for letter: a packet
    /// with two of SYN/FIN/RST records only `I` (FIN+RST) or `Q`; one of them
    /// records its letter (again when its sequence number changed; a FIN's is
    /// taken after its data); D and A only on packets with none of the three.
    pub fn segment(&mut self, seg: &TcpSegment, client: bool, a: Analysis) {
        let f = seg.flags;
        let control = u8::from(f.syn()) + u8::from(f.fin()) + u8::from(f.rst());
        if control > 1 {
            let which = if f.fin() && f.rst() {
                OnceLetter::Inconsistent
            } else {
                OnceLetter::MultiFlag
            };
            self.once(client, which);
        } else if f.syn() {
            let which = if f.ack() {
                SeqLetter::SynAck
            } else {
                SeqLetter::Syn
            };
            self.seq_letter(client, which, seg.seq);
        } else if f.fin() {
            self.seq_letter(
                client,
                SeqLetter::Fin,
                seg.seq.wrapping_add(seg.payload_len),
            );
        } else if f.rst() {
            self.seq_letter(client, SeqLetter::Rst, seg.seq);
        } else if seg.payload_len > 0 {
            self.once(client, OnceLetter::Data);
        } else if f.ack() {
            self.once(client, OnceLetter::Ack);
        }
        // Zeek counts retransmitted payload only.
        if a.has(Flag::Retransmission) && seg.payload_len > 0 {
            self.log(client, LogLetter::Retransmission);
        }
        if seg.window == 0 && !f.syn() && !f.rst() {
            self.log(client, LogLetter::ZeroWindow);
        }
    }

    pub fn log(&mut self, client: bool, which: LogLetter) {
        let [c, g, t, w] = side(&mut self.counts, client);
        let (count, letter) = match which {
            LogLetter::BadChecksum => (c, 'c'),
            LogLetter::Gap => (g, 'g'),
            LogLetter::Retransmission => (t, 't'),
            LogLetter::ZeroWindow => (w, 'w'),
        };
        *count += 1;
        let n = *count;
        // Recorded at 1, 10, 100, 1000 ...: n is a power of ten.
        let mut p = 1u64;
        while p < n {
            p = p.saturating_mul(10);
        }
        if p == n {
            self.push(client, letter);
        }
    }
}

/// The client's (originator's) entry of a per-direction pair, or the
/// server's.
fn side<T>(pair: &mut [T; 2], client: bool) -> &mut T {
    let [c, s] = pair;
    if client {
        c
    } else {
        s
    }
}

/// Zeek's `conn_state` from the two endpoints' coarse states; `payload` says
/// whether either side sent any data (both sides resetting a connection that
/// carried nothing is a rejection).
pub fn conn_state(client: ZeekEndpoint, server: ZeekEndpoint, payload: bool) -> &'static str {
    use ZeekEndpoint::*;
    let c_inactive = matches!(client, Inactive | Partial);
    let s_inactive = matches!(server, Inactive | Partial);
    if server == Reset {
        if matches!(client, SynSent | SynAckSent) || (client == Reset && !payload) {
            "REJ"
        } else if c_inactive {
            "RSTRH"
        } else {
            "RSTR"
        }
    } else if client == Reset {
        if s_inactive {
            "RSTOS0"
        } else {
            "RSTO"
        }
    } else if client == Closed && server == Closed {
        "SF"
    } else if client == Closed {
        if s_inactive {
            "SH"
        } else {
            "S2"
        }
    } else if server == Closed {
        if c_inactive {
            "SHR"
        } else {
            "S3"
        }
    } else if client == SynSent && server == Inactive {
        "S0"
    } else if client == Established && server == Established {
        "S1"
    } else {
        "OTH"
    }
}

/// One line explaining a `conn_state` code, from Zeek's documentation.
pub fn conn_state_meaning(state: &str) -> &'static str {
    match state {
        "S0" => "connection attempt seen, no reply",
        "S1" => "established, not terminated",
        "SF" => "normal establishment and termination",
        "REJ" => "connection attempt rejected",
        "S2" => "established, close attempt by client seen (but no reply from server)",
        "S3" => "established, close attempt by server seen (but no reply from client)",
        "RSTO" => "established, client aborted (sent a RST)",
        "RSTR" => "established, server aborted (sent a RST)",
        "RSTOS0" => "client sent a SYN followed by a RST, never saw a SYN-ACK",
        "RSTRH" => "server sent a SYN-ACK followed by a RST, never saw a SYN from the client",
        "SH" => "client sent a SYN followed by a FIN, never saw a SYN-ACK (half open)",
        "SHR" => "server sent a SYN-ACK followed by a FIN, never saw a SYN from the client",
        _ => "no SYN seen, just midstream traffic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_smtp_session() {
        let mut h = History::default();
        h.seq_letter(true, SeqLetter::Syn, 1);
        h.seq_letter(false, SeqLetter::SynAck, 9);
        h.once(true, OnceLetter::Ack);
        h.once(false, OnceLetter::Data);
        h.once(true, OnceLetter::Data);
        h.once(false, OnceLetter::Ack);
        h.once(true, OnceLetter::Data);
        h.seq_letter(true, SeqLetter::Fin, 50);
        h.seq_letter(true, SeqLetter::Fin, 50);
        h.seq_letter(false, SeqLetter::Fin, 90);
        assert_eq!(h.as_str(), "ShAdDaFf");
    }

    #[test]
    fn logarithmic_letters() {
        let mut h = History::default();
        for _ in 0..100 {
            h.log(true, LogLetter::Retransmission);
        }
        assert_eq!(h.as_str(), "TTT");
    }

    #[test]
    fn states() {
        use ZeekEndpoint::*;
        assert_eq!(conn_state(Closed, Closed, true), "SF");
        assert_eq!(conn_state(SynSent, Inactive, false), "S0");
        assert_eq!(conn_state(SynSent, Reset, false), "REJ");
        assert_eq!(conn_state(Established, Reset, true), "RSTR");
        assert_eq!(conn_state(Reset, Reset, false), "REJ");
        assert_eq!(conn_state(Reset, Reset, true), "RSTR");
        assert_eq!(conn_state(Reset, Established, true), "RSTO");
        assert_eq!(conn_state(Partial, Partial, true), "OTH");
    }
}
