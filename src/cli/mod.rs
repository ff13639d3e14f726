//! The subcommands, one file each, each owning its clap arguments: a thin
//! edge over the library (anyhow errors, printing).

pub mod export;
pub mod generate;
pub mod lab;
pub mod lesson;
pub mod live;
pub mod observe;
pub mod report;
pub mod view;

/// The capture `sockscope` opens when given none: the ccNotes desync (a
/// `220` greeting split over two segments, see `docs/sources.md`), built into
/// the binary so it works from any directory.
pub const DEMO_NAME: &str = "captures/ccnotes.pcapng";
pub const DEMO: &[u8] = include_bytes!("../../captures/ccnotes.pcapng");
