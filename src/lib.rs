//! sockscope makes the invisible parts of networking visible: it reads captures,
//! reassembles TCP, and shows the NIC, the kernel's TCP stack, the socket API and
//! the application dialogue side by side.
//!
//! The modules mirror the layers, from the wire up (DESIGN.md):
//! [`capture`] → [`wire`] → [`tcp`] → [`socket`] → [`proto`] → [`timeline`],
//! with [`report`] as a face over the timeline. The core never imports a face.

pub mod capture;
pub mod finding;
pub mod lab;
pub mod lessons;
pub mod pipeline;
pub mod proto;
pub mod report;
pub mod socket;
pub mod tcp;
pub mod text;
pub mod timeline;
pub mod ui;
pub mod wire;
pub mod wrap;
