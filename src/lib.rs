//! sockscope
pub mod capture;
pub mod finding;
pub mod tcp;
pub mod wire;
