//! The subcommands beyond `report`: the lab and live capture, each a thin
//! edge over the library (anyhow errors, printing).

pub mod lab;
pub mod live;
