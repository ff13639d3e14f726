//! sockscope's SMTP (and POP3) dialogue against tshark's, frame by frame, on
//! every public capture in `../shared/captures-public/` and on the shipped
//! `captures/ccnotes.pcapng`.
//!
//! tshark's view is
//! `tshark -r F -Y 'smtp||pop' -T fields -E separator='|' -e frame.number
//! -e smtp.req.command -e smtp.response.code -e pop.request.command
//! -e pop.response.indicator`: per frame, the command verbs (upper-cased here)
//! and reply codes it carried, several values comma-separated. sockscope's is
//! the same thing read from `Timeline::dialogues`: a command or reply belongs
//! to the frame that delivered its last byte (docs/json.md), which is
//! where tshark puts a reassembled PDU too.
//!
//! Where tshark is known to be wrong, the difference is written below as an
//! explicit exception for that capture and frame, and the exception itself is
//! checked: tshark must still show exactly what the exception says, and
//! sockscope exactly what it should.
//!
//! Without tshark the tests print `skipped: tshark not installed` and pass,
//! except under `CI=true`, where `.ci/run` installs tshark and its absence is
//! a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sockscope::proto::{Code, Protocol};
use sockscope::timeline::analyze_file;

/// What one frame carried at the application layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Row {
    frame: u64,
    smtp_commands: Vec<String>,
    smtp_codes: Vec<String>,
    pop_commands: Vec<String>,
    pop_indicators: Vec<String>,
}

impl Row {
    fn is_empty(&self) -> bool {
        self.smtp_commands.is_empty()
            && self.smtp_codes.is_empty()
            && self.pop_commands.is_empty()
            && self.pop_indicators.is_empty()
    }

    fn has_pop(&self) -> bool {
        !self.pop_commands.is_empty() || !self.pop_indicators.is_empty()
    }

    fn without_pop(&self) -> Row {
        Row {
            pop_commands: Vec::new(),
            pop_indicators: Vec::new(),
            ..self.clone()
        }
    }

    /// `frame|CMD,CMD|code,code|POPCMD|+OK`, as tshark prints it.
    fn line(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.frame,
            self.smtp_commands.join(","),
            self.smtp_codes.join(","),
            self.pop_commands.join(","),
            self.pop_indicators.join(",")
        )
    }
}

const TSHARK_FIELDS: [&str; 5] = [
    "frame.number",
    "smtp.req.command",
    "smtp.response.code",
    "pop.request.command",
    "pop.response.indicator",
];

/// tshark's rows with something in them; None when tshark is not installed.
fn tshark_rows(path: &Path) -> Option<Vec<Row>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(path)
        .args(["-Y", "smtp||pop", "-T", "fields", "-E", "separator=|"]);
    // tshark decodes SMTP and POP3 by port only; the lab's captures use
    // ephemeral ports, which sockscope recognises by the greeting. Tell
    // tshark where the dialogues are (Wireshark's "Decode As").
    let t = sockscope::timeline::analyze_file(path, &mut ()).expect("capture");
    for d in &t.dialogues {
        if let Some(c) = t.connection(d.conn) {
            cmd.args([
                "-d",
                &format!(
                    "tcp.port=={},{}",
                    c.server.port(),
                    d.protocol.name().replace("pop3", "pop")
                ),
            ]);
        }
    }
    for field in TSHARK_FIELDS {
        cmd.args(["-e", field]);
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("running tshark: {e}"),
    };
    assert!(
        out.status.success(),
        "tshark failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let values = |field: &str, upper: bool| -> Vec<String> {
        field
            .split(',')
            .filter(|v| !v.is_empty())
            .map(|v| {
                if upper {
                    v.to_ascii_uppercase()
                } else {
                    v.to_string()
                }
            })
            .collect()
    };
    let rows = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('|').collect();
            assert_eq!(f.len(), 5, "tshark line {line:?}");
            Row {
                frame: f[0].parse().expect("frame number"),
                smtp_commands: values(f[1], true),
                smtp_codes: values(f[2], false),
                pop_commands: values(f[3], true),
                pop_indicators: values(f[4], false),
            }
        })
        .filter(|r| !r.is_empty())
        .collect();
    Some(rows)
}

