//! What the dialogue carried besides commands and replies: mail messages
//! (with how a lenient receiver would have cut them) and credentials seen in
//! clear.

/// A mail message carried by the dialogue (SMTP DATA/BDAT, POP3 RETR/TOP).
#[derive(Clone, Debug, Default)]
pub struct Message {
    /// Frame of the content's last byte (or of the reply that accepted it).
    pub frame: u64,
    /// Octets of content after un-stuffing, including the last line's CRLF,
    /// excluding the terminating `.CRLF` (RFC 5321 §4.1.1.4); for BDAT the sum
    /// of the chunks.
    pub size: u64,
    /// Reverse path without angle brackets (SMTP).
    pub from: Option<String>,
    /// Recipients the server accepted, without angle brackets (SMTP).
    pub to: Vec<String>,
    /// The header fields a person looks for first: From, To, Subject, Date,
    /// Message-ID, as (name, raw value).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The reply to the end of data, if any.
    pub accepted: Option<bool>,
    /// Frame of the first content byte (SMTP DATA).
    pub content_frame: Option<u64>,
    /// Frame of the 354 that invited the content.
    pub ready_frame: Option<u64>,
    /// Index of that 354 in [`super::Dialogue::replies`].
    pub ready_reply: Option<usize>,
    /// How a lenient receiver would read the same content, when it differs:
    /// an end-of-data variant it stops at (SMTP smuggling).
    pub lenient: Option<LenientReading>,
    /// POP3: the server sent it for RETR/TOP; no verdict follows it.
    pub retrieved: bool,
}

impl Message {
    /// Whether content was sent at all (a transaction reset before DATA
    /// carried no message).
    pub fn was_sent(&self) -> bool {
        self.content_frame.is_some() || self.size > 0
    }

    /// One line for a person: size, envelope, the header fields looked for
    /// first, and the server's verdict, e.g. `16 B · from <a@b> · to <c@d> ·
    /// Subject: hi · accepted`. Everything from the wire is escaped.
    pub fn describe(&self) -> String {
        use crate::text::{escape_str, preview};
        let mut parts = vec![format!("{} B", self.size)];
        if let Some(from) = &self.from {
            parts.push(format!("from <{}>", escape_str(from)));
        }
        if !self.to.is_empty() {
            let to: Vec<String> = self
                .to
                .iter()
                .map(|t| format!("<{}>", escape_str(t)))
                .collect();
            parts.push(format!("to {}", to.join(", ")));
        }
        for (name, value) in &self.headers {
            parts.push(format!("{}: {}", escape_str(name), preview(value, 50)));
        }
        parts.push(
            match (self.retrieved, self.accepted) {
                (true, _) => "retrieved from the server",
                (false, Some(true)) => "accepted",
                (false, Some(false)) => "refused",
                (false, None) => "no final reply",
            }
            .to_string(),
        );
        parts.join(" · ")
    }
}

/// A lenient receiver's reading of DATA content that holds an end-of-data
/// variant such as `\n.\n` (`smtp_smuggling_eod_variant` in docs/findings.md): the
/// strict reading (RFC 5321 §4.1.1.4) is the [`Message`] itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LenientReading {
    /// The variant the lenient receiver takes for the end, escaped (`\n.\n`).
    pub variant: String,
    /// Frame that carried its first byte.
    pub frame: u64,
    /// Content octets before it (on the wire): the lenient first message.
    pub size: u64,
    /// Lines after it that a lenient receiver runs as commands.
    pub commands: u32,
    /// Their verbs, the first few.
    pub verbs: Vec<&'static str>,
}

/// Credentials sent in recoverable form (AUTH PLAIN/LOGIN, POP3 USER/PASS).
/// The report masks the password unless asked to show secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credential {
    pub frame: u64,
    pub mechanism: String,
    pub user: Vec<u8>,
    pub password: Option<Vec<u8>>,
}
