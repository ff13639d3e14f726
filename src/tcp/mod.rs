//! The kernel layer, inferred: connections keyed by their 4-tuple, each
//! endpoint's RFC 9293 state, reassembly of both directions, Wireshark-style
//! per-segment analysis and a Zeek-style summary.

pub mod analysis;
pub mod connection;
pub mod endpoint;
pub mod history;
pub mod kernel;
pub mod reassembly;
pub mod segment;
pub mod seq;
pub mod state;
pub mod table;

pub use analysis::{Analysis, Flag};
pub use connection::{ConnEvent, Connection, RoleSource};
pub use endpoint::Endpoint;
pub use kernel::{EndpointKernel, KernelAt, KernelModel};
pub use reassembly::{Chunk, Delivery, Span};
pub use segment::{Dir, Preview, SegmentRecord, PREVIEW_LEN};
pub use state::TcpState;
pub use table::ConnTable;
