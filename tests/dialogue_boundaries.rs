//! One reader, for every protocol: however TCP cut the bytes, the decoded
//! dialogue and its findings are the same ("one reader", ARCHITECTURE.md;
//! docs/findings.md "A segment is never a line").
//!
//! Each transcript is built whole (one segment per step), then again with
//! every step cut at every byte boundary into two segments, one step cut at a
//! time. Every step is ACKed before the next one, so no timing finding can
//! appear; only `smtp_reply_split_across_segments`, whose whole point is the
//! cut, is left out of the comparison.

mod support;

use std::collections::BTreeSet;

use sockscope::proto::{Code, Dialogue};
use sockscope::timeline::Timeline;
use support::dialogue::{self, b64, build_on, c, s, text, Step};
use support::Conv;

/// Handshake, then each step's segments, the step ACKed by the other side
/// before the next one is written.
fn analyze_steps(server_port: u16, steps: &[Step]) -> Timeline {
    build_on(Conv::new().ports(40000, server_port), steps)
        .analyze("cut.pcap")
        .t
}

fn code(c: Code) -> String {
    match c {
        Code::Smtp(n) => n.to_string(),
        Code::Pop3(true) => "+OK".to_string(),
        Code::Pop3(false) => "-ERR".to_string(),
    }
}

/// What must not depend on segmentation.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    /// (verb, arg, codes of the replies that answer it).
    commands: Vec<(String, String, Vec<String>)>,
    /// (code, lines, index of the command answered).
    replies: Vec<(String, Vec<String>, Option<usize>)>,
    /// (size, from, to).
    messages: Vec<(u64, Option<String>, Vec<String>)>,
    /// (mechanism, user, password).
    credentials: Vec<(String, String, Option<String>)>,
    capabilities: Vec<String>,
    ids: BTreeSet<&'static str>,
}

fn decoded(t: &Timeline) -> Decoded {
    let d: &Dialogue = t.dialogue(1).expect("connection 1 carries a dialogue");
    Decoded {
        commands: dialogue::commands(d, code),
        replies: d
            .replies
            .iter()
            .map(|r| {
                (
                    code(r.code),
                    r.lines.iter().map(|l| text(l)).collect(),
                    r.command,
                )
            })
            .collect(),
        messages: d
            .messages
            .iter()
            .map(|m| (m.size, m.from.clone(), m.to.clone()))
            .collect(),
        credentials: d
            .credentials
            .iter()
            .map(|cr| {
                (
                    cr.mechanism.clone(),
                    text(&cr.user),
                    cr.password.as_deref().map(text),
                )
            })
            .collect(),
        capabilities: d.capabilities.clone(),
        ids: t
            .findings
            .iter()
            .map(|f| f.id)
            .filter(|id| *id != "smtp_reply_split_across_segments")
            .collect(),
    }
}

/// Decodes the whole transcript, checks it with `check`, then every single
/// cut of every step against it.
fn every_cut_decodes_the_same(
    server_port: u16,
    steps: &[Step],
    check: impl FnOnce(&Decoded),
) -> usize {
    let whole = decoded(&analyze_steps(server_port, steps));
    check(&whole);
    let mut runs = 0;
    for (i, step) in steps.iter().enumerate() {
        let len = step.bytes().len();
        for at in 1..len {
            let mut cut = steps.to_vec();
            cut[i] = step.cut(&[at]);
            let got = decoded(&analyze_steps(server_port, &cut));
            assert_eq!(
                got,
                whole,
                "step {i} ({:?}) cut before byte {at}",
                text(&step.bytes())
            );
            runs += 1;
        }
    }
    runs
}

