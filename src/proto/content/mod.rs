//! Dot-terminated mail content, read as it streams past: SMTP DATA (RFC 5321
//! §4.1.1.4) and a POP3 RETR/TOP response body (RFC 1939 §3), from the byte
//! after the go-ahead up to and including the end-of-data line, and no
//! further.
//!
//! What this module owns:
//!
//! * **Where the data ends** (RFC 5321 §4.1.1.4): at `.` CR LF that starts the
//!   content or follows a CR LF — `CRLF.CRLF`, nothing else. Whatever follows
//!   stays in the [`ByteQueue`](crate::proto::stream::ByteQueue): it is the
//!   client's next commands ([`reader`]).
//! * **Transparency** (RFC 5321 §4.5.2): a line starting with `..` carries one
//!   `.`; [`DataReader::size`] counts the un-stuffed octets, as the `message`
//!   record's `size` does.
//! * **What a person looks for first**: From, To, Subject, Date, Message-ID
//!   (RFC 5322 §3.6), unfolded (§2.2.3) ([`headers`]).
//! * **Findings in the content** ([`notes`]): bare LF and bare CR
//!   (RFC 5321 §2.3.8), end-of-data variants that a lenient receiver takes for
//!   the end ([`smuggling`]), lines starting with an undoubled dot, text lines
//!   over 1000 octets (§4.5.3.1.6), and 8-bit or NUL octets without
//!   BODY=8BITMIME (RFC 6152).
//!
//! Lines are cut only at CR LF, the one terminator RFC 5321 §2.3.8 allows:
//! this reader is the strict receiver, and the notes say where a lenient one
//! would have read the bytes differently.
//!
//! A message can be any size, so nothing here grows with it: a byte-at-a-time
//! state machine, the last few bytes for looking back ([`recent`]), the first
//! 1000 bytes of a header line, and at most 998 bytes per kept header field.
//! Bytes are consumed in pieces of at most 64 KiB.

pub mod headers;
pub mod notes;
pub mod reader;
pub mod recent;
pub mod smuggling;

#[cfg(test)]
mod tests;

pub use notes::ContentNote;
pub use reader::{DataEnd, DataReader};
