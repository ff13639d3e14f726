//! The POP3 layer (RFC 1939, RFC 2449, RFC 2595): dialogues built as captures
//! in memory (`tests/support`) on port 110, read by
//! `sockscope::timeline::analyze`, and checked command by command, response by
//! response, and finding by finding against docs/findings.md.
//!
//! Frame numbers are 1-based as Wireshark counts them; the handshake is frames
//! 1–3, and the builder ACKs every step, so each step's segments are followed
//! by one pure ACK from the other side.

mod support;

use std::collections::BTreeSet;

use sockscope::finding::{Provenance, Severity};
use sockscope::proto::{Code, Dialogue};
use support::dialogue::{
    self, assert_pairing_consistent, build_on, c, s, s_parts, text, Run, Step,
};
use support::Conv;

// ---------------------------------------------------------------------------
// Building dialogues: the steps, the builder and `Run` are in
// `tests/support/dialogue.rs`; what is POP3's own is here.

/// Handshake on 40000 → 110, then each step as one PSH,ACK segment, ACKed by
/// the other side before the next step.
fn run(steps: &[Step]) -> Run {
    build_on(Conv::new().ports(40000, 110), steps).analyze("pop3.pcap")
}

impl Run {
    fn d(&self) -> &Dialogue {
        self.t
            .dialogue(1)
            .expect("connection 1 carries a POP3 dialogue")
    }

    /// The frame that carried step `i`.
    fn at(&self, i: usize) -> u64 {
        self.last(i)
    }
}

fn ok(c: Code) -> bool {
    match c {
        Code::Pop3(ok) => ok,
        other => panic!("not a POP3 status: {other:?}"),
    }
}

type Cmd = dialogue::Cmd<bool>;
type Rep = dialogue::Rep<bool>;

/// Each command as (verb, arg, statuses of the responses that answer it).
fn commands(d: &Dialogue) -> Vec<Cmd> {
    dialogue::commands(d, ok)
}

/// Each response as (+OK?, lines, verb of the command it answers).
fn replies(d: &Dialogue) -> Vec<Rep> {
    dialogue::replies(d, ok)
}

fn cmd(verb: &str, arg: &str, oks: &[bool]) -> Cmd {
    dialogue::cmd(verb, arg, oks)
}

fn rep(ok: bool, lines: &[&str], answers: Option<&str>) -> Rep {
    dialogue::rep(ok, lines, answers)
}

const GREETING: &[u8] = b"+OK POP3 server ready <1896.697170952@dbc.mailcom.com>\r\n";
const GREETING_PLAIN: &[u8] = b"+OK POP3 server ready\r\n";
const USER: &str = "alice";
const PASSWORD: &str = "s3cret-pw";

/// The message as it travels: a stuffed `..` line; un-stuffed it is one octet
/// shorter.
const MESSAGE_WIRE: &[u8] =
    b"Subject: hi\r\nFrom: bob@example.net\r\n\r\n..dotted line\r\nlast\r\n";

fn message_size() -> u64 {
    MESSAGE_WIRE.len() as u64 - 1
}

/// The greeting, USER/PASS accepted: steps 0–4.
fn login(greeting: &[u8]) -> Vec<Step> {
    vec![
        s(greeting),
        c(b"USER alice\r\n"),
        s(b"+OK alice is welcome\r\n"),
        c(b"PASS s3cret-pw\r\n"),
        s(b"+OK maildrop ready\r\n"),
    ]
}

fn with(mut steps: Vec<Step>, more: Vec<Step>) -> Vec<Step> {
    steps.extend(more);
    steps
}

// ---------------------------------------------------------------------------
// A whole session.

