//! The NIC layer: frames read from capture files (pcap, pcapng, gzipped or not,
//! from a path or standard input), numbered as Wireshark numbers them.
//!
//! Reading is streaming: one pass, a bounded buffer, and each frame's file offset
//! is remembered so a view can re-read its bytes later.

mod error;
mod frame;
#[cfg(feature = "pcap")]
pub mod libpcap;
pub mod live;
mod reader;
pub mod write;

pub use error::{CaptureError, CaptureErrorKind};
pub use frame::{Frame, FrameMeta, LinkType, Timestamp};
pub use reader::{CaptureFormat, CaptureReader};
