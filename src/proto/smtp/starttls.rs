//! STARTTLS (RFC 3207): the 220 that switches both directions to TLS, the
//! refusal that leaves the session in plaintext, and plaintext sent after the
//! switch — the injection a vulnerable peer runs inside TLS as if it were
//! protected (RFC 3207 §4.2; CVE-2011-0411 and its client-side twin).

use super::state::{Smtp, Turns};
use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{Client, Dialogue, Server};
use crate::tcp::Dir;
use crate::text::preview;

impl Smtp {
    /// The reply to STARTTLS.
    pub(super) fn starttls_reply(
        &self,
        code: u16,
        frame: u64,
        t: &mut Turns,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        if code == 220 {
            t.client = Client::Tls;
            t.server = Server::Tls;
            d.tls_from = Some(frame);
            return;
        }
        t.client = Client::Commands;
        f.add(
        frame,
        "smtp_starttls_refused",
        Severity::Info,
        format!("STARTTLS was answered {code}: the session goes on in plaintext, readable by anyone on the path."),
        "RFC 3207 §4; RFC 8314",
    );
    }

    /// Bytes after STARTTLS's 220 that are not a TLS record: `head`, the first
    /// of them, carried by `frame`.
    pub(super) fn injection(
        &self,
        dir: Dir,
        frame: u64,
        head: &[u8],
        d: &Dialogue,
        f: &mut Findings,
    ) {
        let client = dir == Dir::C2s;
        let same_segment = client
            && d.commands
                .iter()
                .rev()
                .find(|c| c.verb == "STARTTLS")
                .map(|c| c.origin.last_frame())
                == Some(frame);
        let (id, what) = if client {
            (
            "smtp_starttls_plaintext_injection",
            format!(
                "After STARTTLS the client sent plaintext that is not TLS: \"{}\"{}. A server that keeps its \
                 buffered plaintext runs these commands after the handshake as if they were protected; the fix is to \
                 purge the buffer when TLS starts.",
                preview(head, 70),
                if same_segment { " — in the same segment as STARTTLS, the CVE-2011-0411 signature" } else { "" }
            ),
        )
        } else {
            (
            "smtp_starttls_response_injection",
            format!(
                "After its 220 to STARTTLS the server sent plaintext that is not TLS: \"{}\"; a client that keeps it \
                 reads these answers after TLS starts, as if they came protected.",
                preview(head, 70)
            ),
        )
        };
        f.add(frame, id, Severity::Error, what, "RFC 3207 §4, §4.2");
    }
}