fn session() -> Vec<Step> {
    let size = message_size();
    vec![
        s(GREETING),
        c(b"CAPA\r\n"),
        s(b"+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\n.\r\n"),
        c(b"USER alice\r\n"),
        s(b"+OK alice is welcome\r\n"),
        c(b"PASS s3cret-pw\r\n"),
        s(b"+OK maildrop has 2 messages\r\n"),
        c(b"STAT\r\n"),
        s(format!("+OK 2 {}\r\n", size + 200).as_bytes()),
        c(b"LIST\r\n"),
        s(format!("+OK 2 messages\r\n1 {size}\r\n2 200\r\n.\r\n").as_bytes()),
        c(b"RETR 1\r\n"),
        s(&[
            format!("+OK {size} octets\r\n").as_bytes(),
            MESSAGE_WIRE,
            b".\r\n",
        ]
        .concat()),
        c(b"DELE 1\r\n"),
        s(b"+OK message 1 deleted\r\n"),
        c(b"QUIT\r\n"),
        s(b"+OK dewey POP3 server signing off\r\n"),
    ]
}

#[test]
fn a_whole_session_decodes() {
    let r = run(&session());
    let d = r.d();
    let size = message_size();
    assert_eq!(
        commands(d),
        vec![
            cmd("CAPA", "", &[true]),
            cmd("USER", USER, &[true]),
            cmd("PASS", PASSWORD, &[true]),
            cmd("STAT", "", &[true]),
            cmd("LIST", "", &[true]),
            cmd("RETR", "1", &[true]),
            cmd("DELE", "1", &[true]),
            cmd("QUIT", "", &[true]),
        ]
    );
    let stat = format!("2 {}", size + 200);
    let list1 = format!("1 {size}");
    let retr = format!("{size} octets");
    assert_eq!(
        replies(d),
        vec![
            rep(
                true,
                &["POP3 server ready <1896.697170952@dbc.mailcom.com>"],
                None
            ),
            rep(
                true,
                &["Capability list follows", "TOP", "USER", "UIDL"],
                Some("CAPA")
            ),
            rep(true, &["alice is welcome"], Some("USER")),
            rep(true, &["maildrop has 2 messages"], Some("PASS")),
            rep(true, &[&stat], Some("STAT")),
            rep(true, &["2 messages", &list1, "2 200"], Some("LIST")),
            rep(true, &[&retr], Some("RETR")),
            rep(true, &["message 1 deleted"], Some("DELE")),
            rep(true, &["dewey POP3 server signing off"], Some("QUIT")),
        ]
    );
    assert_pairing_consistent(d);
    // Each response came in its own step's frame.
    let server_steps = [0, 2, 4, 6, 8, 10, 12, 14, 16];
    for (reply, step) in d.replies.iter().zip(server_steps) {
        assert_eq!(reply.origin.last_frame(), r.at(step), "{reply:?}");
    }
    for (cm, step) in d.commands.iter().zip([1, 3, 5, 7, 9, 11, 13, 15]) {
        assert_eq!(cm.origin.last_frame(), r.at(step), "{}", cm.verb);
    }

    // RETR: un-stuffed, last CRLF counted, `.CRLF` not.
    assert_eq!(d.messages.len(), 1, "{:#?}", d.messages);
    let m = &d.messages[0];
    assert_eq!(m.size, size);
    assert_eq!(m.frame, r.at(12));
    let headers: Vec<(String, String)> = m
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), text(v)))
        .collect();
    assert_eq!(
        headers,
        [
            ("Subject".to_string(), "hi".to_string()),
            ("From".to_string(), "bob@example.net".to_string()),
        ]
    );

    assert_eq!(d.capabilities, vec!["TOP", "USER", "UIDL"]);
    assert!(d.has_capability("UIDL"));
    assert!(!d.has_capability("PIPELINING"));
    assert_eq!(d.tls_from, None);

    assert_eq!(d.credentials.len(), 1, "{:#?}", d.credentials);
    let cr = &d.credentials[0];
    assert_eq!(cr.user, USER.as_bytes());
    assert_eq!(cr.password.as_deref(), Some(PASSWORD.as_bytes()));
    assert_eq!(cr.frame, r.at(3));

    // Only the clear-text login is worth a finding: one, at the PASS that
    // completes it, naming the user sent earlier.
    assert_eq!(
        r.ids(),
        BTreeSet::from(["pop3_cleartext_credentials"]),
        "{:#?}",
        r.t.findings
    );
    let creds = r.findings("pop3_cleartext_credentials");
    let frames: Vec<(u64, Severity)> = creds.iter().map(|f| (f.frame, f.severity)).collect();
    assert_eq!(frames, vec![(r.at(5), Severity::Warning)]);
    assert!(creds[0].message.contains(USER), "{}", creds[0].message);
    for f in &creds {
        assert!(!f.message.contains(PASSWORD), "{}", f.message);
    }
}

