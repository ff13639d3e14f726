//! AUTH (RFC 4954): the SASL exchange after the command — its initial
//! response (§4), the lines answering each 334 — and the credentials that
//! PLAIN (RFC 4616) and LOGIN carry in recoverable base64.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use super::state::{Smtp, Turns};
use crate::finding::{Findings, Severity};
use crate::proto::dialogue::{Client, Credential, Dialogue};
use crate::text::escape_bytes;

/// Standard base64 (RFC 4648 §4) as clients send it: padding optional and
/// unchecked, trailing bits ignored.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Standard base64 (RFC 4648 §4) without padding checks; None if invalid.
/// Decoding stops at the first `=`; a lone last character (6 bits, no
/// whole octet) adds nothing but must still be a base64 character.
fn decode_base64(input: &[u8]) -> Option<Vec<u8>> {
    let data = input.split(|&b| b == b'=').next().unwrap_or_default();
    let (whole, lone) = match data.len() % 4 {
        1 => data.split_at_checked(data.len() - 1)?,
        _ => (data, &[][..]),
    };
    if !lone
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    {
        return None;
    }
    LENIENT_BASE64.decode(whole).ok()
}

/// The SASL mechanism named in an AUTH argument, upper-cased.
fn mechanism(arg: &[u8]) -> String {
    let word = arg.split(|&b| b == b' ').next().unwrap_or(&[]);
    String::from_utf8_lossy(word).to_ascii_uppercase()
}

fn auth_cleartext(frame: u64, mech: &str, user: &str, f: &mut Findings) {
    f.add(
        frame,
        "smtp_auth_cleartext",
        Severity::Warning,
        format!(
            "AUTH {mech} without TLS: base64 is not encryption. The user name decodes to \"{user}\" and the password \
             is just as recoverable by anyone on the path (shown only with --show-secrets)."
        ),
        "RFC 4954 §4; RFC 4616; RFC 8314",
    );
}

impl Smtp {
    /// AUTH command `idx`: a new exchange, and its initial response if any.
    pub(super) fn auth_command(
        &mut self,
        idx: usize,
        arg: &[u8],
        frame: u64,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        self.sasl_lines = 0;
        // An initial response (RFC 4954 §4) is the mechanism's first
        // client message: for LOGIN the user name, so the first line
        // after the 334 is then the password.
        // The whole line's argument: the kept copy may be cut. "="
        // is an empty initial response (RFC 4954 §4): no message yet.
        let mut words = arg.split(|&b| b == b' ');
        if let (Some(_), Some(initial)) = (words.next(), words.next()) {
            if initial != b"=" {
                self.sasl_message(idx, initial, frame, d, f);
            }
        }
    }

    /// A reply in the exchange: a 334 asks for the next SASL line
    /// (RFC 4954 §4), anything else ends it.
    pub(super) fn auth_reply(&mut self, i: usize, code: u16, t: &mut Turns) {
        t.client = if code == 334 {
            Client::Sasl(i)
        } else {
            Client::Commands
        };
    }

    /// One client message of the SASL exchange of AUTH `cmd` (its initial
    /// response or a line answering a 334), counted in `sasl_lines`.
    pub(super) fn sasl_message(
        &mut self,
        cmd: usize,
        b64: &[u8],
        frame: u64,
        d: &mut Dialogue,
        f: &mut Findings,
    ) {
        let mech = d
            .commands
            .get(cmd)
            .map(|c| mechanism(&c.arg))
            .unwrap_or_default();
        self.sasl_lines += 1;
        match (mech.as_str(), self.sasl_lines) {
            // AUTH LOGIN (draft-murchison-sasl-login): user name, then password.
            ("LOGIN", 1) => {
                let user = decode_base64(b64).unwrap_or_default();
                if d.tls_from.is_none() {
                    auth_cleartext(frame, "LOGIN", &escape_bytes(&user), f);
                }
                d.add_credential(Credential {
                    frame,
                    mechanism: mech.clone(),
                    user,
                    password: None,
                });
            }
            ("LOGIN", 2) => {
                if let Some(c) = d.credentials.last_mut() {
                    c.password = decode_base64(b64);
                }
            }
            ("PLAIN", 1) => plain(b64, frame, d, f),
            _ => {}
        }
    }
}

/// RFC 4616: base64 of authzid NUL authcid NUL passwd.
fn plain(b64: &[u8], frame: u64, d: &mut Dialogue, f: &mut Findings) {
    let decoded = decode_base64(b64).unwrap_or_default();
    let mut parts = decoded.split(|&x| x == 0);
    let _authzid = parts.next();
    let user = parts.next().unwrap_or(&[]).to_vec();
    let password = parts.next().map(<[u8]>::to_vec);
    if d.tls_from.is_none() {
        auth_cleartext(frame, "PLAIN", &escape_bytes(&user), f);
    }
    d.add_credential(Credential {
        frame,
        mechanism: "PLAIN".to_string(),
        user,
        password,
    });
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn base64() {
        assert_eq!(decode_base64(b"dXNlcg==").as_deref(), Some(&b"user"[..]));
        assert_eq!(
            decode_base64(b"AHVzZXIAcGFzcw==").as_deref(),
            Some(&b"\0user\0pass"[..])
        );
        assert_eq!(decode_base64(b"!!"), None);
    }
}
