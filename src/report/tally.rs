//! Findings summed over a capture's connections, for the text report's end:
//! on a relay capture of thousands of sessions one line says "in 32,145 of
//! 36,573 connections" where the sections said it once each. Memory is one
//! entry per finding id and severity, however long the capture.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::finding::{Finding, Severity};
use crate::text::escape_str;

/// One id and severity across connections.
#[derive(Debug)]
struct Entry {
    /// Connections that raised it.
    connections: u64,
    /// Findings in all, kept or counted.
    findings: u64,
    first_conn: u32,
    first_frame: u64,
    /// The first sentence of its first message.
    what: String,
}

/// The running sums.
#[derive(Debug, Default)]
pub struct Tally {
    by: BTreeMap<(std::cmp::Reverse<Severity>, &'static str), Entry>,
}

impl Tally {
    /// Adds one connection's findings.
    pub fn add(&mut self, conn: u32, findings: &[Finding]) {
        let mut seen: Vec<(Severity, &'static str)> = Vec::new();
        for f in findings {
            let key = (std::cmp::Reverse(f.severity), f.id);
            let e = self.by.entry(key).or_insert_with(|| Entry {
                connections: 0,
                findings: 0,
                first_conn: conn,
                first_frame: f.frame,
                what: first_sentence(&f.message),
            });
            e.findings += 1;
            if !seen.contains(&(f.severity, f.id)) {
                seen.push((f.severity, f.id));
                e.connections += 1;
            }
        }
    }

    /// The summary section, worst first; nothing when there is nothing to
    /// add to the sections (fewer than two connections).
    pub fn write(&self, out: &mut dyn Write, connections: u32) -> io::Result<()> {
        if connections < 2 || self.by.is_empty() {
            return Ok(());
        }
        writeln!(out, "\nfindings across the capture")?;
        for ((sev, id), e) in &self.by {
            let sev = sev.0;
            let line = format!(
                "{} {sev} · {id} · in {} of {} connections ({} in all; first: connection {}, frame {}) · {}",
                sev.glyph(),
                group(e.connections),
                group(u64::from(connections)),
                group(e.findings),
                e.first_conn,
                e.first_frame,
                escape_str(&e.what)
            );
            super::text::wrapped(out, &line, 2, 6)?;
        }
        Ok(())
    }
}

/// Up to the first ". " (or the whole message).
fn first_sentence(message: &str) -> String {
    match message.find(". ") {
        Some(i) => message.get(..=i).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

/// 32145 → "32,145".
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Provenance;

    fn f(id: &'static str, severity: Severity, frame: u64) -> Finding {
        Finding {
            conn: 1,
            frame,
            id,
            severity,
            message: "STARTTLS offered, not used: the client went on. More words.".into(),
            reference: "RFC 3207 §4",
            provenance: Provenance::Observed,
        }
    }

    #[test]
    fn repeated_findings_are_counted_per_connection_worst_first() {
        let mut t = Tally::default();
        for conn in 1..=3 {
            t.add(conn, &[f("smtp_starttls_not_used", Severity::Info, 26)]);
        }
        t.add(
            4,
            &[
                f("tcp_rst", Severity::Warning, 9),
                f("tcp_rst", Severity::Warning, 12),
            ],
        );
        let mut out = Vec::new();
        t.write(&mut out, 36_573).unwrap();
        let text = String::from_utf8(out).unwrap();
        // Lines wrap at the report's width: compare with the breaks undone.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let rst = flat
            .find("tcp_rst · in 1 of 36,573 connections (2 in all; first: connection 4, frame 9)");
        let tls = flat.find("smtp_starttls_not_used · in 3 of 36,573 connections");
        assert!(rst.is_some() && tls.is_some(), "{text}");
        assert!(rst < tls, "the warning comes before the info: {text}");
        assert!(
            flat.ends_with("STARTTLS offered, not used: the client went on."),
            "{text}"
        );
        assert_eq!(group(1_234_567), "1,234,567");
    }

    #[test]
    fn one_connection_needs_no_summary() {
        let mut t = Tally::default();
        t.add(1, &[f("tcp_rst", Severity::Warning, 9)]);
        let mut out = Vec::new();
        t.write(&mut out, 1).unwrap();
        assert!(out.is_empty());
    }
}