fn ids(list: &[&'static str]) -> BTreeSet<&'static str> {
    list.iter().copied().collect()
}

// ---------------------------------------------------------------------------
// The transcripts.

#[test]
fn smtp_clean_session_with_multiline_replies_and_stuffing() {
    let content: &[u8] = b"Subject: cut\r\nDate: today\r\n\r\n..stuffed\r\nend\r\n.\r\n";
    let steps = [
        s(b"220-mx.example.org ESMTP\r\n220 ready\r\n"),
        c(b"EHLO client.example\r\n"),
        s(b"250-mx.example.org\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"),
        c(b"MAIL FROM:<alice@example.org>\r\n"),
        s(b"250 2.1.0 ok\r\n"),
        c(b"RCPT TO:<bob@example.net>\r\n"),
        s(b"250 2.1.5 ok\r\n"),
        c(b"DATA\r\n"),
        s(b"354 go ahead\r\n"),
        c(content),
        s(b"250 2.0.0 queued\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ];
    let runs = every_cut_decodes_the_same(25, &steps, |d| {
        assert_eq!(d.commands.len(), 5, "{d:#?}");
        assert_eq!(d.replies.len(), 7, "{d:#?}");
        assert_eq!(d.replies[0].1, vec!["mx.example.org ESMTP", "ready"]);
        assert_eq!(d.capabilities, vec!["SIZE 1000", "8BITMIME"]);
        assert_eq!(
            d.messages,
            vec![(
                content.len() as u64 - 3 - 1,
                Some("alice@example.org".to_string()),
                vec!["bob@example.net".to_string()],
            )]
        );
        assert_eq!(d.ids, BTreeSet::new(), "a clean session");
    });
    assert!(runs > 200);
}

#[test]
fn smtp_auth_login_session() {
    let (user, password) = ("bob@example.net", "hunter2-but-longer");
    let (u64s, p64s) = (b64(user.as_bytes()), b64(password.as_bytes()));
    let steps = [
        s(b"220 mx.example.org ESMTP\r\n"),
        c(b"EHLO client.example\r\n"),
        s(b"250-mx.example.org\r\n250 AUTH LOGIN PLAIN\r\n"),
        c(b"AUTH LOGIN\r\n"),
        s(b"334 VXNlcm5hbWU6\r\n"),
        c(format!("{u64s}\r\n").as_bytes()),
        s(b"334 UGFzc3dvcmQ6\r\n"),
        c(format!("{p64s}\r\n").as_bytes()),
        s(b"235 2.7.0 Authentication successful\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ];
    every_cut_decodes_the_same(25, &steps, |d| {
        let verbs: Vec<&str> = d.commands.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            verbs,
            ["EHLO", "AUTH", "QUIT"],
            "SASL lines are no commands"
        );
        assert_eq!(d.commands[1].2, ["334", "334", "235"]);
        assert_eq!(d.credentials.len(), 1, "{d:#?}");
        assert_eq!(d.credentials[0].1, user);
        assert_eq!(d.credentials[0].2.as_deref(), Some(password));
        assert!(d.ids.contains("smtp_auth_cleartext"), "{:?}", d.ids);
    });
}

#[test]
fn smtp_bdat_session() {
    // Octets that would end a DATA transfer; BDAT counts them.
    let chunk: &[u8] = b"hi\r\n.\r\nxy\r\n";
    let steps = [
        s(b"220 mx.example.org ESMTP\r\n"),
        c(b"EHLO client.example\r\n"),
        s(b"250-mx.example.org\r\n250 CHUNKING\r\n"),
        c(b"MAIL FROM:<alice@example.org>\r\n"),
        s(b"250 2.1.0 Ok\r\n"),
        c(b"RCPT TO:<bob@example.net>\r\n"),
        s(b"250 2.1.5 Ok\r\n"),
        c(b"BDAT 11 LAST\r\n"),
        c(chunk),
        s(b"250 2.0.0 Ok: 11 bytes queued\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 2.0.0 Bye\r\n"),
    ];
    every_cut_decodes_the_same(25, &steps, |d| {
        let verbs: Vec<&str> = d.commands.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(verbs, ["EHLO", "MAIL", "RCPT", "BDAT", "QUIT"]);
        assert_eq!(
            d.messages,
            vec![(
                11,
                Some("alice@example.org".to_string()),
                vec!["bob@example.net".to_string()],
            )]
        );
        assert_eq!(d.ids, BTreeSet::new(), "a clean session");
    });
}

#[test]
fn pop3_retr_session() {
    let message: &[u8] = b"Subject: hi\r\n\r\n..dotted line\r\nlast\r\n";
    let size = message.len() - 1;
    let steps = [
        s(b"+OK POP3 server ready <1896.697170952@dbc.mailcom.com>\r\n"),
        c(b"CAPA\r\n"),
        s(b"+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\n.\r\n"),
        c(b"USER alice\r\n"),
        s(b"+OK alice is welcome\r\n"),
        c(b"PASS s3cret-pw\r\n"),
        s(b"+OK maildrop has 1 message\r\n"),
        c(b"LIST\r\n"),
        s(format!("+OK 1 message\r\n1 {size}\r\n.\r\n").as_bytes()),
        c(b"RETR 1\r\n"),
        s(&[
            format!("+OK {size} octets\r\n").as_bytes(),
            message,
            b".\r\n",
        ]
        .concat()),
        c(b"QUIT\r\n"),
        s(b"+OK bye\r\n"),
    ];
    every_cut_decodes_the_same(110, &steps, |d| {
        let verbs: Vec<&str> = d.commands.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(verbs, ["CAPA", "USER", "PASS", "LIST", "RETR", "QUIT"]);
        assert_eq!(d.replies.len(), 7, "{d:#?}");
        assert_eq!(d.capabilities, vec!["TOP", "USER", "UIDL"]);
        assert_eq!(d.messages, vec![(size as u64, None, vec![])]);
        assert_eq!(
            d.credentials,
            vec![(
                "USER/PASS".to_string(),
                "alice".to_string(),
                Some("s3cret-pw".to_string())
            )]
        );
        assert_eq!(d.ids, ids(&["pop3_cleartext_credentials"]));
    });
}

#[test]
fn smtp_bare_lf_and_percent_hack_session() {
    let steps = [
        s(b"220 mx.example.org ESMTP\r\n"),
        c(b"EHLO client.example\r\n"),
        s(b"250 mx.example.org\r\n"),
        c(b"NOOP\n"),
        s(b"250 ok\r\n"),
        c(b"MAIL FROM:<a@example.org>\r\n"),
        s(b"250 ok\r\n"),
        c(b"RCPT TO:<anybody%anywhere@local.host.name>\r\n"),
        s(b"550 5.7.1 relaying denied\r\n"),
        c(b"QUIT\r\n"),
        s(b"221 bye\r\n"),
    ];
    every_cut_decodes_the_same(25, &steps, |d| {
        let verbs: Vec<&str> = d.commands.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(verbs, ["EHLO", "NOOP", "MAIL", "RCPT", "QUIT"]);
        assert_eq!(d.commands[3].2, ["550"]);
        assert!(d.ids.contains("smtp_bare_lf"), "{:?}", d.ids);
        assert!(d.ids.contains("smtp_percent_hack"), "{:?}", d.ids);
    });
}
