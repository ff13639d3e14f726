//! The kernel layer, inferred: connections keyed by their 4-tuple, each
//! endpoint's RFC 9293 state, reassembly of both directions, Wireshark-style
//! per-segment analysis and a Zeek-style summary.

// Every byte here comes from the capture, which may be hostile: an index or
// an unwrap that can fail is a panic an attacker can trigger. Bounds are
// proved in the code (get, split_first_chunk, patterns, iterators).
#![deny(clippy::indexing_slicing, clippy::unwrap_used)]

pub mod analysis;
pub mod connection;
mod dir;
pub mod endpoint;
mod event;
mod findings;
pub mod history;
pub mod kernel;
pub mod reassembly;
mod relative;
pub mod segment;
pub mod seq;
pub mod seqgraph;
pub mod state;
mod stream_feed;
pub mod table;

pub use analysis::{Analysis, Flag};
pub use connection::{Connection, RoleSource};
pub use dir::Dir;
pub use endpoint::Endpoint;
pub use event::ConnEvent;
pub use kernel::{EndpointKernel, KernelAt, KernelModel};
pub use reassembly::{Chunk, Conflict, Delivery, OverlapRule, Span};
pub use segment::{Preview, SegmentRecord, PREVIEW_LEN};
pub use state::TcpState;
pub use table::ConnTable;