// ---------------------------------------------------------------------------
// One test per finding of docs/findings.md.

#[test]
fn finding_bad_status() {
    let r = run(&with(
        login(GREETING),
        vec![c(b"NOOP\r\n"), s(b"+ok fine\r\n")],
    ));
    let f = r.expect_one("pop3_bad_status", Severity::Error, r.at(6));
    assert!(f.message.contains("+ok fine"), "{}", f.message);
}

#[test]
fn finding_bad_status_greeting() {
    let r = run(&[s(b"OK ready\r\n"), c(b"QUIT\r\n"), s(b"+OK bye\r\n")]);
    r.expect_one("pop3_bad_status", Severity::Error, r.at(0));
}

#[test]
fn finding_multiline_unterminated_capture_ends_inside_retr() {
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"RETR 1\r\n"),
            s(b"+OK 120 octets\r\nSubject: cut\r\n\r\nbody line\r\n"),
        ],
    ));
    r.expect_one("pop3_multiline_unterminated", Severity::Error, r.at(6));
}

#[test]
fn finding_multiline_unterminated_capa_listing() {
    let r = run(&[
        s(GREETING),
        c(b"CAPA\r\n"),
        s(b"+OK Capability list follows\r\nTOP\r\nUSER\r\n"),
    ]);
    r.expect_one("pop3_multiline_unterminated", Severity::Error, r.at(2));
}

#[test]
fn finding_multiline_unterminated_listing_dot_with_bare_lf() {
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"LIST\r\n"),
            s(b"+OK 1 message\r\n1 120\r\n.\n"),
            c(b"QUIT\r\n"),
            s(b"+OK bye\r\n"),
        ],
    ));
    let f = r.expect_one("pop3_multiline_unterminated", Severity::Error, r.at(6));
    assert!(f.message.contains("bare LF"), "{}", f.message);
    // Read as the end (as clients do), so QUIT still gets its own +OK.
    assert_eq!(commands(r.d()).last(), Some(&cmd("QUIT", "", &[true])));
}

#[test]
fn finding_multiline_unterminated_next_response_before_the_dot() {
    // The server forgot the "." of LIST; the client had already sent QUIT.
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"LIST\r\n"),
            c(b"QUIT\r\n"),
            s_parts(&[b"+OK 1 message\r\n1 120\r\n", b"+OK bye\r\n"]),
        ],
    ));
    let quit_ok = r.frames[7][1];
    let f = r.expect_one("pop3_multiline_unterminated", Severity::Error, quit_ok);
    assert!(f.message.contains("+OK bye"), "{}", f.message);
    assert_eq!(
        commands(r.d())[2..],
        [cmd("LIST", "", &[true]), cmd("QUIT", "", &[true])]
    );
}

#[test]
fn finding_multiline_unterminated_data_after_err() {
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"RETR 9\r\n"),
            s(b"-ERR no such message\r\nSubject: leaked\r\n\r\nbody\r\n.\r\n"),
            c(b"QUIT\r\n"),
            s(b"+OK bye\r\n"),
        ],
    ));
    let f = r.expect_one("pop3_multiline_unterminated", Severity::Error, r.at(6));
    assert!(
        f.message.contains("after its -ERR to RETR"),
        "{}",
        f.message
    );
    // Those lines are not reported again as bad statuses, and QUIT pairs.
    r.expect_none("pop3_bad_status");
    assert_eq!(commands(r.d()).last(), Some(&cmd("QUIT", "", &[true])));
    // A -ERR to a one-line command followed by junk is a bad status instead.
    let r = run(&with(
        login(GREETING),
        vec![c(b"DELE 9\r\n"), s(b"-ERR no such message\r\njunk\r\n")],
    ));
    r.expect_none("pop3_multiline_unterminated");
    r.expect_one("pop3_bad_status", Severity::Error, r.at(6));
}

