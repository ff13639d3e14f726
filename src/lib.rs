//! sockscope makes the invisible parts of networking visible: it reads captures,
//! reassembles TCP, and shows the NIC, the kernel's TCP stack, the socket API and
//! the application dialogue side by side.
//!
//! The modules mirror the layers, from the wire up (ARCHITECTURE.md,
//! docs/pipeline.md): [`capture`] → [`wire`] → [`tcp`] → [`socket`] →
//! [`proto`], driven by the [`pipeline`], which hands each connection's
//! records to a consumer: the [`report`] streams them, the [`timeline`] keeps
//! them for the terminal view ([`ui`]) and the [`lessons`]. The [`lab`] is a
//! client that makes real sockets talk and captures them. The core never
//! imports a consumer.

pub mod capture;
pub mod finding;
pub mod lab;
pub mod lessons;
pub mod pipeline;
pub mod proto;
pub mod report;
pub mod socket;
pub mod synth;
pub mod tcp;
pub mod text;
pub mod timeline;
pub mod ui;
pub mod wire;
pub mod wrap;
