//! Applying an [`Action`](super::action::Action) to the view state: the
//! one place the state changes. An [`Update`] borrows the state mutably and
//! the data it points into; the top-level [`super::app::App`] makes one per
//! event and then reads the frame at the (perhaps moved) cursor.
//!
//! [`moves`] moves the cursor (and defines [`Update`]); [`panes`] is what
//! ↑/↓ and ⏎ mean in each pane; [`play`] plays; [`typing`] is the search
//! line and the picker's filter; [`pointer`] is what clicks and the wheel
//! asked for; [`apply`] sends each action where it belongs.

mod apply;
mod moves;
mod panes;
mod play;
mod pointer;
mod typing;

pub use moves::Update;
