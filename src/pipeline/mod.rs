//! The pipeline: one pass over a capture through every layer — capture →
//! wire → tcp → socket → proto — handing each connection's records to a
//! consumer as soon as the connection is over, and the capture's own at the
//! end. Nothing here keeps a list of every frame: memory follows the
//! connections open at one time (see [`release`] and `docs/pipeline.md`).
//!
//! Consumers are the faces: the report writes records as they come
//! ([`crate::report`]), the view's [`crate::timeline::Timeline`] keeps them.

mod close;
mod driver;
mod records;
pub mod release;
pub mod secrets;
mod stats;
mod upper;

pub use driver::{drive, run, Pipeline, MAX_CONN_RECORDS};
pub use records::{CaptureEnd, ConnRecords, ConnSummary, Consumer, Ended};
pub use stats::CaptureStats;
