//! SMTP (RFC 5321 and its extensions): commands, replies, content, and the
//! findings that explain desyncs.

pub mod command;
pub mod content;
pub mod reply;
pub mod session;
pub mod timing;

pub use session::SmtpSession;
