//! The SMTP layer as a student and a mail administrator meet it: dialogues
//! built as captures in memory (`tests/support`), read by
//! `sockscope::timeline::analyze`, and checked command by command, reply by
//! reply, message by message and finding by finding.
//!
//! * decoding: every command, single- and multi-line replies, EHLO
//!   capabilities, pairing under PIPELINING (RFC 2920), DATA content (RFC 5321
//!   §4.1.1.4, §4.5.2), BDAT (RFC 3030), STARTTLS (RFC 3207), AUTH (RFC 4954);
//! * the one-reader property: however TCP cut the bytes, the dialogue is the
//!   same ("one reader", ARCHITECTURE.md; the ccNotes war story);
//! * the source documents' own dialogues (docs/sources.md): the exchange of "Re TCP Ports -- and the little guy listening", the `sendmail -v` session of "SMTP and POP"
//!   transcript, the ccNotes desync of "ccNotes SMTP problem explained" (built here, and as shipped);
//! * one test per finding of docs/findings.md that the library implements;
//! * the JSON face (`report --json`) of a built capture, against the contract
//!   in docs/json.md.
//!
//! Frame numbers are 1-based as Wireshark counts them; the handshake is frames
//! 1–3, and the builder below ACKs every step, so each step's segments are
//! followed by one pure ACK from the other side.

mod support;

use std::collections::BTreeSet;

use proptest::prelude::*;
use sockscope::finding::{Finding, Provenance, Severity};
use sockscope::proto::{Code, Dialogue, Message};
use sockscope::timeline::Timeline;
use support::dialogue::{
    self, analyze_pcap, assert_pairing_consistent, b64, build, c, c_parts, s, s_parts, text, Built,
    Run, Step,
};
use support::Conv;

// ---------------------------------------------------------------------------
// Building dialogues: the steps, the builder and `Run` are in
// `tests/support/dialogue.rs`; what is SMTP's own is here.

fn analyze_conv(conv: &Conv) -> Timeline {
    analyze_bytes(conv.to_pcap())
}

fn analyze_bytes(bytes: Vec<u8>) -> Timeline {
    analyze_pcap("built.pcap", bytes)
}

fn run(steps: &[Step]) -> Run {
    build(steps).analyze("built.pcap")
}

impl Run {
    fn d(&self) -> &Dialogue {
        self.t
            .dialogue(1)
            .expect("connection 1 carries an SMTP dialogue")
    }

    fn smtp_ids(&self) -> BTreeSet<&'static str> {
        smtp_ids(&self.t)
    }
}

fn smtp_ids(t: &Timeline) -> BTreeSet<&'static str> {
    t.findings
        .iter()
        .filter(|f| f.id.starts_with("smtp_"))
        .map(|f| f.id)
        .collect()
}

fn code(c: Code) -> u16 {
    match c {
        Code::Smtp(n) => n,
        other => panic!("not an SMTP code: {other:?}"),
    }
}

/// The messages whose data was sent (docs/json.md: one `message` record "per
/// SMTP mail transaction whose data was sent"); `Dialogue::messages` also
/// keeps a transaction reset before DATA, which the JSON face leaves out.
fn sent_messages(d: &Dialogue) -> Vec<&Message> {
    d.messages
        .iter()
        .filter(|m| m.content_frame.is_some() || m.size > 0)
        .collect()
}

type Cmd = dialogue::Cmd<u16>;
type Rep = dialogue::Rep<u16>;

/// Each command as (verb, arg, codes of the replies that answer it, in order:
/// DATA has its 354 and the reply to the end of data, AUTH its 334s).
fn commands(d: &Dialogue) -> Vec<Cmd> {
    dialogue::commands(d, code)
}

/// Each reply as (code, lines, verb of the command it answers).
fn replies(d: &Dialogue) -> Vec<Rep> {
    dialogue::replies(d, code)
}

fn cmd(verb: &str, arg: &str, codes: &[u16]) -> Cmd {
    dialogue::cmd(verb, arg, codes)
}

fn rep(code: u16, lines: &[&str], answers: Option<&str>) -> Rep {
    dialogue::rep(code, lines, answers)
}

const GREETING: &[u8] = b"220 mx.example.org ESMTP\r\n";
const EHLO: &[u8] = b"EHLO client.example\r\n";
/// An EHLO reply advertising every extension the tests need.
const EHLO_ALL: &[u8] = b"250-mx.example.org Hello client.example\r\n\
250-PIPELINING\r\n\
250-SIZE 1000\r\n\
250-STARTTLS\r\n\
250-AUTH PLAIN LOGIN\r\n\
250-CHUNKING\r\n\
250-8BITMIME\r\n\
250 SMTPUTF8\r\n";
/// An EHLO reply advertising nothing.
const EHLO_PLAIN: &[u8] = b"250 mx.example.org Hello client.example\r\n";

// ---------------------------------------------------------------------------
// The builder itself.

#[test]
fn the_builder_acks_each_step_and_numbers_frames() {
    let b = build(&[
        s(GREETING),
        c_parts(&[b"HE", b"LO x\r\n"]),
        s(b"250 ok\r\n"),
    ]);
    assert_eq!(b.frames, vec![vec![4], vec![6, 7], vec![9]]);
    assert_eq!(b.conv.segs.len(), 10);
    assert!(b.conv.segs[4].from_client && b.conv.segs[4].payload.is_empty());
    assert!(!b.conv.segs[7].from_client && b.conv.segs[7].payload.is_empty());
    assert_eq!(
        s(b"abcdef").cut(&[2, 2, 4, 9]).bytes(),
        b"abcdef",
        "cutting keeps the bytes"
    );
    match s(b"abcdef").cut(&[0, 2, 4, 6]) {
        Step::Server(p) => assert_eq!(p, vec![b"ab".to_vec(), b"cd".to_vec(), b"ef".to_vec()]),
        Step::Client(_) => unreachable!(),
    }
}

// ---------------------------------------------------------------------------
// Decoding: commands, replies, capabilities, pairing.

#[test]
fn core_commands_replies_and_capabilities() {
    let r = run(&[
        s(GREETING),
        c(EHLO),
        s(EHLO_ALL),
        c(b"HELO client.example\r\n"),
        s(b"250 mx.example.org\r\n"),
        c(b"VRFY postmaster\r\n"),
        s(b"252 2.1.5 Cannot VRFY user, but will accept message\r\n"),
        c(b"EXPN staff\r\n"),
        s(b"550 5.7.1 Access denied\r\n"),
        c(b"HELP MAIL\r\n"),
        s(b"214-2.0.0 MAIL FROM:<sender> [ <parameters> ]\r\n214 2.0.0 End of HELP info\r\n"),
        c(b"NOOP\r\n"),
        s(b"250 2.0.0 OK\r\n"),
        c(b"MAIL FROM:<alice@example.org>\r\n"),
        s(b"250 2.1.0 Sender OK\r\n"),
        c(b"RSET\r\n"),
        s(b"250 2.0.0 Reset\r\n"),
        c(b"mail from:<alice@example.org> BODY=8BITMIME\r\n"),
        s(b"250 2.1.0 Sender OK\r\n"),
        c(b"RCPT TO:<bob@example.net>\r\n"),
        s(b"250 2.1.5 Recipient OK\r\n"),
        c(b"DATA\r\n"),
        s(b"354 Enter mail, end with \".\" on a line by itself\r\n"),
        c(b"Subject: hi\r\n\r\nhello\r\n.\r\n"),
        s(b"250 2.0.0 Message accepted\r\n"),
        c(b"XFOO Some  Thing\r\n"),
        s(b"500 5.5.1 Command unrecognized\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 2.0.0 Bye\r\n"),
    ]);
    let d = r.d();
    assert_eq!(
        commands(d),
        vec![
            cmd("EHLO", "client.example", &[250]),
            cmd("HELO", "client.example", &[250]),
            cmd("VRFY", "postmaster", &[252]),
            cmd("EXPN", "staff", &[550]),
            cmd("HELP", "MAIL", &[214]),
            cmd("NOOP", "", &[250]),
            cmd("MAIL", "FROM:<alice@example.org>", &[250]),
            cmd("RSET", "", &[250]),
            // The verb is upper-cased (contract), the argument kept as sent.
            cmd("MAIL", "from:<alice@example.org> BODY=8BITMIME", &[250]),
            cmd("RCPT", "TO:<bob@example.net>", &[250]),
            cmd("DATA", "", &[354, 250]),
            // An unknown command is kept verbatim.
            cmd("XFOO", "Some  Thing", &[500]),
            cmd("QUIT", "", &[221]),
        ]
    );
    let reps = replies(d);
    assert_eq!(reps[0], rep(220, &["mx.example.org ESMTP"], None));
    assert_eq!(
        reps[1],
        rep(
            250,
            &[
                "mx.example.org Hello client.example",
                "PIPELINING",
                "SIZE 1000",
                "STARTTLS",
                "AUTH PLAIN LOGIN",
                "CHUNKING",
                "8BITMIME",
                "SMTPUTF8"
            ],
            Some("EHLO")
        )
    );
    assert_eq!(
        reps[5],
        rep(
            214,
            &[
                "2.0.0 MAIL FROM:<sender> [ <parameters> ]",
                "2.0.0 End of HELP info"
            ],
            Some("HELP")
        )
    );
    assert_eq!(
        reps[11],
        rep(
            354,
            &["Enter mail, end with \".\" on a line by itself"],
            Some("DATA")
        )
    );
    assert_eq!(
        reps[12],
        rep(250, &["2.0.0 Message accepted"], Some("DATA"))
    );
    assert_eq!(reps.len(), 15, "{reps:#?}");
    assert_pairing_consistent(d);

    // Each command and reply knows its frame: every step here is one segment.
    let steps_of_commands = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 25, 27];
    for (c, step) in d.commands.iter().zip(steps_of_commands) {
        assert_eq!(c.origin.frames, vec![(r.last(step), c.origin.frames[0].1)]);
        assert_eq!(c.origin.last_frame(), r.last(step), "{}", c.verb);
    }
    let steps_of_replies = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28];
    for (rp, step) in d.replies.iter().zip(steps_of_replies) {
        assert_eq!(rp.origin.last_frame(), r.last(step));
        assert_eq!(rp.origin.frames.len(), 1);
    }

    // EHLO capabilities: the keyword lines after the first (RFC 5321 §4.1.1.1).
    assert_eq!(
        d.capabilities,
        vec![
            "PIPELINING",
            "SIZE 1000",
            "STARTTLS",
            "AUTH PLAIN LOGIN",
            "CHUNKING",
            "8BITMIME",
            "SMTPUTF8"
        ]
    );
    for k in [
        "PIPELINING",
        "size",
        "STARTTLS",
        "AUTH",
        "CHUNKING",
        "8BITMIME",
        "SMTPUTF8",
    ] {
        assert!(d.has_capability(k), "{k}");
    }
    assert!(!d.has_capability("DSN"));

    // The one message (the transaction reset before DATA carried none), and
    // the one finding: the unknown verb.
    let sent = sent_messages(d);
    assert_eq!(sent.len(), 1, "{:#?}", d.messages);
    let m = sent[0];
    assert_eq!(m.from.as_deref(), Some("alice@example.org"));
    assert_eq!(m.to, vec!["bob@example.net"]);
    assert_eq!(m.size, b"Subject: hi\r\n\r\nhello\r\n".len() as u64);
    assert_eq!(m.accepted, Some(true));
    assert_eq!(d.tls_from, None);
    // The unknown verb, and STARTTLS offered but MAIL sent in plaintext
    // (docs/findings.md: smtp_starttls_not_used).
    assert_eq!(
        r.smtp_ids(),
        BTreeSet::from(["smtp_non_smtp_command", "smtp_starttls_not_used"]),
        "{:#?}",
        r.t.findings
    );
    r.expect_one("smtp_non_smtp_command", Severity::Warning, r.last(25));
}

