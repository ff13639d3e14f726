//! The shared vocabulary of every layer's diagnoses: findings, their severity,
//! and how a fact is known (observed on the wire, inferred, or recorded).
//!
//! Finding ids come from the catalogue (docs/findings.md); the few the
//! catalogue lacks (e.g. `tcp_reassembly_limit`, `ip_fragment`) are documented
//! where they are raised.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

/// How sockscope knows a fact (honest layers: observed, inferred and recorded facts are labelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// Seen in the capture itself.
    Observed,
    /// Deduced from what the capture shows (kernel state, socket calls).
    Inferred,
    /// Written down by the program that made the calls (lab runs).
    Recorded,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provenance::Observed => "observed",
            Provenance::Inferred => "inferred",
            Provenance::Recorded => "recorded",
        })
    }
}

/// Severity as the report contract defines it (docs/findings.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Normal but teachable.
    Info,
    /// Breaks an RFC rule or is risky.
    Warning,
    /// A desync, lost data or a security breach.
    Error,
}

impl Severity {
    /// One glyph per severity, so a severity is told by its shape as well
    /// as its colour (a projector, a monochrome terminal): ✖ error, ⚠
    /// warning, ℹ info.
    pub fn glyph(self) -> &'static str {
        match self {
            Severity::Error => "✖",
            Severity::Warning => "⚠",
            Severity::Info => "ℹ",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One diagnosis, anchored to a connection and a frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Connection id (1-based); 0 for a finding about the capture itself.
    pub conn: u32,
    pub frame: u64,
    /// snake_case id from the catalogue.
    pub id: &'static str,
    pub severity: Severity,
    /// A sentence a student can read.
    pub message: String,
    /// The defining reference, e.g. "RFC 9293 §3.10.7.4".
    pub reference: &'static str,
    pub provenance: Provenance,
}

/// The findings of one connection, collected as a layer raises them (the TCP
/// layer and the application readers both use this).
///
/// A hostile peer can make the same anomaly happen once per line (a bare LF on
/// every line of a megabyte): each id keeps its first [`MAX_PER_ID`] findings
/// of each severity and counts the rest — so a warning flood cannot hide the
/// error of the same id — and [`Findings::close`] adds one finding per such
/// id and severity saying how many more there were. Memory stays bounded and
/// the report still says how often it happened.
#[derive(Debug, Default)]
pub struct Findings {
    pub conn: u32,
    pub list: Vec<Finding>,
    /// Per id and severity: how many were raised and the frame of the last.
    seen: HashMap<(&'static str, Severity), (u64, u64)>,
    /// Per id, every severity together.
    raised: HashMap<&'static str, u64>,
    /// [`Findings::close`] ran: its summaries are in `list`.
    closed: bool,
}

/// Findings kept per id, severity and connection; the rest are counted.
pub const MAX_PER_ID: u64 = 20;

impl Findings {
    pub fn new(conn: u32) -> Self {
        Findings {
            conn,
            ..Findings::default()
        }
    }

    /// An observed finding (the bytes themselves show it).
    pub fn add(
        &mut self,
        frame: u64,
        id: &'static str,
        severity: Severity,
        message: String,
        reference: &'static str,
    ) {
        self.push(
            frame,
            id,
            severity,
            message,
            reference,
            Provenance::Observed,
        );
    }

    /// As [`Findings::add`], building the message only if the finding will be
    /// listed: for checks a peer can trigger once per line.
    pub fn add_with(
        &mut self,
        frame: u64,
        id: &'static str,
        severity: Severity,
        reference: &'static str,
        message: impl FnOnce() -> String,
    ) {
        if self.count_one(id, severity) >= MAX_PER_ID {
            self.note(frame, id, severity);
            return;
        }
        self.add(frame, id, severity, message(), reference);
    }

    pub fn push(
        &mut self,
        frame: u64,
        id: &'static str,
        severity: Severity,
        message: String,
        reference: &'static str,
        provenance: Provenance,
    ) {
        if self.note(frame, id, severity) > MAX_PER_ID {
            return;
        }
        self.list.push(Finding {
            conn: self.conn,
            frame,
            id,
            severity,
            message,
            reference,
            provenance,
        });
    }

