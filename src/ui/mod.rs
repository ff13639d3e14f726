//! The terminal view: a capture stepped one segment at a time, with the NIC,
//! the kernel, the socket API and the dialogue side by side, each showing
//! what was true at the cursor.
//!
//! Bottom to top, and nothing imports upward: [`data`] is what the view
//! reads (the analysed capture, indexed once; the frame at the cursor,
//! decoded once; the loader in the background); [`state`] is what the user
//! is looking at, as plain data, and `cursor` looks it up in the data;
//! [`action`] is what the user asks for, from [`keys`] or `mouse`;
//! [`layout`] places the panes for a size; `widgets` are the drawing
//! helpers the panes share; `panes` draws each pane from the state and the
//! data, changing nothing; `update` is the one place the state changes;
//! [`app`] ties them together per event, [`run`] owns the event loop and
//! [`terminal`] the terminal's setup and restoration. The view only reads
//! the timeline: the core never imports it.

pub mod action;
pub mod app;
mod cursor;
pub mod data;
pub mod explain;
pub mod keys;
pub mod layout;
mod lesson_play;
mod mouse;
pub mod panes;
pub mod run;
pub mod state;
pub mod terminal;
pub mod theme;
mod update;
mod widgets;

pub use app::{render_buffer, render_text, App};
pub use data::{source, Data};
pub use state::{Overlay, Pane, ViewState};
pub use theme::Theme;
