//! SMTP (RFC 5321 and its extensions) as a grammar for the dialogue engine:
//! what a command and a reply are, what each reply changes, the content of
//! DATA and BDAT, AUTH and STARTTLS, and the findings that explain desyncs.
//!
//! The same file names as every protocol: `command` (what a command is),
//! `reply` (what a reply line is, how a reply ends), `state` (what one
//! connection remembers), `session` (the hooks); then SMTP's own: `lines`, `sequence`, `pending`, `envelope`,
//! `data`, `bdat`, `auth`, `starttls`, `pairing`, and the checks over the
//! whole dialogue, `timing`, `closing`, `split`.

pub mod auth;
pub mod bdat;
pub mod closing;
pub mod command;
pub mod data;
pub mod envelope;
pub mod lines;
pub mod pairing;
pub mod pending;
pub mod reply;
pub mod sequence;
pub mod session;
pub mod split;
pub mod starttls;
pub mod state;
pub mod timing;

pub use state::Smtp;
