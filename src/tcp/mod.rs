//! The kernel layer, inferred: connections, per-endpoint TCP state, reassembly
//! and Wireshark-style per-segment analysis.
pub mod history;
pub mod reassembly;
pub mod seq;
pub mod state;
