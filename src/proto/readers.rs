//! Which reader reads which protocol: the dialogue engine over that
//! protocol's grammar.

use super::detect::Protocol;
use super::dialogue::{Engine, Session};
use super::pop3::Pop3;
use super::smtp::Smtp;

/// A new reader for a connection that carries `protocol`.
pub fn reader(protocol: Protocol) -> Box<dyn Session> {
    match protocol {
        Protocol::Smtp => Box::new(Engine::new(Smtp::default())),
        Protocol::Pop3 => Box::new(Engine::new(Pop3::default())),
    }
}
