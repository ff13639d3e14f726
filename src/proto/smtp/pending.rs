//! How many owed replies answer MAIL, RCPT, EHLO or HELO: the sequence checks
//! ask this for every command (RFC 5321 §4.1.4: a RCPT may follow a MAIL
//! whose reply is still owed under PIPELINING, RFC 2920 §3.1), and scanning
//! the queue of owed replies made a flood of unanswered RCPTs quadratic.

/// The verbs counted.
const COUNTED_VERBS: [&str; 4] = ["MAIL", "RCPT", "EHLO", "HELO"];

/// Owed replies per counted verb.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pending {
    counts: [u32; COUNTED_VERBS.len()],
}

impl Pending {
    fn slot(&mut self, verb: &str) -> Option<&mut u32> {
        let i = COUNTED_VERBS.iter().position(|v| *v == verb)?;
        self.counts.get_mut(i)
    }

    /// A `verb` command now owes its reply.
    pub fn add(&mut self, verb: &str) {
        if let Some(n) = self.slot(verb) {
            *n += 1;
        }
    }

    /// The reply a `verb` command owed came, or was given up.
    pub fn remove(&mut self, verb: &str) {
        if let Some(n) = self.slot(verb) {
            *n = n.saturating_sub(1);
        }
    }

    /// Whether a `verb` command awaits its reply.
    pub fn has(&self, verb: &str) -> bool {
        COUNTED_VERBS
            .iter()
            .position(|v| *v == verb)
            .and_then(|i| self.counts.get(i))
            .is_some_and(|&n| n > 0)
    }

    pub fn helo(&self) -> bool {
        self.has("EHLO") || self.has("HELO")
    }
}