/// sockscope's rows: every command and reply of every dialogue, by the frame
/// of its last byte.
fn sockscope_rows(path: &Path) -> Vec<Row> {
    let t = analyze_file(path, &mut ()).expect("capture opens");
    assert!(t.error.is_none(), "{:?}", t.error);
    let mut rows: BTreeMap<u64, Row> = BTreeMap::new();
    for d in &t.dialogues {
        let pop = d.protocol == Protocol::Pop3;
        for c in &d.commands {
            let frame = c.origin.last_frame();
            let row = rows.entry(frame).or_insert_with(|| Row {
                frame,
                ..Row::default()
            });
            let list = if pop {
                &mut row.pop_commands
            } else {
                &mut row.smtp_commands
            };
            list.push(c.verb.to_ascii_uppercase());
        }
        for r in &d.replies {
            let frame = r.origin.last_frame();
            let row = rows.entry(frame).or_insert_with(|| Row {
                frame,
                ..Row::default()
            });
            match r.code {
                Code::Smtp(n) => row.smtp_codes.push(n.to_string()),
                Code::Pop3(ok) => row
                    .pop_indicators
                    .push(if ok { "+OK" } else { "-ERR" }.to_string()),
            }
        }
    }
    rows.into_values().collect()
}

/// A known, explained difference: in `frame`, tshark shows `tshark` as the
/// SMTP commands and sockscope shows `sockscope`.
struct Exception {
    frame: u64,
    tshark: &'static [&'static str],
    sockscope: &'static [&'static str],
    why: &'static str,
}

/// The known tshark differences, per capture folder.
fn exceptions(folder: &str) -> Vec<Exception> {
    match folder {
        // The SMTP dissector keeps only 4 characters of a command
        // (packet-smtp.c reads the verb into a 4-byte field), so STARTTLS
        // is shown as STAR.
        "arkime__smtp-starttls" => vec![Exception {
            frame: 9,
            tshark: &["STAR"],
            sockscope: &["STARTTLS"],
            why: "tshark's smtp.req.command keeps 4 characters of STARTTLS",
        }],
        // tshark 4.0 dissects the pipelined MAIL/RCPT/DATA + body segment as
        // message content (IMF), so it shows no command there
        // (captures-public/README.md, "tshark note"). RFC 2920 §3.1 allows
        // MAIL and RCPT in one group; the commands are there.
        "suricata-verify__smtp-pipelining" => vec![Exception {
            frame: 11,
            tshark: &[],
            sockscope: &["MAIL", "RCPT", "DATA"],
            why: "tshark 4.0 takes the pipelined segment for message content",
        }],
        _ => Vec::new(),
    }
}

/// Applies the exceptions to tshark's rows after checking that each still
/// describes both sides exactly; returns the rows sockscope must equal.
fn apply(
    name: &str,
    mut theirs: Vec<Row>,
    ours: &[Row],
    exceptions: &[Exception],
) -> Result<Vec<Row>, String> {
    for e in exceptions {
        let shown: Vec<String> = theirs
            .iter()
            .find(|r| r.frame == e.frame)
            .map(|r| r.smtp_commands.clone())
            .unwrap_or_default();
        if shown != e.tshark {
            return Err(format!(
                "{name}: the exception for frame {} ({}) no longer holds: tshark shows {shown:?}, expected {:?}",
                e.frame, e.why, e.tshark
            ));
        }
        let mine: Vec<String> = ours
            .iter()
            .find(|r| r.frame == e.frame)
            .map(|r| r.smtp_commands.clone())
            .unwrap_or_default();
        if mine != e.sockscope {
            return Err(format!(
                "{name}: frame {} ({}): sockscope shows {mine:?}, expected {:?}",
                e.frame, e.why, e.sockscope
            ));
        }
        match theirs.iter_mut().find(|r| r.frame == e.frame) {
            Some(row) => {
                row.smtp_commands = e.sockscope.iter().map(|s| s.to_string()).collect();
            }
            None => {
                theirs.push(Row {
                    frame: e.frame,
                    smtp_commands: e.sockscope.iter().map(|s| s.to_string()).collect(),
                    ..Row::default()
                });
                theirs.sort_by_key(|r| r.frame);
            }
        }
    }
    Ok(theirs)
}

/// Both row lists side by side, marking the rows that differ.
fn side_by_side(theirs: &[Row], ours: &[Row]) -> String {
    let mut frames: Vec<u64> = theirs.iter().chain(ours).map(|r| r.frame).collect();
    frames.sort_unstable();
    frames.dedup();
    let find = |rows: &[Row], f: u64| {
        rows.iter()
            .find(|r| r.frame == f)
            .map_or_else(|| "-".to_string(), Row::line)
    };
    let mut out = format!("{:<40} {}\n", "tshark (after exceptions)", "sockscope");
    for f in frames {
        let (t, o) = (find(theirs, f), find(ours, f));
        let mark = if t == o { " " } else { "≠" };
        out.push_str(&format!("{mark} {t:<38} {o}\n"));
    }
    out
}