#[test]
fn multi_line_replies_are_read_to_their_last_line() {
    let r = run(&[
        // A three-line greeting in one segment.
        s(b"220-mx.example.org ESMTP\r\n220-no UCE\r\n220 ready\r\n"),
        c(EHLO),
        // A multi-line reply cut inside its lines: the reader collects bytes.
        s_parts(&[
            b"250-mx.example",
            b".org\r\n250-SIZE 1000\r",
            b"\n250 8BITMIME\r\n",
        ]),
        c(b"NOOP\r\n"),
        // `250<CRLF>`: a code and nothing else is a legal last line.
        s(b"250\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    let d = r.d();
    assert_eq!(
        replies(d),
        vec![
            rep(220, &["mx.example.org ESMTP", "no UCE", "ready"], None),
            rep(
                250,
                &["mx.example.org", "SIZE 1000", "8BITMIME"],
                Some("EHLO")
            ),
            rep(250, &[""], Some("NOOP")),
            rep(221, &["bye"], Some("QUIT")),
        ]
    );
    assert_eq!(
        commands(d),
        vec![
            cmd("EHLO", "client.example", &[250]),
            cmd("NOOP", "", &[250]),
            cmd("QUIT", "", &[221]),
        ]
    );
    let ehlo = &d.replies[1];
    let frames: Vec<u64> = ehlo.origin.frames.iter().map(|f| f.0).collect();
    assert_eq!(frames, r.frames[2], "every frame that carried part of it");
    assert_eq!(
        ehlo.origin.frames.iter().map(|f| f.1).sum::<u32>() as usize,
        s_parts(&[
            b"250-mx.example",
            b".org\r\n250-SIZE 1000\r",
            b"\n250 8BITMIME\r\n"
        ])
        .bytes()
        .len()
    );
    assert_eq!(ehlo.origin.last_frame(), r.last(2));
    assert_eq!(d.capabilities, vec!["SIZE 1000", "8BITMIME"]);
    assert!(r.findings("smtp_malformed_reply").is_empty());
    assert!(r.findings("smtp_multiline_code_mismatch").is_empty());
    // Its lines were cut by TCP: the split is worth a note, at the first
    // segment that ended inside a line.
    let f = r.expect_one(
        "smtp_reply_split_across_segments",
        Severity::Info,
        r.frames[2][0],
    );
    for frame in &r.frames[2] {
        assert!(f.message.contains(&format!("#{frame}")), "{}", f.message);
    }
}

#[test]
fn pipelined_envelope_pairs_each_reply_with_its_command() {
    let r = run(&[
        s(GREETING),
        c(EHLO),
        s(EHLO_ALL),
        // RFC 2920 §3.1: MAIL and RCPT may be sent together.
        c(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nRCPT TO:<nobody@example.net>\r\n"),
        s(b"250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n550 5.1.1 No such user\r\n"),
        c(b"DATA\r\n"),
        s(b"354 go ahead\r\n"),
        c(b"Subject: pipelined\r\n\r\nhello\r\n.\r\n"),
        s(b"250 2.0.0 queued\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    let d = r.d();
    assert_eq!(
        commands(d),
        vec![
            cmd("EHLO", "client.example", &[250]),
            cmd("MAIL", "FROM:<alice@example.org>", &[250]),
            cmd("RCPT", "TO:<bob@example.net>", &[250]),
            cmd("RCPT", "TO:<nobody@example.net>", &[550]),
            cmd("DATA", "", &[354, 250]),
            cmd("QUIT", "", &[221]),
        ]
    );
    assert_eq!(
        replies(d)[2..5],
        [
            rep(250, &["2.1.0 Sender OK"], Some("MAIL")),
            rep(250, &["2.1.5 Recipient OK"], Some("RCPT")),
            rep(550, &["5.1.1 No such user"], Some("RCPT")),
        ]
    );
    assert_eq!(d.commands[2].reply, Some(3));
    assert_eq!(d.commands[3].reply, Some(4));
    assert_pairing_consistent(d);
    for i in 1..4 {
        assert_eq!(d.commands[i].origin.last_frame(), r.last(3));
        assert_eq!(d.replies[i + 1].origin.last_frame(), r.last(4));
    }
    assert_eq!(d.messages.len(), 1);
    let m = &d.messages[0];
    assert_eq!(m.from.as_deref(), Some("alice@example.org"));
    assert_eq!(
        m.to,
        vec!["bob@example.net"],
        "the refused RCPT is no recipient"
    );
    assert_eq!(m.accepted, Some(true));
    // Pipelining used as RFC 2920 allows it: nothing to report.
    // Pipelining used as RFC 2920 allows it: nothing to report about it; the
    // server offered STARTTLS and the client sent MAIL in plaintext (docs/findings.md:
    // smtp_starttls_not_used is a warning when MAIL or AUTH follow).
    assert_eq!(
        r.smtp_ids(),
        BTreeSet::from(["smtp_starttls_not_used"]),
        "{:#?}",
        r.t.findings
    );
}

#[test]
fn data_content_is_unstuffed_and_its_headers_read() {
    let content: &[u8] = b"From: Alice <alice@example.org>\r\n\
To: Bob <bob@example.net>\r\n\
Subject: dots\r\n\
Date: Mon, 6 Jun 1997 18:56:22 -0500\r\n\
Message-ID: <1@example.org>\r\n\
\r\n\
first line\r\n\
..a line that starts with a dot\r\n\
...two dots\r\n\
last line\r\n\
.\r\n";
    let r = run(&[
        s(GREETING),
        c(EHLO),
        s(EHLO_PLAIN),
        c(b"MAIL FROM:<alice@example.org>\r\n"),
        s(b"250 ok\r\n"),
        c(b"RCPT TO:<bob@example.net>\r\n"),
        s(b"250 ok\r\n"),
        c(b"RCPT TO:<carol@example.net>\r\n"),
        s(b"550 5.1.1 no such user\r\n"),
        c(b"RCPT TO:<dave@example.net>\r\n"),
        s(b"251 2.1.5 will forward\r\n"),
        c(b"DATA\r\n"),
        s(b"354 go ahead\r\n"),
        c(content),
        s(b"250 2.0.0 queued\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    let d = r.d();
    // Content lines are not commands.
    let verbs: Vec<&str> = d.commands.iter().map(|c| c.verb.as_str()).collect();
    assert_eq!(
        verbs,
        ["EHLO", "MAIL", "RCPT", "RCPT", "RCPT", "DATA", "QUIT"]
    );
    assert_eq!(d.messages.len(), 1);
    let m = &d.messages[0];
    // RFC 5321 §4.1.1.4, §4.5.2 and docs/json.md: un-stuffed, the last CRLF
    // included, `.CRLF` excluded. Two lines were stuffed.
    assert_eq!(m.size, (content.len() - 3 - 2) as u64);
    assert_eq!(m.from.as_deref(), Some("alice@example.org"));
    assert_eq!(
        m.to,
        vec!["bob@example.net", "dave@example.net"],
        "accepted recipients only (250 and 251), not the one refused with 550"
    );
    assert_eq!(m.accepted, Some(true));
    let headers: Vec<(String, String)> = m
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), text(v)))
        .collect();
    assert_eq!(
        headers,
        [
            ("From", "Alice <alice@example.org>"),
            ("To", "Bob <bob@example.net>"),
            ("Subject", "dots"),
            ("Date", "Mon, 6 Jun 1997 18:56:22 -0500"),
            ("Message-ID", "<1@example.org>"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(m.content_frame, Some(r.last(13)));
    assert_eq!(m.ready_frame, Some(r.last(12)));
    assert!(
        [r.last(13), r.last(14)].contains(&m.frame),
        "the content's last frame or the accepting reply's: {}",
        m.frame
    );
    assert_eq!(r.smtp_ids(), BTreeSet::new(), "{:#?}", r.t.findings);
}

#[test]
fn bdat_chunk_is_counted_not_dot_framed() {
    // 11 octets that would end a DATA transfer; BDAT counts them (RFC 3030 §2).
    let chunk: &[u8] = b"hi\r\n.\r\nxy\r\n";
    assert_eq!(chunk.len(), 11);
    let r = run(&[
        s(GREETING),
        c(EHLO),
        s(EHLO_ALL),
        c(b"MAIL FROM:<alice@example.org>\r\n"),
        s(b"250 2.1.0 Ok\r\n"),
        c(b"RCPT TO:<bob@example.net>\r\n"),
        s(b"250 2.1.5 Ok\r\n"),
        c(b"BDAT 11 LAST\r\n"),
        c(chunk),
        s(b"250 2.0.0 Ok: 11 bytes queued\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 2.0.0 Bye\r\n"),
    ]);
    let d = r.d();
    // RFC 3030 §2: one reply per BDAT command, after its chunk; the chunk's
    // octets are no commands.
    assert_eq!(
        commands(d),
        vec![
            cmd("EHLO", "client.example", &[250]),
            cmd("MAIL", "FROM:<alice@example.org>", &[250]),
            cmd("RCPT", "TO:<bob@example.net>", &[250]),
            cmd("BDAT", "11 LAST", &[250]),
            cmd("QUIT", "", &[221]),
        ]
    );
    assert_eq!(
        replies(d)[4..],
        [
            rep(250, &["2.0.0 Ok: 11 bytes queued"], Some("BDAT")),
            rep(221, &["2.0.0 Bye"], Some("QUIT")),
        ]
    );
    assert_pairing_consistent(d);
    assert_eq!(d.messages.len(), 1);
    let m = &d.messages[0];
    assert_eq!(m.size, 11);
    assert_eq!(m.from.as_deref(), Some("alice@example.org"));
    assert_eq!(m.to, vec!["bob@example.net"]);
    assert_eq!(m.accepted, Some(true));
    // STARTTLS was offered and not used before MAIL (docs/findings.md: smtp_starttls_not_used).
    assert_eq!(
        r.smtp_ids(),
        BTreeSet::from(["smtp_starttls_not_used"]),
        "{:#?}",
        r.t.findings
    );
}

#[test]
fn after_starttls_and_its_220_nothing_is_decoded() {
    let r = run(&[
        s(GREETING),
        c(EHLO),
        s(EHLO_ALL),
        c(b"STARTTLS\r\n"),
        s(b"220 2.0.0 Ready to start TLS\r\n"),
        // From here on the bytes are TLS, whatever they look like.
        c(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\n"),
        s(b"250 2.1.0 looks like SMTP, is TLS\r\n"),
        c(b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    let d = r.d();
    assert_eq!(
        commands(d),
        vec![
            cmd("EHLO", "client.example", &[250]),
            cmd("STARTTLS", "", &[220]),
        ]
    );
    assert_eq!(
        replies(d),
        vec![
            rep(220, &["mx.example.org ESMTP"], None),
            rep(
                250,
                &[
                    "mx.example.org Hello client.example",
                    "PIPELINING",
                    "SIZE 1000",
                    "STARTTLS",
                    "AUTH PLAIN LOGIN",
                    "CHUNKING",
                    "8BITMIME",
                    "SMTPUTF8"
                ],
                Some("EHLO")
            ),
            rep(220, &["2.0.0 Ready to start TLS"], Some("STARTTLS")),
        ]
    );
    assert_eq!(d.tls_from, Some(r.last(4)));
    assert!(d.messages.is_empty());
    // The text-looking bytes after the 220 are not TLS: RFC 3207 §4.2 / CVE-2011-0411
    // (client) and its server-side twin.
    assert_eq!(
        r.smtp_ids(),
        BTreeSet::from([
            "smtp_starttls_plaintext_injection",
            "smtp_starttls_response_injection"
        ]),
        "{:#?}",
        r.t.findings
    );
}

#[test]
fn auth_plain_with_initial_response_names_the_user_not_the_password() {
    let user = "alice@example.org";
    let password = "s3cret-Passw0rd";
    let initial = b64(format!("\0{user}\0{password}").as_bytes());
    let auth = format!("AUTH PLAIN {initial}\r\n");
    let r = run(&[
        s(GREETING),
        c(EHLO),
        s(EHLO_ALL),
        c(auth.as_bytes()),
        s(b"235 2.7.0 Authentication successful\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    let d = r.d();
    assert_eq!(
        commands(d),
        vec![
            cmd("EHLO", "client.example", &[250]),
            cmd("AUTH", &format!("PLAIN {initial}"), &[235]),
            cmd("QUIT", "", &[221]),
        ]
    );
    let f = r.expect_one("smtp_auth_cleartext", Severity::Warning, r.last(3));
    assert!(f.message.contains(user), "{}", f.message);
    assert!(!f.message.contains(password), "{}", f.message);
    // AUTH in plaintext although STARTTLS was offered (docs/findings.md: smtp_starttls_not_used).
    assert_eq!(
        r.smtp_ids(),
        BTreeSet::from(["smtp_auth_cleartext", "smtp_starttls_not_used"])
    );
}

#[test]
fn auth_login_continuations_are_no_commands() {
    let user = "bob@example.net";
    let password = "hunter2-but-longer";
    let (u64s, p64s) = (b64(user.as_bytes()), b64(password.as_bytes()));
    let r = run(&[
        s(GREETING),
        c(EHLO),
        s(EHLO_ALL),
        c(b"AUTH LOGIN\r\n"),
        s(b"334 VXNlcm5hbWU6\r\n"),
        c(format!("{u64s}\r\n").as_bytes()),
        s(b"334 UGFzc3dvcmQ6\r\n"),
        c(format!("{p64s}\r\n").as_bytes()),
        s(b"235 2.7.0 Authentication successful\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    let d = r.d();
    // The SASL responses after each 334 are not command records (docs/json.md);
    // every 334 is a reply to the AUTH exchange.
    assert_eq!(
        commands(d),
        vec![
            cmd("EHLO", "client.example", &[250]),
            cmd("AUTH", "LOGIN", &[334, 334, 235]),
            cmd("QUIT", "", &[221]),
        ]
    );
    assert_eq!(
        replies(d)[2..],
        [
            rep(334, &["VXNlcm5hbWU6"], Some("AUTH")),
            rep(334, &["UGFzc3dvcmQ6"], Some("AUTH")),
            rep(235, &["2.7.0 Authentication successful"], Some("AUTH")),
            rep(221, &["bye"], Some("QUIT")),
        ]
    );
    let f = r.expect_one("smtp_auth_cleartext", Severity::Warning, r.last(5));
    assert!(f.message.contains(user), "{}", f.message);
    assert!(!f.message.contains(password), "{}", f.message);
    assert!(!f.message.contains(&p64s), "{}", f.message);
    assert!(
        r.findings("smtp_non_smtp_command").is_empty(),
        "SASL lines are not commands: {:#?}",
        r.t.findings
    );
    assert!(r.findings("smtp_unexpected_reply_code").is_empty());
    // Neither base64 line shows in a segment's or a socket call's preview:
    // the ladder and the socket pane mask what the dialogue masks.
    let pass_frame = r.last(7);
    let seg =
        r.t.segments
            .iter()
            .find(|s| s.frame == pass_frame)
            .expect("the password's segment");
    assert_eq!(
        &*seg.preview,
        format!("{}\r\n", "*".repeat(p64s.len())).as_bytes()
    );
    for s in &r.t.segments {
        let shown = text(&s.preview);
        assert!(
            !shown.contains(&p64s[..8]) && !shown.contains(&u64s[..8]),
            "{shown}"
        );
    }
    for e in &r.t.socket {
        assert!(!e.describe().contains(&p64s[..8]), "{}", e.describe());
    }
}

#[test]
fn a_354_pairs_with_data_even_when_an_earlier_reply_is_missing() {
    // The RCPT's reply is not in the capture: without resynchronising, the
    // 354 would answer RCPT, DATA would take the end-of-data 250, and the
    // content would never be read as a message.
    let r = run(&[
        s(GREETING),
        c(EHLO),
        s(EHLO_ALL),
        c(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"),
        s(b"250 sender ok\r\n354 go ahead\r\n"),
        c(b"Subject: hi\r\n\r\nbody\r\n.\r\n"),
        s(b"250 queued\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    let d = r.d();
    assert_eq!(
        commands(d),
        vec![
            cmd("EHLO", "client.example", &[250]),
            cmd("MAIL", "FROM:<a@b.example>", &[250]),
            cmd("RCPT", "TO:<c@d.example>", &[]),
            cmd("DATA", "", &[354, 250]),
            cmd("QUIT", "", &[221]),
        ]
    );
    assert_eq!(d.messages.len(), 1);
    assert_eq!(
        d.messages[0].size,
        b"Subject: hi\r\n\r\nbody\r\n".len() as u64
    );
    let f = r.expect_one("smtp_unexpected_reply_code", Severity::Info, r.last(4));
    assert!(f.message.contains("RCPT still waited"), "{}", f.message);
    r.expect_none("smtp_unsolicited_reply");
}

#[test]
fn auth_login_with_an_initial_response_takes_the_next_line_as_the_password() {
    let (user, password) = ("carol", "s3cret-pw");
    let (u64s, p64s) = (b64(user.as_bytes()), b64(password.as_bytes()));
    let r = run(&[
        s(GREETING),
        c(EHLO),
        s(EHLO_ALL),
        c(format!("AUTH LOGIN {u64s}\r\n").as_bytes()),
        s(b"334 UGFzc3dvcmQ6\r\n"),
        c(format!("{p64s}\r\n").as_bytes()),
        s(b"235 2.7.0 ok\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    let d = r.d();
    assert_eq!(d.credentials.len(), 1);
    let cred = &d.credentials[0];
    assert_eq!(cred.mechanism, "LOGIN");
    assert_eq!(
        cred.user,
        user.as_bytes(),
        "the initial response is the user name"
    );
    assert_eq!(cred.password.as_deref(), Some(password.as_bytes()));
    let f = r.expect_one("smtp_auth_cleartext", Severity::Warning, r.last(3));
    assert!(
        f.message.contains(user) && !f.message.contains(password),
        "{}",
        f.message
    );
}

// ---------------------------------------------------------------------------
// One reader: the dialogue does not depend on how TCP cut it.

/// A lock-step session without PIPELINING: a two-line greeting, EHLO with a
/// multi-line reply, one message with a stuffed dot, QUIT.
fn transcript() -> Vec<Step> {
    vec![
        s(b"220-mx.example.org ESMTP\r\n220 ready\r\n"),
        c(b"EHLO client.example\r\n"),
        s(b"250-mx.example.org\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"),
        c(b"MAIL FROM:<alice@example.org>\r\n"),
        s(b"250 2.1.0 ok\r\n"),
        c(b"RCPT TO:<bob@example.net>\r\n"),
        s(b"250 2.1.5 ok\r\n"),
        c(b"DATA\r\n"),
        s(b"354 go ahead\r\n"),
        c(b"Subject: cut\r\nDate: today\r\n\r\n..stuffed\r\nend\r\n.\r\n"),
        s(b"250 2.0.0 queued\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]
}

/// A message as (size, from, to, headers, accepted).
type Msg = (
    u64,
    Option<String>,
    Vec<String>,
    Vec<(String, String)>,
    Option<bool>,
);

/// What must not depend on segmentation.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    commands: Vec<Cmd>,
    replies: Vec<Rep>,
    messages: Vec<Msg>,
    capabilities: Vec<String>,
    ids: BTreeSet<&'static str>,
}

fn decoded(t: &Timeline) -> Decoded {
    let d = t.dialogue(1).expect("SMTP dialogue");
    Decoded {
        commands: commands(d),
        replies: replies(d),
        messages: sent_messages(d)
            .into_iter()
            .map(|m| {
                (
                    m.size,
                    m.from.clone(),
                    m.to.clone(),
                    m.headers
                        .iter()
                        .map(|(k, v)| (k.clone(), text(v)))
                        .collect(),
                    m.accepted,
                )
            })
            .collect(),
        capabilities: d.capabilities.clone(),
        ids: smtp_ids(t)
            .into_iter()
            .filter(|id| *id != "smtp_reply_split_across_segments")
            .collect(),
    }
}

fn whole_transcript() -> Decoded {
    let t = analyze_conv(&build(&transcript()).conv);
    let d = decoded(&t);
    assert_eq!(d.commands.len(), 5);
    assert_eq!(d.replies.len(), 7);
    assert_eq!(d.messages.len(), 1);
    let content = transcript()[9].bytes();
    assert_eq!(
        d.messages[0].0,
        content.len() as u64 - 3 - 1,
        "un-stuffed size: `.CRLF` and one stuffing dot excluded"
    );
    assert_eq!(d.ids, BTreeSet::new(), "a clean session: {:#?}", t.findings);
    d
}

/// Every step's frames carry exactly its reply (a reply is one server step).
fn assert_reply_frames(t: &Timeline, frames: &[Vec<u64>]) {
    let d = t.dialogue(1).expect("SMTP dialogue");
    let server_steps = [0, 2, 4, 6, 8, 10, 12];
    for (reply, step) in d.replies.iter().zip(server_steps) {
        let got: Vec<u64> = reply.origin.frames.iter().map(|f| f.0).collect();
        assert_eq!(got, frames[step], "reply {}", reply.code);
        assert_eq!(reply.origin.last_frame(), *frames[step].last().unwrap());
    }
}

#[test]
fn every_single_cut_of_every_step_decodes_the_same() {
    let expect = whole_transcript();
    let steps = transcript();
    for (i, step) in steps.iter().enumerate() {
        for cut in 1..step.bytes().len() {
            let mut cut_steps = steps.clone();
            cut_steps[i] = step.cut(&[cut]);
            let b = build(&cut_steps);
            let t = analyze_conv(&b.conv);
            assert_eq!(decoded(&t), expect, "step {i} cut at {cut}");
            assert_reply_frames(&t, &b.frames);
            // A reply or command line cut in two is worth a note, at the
            // segment that ended inside it (docs/findings.md); a cut between
            // two lines is not, nor is one inside the DATA content (step 9).
            let inside_a_line = step.bytes()[cut - 1] != b'\n';
            let split: Vec<u64> = t
                .findings
                .iter()
                .filter(|f| f.id == "smtp_reply_split_across_segments")
                .map(|f| f.frame)
                .collect();
            let want = if inside_a_line && i != 9 {
                vec![b.frames[i][0]]
            } else {
                vec![]
            };
            assert_eq!(split, want, "step {i} cut at {cut}");
        }
    }
}

#[test]
fn one_byte_per_segment_decodes_the_same() {
    let expect = whole_transcript();
    let steps: Vec<Step> = transcript()
        .iter()
        .map(|s| s.cut(&(1..s.bytes().len()).collect::<Vec<_>>()))
        .collect();
    let b = build(&steps);
    let t = analyze_conv(&b.conv);
    assert_eq!(decoded(&t), expect);
    assert_reply_frames(&t, &b.frames);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_segmentation_decodes_the_same(
        cuts in proptest::collection::vec(
            proptest::collection::vec(any::<proptest::sample::Index>(), 0..5),
            13,
        )
    ) {
        let steps: Vec<Step> = transcript()
            .iter()
            .zip(&cuts)
            .map(|(step, idx)| {
                let len = step.bytes().len();
                let mut at: Vec<usize> = idx.iter().map(|i| i.index(len)).collect();
                at.sort_unstable();
                step.cut(&at)
            })
            .collect();
        let b = build(&steps);
        let t = analyze_conv(&b.conv);
        prop_assert_eq!(decoded(&t), whole_transcript());
        assert_reply_frames(&t, &b.frames);
    }
}

// ---------------------------------------------------------------------------
// The source documents (docs/sources.md).

/// "Re TCP Ports -- and the little guy listening": "Generally, it goes 220, HELO, 250, MAIL FROM, 250, RCPT TO, 250
/// (repeat RCPT TO for all recipients), DATA, 354, the message, `.`, 250,
/// QUIT, 221 (connection closed by remote host)".
#[test]
fn seed_000_the_little_guy_listening() {
    let mut conv = build(&[
        s(b"220 rogers.com ESMTP ready\r\n"),
        c(b"HELO my_domain\r\n"),
        s(b"250 rogers.com Hello my_domain\r\n"),
        c(b"MAIL FROM: <my_address@my_domain>\r\n"),
        s(b"250 ok\r\n"),
        c(b"RCPT TO: <actual_recipient@domain>\r\n"),
        s(b"250 ok\r\n"),
        c(b"RCPT TO: <cc_recipient@domain>\r\n"),
        s(b"250 ok\r\n"),
        c(b"DATA\r\n"),
        s(b"354 Enter mail, end with \".\" on a line by itself\r\n"),
        c(
            b"Subject: Re TCP Ports -- and the little guy listening\r\n\r\n\
No more than there are people singing inside your radio. :)\r\n",
        ),
        c(b".\r\n"),
        s(b"250 ok, message accepted\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 rogers.com closing connection\r\n"),
    ])
    .conv;
    // "(connection closed by remote host)"
    conv.server_fin().client_acks().client_fin().server_acks();
    let t = analyze_conv(&conv);
    let d = t.dialogue(1).expect("SMTP dialogue");
    assert_eq!(
        commands(d),
        vec![
            cmd("HELO", "my_domain", &[250]),
            cmd("MAIL", "FROM: <my_address@my_domain>", &[250]),
            cmd("RCPT", "TO: <actual_recipient@domain>", &[250]),
            cmd("RCPT", "TO: <cc_recipient@domain>", &[250]),
            cmd("DATA", "", &[354, 250]),
            cmd("QUIT", "", &[221]),
        ]
    );
    assert_eq!(d.replies.len(), 8);
    assert_eq!(
        replies(d)[6],
        rep(250, &["ok, message accepted"], Some("DATA"))
    );
    assert_pairing_consistent(d);
    assert_eq!(d.messages.len(), 1);
    let m = &d.messages[0];
    assert_eq!(m.from.as_deref(), Some("my_address@my_domain"));
    assert_eq!(m.to, vec!["actual_recipient@domain", "cc_recipient@domain"]);
    assert_eq!(
        m.size,
        b"Subject: Re TCP Ports -- and the little guy listening\r\n\r\n\
No more than there are people singing inside your radio. :)\r\n"
            .len() as u64
    );
    assert_eq!(m.accepted, Some(true));
    assert_eq!(smtp_ids(&t), BTreeSet::new(), "{:#?}", t.findings);
}

/// "SMTP and POP": the `sendmail -v` transcript, with its two-line greeting.
#[test]
fn seed_003_sendmail_verbose_transcript() {
    let letter: &[u8] = b"To: joe@whizzer.com\r\nSubject: letter\r\n\r\nHi Joe.\r\n.\r\n";
    let r = run(&[
        s(
            b"220-whizzer.com SMTP ready at Mon, 6 Jun 1997 18:56:22 -0500\r\n\
220 ESMTP spoken here\r\n",
        ),
        c(b"HELO gonzo.gov\r\n"),
        s(b"250 whizzer.com Hello gonzo.gov [123.45.67.2], pleased to meet you\r\n"),
        c(b"MAIL From:<betty@gonzo.gov>\r\n"),
        s(b"250 <betty@gonzo.gov>... Sender ok\r\n"),
        c(b"RCPT To:<joe@whizzer.com>\r\n"),
        s(b"250 <joe@whizzer.com>... Recipient ok\r\n"),
        c(b"DATA\r\n"),
        s(b"354 Enter mail, end with \".\" on a line by itself\r\n"),
        c(letter),
        s(b"250 SAA08680 Message accepted for delivery\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 whizzer.com closing connection\r\n"),
    ]);
    let d = r.d();
    assert_eq!(
        replies(d),
        vec![
            // One reply of two lines, not two replies (RFC 5321 §4.2.1).
            rep(
                220,
                &[
                    "whizzer.com SMTP ready at Mon, 6 Jun 1997 18:56:22 -0500",
                    "ESMTP spoken here"
                ],
                None
            ),
            rep(
                250,
                &["whizzer.com Hello gonzo.gov [123.45.67.2], pleased to meet you"],
                Some("HELO")
            ),
            rep(250, &["<betty@gonzo.gov>... Sender ok"], Some("MAIL")),
            rep(250, &["<joe@whizzer.com>... Recipient ok"], Some("RCPT")),
            rep(
                354,
                &["Enter mail, end with \".\" on a line by itself"],
                Some("DATA")
            ),
            rep(
                250,
                &["SAA08680 Message accepted for delivery"],
                Some("DATA")
            ),
            rep(221, &["whizzer.com closing connection"], Some("QUIT")),
        ]
    );
    assert_eq!(
        commands(d),
        vec![
            cmd("HELO", "gonzo.gov", &[250]),
            cmd("MAIL", "From:<betty@gonzo.gov>", &[250]),
            cmd("RCPT", "To:<joe@whizzer.com>", &[250]),
            cmd("DATA", "", &[354, 250]),
            cmd("QUIT", "", &[221]),
        ]
    );
    assert_eq!(d.replies[0].origin.last_frame(), r.last(0));
    assert!(d.capabilities.is_empty(), "HELO, not EHLO");
    let m = &d.messages[0];
    assert_eq!(m.from.as_deref(), Some("betty@gonzo.gov"));
    assert_eq!(m.to, vec!["joe@whizzer.com"]);
    assert_eq!(m.size, (letter.len() - 3) as u64);
    assert_eq!(r.smtp_ids(), BTreeSet::new(), "{:#?}", r.t.findings);
}

/// "ccNotes SMTP problem explained", re-enacted in memory:
///
/// ```text
///  1-3 handshake
///  4 S "220 smtp.tele.fi "         (17 bytes, no CRLF)
///  5 C ACK 18                      (the client has those 17 bytes)
///  6 C "HELO smtpgate.Customer\r\n" ACK 18: sent on the fragment
///  7 S ACK
///  8 S "ESMTP ready\r\n"            the greeting's tail
///  9 C ACK
/// 10 S "250 smtp.tele.fi Hello smtpgate.Customer\r\n"
/// 11 C ACK
/// 12 C MAIL   13 S ACK   14 S 250   15 C ACK
/// 16 C RCPT   17 S ACK   18 S 250   19 C ACK
/// 20 C QUIT   21 S ACK   22 S 221   23 C ACK
/// ```
fn ccnotes() -> Conv {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 smtp.tele.fi ")
        .client_acks()
        .client_sends(b"HELO smtpgate.Customer\r\n")
        .server_acks()
        .server_sends(b"ESMTP ready\r\n")
        .client_acks()
        .server_sends(b"250 smtp.tele.fi Hello smtpgate.Customer\r\n")
        .client_acks();
    for (command, reply) in [
        (
            &b"MAIL FROM:<notes@customer.example>\r\n"[..],
            &b"250 2.1.0 Sender ok\r\n"[..],
        ),
        (b"RCPT TO:<user@tele.fi>\r\n", b"250 2.1.5 Recipient ok\r\n"),
        (
            b"QUIT\r\n",
            b"221 2.0.0 smtp.tele.fi closing connection\r\n",
        ),
    ] {
        c.client_sends(command)
            .server_acks()
            .server_sends(reply)
            .client_acks();
    }
    c
}

/// What the ccNotes desync must show, on a capture whose frames are given.
struct CcNotesFrames {
    greeting_head: u64,
    helo: u64,
    greeting_tail: u64,
    helo_reply: u64,
}

fn check_ccnotes(t: &Timeline, fr: &CcNotesFrames) {
    let d = t.dialogue(1).expect("SMTP dialogue");
    // The server's meaning: one greeting in two segments, then one reply per command.
    let greeting = &d.replies[0];
    assert_eq!(code(greeting.code), 220);
    assert_eq!(greeting.command, None);
    assert_eq!(greeting.lines.len(), 1);
    assert!(
        text(&greeting.lines[0]).starts_with("smtp.tele.fi ESMTP"),
        "{:?}",
        text(&greeting.lines[0])
    );
    let frames: Vec<u64> = greeting.origin.frames.iter().map(|f| f.0).collect();
    assert_eq!(frames, vec![fr.greeting_head, fr.greeting_tail]);
    assert_eq!(greeting.origin.frames[0].1, 17);
    assert_eq!(
        commands(d)
            .iter()
            .map(|(v, _, c)| (v.as_str(), c.clone()))
            .collect::<Vec<_>>(),
        [
            ("HELO", vec![250]),
            ("MAIL", vec![250]),
            ("RCPT", vec![250]),
            ("QUIT", vec![221]),
        ]
    );
    assert_eq!(d.commands[0].origin.last_frame(), fr.helo);
    assert_pairing_consistent(d);

    // The trigger: the greeting arrived in two segments.
    let split: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| f.id == "smtp_reply_split_across_segments")
        .collect();
    assert_eq!(split.len(), 1, "{split:#?}");
    assert_eq!(
        (split[0].severity, split[0].frame),
        (Severity::Info, fr.greeting_head),
        "anchored at the segment that ended without CRLF: the trigger"
    );
    // It links to what the client sent in between: the early HELO.
    assert!(
        split[0]
            .message
            .contains(&format!("Meanwhile the client sent #{} \"HELO", fr.helo))
            && split[0].message.contains(" s later"),
        "{}",
        split[0].message
    );
    for frame in [fr.greeting_head, fr.greeting_tail] {
        assert!(
            split[0].message.contains(&format!("#{frame}")),
            "{}",
            split[0].message
        );
    }

    // HELO sent on the fragment, proved by its ACK: 17 bytes of greeting.
    let pregreet: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| f.id == "smtp_pregreet")
        .collect();
    assert_eq!(pregreet.len(), 1, "{pregreet:#?}");
    let p = pregreet[0];
    assert_eq!(
        (p.severity, p.frame, p.provenance),
        (Severity::Warning, fr.helo, Provenance::Observed)
    );
    assert!(p.message.contains("17"), "{}", p.message);

    // The consequence: a one-segment-per-reply client is one reply behind.
    let oos: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| f.id == "smtp_client_out_of_step")
        .collect();
    assert_eq!(oos.len(), 1, "{oos:#?}");
    assert_eq!(
        (oos[0].severity, oos[0].provenance),
        (Severity::Error, Provenance::Inferred)
    );
    assert_eq!(oos[0].frame, fr.helo);

    // Both pairings side by side: HELO's true reply is the 250, but the
    // client took the greeting's tail.
    let helo_row = d
        .pairings
        .iter()
        .find(|row| row.command == 0)
        .expect("a pairing row for HELO");
    let true_reply = &d.replies[helo_row.reply.expect("HELO has a true reply")];
    assert_eq!(code(true_reply.code), 250);
    assert_eq!(true_reply.origin.last_frame(), fr.helo_reply);
    let took = helo_row.client_took.clone().expect("client took a segment");
    assert_eq!(took.frame, fr.greeting_tail);
    assert!(
        took.first_bytes.starts_with(b"ESMTP"),
        "{:?}",
        text(&took.first_bytes)
    );
    // And the MAIL row: the client took HELO's 250 for MAIL's answer.
    let mail_row = d
        .pairings
        .iter()
        .find(|row| row.command == 1)
        .expect("MAIL row");
    assert_eq!(
        mail_row.client_took.as_ref().map(|t| t.frame),
        Some(fr.helo_reply)
    );

    // The naive reader's view is a teaching aid, not what the one reader saw.
    let ids = smtp_ids(t);
    for absent in [
        "smtp_malformed_reply",
        "smtp_unsolicited_reply",
        "smtp_command_before_reply",
    ] {
        assert!(!ids.contains(absent), "{absent}: {:#?}", t.findings);
    }
}

#[test]
fn seed_001_ccnotes_built() {
    let t = analyze_conv(&ccnotes());
    check_ccnotes(
        &t,
        &CcNotesFrames {
            greeting_head: 4,
            helo: 6,
            greeting_tail: 8,
            helo_reply: 10,
        },
    );
}

#[test]
fn seed_001_ccnotes_shipped_capture() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/ccnotes.pcapng");
    let bytes = std::fs::read(&path).expect("captures/ccnotes.pcapng is shipped");
    let t = analyze_bytes(bytes);
    // captures/README.md: greeting head frame 4, HELO frame 6 (Ack=18), tail frame 8.
    check_ccnotes(
        &t,
        &CcNotesFrames {
            greeting_head: 4,
            helo: 6,
            greeting_tail: 8,
            helo_reply: 10,
        },
    );
}

// ---------------------------------------------------------------------------
// Findings, one each (docs/findings.md for ids and severities).

/// Greeting, EHLO and its reply: steps 0–2.
fn opening(ehlo_reply: &'static [u8]) -> Vec<Step> {
    vec![s(GREETING), c(EHLO), s(ehlo_reply)]
}

fn with(mut steps: Vec<Step>, more: Vec<Step>) -> Vec<Step> {
    steps.extend(more);
    steps
}

#[test]
fn finding_command_before_reply() {
    // No PIPELINING: QUIT leaves before the 250 to RSET (RFC 5321 §4.3.1).
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c(b"RSET\r\n"),
            c(b"QUIT\r\n"),
            s(b"250 2.0.0 Reset\r\n"),
            s(b"221 bye\r\n"),
        ],
    ));
    let f = r.expect_one("smtp_command_before_reply", Severity::Warning, r.last(4));
    // The QUIT segment's ACK does not cover the RSET reply: proof.
    assert_eq!(f.provenance, Provenance::Observed);
    assert!(r.findings("smtp_pipelining_group_violation").is_empty());
    assert_eq!(
        commands(r.d()),
        vec![
            cmd("EHLO", "client.example", &[250]),
            cmd("RSET", "", &[250]),
            cmd("QUIT", "", &[221]),
        ]
    );
}

#[test]
fn finding_pipelining_group_violation_content_before_354() {
    let r = run(&with(
        opening(EHLO_ALL),
        vec![
            c(
                b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n\
Subject: early\r\n\r\nbody\r\n.\r\n",
            ),
            s(b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n250 2.0.0 queued\r\n"),
        ],
    ));
    let f = r.expect_one(
        "smtp_pipelining_group_violation",
        Severity::Error,
        r.last(3),
    );
    // The content's segment ACKs only the EHLO reply: proof, not inference.
    assert_eq!(f.provenance, Provenance::Observed, "{}", f.message);
    assert!(
        f.message.contains("proved by its ACK number"),
        "{}",
        f.message
    );
    let verbs: Vec<&str> = r.d().commands.iter().map(|c| c.verb.as_str()).collect();
    assert_eq!(verbs, ["EHLO", "MAIL", "RCPT", "DATA"]);
    assert_eq!(
        r.d().messages[0].size,
        b"Subject: early\r\n\r\nbody\r\n".len() as u64
    );
}

#[test]
fn finding_multiline_code_mismatch() {
    let r = run(&opening(b"250-mx.example.org\r\n251 PIPELINING\r\n"));
    r.expect_one("smtp_multiline_code_mismatch", Severity::Error, r.last(2));
}

#[test]
fn finding_malformed_reply() {
    let r = run(&[
        s(GREETING),
        c(b"HELO client.example\r\n"),
        s(b"hello there\r\n"),
        s(b"250 ok\r\n"),
    ]);
    r.expect_one("smtp_malformed_reply", Severity::Error, r.last(2));
    assert_eq!(commands(r.d()), vec![cmd("HELO", "client.example", &[250])]);
}

#[test]
fn finding_unsolicited_reply() {
    let r = run(&[
        s(GREETING),
        c(b"HELO client.example\r\n"),
        s(b"250 ok\r\n"),
        s(b"250 nobody asked\r\n"),
    ]);
    r.expect_one("smtp_unsolicited_reply", Severity::Warning, r.last(3));
    assert_eq!(r.d().replies[2].command, None);
}

#[test]
fn finding_unexpected_reply_code_354_to_rcpt() {
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c(b"MAIL FROM:<a@example.org>\r\n"),
            s(b"250 ok\r\n"),
            c(b"RCPT TO:<b@example.net>\r\n"),
            s(b"354 what?\r\n"),
        ],
    ));
    r.expect_one("smtp_unexpected_reply_code", Severity::Info, r.last(6));
}

#[test]
fn finding_no_greeting_554() {
    let r = run(&[
        s(b"554 5.7.1 No SMTP service here\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    r.expect_one("smtp_no_greeting", Severity::Warning, r.last(0));
}

#[test]
fn finding_no_greeting_client_goes_on_after_554() {
    // RFC 5321 §3.1: after a 554 greeting the server answers 503 to all but QUIT.
    let r = run(&[
        s(b"554 5.7.1 No SMTP service here\r\n"),
        c(b"EHLO client.example\r\n"),
        s(b"503 5.5.1 only QUIT\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ]);
    let found = r.findings("smtp_no_greeting");
    let frames: Vec<u64> = found.iter().map(|f| f.frame).collect();
    assert_eq!(frames, [r.last(0), r.last(1)], "{found:#?}");
    assert!(found[1].message.contains("EHLO"), "{}", found[1].message);
    // A client that QUITs at once is not told off twice.
    let quits = run(&[s(b"554 no\r\n"), c(b"QUIT\r\n"), s(b"221 bye\r\n")]);
    assert_eq!(quits.findings("smtp_no_greeting").len(), 1);
}

#[test]
fn finding_no_greeting_closed_before_the_server_spoke() {
    let mut conv = Conv::new();
    conv.handshake();
    conv.at(9_000_000).client_fin();
    conv.server_acks();
    let t = analyze_conv(&conv);
    let f: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| f.id == "smtp_no_greeting")
        .collect();
    assert_eq!(f.len(), 1, "{:#?}", t.findings);
    assert_eq!(f[0].frame, 4);
    assert!(
        f[0].message.contains("closed by the client"),
        "{}",
        f[0].message
    );
}

#[test]
fn finding_no_greeting_late_past_five_minutes() {
    // §4.5.3.2.1: the client waits 5 minutes for the 220; here it came at 301 s.
    let mut conv = Conv::new();
    conv.handshake();
    conv.at(301_000_000).server_sends(GREETING);
    conv.client_acks();
    let t = analyze_conv(&conv);
    let f: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| f.id == "smtp_no_greeting")
        .collect();
    assert_eq!(f.len(), 1, "{:#?}", t.findings);
    assert_eq!((f[0].frame, f[0].severity), (4, Severity::Warning));
    // At 299 s it is in time.
    let mut conv = Conv::new();
    conv.handshake();
    conv.at(299_000_000).server_sends(GREETING);
    conv.client_acks();
    let t = analyze_conv(&conv);
    assert!(
        t.findings.iter().all(|f| f.id != "smtp_no_greeting"),
        "{:#?}",
        t.findings
    );
}

#[test]
fn an_ack_that_covers_the_reply_overrules_the_frame_order() {
    // Frames merged from two taps can show HELO before the greeting although
    // HELO's ACK number already covers it: the client had the whole greeting,
    // so there is nothing to report (the ACK is the proof, the order is not).
    let mut conv = Conv::new();
    conv.handshake();
    let greeting = conv.server_seg("PA", GREETING);
    let mut helo = conv.client_seg("PA", b"HELO client.example\r\n");
    helo.ack = greeting.seq.wrapping_add(GREETING.len() as u32);
    conv.push(helo).push(greeting);
    conv.server_sends(b"250 mx.example.org\r\n");
    let t = analyze_conv(&conv);
    assert!(t.dialogue(1).is_some());
    assert!(
        t.findings.iter().all(|f| f.id != "smtp_pregreet"),
        "{:#?}",
        t.findings
    );
}

#[test]
fn finding_line_too_long() {
    // RFC 5321 §4.5.3.1.4: 512 octets per command line, CRLF included.
    let mut helo = b"HELO ".to_vec();
    helo.extend(std::iter::repeat_n(b'a', 600));
    helo.extend_from_slice(b"\r\n");
    let r = run(&[s(GREETING), c(&helo), s(b"500 5.5.2 line too long\r\n")]);
    r.expect_one("smtp_line_too_long", Severity::Warning, r.last(1));
}

#[test]
fn finding_non_smtp_command() {
    let r = run(&[
        s(GREETING),
        c(b"GET / HTTP/1.1\r\n"),
        s(b"500 5.5.1 unrecognized\r\n"),
    ]);
    let f = r.expect_one("smtp_non_smtp_command", Severity::Warning, r.last(1));
    assert!(f.message.contains("HTTP"), "{}", f.message);
    assert_eq!(commands(r.d()), vec![cmd("GET", "/ HTTP/1.1", &[500])]);
}

#[test]
fn finding_command_out_of_sequence_rcpt_before_mail() {
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c(b"RCPT TO:<b@example.net>\r\n"),
            s(b"503 5.5.1 need MAIL first\r\n"),
        ],
    ));
    r.expect_one("smtp_command_out_of_sequence", Severity::Warning, r.last(3));
}

#[test]
fn finding_bare_lf_ending_a_command() {
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![c(b"NOOP\n"), s(b"250 ok\r\n")],
    ));
    r.expect_one("smtp_bare_lf", Severity::Warning, r.last(3));
    assert_eq!(commands(r.d())[1], cmd("NOOP", "", &[250]));
}

/// MAIL, RCPT and DATA accepted, then `content` after the 354: steps 3–9.
fn transaction(ehlo_reply: &'static [u8], content: &[u8]) -> Vec<Step> {
    with(
        opening(ehlo_reply),
        vec![
            c(b"MAIL FROM:<a@example.org>\r\n"),
            s(b"250 ok\r\n"),
            c(b"RCPT TO:<b@example.net>\r\n"),
            s(b"250 ok\r\n"),
            c(b"DATA\r\n"),
            s(b"354 go ahead\r\n"),
            c(content),
        ],
    )
}

#[test]
fn finding_smuggling_end_of_data_variant() {
    let r = run(&with(
        transaction(
            EHLO_PLAIN,
            b"Subject: hi\r\n\r\nhello\n.\nMAIL FROM:<ceo@example.net>\r\n\
RCPT TO:<victim@example.net>\r\nDATA\r\nSubject: forged\r\n\r\nwire money\r\n.\r\n",
        ),
        vec![s(b"250 2.0.0 queued\r\n")],
    ));
    let f = r.expect_one("smtp_smuggling_eod_variant", Severity::Error, r.last(9));
    assert!(f.message.contains("MAIL FROM"), "{}", f.message);
    // Only CRLF.CRLF ends the data (RFC 5321 §4.1.1.4): no smuggled commands.
    let verbs: Vec<&str> = r.d().commands.iter().map(|c| c.verb.as_str()).collect();
    assert_eq!(verbs, ["EHLO", "MAIL", "RCPT", "DATA"]);
    assert_eq!(r.d().messages.len(), 1);
    // Beside the strict reading (the message), the lenient one: a first
    // message of `Subject: hi\r\n\r\nhello` (20 octets), then 3 commands.
    let l = r.d().messages[0]
        .lenient
        .clone()
        .expect("a lenient reading");
    assert_eq!(
        (l.variant.as_str(), l.frame, l.size, l.commands, l.verbs),
        (
            "\\n.\\n",
            r.last(9),
            20,
            3,
            vec!["MAIL FROM", "RCPT TO", "DATA"]
        )
    );
}

#[test]
fn clean_content_has_no_lenient_reading() {
    let r = run(&with(
        transaction(EHLO_PLAIN, b"Subject: hi\r\n\r\n..dot\r\n.\r\n"),
        vec![s(b"250 2.0.0 queued\r\n")],
    ));
    assert_eq!(r.d().messages[0].lenient, None);
}

#[test]
fn finding_dot_stuffing_missing() {
    let r = run(&with(
        transaction(EHLO_PLAIN, b"Subject: hi\r\n\r\n.hidden\r\nok\r\n.\r\n"),
        vec![s(b"250 2.0.0 queued\r\n")],
    ));
    r.expect_one("smtp_dot_stuffing_missing", Severity::Warning, r.last(9));
}

#[test]
fn finding_data_rejected_body_sent() {
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c(b"MAIL FROM:<a@example.org>\r\n"),
            s(b"250 ok\r\n"),
            c(b"RCPT TO:<b@example.net>\r\n"),
            s(b"250 ok\r\n"),
            c(b"DATA\r\n"),
            s(b"554 5.5.1 no valid recipients\r\n"),
            c(b"Subject: hi\r\n\r\nbody\r\n.\r\n"),
        ],
    ));
    r.expect_one("smtp_data_rejected_body_sent", Severity::Error, r.last(9));
    assert!(r.d().messages.iter().all(|m| m.size == 0));
}

#[test]
fn finding_starttls_refused() {
    let r = run(&with(
        opening(EHLO_ALL),
        vec![
            c(b"STARTTLS\r\n"),
            s(b"454 4.7.0 TLS not available\r\n"),
            c(b"QUIT\r\n"),
            s(b"221 bye\r\n"),
        ],
    ));
    r.expect_one("smtp_starttls_refused", Severity::Info, r.last(4));
    assert_eq!(r.d().tls_from, None);
    assert_eq!(
        commands(r.d())[2],
        cmd("QUIT", "", &[221]),
        "still plaintext"
    );
}

#[test]
fn finding_bdat_without_chunking() {
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c(b"MAIL FROM:<a@example.org>\r\n"),
            s(b"250 ok\r\n"),
            c(b"RCPT TO:<b@example.net>\r\n"),
            s(b"250 ok\r\n"),
            c(b"BDAT 5 LAST\r\nhello"),
            s(b"502 5.5.1 BDAT not supported\r\n"),
        ],
    ));
    r.expect_one("smtp_bdat_misuse", Severity::Warning, r.last(7));
}

#[test]
fn a_bdat_of_absurd_size_does_not_swallow_the_session() {
    let r = run(&with(
        opening(EHLO_ALL),
        vec![
            c(b"MAIL FROM:<a@example.org>\r\n"),
            s(b"250 ok\r\n"),
            c(b"RCPT TO:<b@example.net>\r\n"),
            s(b"250 ok\r\n"),
            c(b"BDAT 18446744073709551615 LAST\r\nhello"),
            s(b"552 5.3.4 message too big\r\n"),
            c(b"QUIT\r\n"),
            s(b"221 bye\r\n"),
        ],
    ));
    let f = r.expect_one("smtp_bdat_size_mismatch", Severity::Error, r.last(8));
    assert!(
        f.message.contains("reads what follows as commands"),
        "{}",
        f.message
    );
    let verbs: Vec<(&str, Option<Code>)> = r
        .d()
        .commands
        .iter()
        .map(|c| (c.verb.as_str(), c.reply.map(|i| r.d().replies[i].code)))
        .collect();
    assert_eq!(
        &verbs[3..],
        [
            ("BDAT", Some(Code::Smtp(552))),
            ("QUIT", Some(Code::Smtp(221)))
        ]
    );
    r.expect_none("smtp_unsolicited_reply");
}

#[test]
fn finding_percent_hack_refused_is_a_warning() {
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c(b"MAIL FROM:<a@example.org>\r\n"),
            s(b"250 ok\r\n"),
            c(b"RCPT TO:<anybody%anywhere@local.host.name>\r\n"),
            s(b"550 5.7.1 relaying denied\r\n"),
        ],
    ));
    r.expect_one("smtp_percent_hack", Severity::Warning, r.last(5));
}

#[test]
fn finding_percent_hack_accepted_is_an_error() {
    // "ccNotes SMTP problem explained": "RCPT TO:<anybody%anywhere@local.host.name> ... relays thru just fine".
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c(b"MAIL FROM:<a@example.org>\r\n"),
            s(b"250 ok\r\n"),
            c(b"RCPT TO:<anybody%anywhere@local.host.name>\r\n"),
            s(b"250 ok\r\n"),
        ],
    ));
    let f = r.expect_at("smtp_percent_hack", Severity::Error, r.last(6));
    assert!(
        f.message.contains("anybody%anywhere@local.host.name"),
        "{}",
        f.message
    );
}

#[test]
fn finding_source_route() {
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c(b"MAIL FROM:<a@example.org>\r\n"),
            s(b"250 ok\r\n"),
            c(b"RCPT TO:<@relay.example,@hop.example:user@dest.example>\r\n"),
            s(b"550 no\r\n"),
        ],
    ));
    r.expect_one("smtp_source_route", Severity::Warning, r.last(5));
}

#[test]
fn finding_bang_path() {
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c(b"MAIL FROM:<a@example.org>\r\n"),
            s(b"250 ok\r\n"),
            c(b"RCPT TO:<uucphost!user@relay.example>\r\n"),
            s(b"550 no\r\n"),
        ],
    ));
    r.expect_one("smtp_bang_path", Severity::Warning, r.last(5));
}