#[test]
fn finding_multiline_unterminated_message_dot_with_bare_lf() {
    // The message's dot line uses bare LFs; the real end comes later.
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"RETR 1\r\n"),
            s(b"+OK\r\nSubject: x\r\n\r\nbody\n.\nmore\r\n.\r\n"),
        ],
    ));
    let f = r.expect_one("pop3_multiline_unterminated", Severity::Error, r.at(6));
    assert!(f.message.contains("\\n.\\n"), "{}", f.message);
}

#[test]
fn finding_multiline_unterminated_names_the_close() {
    let mut b = build_on(
        Conv::new().ports(40000, 110),
        &with(
            login(GREETING),
            vec![c(b"RETR 1\r\n"), s(b"+OK\r\nSubject: x\r\n\r\nbody\r\n")],
        ),
    );
    b.conv.server_fin();
    let fin = b.conv.segs.len() as u64;
    let r = b.analyze("pop3.pcap");
    let f = r.expect_one("pop3_multiline_unterminated", Severity::Error, r.at(6));
    assert!(
        f.message
            .contains(&format!("before the connection closed (#{fin})")),
        "{}",
        f.message
    );
}

#[test]
fn a_message_body_keeps_the_frames_that_carried_it() {
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"RETR 1\r\n"),
            s_parts(&[b"+OK\r\nSubject: x\r\n", b"\r\nbody\r\n", b".\r\n"]),
        ],
    ));
    let retr = r.d().replies.last().expect("RETR's reply");
    assert_eq!(
        retr.origin.frames,
        vec![
            (r.frames[6][0], 17),
            (r.frames[6][1], 8),
            (r.frames[6][2], 3)
        ]
    );
}

#[test]
fn finding_byte_stuffing_missing() {
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"RETR 1\r\n"),
            s(b"+OK\r\nSubject: x\r\n\r\n.hidden\r\nend\r\n.\r\n"),
            c(b"QUIT\r\n"),
            s(b"+OK bye\r\n"),
        ],
    ));
    r.expect_one("pop3_byte_stuffing_missing", Severity::Warning, r.at(6));
    r.expect_none("pop3_multiline_unterminated");
    // The exchange goes on: QUIT is answered by its own +OK.
    assert_eq!(commands(r.d()).last(), Some(&cmd("QUIT", "", &[true])));
}

#[test]
fn finding_command_before_response() {
    // NOOP is written before STAT's +OK (no PIPELINING in sight).
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"STAT\r\n"),
            c(b"NOOP\r\n"),
            s(b"+OK 1 100\r\n"),
            s(b"+OK\r\n"),
        ],
    ));
    let f = r.expect_one("pop3_command_before_response", Severity::Warning, r.at(6));
    // Its ACK proves the client had not received the +OK (docs/findings.md "ACK proof").
    assert_eq!(f.provenance, Provenance::Observed, "{f:#?}");
    assert_eq!(
        commands(r.d())[2..],
        [cmd("STAT", "", &[true]), cmd("NOOP", "", &[true])]
    );
}

#[test]
fn finding_command_before_response_mid_listing() {
    // STAT is written after LIST's +OK line but before its `.` line.
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"LIST\r\n"),
            s(b"+OK 1 message\r\n"),
            c(b"STAT\r\n"),
            s(b"1 100\r\n.\r\n"),
            s(b"+OK 1 100\r\n"),
        ],
    ));
    r.expect_one("pop3_command_before_response", Severity::Warning, r.at(7));
}

