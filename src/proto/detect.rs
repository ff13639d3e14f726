//! Which dialogue a connection carries: by the server's port, and by the
//! server's first bytes, so lab captures on ephemeral ports are recognised
//! too.

use serde::Serialize;

/// An application protocol sockscope decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Smtp,
    Pop3,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Pop3 => "pop3",
        }
    }
}

/// By the server's port: SMTP 25, 465 (submissions), 587 (submission), 2525;
/// POP3 110, 995 (pop3s).
pub fn by_port(port: u16) -> Option<Protocol> {
    match port {
        25 | 465 | 587 | 2525 => Some(Protocol::Smtp),
        110 | 995 => Some(Protocol::Pop3),
        _ => None,
    }
}

/// By the server's first bytes: an SMTP server greets with `220` (RFC 5321
/// §4.2, §3.1), a POP3 server with `+OK` (RFC 1939 §4).
pub fn by_greeting(first: &[u8]) -> Option<Protocol> {
    if first.starts_with(b"220") && matches!(first.get(3), Some(b' ' | b'-')) {
        Some(Protocol::Smtp)
    } else if first.starts_with(b"+OK") {
        Some(Protocol::Pop3)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        assert_eq!(by_port(587), Some(Protocol::Smtp));
        assert_eq!(by_port(995), Some(Protocol::Pop3));
        assert_eq!(by_port(80), None);
        assert_eq!(by_greeting(b"220 mx ESMTP\r\n"), Some(Protocol::Smtp));
        assert_eq!(by_greeting(b"220-mx\r\n"), Some(Protocol::Smtp));
        assert_eq!(by_greeting(b"+OK ready"), Some(Protocol::Pop3));
        assert_eq!(by_greeting(b"2200"), None);
    }
}