#[test]
fn finding_utf8_without_smtputf8() {
    let r = run(&with(
        opening(EHLO_PLAIN),
        vec![
            c("MAIL FROM:<jösé@example.org>\r\n".as_bytes()),
            s(b"553 5.6.7 non-ASCII address\r\n"),
        ],
    ));
    r.expect_one("smtp_utf8_without_smtputf8", Severity::Warning, r.last(3));
}

#[test]
fn finding_8bit_without_8bitmime() {
    let r = run(&with(
        transaction(
            EHLO_PLAIN,
            b"Subject: caf\xc3\xa9\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n.\r\n",
        ),
        vec![s(b"250 2.0.0 queued\r\n")],
    ));
    r.expect_one("smtp_8bit_without_8bitmime", Severity::Warning, r.last(9));
}

#[test]
fn finding_server_ended_data_early() {
    // The server takes the lenient `\n.\n` for the end of data and answers
    // before the client's CRLF.CRLF (RFC 5321 §4.1.1.4, §4.2.5).
    let r = run(&with(
        transaction(EHLO_PLAIN, b"Subject: hi\r\n\r\nhello\n.\n"),
        vec![s(b"250 2.0.0 queued\r\n"), c(b"tail\r\n.\r\n")],
    ));
    r.expect_one("smtp_server_ended_data_early", Severity::Error, r.last(10));
}