    /// Counts one more finding; returns how many of its id and severity now.
    fn note(&mut self, frame: u64, id: &'static str, severity: Severity) -> u64 {
        *self.raised.entry(id).or_insert(0) += 1;
        let seen = self.seen.entry((id, severity)).or_insert((0, 0));
        seen.0 += 1;
        seen.1 = frame;
        seen.0
    }

    fn count_one(&self, id: &'static str, severity: Severity) -> u64 {
        self.seen.get(&(id, severity)).map_or(0, |s| s.0)
    }

    /// Whether a finding with this id was already raised.
    pub fn has(&self, id: &str) -> bool {
        self.raised.contains_key(id)
    }

    /// How many findings with this id were raised, kept or not.
    pub fn count(&self, id: &str) -> u64 {
        self.raised.get(id).copied().unwrap_or(0)
    }

    /// Ends collection: for every id and severity raised more than
    /// [`MAX_PER_ID`] times, one more finding (same id, severity and reference
    /// as the last kept one, anchored at the last occurrence) says how many
    /// were not listed. Leaves the list in frame order (then id, so the order
    /// never depends on a hash); closing twice adds nothing more.
    pub fn close(&mut self) {
        if std::mem::replace(&mut self.closed, true) {
            return;
        }
        let mut extra = Vec::new();
        for (&(id, severity), &(count, last_frame)) in &self.seen {
            if count <= MAX_PER_ID {
                continue;
            }
            let Some(model) = self
                .list
                .iter()
                .rev()
                .find(|f| f.id == id && f.severity == severity)
            else {
                continue;
            };
            extra.push(Finding {
                conn: self.conn,
                frame: last_frame,
                id,
                severity,
                message: format!(
                    "{} more \"{id}\" findings ({severity}) on this connection are not listed (the first \
                     {MAX_PER_ID} are); the last was in frame {last_frame}. The same anomaly repeated {count} \
                     times in all.",
                    count - MAX_PER_ID
                ),
                reference: model.reference,
                provenance: model.provenance,
            });
        }
        extra.sort_by(|a, b| (a.frame, a.id, a.severity).cmp(&(b.frame, b.id, b.severity)));
        self.list.append(&mut extra);
        self.list.sort_by_key(|f| f.frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_ids_are_kept_up_to_the_limit_and_counted() {
        let mut f = Findings::new(3);
        for frame in 1..=1000 {
            f.add(
                frame,
                "smtp_bare_lf",
                Severity::Warning,
                String::new(),
                "RFC",
            );
        }
        f.add(7, "smtp_bare_cr", Severity::Warning, String::new(), "RFC");
        assert!(f.has("smtp_bare_lf") && f.has("smtp_bare_cr") && !f.has("x"));
        assert_eq!(f.count("smtp_bare_lf"), 1000);
        assert_eq!(f.list.len() as u64, MAX_PER_ID + 1);
        f.close();
        f.close();
        let lf: Vec<_> = f.list.iter().filter(|x| x.id == "smtp_bare_lf").collect();
        assert_eq!(lf.len() as u64, MAX_PER_ID + 1);
        let summary = lf.last().unwrap();
        assert_eq!(summary.frame, 1000);
        assert!(
            summary.message.starts_with("980 more"),
            "{}",
            summary.message
        );
        assert!(f.list.windows(2).all(|w| w[0].frame <= w[1].frame));
        assert_eq!(
            f.count("smtp_bare_lf"),
            1000,
            "closing does not change the count"
        );
    }

    #[test]
    fn a_flood_of_warnings_does_not_hide_an_error_of_the_same_id() {
        let mut f = Findings::new(1);
        for frame in 1..=50 {
            f.add(
                frame,
                "smtp_percent_hack",
                Severity::Warning,
                String::new(),
                "RFC",
            );
            f.add(
                frame,
                "smtp_percent_hack",
                Severity::Error,
                String::new(),
                "RFC",
            );
        }
        f.close();
        let errors = f
            .list
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .count() as u64;
        assert_eq!(errors, MAX_PER_ID + 1, "kept errors and their summary");
        let last_two: Vec<Severity> = f.list[f.list.len() - 2..]
            .iter()
            .map(|x| x.severity)
            .collect();
        assert_eq!(
            last_two,
            [Severity::Warning, Severity::Error],
            "summaries in a fixed order"
        );
    }
}