/// Compares one capture; Err describes every difference. None: tshark is
/// not installed.
fn compare(name: &str, path: &Path, exceptions: &[Exception]) -> Option<Result<(), String>> {
    let theirs = tshark_rows(path)?;
    let ours = sockscope_rows(path);
    let theirs = match apply(name, theirs, &ours, exceptions) {
        Ok(rows) => rows,
        Err(e) => return Some(Err(e)),
    };
    let tshark_pop = theirs.iter().any(Row::has_pop);
    let (theirs, ours) = if ours.iter().any(Row::has_pop) || !tshark_pop {
        (theirs, ours)
    } else {
        // POP3 decoding: issue 3, not yet implemented. sockscope emits no
        // POP3 command or reply for this file, so only the SMTP part is
        // compared; as soon as it emits any, the full comparison above runs
        // and must match tshark.
        println!("{name}: POP3 comparison skipped: sockscope decodes no POP3 here yet (issue 3)");
        let strip = |rows: Vec<Row>| -> Vec<Row> {
            rows.iter()
                .map(Row::without_pop)
                .filter(|r| !r.is_empty())
                .collect()
        };
        (strip(theirs), strip(ours))
    };
    if theirs == ours {
        Some(Ok(()))
    } else {
        Some(Err(format!(
            "{name}: sockscope differs from tshark\n{}",
            side_by_side(&theirs, &ours)
        )))
    }
}

fn skip_without_tshark() {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "tshark is not installed, and CI=true requires it"
    );
    println!("skipped: tshark not installed");
}

fn public_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures-public")
}

/// The capture in a public folder: its one .pcap / .pcapng file.
fn capture_in(folder: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    found.sort();
    found.into_iter().next()
}

#[test]
fn every_public_capture_matches_tshark() {
    let dir = public_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "skipped: {} is absent (public captures are not shipped)",
            dir.display()
        );
        return;
    };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let mut failures = Vec::new();
    let mut compared = 0;
    for folder in &folders {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(capture) = capture_in(folder) else {
            println!("{name}: no capture file, skipped");
            continue;
        };
        match compare(&name, &capture, &exceptions(&name)) {
            None => return skip_without_tshark(),
            Some(Ok(())) => compared += 1,
            Some(Err(e)) => failures.push(e),
        }
    }
    // Every exception names a folder that exists.
    for known in ["arkime__smtp-starttls", "suricata-verify__smtp-pipelining"] {
        assert!(
            folders.iter().any(|f| f.ends_with(known)),
            "exception for a capture that is gone: {known}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared > 0, "no capture compared in {}", dir.display());
    println!("{compared} public captures match tshark");
}

#[test]
fn shipped_captures_match_tshark() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("captures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcapng"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "every lab scenario ships a capture: {files:?}"
    );
    for path in files {
        let name = format!(
            "captures/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        match compare(&name, &path, &[]) {
            None => return skip_without_tshark(),
            Some(Err(e)) => panic!("{e}"),
            Some(Ok(())) => {}
        }
    }
}

/// The comparison itself: an exception that no longer describes tshark, or a
/// sockscope row that differs, is reported.
#[test]
fn exceptions_are_checked() {
    let row = |frame: u64, cmds: &[&str]| Row {
        frame,
        smtp_commands: cmds.iter().map(|s| s.to_string()).collect(),
        ..Row::default()
    };
    let e = [Exception {
        frame: 9,
        tshark: &["STAR"],
        sockscope: &["STARTTLS"],
        why: "test",
    }];
    let patched = apply("t", vec![row(9, &["STAR"])], &[row(9, &["STARTTLS"])], &e);
    assert_eq!(patched, Ok(vec![row(9, &["STARTTLS"])]));
    assert!(apply(
        "t",
        vec![row(9, &["STARTTLS"])],
        &[row(9, &["STARTTLS"])],
        &e
    )
    .is_err());
    assert!(apply("t", vec![row(9, &["STAR"])], &[row(9, &["STAR"])], &e).is_err());
    let missing = [Exception {
        frame: 11,
        tshark: &[],
        sockscope: &["MAIL", "RCPT"],
        why: "test",
    }];
    let patched = apply(
        "t",
        vec![row(13, &[])],
        &[row(11, &["MAIL", "RCPT"])],
        &missing,
    );
    assert_eq!(patched, Ok(vec![row(11, &["MAIL", "RCPT"]), row(13, &[])]));
}
