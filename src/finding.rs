//! The shared vocabulary of every layer's diagnoses: findings, their severity,
//! and how a fact is known (observed on the wire, inferred, or recorded).
//!
//! Finding ids come from the catalogue in `shared/anomalies.md`; the few the
//! catalogue lacks (e.g. `tcp_reassembly_limit`, `ip_fragment`) are documented
//! where they are raised.

use std::fmt;

use serde::Serialize;

/// How sockscope knows a fact (DESIGN.md: "honest layers").
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

/// Severity as the report contract defines it (anomalies.md §0).
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
#[derive(Debug, Default)]
pub struct Findings {
    pub conn: u32,
    pub list: Vec<Finding>,
}

impl Findings {
    pub fn new(conn: u32) -> Self {
        Findings {
            conn,
            list: Vec::new(),
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

    pub fn push(
        &mut self,
        frame: u64,
        id: &'static str,
        severity: Severity,
        message: String,
        reference: &'static str,
        provenance: Provenance,
    ) {
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

    /// Whether a finding with this id was already raised.
    pub fn has(&self, id: &str) -> bool {
        self.list.iter().any(|f| f.id == id)
    }
}
