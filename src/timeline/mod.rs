//! The timeline: one pass over a capture through every layer (capture → wire →
//! tcp → socket → proto), leaving ordered, indexed records that the report and
//! the views read. A cursor into these records is the "now" a view renders.

mod analyze;
pub mod frame_bytes;
pub mod kernel_at;
mod secrets;
mod stats;

pub use analyze::Analyzer;
pub use analyze::{
    analyze, analyze_file, analyze_limited, ConnSummary, FrameIndex, StreamSink, Timeline,
    MAX_RECORDS,
};
pub use frame_bytes::{FrameBytesError, FrameStore};
pub use kernel_at::{EndpointKernel, KernelAt, KernelIndex};
pub use secrets::secret_bytes;
pub use stats::CaptureStats;
