//! Collecting application-layer findings for one connection.

use crate::finding::{Finding, Provenance, Severity};

/// Findings of one dialogue, raised as the parser goes.
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
