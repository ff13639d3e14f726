//! docs/findings.md is the catalogue a user reads: every finding id the
//! code can raise and every id raised on the shipped captures must have its
//! row there (severity, layer, meaning, reference).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The ids in the first column of the catalogue's tables.
fn documented() -> BTreeSet<String> {
    let doc = std::fs::read_to_string("docs/findings.md").expect("docs/findings.md");
    let mut ids = BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let first = line.split('|').nth(1).unwrap_or("");
        for (i, part) in first.split('`').enumerate() {
            if i % 2 == 1 {
                ids.insert(part.to_string());
            }
        }
    }
    ids
}

/// String literals in src/ that are finding ids: the layer prefixes, and
/// sockscope's own limits.
fn ids_in_source(dir: &Path, out: &mut BTreeSet<String>) {
    const OWN: [&str; 5] = [
        "connection_limit",
        "record_limit",
        "dialogue_limit",
        "index_limit",
        "ip_fragment",
    ];
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            ids_in_source(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        for lit in text.split('"').skip(1).step_by(2) {
            let is_id = lit
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && (["tcp_", "smtp_", "pop3_"]
                    .iter()
                    .any(|p| lit.starts_with(p))
                    || OWN.contains(&lit))
                && lit.matches('_').count() >= 1
                && lit.len() > 6;
            if is_id {
                out.insert(lit.to_string());
            }
        }
    }
}

#[test]
fn every_id_in_the_code_is_in_the_catalogue() {
    let doc = documented();
    assert!(doc.len() > 50, "the catalogue lists its ids: {}", doc.len());
    let mut code = BTreeSet::new();
    ids_in_source(Path::new("src"), &mut code);
    assert!(code.contains("smtp_pregreet") && code.contains("tcp_rst"));
    let missing: Vec<_> = code.difference(&doc).collect();
    assert!(
        missing.is_empty(),
        "ids without a row in docs/findings.md: {missing:?}"
    );
}

#[test]
fn every_id_raised_on_the_shipped_captures_is_in_the_catalogue() {
    let doc = documented();
    let mut files = Vec::new();
    for dir in ["captures", "captures/calibration"] {
        for e in std::fs::read_dir(dir).expect("captures") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "pcapng" || x == "pcap") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 30);
    let mut raised = BTreeSet::new();
    for f in &files {
        let out = Command::new(env!("CARGO_BIN_EXE_sockscope"))
            .args(["report", "--json"])
            .arg(f)
            .output()
            .expect("run sockscope");
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
            if v["type"] == "finding" {
                raised.insert(v["id"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(raised.len() > 15, "{raised:?}");
    let missing: Vec<_> = raised.difference(&doc).collect();
    assert!(missing.is_empty(), "raised but not documented: {missing:?}");
}
