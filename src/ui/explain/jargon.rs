//! The short names in titles and columns: Zeek's connection history
//! letters and its connection states, and how a fact is known.

use super::Explanation;

/// Zeek's history letters, one a step of the connection (upper case: the
/// client did it, lower case: the server).
pub fn history(h: &str) -> Explanation {
    let mut e = Explanation::new(format!("history {h}"), None).say(
        "Zeek's connection history: one letter per kind of event, in the order each first happened. Upper \
         case is the client, lower case the server.",
    );
    for c in h.chars() {
        let who = if c.is_ascii_uppercase() {
            "client"
        } else {
            "server"
        };
        let what = match c.to_ascii_lowercase() {
            's' => "sent a SYN",
            'h' => "sent a SYN/ACK",
            'a' => "sent a pure ACK",
            'd' => "sent data",
            'f' => "sent a FIN",
            'r' => "sent a RST",
            'c' => "sent a segment with a bad checksum",
            'g' => "sent content after a gap (bytes missing from the capture)",
            't' => "retransmitted",
            'w' => "advertised a zero window",
            'i' => "sent an inconsistent segment (e.g. SYN with RST)",
            'q' => "sent several SYNs",
            '^' => "had its roles flipped (the capture began after the handshake)",
            _ => "did something else",
        };
        e = e.say(format!("{c}: the {who} {what}."));
    }
    e
}

/// A Zeek connection state (its `conn_state`), in words.
pub fn conn_state(s: &str) -> &'static str {
    match s {
        "S0" => "a SYN, no answer",
        "S1" => "established, not closed",
        "SF" => "normal: established and closed",
        "REJ" => "refused: the SYN was answered with a RST",
        "S2" => "established; only the client closed",
        "S3" => "established; only the server closed",
        "RSTO" => "established, then reset by the client",
        "RSTR" => "established, then reset by the server",
        "RSTOS0" => "the client sent a SYN, then a RST",
        "RSTRH" => "the server sent a SYN/ACK, then a RST",
        "SH" => "the client sent a SYN and a FIN, no SYN/ACK",
        "SHR" => "the server sent a SYN/ACK and a FIN, no SYN",
        "OTH" => "no SYN seen: the capture began mid-connection",
        _ => "",
    }
}

/// How a fact is known.
pub fn provenance() -> Explanation {
    Explanation::new("observed, inferred, recorded", None)
        .say("observed: the bytes in the capture show it (a segment, its flags, its payload).")
        .say(
            "inferred: sockscope worked it out from what was observed (a TCP state, a read() the \
             application must have made); right as far as the capture point can tell.",
        )
        .say(
            "observed (lab): the lab's programs recorded the call as they made it, so it is what really \
             happened in the program.",
        )
}
