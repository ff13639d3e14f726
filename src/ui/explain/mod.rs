//! What every field means, in a student's words: for the field the focused
//! pane has selected (`e`), what it is, why it has this value here, and the
//! RFC section that defines it. Written for the values at the cursor, so
//! "TTL 64" says why 64, and "00:00:00:00:00:00" why zero.
//!
//! [`nic`] explains the NIC pane's fields, [`kernel`] the kernel pane's
//! rows, [`jargon`] the short names in titles (Zeek's history letters, its
//! connection states, observed and inferred).

pub mod jargon;
pub mod kernel;
pub mod nic;

/// An explanation: a title, paragraphs, and where the rules are written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explanation {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub rfc: Option<&'static str>,
}

impl Explanation {
    fn new(title: impl Into<String>, rfc: Option<&'static str>) -> Self {
        Explanation {
            title: title.into(),
            paragraphs: Vec::new(),
            rfc,
        }
    }

    fn say(mut self, p: impl Into<String>) -> Self {
        self.paragraphs.push(p.into());
        self
    }
}
