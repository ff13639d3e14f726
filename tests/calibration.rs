//! The calibration corpus (calibration/README.md): captures of real,
//! unmodified mail programs on loopback. A normal one must raise no warning
//! and no error; an abnormal one exactly the warnings and errors that
//! describe it, and the infos listed (calibration/expected.tsv).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

struct Case {
    name: String,
    normal: bool,
    must: BTreeSet<String>,
    infos: BTreeSet<String>,
}

fn cases() -> Vec<Case> {
    let text =
        std::fs::read_to_string("calibration/expected.tsv").expect("calibration/expected.tsv");
    let set = |s: Option<&str>| -> BTreeSet<String> {
        s.unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let name = cols.next().unwrap().to_string();
            let class = cols.next().expect("a class column");
            Case {
                name,
                normal: class == "normal",
                must: set(cols.next()),
                infos: set(cols.next()),
            }
        })
        .collect()
}

/// (warnings and errors, infos) raised on a capture.
fn findings(path: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["report", "--json"])
        .arg(path)
        .output()
        .expect("run sockscope");
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut bad, mut infos) = (BTreeSet::new(), BTreeSet::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON Lines");
        if v["type"] != "finding" {
            continue;
        }
        let id = v["id"].as_str().unwrap().to_string();
        if v["severity"] == "info" {
            infos.insert(id);
        } else {
            bad.insert(id);
        }
    }
    (bad, infos)
}

#[test]
fn every_calibration_capture_raises_what_describes_it_and_nothing_else() {
    let cases = cases();
    assert!(cases.len() >= 20, "the corpus lists its captures");
    let mut wrong = Vec::new();
    for c in &cases {
        let path = Path::new("captures/calibration").join(format!("{}.pcapng", c.name));
        assert!(
            path.exists(),
            "{} is listed but not shipped",
            path.display()
        );
        let (bad, infos) = findings(&path);
        if c.normal && !bad.is_empty() {
            wrong.push(format!("{} (normal) raises {bad:?}", c.name));
        }
        if !c.normal && bad != c.must {
            wrong.push(format!(
                "{} raises {bad:?}, expected exactly {:?}",
                c.name, c.must
            ));
        }
        let missing: Vec<_> = c.infos.difference(&infos).collect();
        if !missing.is_empty() {
            wrong.push(format!("{} lacks the infos {missing:?}", c.name));
        }
    }
    assert!(wrong.is_empty(), "calibration:\n  {}", wrong.join("\n  "));
}

#[test]
fn starttls_offered_and_not_used_is_said_as_info() {
    let path = Path::new("captures/calibration/postfix--smtplib--starttls-unused.pcapng");
    let (bad, infos) = findings(path);
    assert!(bad.is_empty(), "{bad:?}");
    assert!(infos.contains("smtp_starttls_not_used"), "{infos:?}");
}
