//! The timeline: a capture's records kept in memory and indexed, for the
//! faces that move back and forth through it (the terminal view, lessons,
//! tests). A cursor into these records is the "now" a view renders. The
//! records come from the [pipeline](crate::pipeline); frame bytes are re-read
//! from the file when a view needs them ([`FrameStore`]).

mod collect;
pub mod frame_bytes;
pub mod kernel_index;

pub use crate::pipeline::{CaptureStats, ConnSummary};
pub use crate::tcp::{EndpointKernel, KernelAt};
pub use collect::{
    analyze, analyze_file, analyze_limited, Analyzer, Collector, FrameIndex, StreamSink, Timeline,
    MAX_RECORDS,
};
pub use frame_bytes::{FrameBytesError, FrameStore};
pub use kernel_index::KernelIndex;

/// The bytes of a client segment that hold a secret of its connection's
/// dialogue (see [`crate::pipeline::secrets`]); empty when there is none.
pub fn secret_bytes(t: &Timeline, conn: u32, seq: u32, len: usize) -> Vec<std::ops::Range<usize>> {
    t.dialogue(conn)
        .map(|d| crate::pipeline::secrets::secret_bytes(d, seq, len))
        .unwrap_or_default()
}
