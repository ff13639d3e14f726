//! sockscope
pub mod capture;
pub mod wire;