#[test]
fn finding_command_before_response_mid_retr() {
    // DELE is written after RETR's +OK line but before the message's `.` line.
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"RETR 1\r\n"),
            s(b"+OK\r\nSubject: x\r\n\r\n"),
            c(b"DELE 1\r\n"),
            s(b"body\r\n.\r\n"),
            s(b"+OK deleted\r\n"),
        ],
    ));
    r.expect_one("pop3_command_before_response", Severity::Warning, r.at(7));
}

#[test]
fn finding_command_before_response_is_info_with_pipelining() {
    let r = run(&[
        s(GREETING),
        c(b"CAPA\r\n"),
        s(b"+OK\r\nUSER\r\nPIPELINING\r\n.\r\n"),
        c(b"USER alice\r\n"),
        c(b"PASS s3cret-pw\r\n"),
        s(b"+OK\r\n"),
        s(b"+OK\r\n"),
    ]);
    r.expect_one("pop3_command_before_response", Severity::Info, r.at(4));
}

#[test]
fn finding_command_invalid_pass_without_user() {
    let r = run(&[
        s(GREETING),
        c(b"PASS s3cret-pw\r\n"),
        s(b"-ERR no USER\r\n"),
    ]);
    r.expect_one("pop3_command_invalid", Severity::Warning, r.at(1));
    assert_eq!(commands(r.d()), vec![cmd("PASS", PASSWORD, &[false])]);
}

#[test]
fn finding_command_invalid_unknown_keyword() {
    let r = run(&with(
        login(GREETING),
        vec![c(b"XYZZY magic\r\n"), s(b"-ERR unknown command\r\n")],
    ));
    let f = r.expect_one("pop3_command_invalid", Severity::Warning, r.at(5));
    assert!(f.message.contains("XYZZY"), "{}", f.message);
}

#[test]
fn finding_command_invalid_retr_before_login() {
    let r = run(&[s(GREETING), c(b"RETR 1\r\n"), s(b"-ERR not yet\r\n")]);
    r.expect_one("pop3_command_invalid", Severity::Warning, r.at(1));
}

#[test]
fn finding_apop_without_timestamp() {
    let r = run(&[
        s(GREETING_PLAIN),
        c(b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"),
        s(b"+OK maildrop ready\r\n"),
    ]);
    r.expect_one("pop3_apop_without_timestamp", Severity::Warning, r.at(1));
}

#[test]
fn apop_with_timestamp_is_not_flagged() {
    let r = run(&[
        s(GREETING),
        c(b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"),
        s(b"+OK maildrop ready\r\n"),
    ]);
    r.expect_none("pop3_apop_without_timestamp");
}

#[test]
fn finding_stls_plaintext_injection() {
    let r = run(&[
        s(GREETING),
        c(b"STLS\r\n"),
        s(b"+OK Begin TLS negotiation\r\n"),
        c(b"USER x\r\n"),
    ]);
    let f = r.expect_one("pop3_stls_plaintext_injection", Severity::Error, r.at(3));
    assert!(f.message.contains("USER x"), "{}", f.message);
    assert_eq!(r.d().tls_from, Some(r.at(2)));
    // After STLS's +OK nothing is decoded as POP3.
    assert_eq!(commands(r.d()), vec![cmd("STLS", "", &[true])]);
}

#[test]
fn finding_stls_plaintext_injection_in_the_stls_segment() {
    // `STLS\r\nUSER x\r\n` in one write: the injected bytes precede the +OK.
    let r = run(&[
        s(GREETING),
        c(b"STLS\r\nUSER x\r\n"),
        s(b"+OK Begin TLS negotiation\r\n"),
    ]);
    r.expect_one("pop3_stls_plaintext_injection", Severity::Error, r.at(1));
}

#[test]
fn stls_followed_by_tls_is_not_injection() {
    let r = run(&[
        s(GREETING),
        c(b"STLS\r\n"),
        s(b"+OK Begin TLS negotiation\r\n"),
        c(&[0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0]),
    ]);
    r.expect_none("pop3_stls_plaintext_injection");
}

#[test]
fn finding_size_mismatch() {
    let body: &[u8] = b"Subject: x\r\n\r\nbody\r\n";
    assert_ne!(body.len(), 10);
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"LIST\r\n"),
            s(b"+OK 1 message\r\n1 10\r\n.\r\n"),
            c(b"RETR 1\r\n"),
            s(&[b"+OK\r\n", body, b".\r\n"].concat()),
        ],
    ));
    let f = r.expect_one("pop3_size_mismatch", Severity::Info, r.at(8));
    assert!(f.message.contains("10"), "{}", f.message);
    assert_eq!(r.d().messages[0].size, body.len() as u64);
}

