//! The stream the receiver accepted, not the first copy seen
//! (docs/reassembly.md): a capture shaped like the public test suites' case
//! where a server's first segment carries 5,002 bytes (a `220` line and
//! padding), the client's window takes only the `220` line, and every later
//! server segment starts inside the padding with the real replies, each
//! acknowledged in turn.

mod support;

use sockscope::finding::Severity;
use sockscope::proto::Code;
use support::dialogue::{analyze_pcap, commands, replies};
use support::{Conv, Seg, CLIENT_ISN, SERVER_ISN};

const GREETING: &[u8] = b"220 mx.example.org ESMTP\r\n";
const SERVER_TOTAL: usize = 5002;

/// Builds the conversation by hand (no window scaling, so the client's
/// small window is exact): the segments carry their own numbers.
struct Wire {
    conv: Conv,
    /// Stream offsets of the next byte each side sends.
    c: u32,
    s: u32,
}

impl Wire {
    fn seg(&mut self, from_client: bool, flags: &'static str, payload: &[u8], window: u16) {
        let (seq, ack) = if from_client {
            (CLIENT_ISN + 1 + self.c, SERVER_ISN + 1 + self.s)
        } else {
            (SERVER_ISN + 1 + self.s, CLIENT_ISN + 1 + self.c)
        };
        let seg = Seg {
            from_client,
            seq,
            ack,
            flags,
            window,
            payload: payload.to_vec(),
            time_us: self.conv.now(),
            options: Vec::new(),
            snaplen: None,
        };
        self.conv.push(seg);
    }

    fn client(&mut self, line: &[u8]) {
        self.seg(true, "PA", line, 65535);
        self.c += line.len() as u32;
        self.seg(false, "A", b"", 65535);
    }

    /// A server reply at the offset the client acknowledged, then the
    /// client's ACK of it.
    fn server(&mut self, reply: &[u8]) {
        self.seg(false, "PA", reply, 65535);
        self.s += reply.len() as u32;
        self.seg(true, "A", b"", 65535);
    }
}

fn capture() -> Vec<u8> {
    let mut w = Wire {
        conv: Conv::new(),
        c: 0,
        s: 0,
    };
    // Handshake without window scaling; the client's ACK advertises a
    // window exactly the greeting's length.
    let syn = |from_client, seq, ack, flags| Seg {
        from_client,
        seq,
        ack,
        flags,
        window: 65535,
        payload: Vec::new(),
        time_us: 0,
        options: Vec::new(),
        snaplen: None,
    };
    w.conv.push(syn(true, CLIENT_ISN, 0, "S"));
    w.conv.push(Seg {
        time_us: 1000,
        ..syn(false, SERVER_ISN, CLIENT_ISN + 1, "SA")
    });
    w.seg(true, "A", b"", GREETING.len() as u16);
    let mut first = GREETING.to_vec();
    first.resize(SERVER_TOTAL, b'X');
    w.seg(false, "PA", &first, 65535);
    w.s += GREETING.len() as u32;
    // The client takes the greeting only, and opens its window.
    w.seg(true, "A", b"", 65535);
    w.client(b"EHLO client.example\r\n");
    w.server(b"250-mx.example.org\r\n250 AUTH LOGIN PLAIN\r\n");
    w.client(b"AUTH LOGIN\r\n");
    w.server(b"334 VXNlcm5hbWU6\r\n");
    w.client(b"YWxpY2U=\r\n");
    w.server(b"334 UGFzc3dvcmQ6\r\n");
    w.client(b"c2VjcmV0\r\n");
    w.server(b"235 2.7.0 Authentication successful\r\n");
    w.client(b"MAIL FROM:<alice@example.org>\r\n");
    w.server(b"250 2.1.0 Ok\r\n");
    w.client(b"RCPT TO:<bob@example.net>\r\n");
    w.server(b"250 2.1.5 Ok\r\n");
    w.client(b"DATA\r\n");
    w.server(b"354 End data with <CR><LF>.<CR><LF>\r\n");
    w.client(b"Subject: hi\r\n\r\nhello\r\n.\r\n");
    w.server(b"250 2.0.0 Ok: queued\r\n");
    w.client(b"QUIT\r\n");
    w.server(b"221 2.0.0 Bye\r\n");
    w.conv.to_pcap()
}

fn code(c: Code) -> u16 {
    match c {
        Code::Smtp(n) => n,
        other => panic!("an SMTP code expected, got {other:?}"),
    }
}

#[test]
fn replies_past_the_receivers_window_lose_to_the_copies_it_accepted() {
    let t = analyze_pcap("receiver-accepted.pcap", capture());
    let d = t.dialogue(1).expect("an SMTP dialogue");
    let verbs: Vec<String> = commands(d, code).into_iter().map(|c| c.0).collect();
    assert_eq!(
        verbs,
        ["EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"],
        "{d:#?}"
    );
    let codes: Vec<u16> = replies(d, code).into_iter().map(|r| r.0).collect();
    assert_eq!(
        codes,
        [220, 250, 334, 334, 235, 250, 250, 354, 250, 221],
        "{d:#?}"
    );
    // The padding was never part of the stream the client read: no reply
    // line carries it.
    assert!(replies(d, code)
        .iter()
        .all(|r| r.1.iter().all(|l| !l.contains("XXXX"))));
    // Both copies of the first differing bytes are said.
    let conflicts: Vec<_> = t
        .findings
        .iter()
        .filter(|f| f.id == "tcp_overlap_conflict")
        .collect();
    assert!(!conflicts.is_empty(), "{:#?}", t.findings);
    let f = conflicts[0];
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("past the window"), "{}", f.message);
    assert!(f.message.contains("XXXX"), "{}", f.message);
}
