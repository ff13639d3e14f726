//! The wire layer: decodes a frame's bytes into link, IP and TCP headers.
//!
//! etherparse's lax slices do the IP and TCP work, so a frame cut short by the
//! snap length decodes as far as its bytes go. The link headers etherparse lacks
//! (Linux SLL2, BSD NULL/LOOP) are parsed here in [`link`]. Nothing here
//! allocates per byte of payload: a decoded packet borrows the frame.

// Every byte here comes from the capture, which may be hostile: an index or
// an unwrap that can fail is a panic an attacker can trigger. Bounds are
// proved in the code (get, split_first_chunk, patterns, iterators).
#![deny(clippy::indexing_slicing, clippy::unwrap_used)]

pub mod link;
mod packet;
pub mod tcp;

pub use link::LinkInfo;
pub use packet::{decode, Fragment, Ip, Packet, Transport};
pub use tcp::{TcpFlags, TcpOptions, TcpSegment};