#[test]
fn matching_size_is_not_flagged() {
    let body: &[u8] = b"Subject: x\r\n\r\nbody\r\n";
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"LIST\r\n"),
            s(format!("+OK 1 message\r\n1 {}\r\n.\r\n", body.len()).as_bytes()),
            c(b"RETR 1\r\n"),
            s(&[b"+OK\r\n", body, b".\r\n"].concat()),
        ],
    ));
    r.expect_none("pop3_size_mismatch");
}

#[test]
fn top_after_retr_is_not_checked_against_list() {
    let body: &[u8] = b"Subject: x\r\n\r\nbody\r\n";
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"LIST\r\n"),
            s(format!("+OK 1 message\r\n1 {}\r\n.\r\n", body.len()).as_bytes()),
            c(b"RETR 1\r\n"),
            s(&[b"+OK\r\n", body, b".\r\n"].concat()),
            c(b"TOP 1 0\r\n"),
            s(b"+OK\r\nSubject: x\r\n\r\n.\r\n"),
        ],
    ));
    // TOP returns the headers only: shorter than LIST's size, and rightly so.
    r.expect_none("pop3_size_mismatch");
    assert_eq!(r.d().messages.len(), 2);
}

#[test]
fn a_plus_line_to_a_command_other_than_auth_is_a_bad_status_and_swallows_nothing() {
    let r = run(&with(
        login(GREETING),
        vec![
            c(b"NOOP\r\n"),
            s(b"+ go ahead\r\n"),
            c(b"STAT\r\n"),
            s(b"+OK 0 0\r\n"),
        ],
    ));
    r.expect_one("pop3_bad_status", Severity::Error, r.at(6));
    // STAT is a command, not a SASL response to a continuation.
    let verbs: Vec<&str> = r.d().commands.iter().map(|c| c.verb.as_str()).collect();
    assert_eq!(verbs, ["USER", "PASS", "NOOP", "STAT"]);
}

#[test]
fn finding_line_too_long_command() {
    let long = format!("USER {}\r\n", "a".repeat(300));
    let r = run(&[s(GREETING), c(long.as_bytes()), s(b"-ERR too long\r\n")]);
    r.expect_one("pop3_line_too_long", Severity::Warning, r.at(1));
}

#[test]
fn finding_line_too_long_response() {
    let long = format!("+OK {}\r\n", "x".repeat(600));
    let r = run(&with(
        login(GREETING),
        vec![c(b"NOOP\r\n"), s(long.as_bytes())],
    ));
    r.expect_one("pop3_line_too_long", Severity::Warning, r.at(6));
}

#[test]
fn a_255_octet_command_is_not_too_long() {
    // 255 octets, CRLF included (RFC 2449 §4).
    let long = format!("USER {}\r\n", "a".repeat(255 - 7));
    assert_eq!(long.len(), 255);
    let r = run(&[s(GREETING), c(long.as_bytes()), s(b"+OK\r\n")]);
    r.expect_none("pop3_line_too_long");
}

#[test]
fn the_pass_finding_hides_the_password() {
    let r = run(&login(GREETING));
    let f = r.expect_at("pop3_cleartext_credentials", Severity::Warning, r.at(3));
    assert!(!f.message.contains(PASSWORD), "{}", f.message);
    assert!(f.message.contains("\"alice\""), "{}", f.message);
    assert!(!f.message.contains("before STLS"), "{}", f.message);
}