// ---------------------------------------------------------------------------
// The JSON face.

fn json_session() -> Built {
    build(&[
        // The greeting in two segments: `frames` lists both, `frame` is the last.
        s_parts(&[b"220 mx.example.org", b" ESMTP\r\n"]),
        c(EHLO),
        s(b"250-mx.example.org\r\n250 PIPELINING\r\n"),
        c(b"MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\nRCPT TO:<nobody@example.net>\r\n"),
        s(b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 unknown\r\n"),
        c(b"DATA\r\n"),
        s(b"354 go ahead\r\n"),
        c(b"Subject: json\r\n\r\n..dot\r\n.\r\n"),
        s(b"250 2.0.0 queued\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ])
}

#[test]
fn json_records_follow_the_contract() {
    use serde_json::{json, Value};
    let b = json_session();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.pcap");
    std::fs::write(&path, b.conv.to_pcap()).expect("write capture");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["report", "--json"])
        .arg(&path)
        .output()
        .expect("run sockscope");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let of = |t: &str| -> Vec<&Value> { records.iter().filter(|r| r["type"] == t).collect() };
    let last = |i: usize| *b.frames[i].last().unwrap();

    // Only the contract's fields are checked; docs/json.md allows added ones.
    fn pick(v: &Value, fields: &[&str]) -> Value {
        for f in fields {
            assert!(v.get(f).is_some(), "field {f} missing in {v}");
        }
        Value::Object(
            fields
                .iter()
                .map(|f| (f.to_string(), v[*f].clone()))
                .collect(),
        )
    }
    const COMMAND: &[&str] = &["type", "conn", "frame", "protocol", "verb", "arg"];
    const REPLY: &[&str] = &[
        "type", "conn", "frame", "protocol", "code", "lines", "frames",
    ];
    const MESSAGE: &[&str] = &["type", "conn", "frame", "protocol", "size", "from", "to"];

    let commands: Vec<Value> = of("command").iter().map(|v| pick(v, COMMAND)).collect();
    let command = |frame: u64, verb: &str, arg: &str| json!({"type": "command", "conn": 1, "frame": frame, "protocol": "smtp", "verb": verb, "arg": arg});
    assert_eq!(
        commands,
        vec![
            command(last(1), "EHLO", "client.example"),
            command(last(3), "MAIL", "FROM:<alice@example.org>"),
            command(last(3), "RCPT", "TO:<bob@example.net>"),
            command(last(3), "RCPT", "TO:<nobody@example.net>"),
            command(last(5), "DATA", ""),
            command(last(9), "QUIT", ""),
        ]
    );

    let replies: Vec<Value> = of("reply").iter().map(|v| pick(v, REPLY)).collect();
    let reply = |frames: &[u64], code: u16, lines: &[&str]| {
        json!({"type": "reply", "conn": 1, "frame": frames.last().unwrap(), "protocol": "smtp",
               "code": code, "lines": lines, "frames": frames})
    };
    assert_eq!(
        replies,
        vec![
            reply(&b.frames[0], 220, &["mx.example.org ESMTP"]),
            reply(&b.frames[2], 250, &["mx.example.org", "PIPELINING"]),
            reply(&b.frames[4], 250, &["2.1.0 Ok"]),
            reply(&b.frames[4], 250, &["2.1.5 Ok"]),
            reply(&b.frames[4], 550, &["5.1.1 unknown"]),
            reply(&b.frames[6], 354, &["go ahead"]),
            reply(&b.frames[8], 250, &["2.0.0 queued"]),
            reply(&b.frames[10], 221, &["bye"]),
        ]
    );
    assert_eq!(b.frames[0].len(), 2, "the greeting came in two segments");
    assert!(replies[0]["code"].is_u64(), "SMTP codes are integers");

    let messages = of("message");
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let m = pick(messages[0], MESSAGE);
    // The frame of a message is not pinned by the contract: the content's
    // last frame or the accepting reply's.
    let frame = m["frame"].as_u64().expect("frame");
    assert!([last(7), last(8)].contains(&frame), "{m}");
    assert_eq!(
        m,
        json!({"type": "message", "conn": 1, "frame": frame, "protocol": "smtp",
               "size": b"Subject: json\r\n\r\n.dot\r\n".len(),
               "from": "alice@example.org", "to": ["bob@example.net"]})
    );

    // Findings carry the contract's fields too.
    for f in of("finding") {
        pick(f, &["type", "conn", "frame", "id", "severity", "message"]);
    }
    let split: Vec<&Value> = of("finding")
        .into_iter()
        .filter(|f| f["id"] == "smtp_reply_split_across_segments")
        .collect();
    assert_eq!(split.len(), 1);
    assert_eq!(split[0]["frame"], json!(b.frames[0][0]));
    assert_eq!(split[0]["severity"], "info");
}

/// DATA is owed two replies (354, then the verdict on the content): a
/// one-read-per-reply client reads both, so in the shipped pipelining-abuse
/// lesson (an early command, then DATA answered 354 · 250 in separate
/// segments) it stays in step: no out-of-step error, no table of pairings.
#[test]
fn data_owes_two_replies_so_pipelining_abuse_stays_in_step() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/pipelining-abuse.pcapng");
    let t = sockscope::timeline::analyze_file(&path, &mut ()).expect("shipped capture");
    assert!(
        !t.findings.iter().any(|f| f.id == "smtp_client_out_of_step"),
        "{:#?}",
        t.findings
            .iter()
            .map(|f| (f.frame, f.id))
            .collect::<Vec<_>>()
    );
    let d = &t.dialogues[0];
    let data = d
        .commands
        .iter()
        .position(|c| c.verb == "DATA")
        .expect("a DATA");
    let owed = d.answers_to(data, 8);
    assert_eq!(
        owed.iter().map(|r| code(r.code)).collect::<Vec<_>>(),
        [354, 250]
    );
    // In step: no side-by-side table of pairings either.
    assert!(d.pairings.is_empty(), "{:#?}", d.pairings);
}

/// Postscreen's shape (issue: "a reply line is never rewritten"): the
/// first line of a multi-line greeting, then the answer to an early EHLO.
/// The greeting ends there, unterminated; nothing is merged, every reply
/// pairs with the command the server answered, and a client that read
/// correctly is not out of step.
#[test]
fn a_reply_that_never_ended_is_shown_as_sent_and_pairing_follows_the_server() {
    let r = run(&[
        c(b"EHLO early.example\r\n"),
        s(b"220-mx.example.org ESMTP\r\n"),
        s(b"250-mx.example.org\r\n250 PIPELINING\r\n"),
        c(b"MAIL FROM:<a@example.org>\r\n"),
        s(b"250 2.1.0 Ok\r\n"),
        c(b"RCPT TO:<b@example.org>\r\n"),
        s(b"550 5.5.1 Protocol error\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 2.0.0 Bye\r\n"),
    ]);
    let d = r.d();
    let codes: Vec<u16> = replies(d).iter().map(|r| r.0).collect();
    assert_eq!(codes, [220, 250, 250, 550, 221]);
    assert!(d.replies[0].unterminated && !d.replies[1].unterminated);
    assert_eq!(
        d.replies[0].separator(0, true),
        '-',
        "shown as 220-, as sent"
    );
    assert_eq!(
        commands(d),
        [
            cmd("EHLO", "early.example", &[250]),
            cmd("MAIL", "FROM:<a@example.org>", &[250]),
            cmd("RCPT", "TO:<b@example.org>", &[550]),
            cmd("QUIT", "", &[221]),
        ]
    );
    assert_eq!(r.findings("smtp_multiline_code_mismatch").len(), 1);
    assert!(r.findings("smtp_client_out_of_step").is_empty());
}
