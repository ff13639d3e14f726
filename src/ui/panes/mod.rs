//! One module per pane and overlay, each a pure function from the view
//! state and the data to widgets on a frame: none changes the state. Where a
//! click must find what a pane drew (a segment, a row, a tab), the pane's
//! module offers the hit test beside the drawing, from the same layout, for
//! [`crate::ui::mouse`].
//!
//! [`draw`] lays the screen out ([`crate::ui::layout`]) and draws every
//! pane in its place, then the open overlay over them.

pub mod detail;
pub mod dialogue;
pub mod findings;
pub mod footer;
pub mod header;
pub mod help;
pub mod hex;
pub mod kernel;
pub mod ladder;
pub mod narration;
pub mod nic;
pub mod picker;
pub mod socket;
pub mod strip;
pub mod tabs;

use ratatui::Frame;

use super::data::PaneData;
use super::layout;
use super::state::{Overlay, Pane, ViewState};
use super::theme::Theme;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, s: &ViewState, d: &PaneData, t: &Theme) {
    let a = layout::areas(f.area(), s.focus);
    header::draw(f, a.header, s, d, t);
    if let Some(bar) = a.tabs {
        tabs::draw(f, bar, s, t);
    }
    for p in Pane::ALL {
        let Some(area) = a.pane(p) else { continue };
        let focused = s.focus == p && a.is_wide();
        let draw = match p {
            Pane::Ladder => ladder::draw,
            Pane::Dialogue => dialogue::draw,
            Pane::Nic => nic::draw,
            Pane::Kernel => kernel::draw,
            Pane::Socket => socket::draw,
            Pane::Findings => findings::draw,
        };
        draw(f, area, s, d, t, focused);
    }
    strip::draw(f, a.strip, s, d, t);
    narration::draw(f, a.narration, s, d, t);
    footer::draw(f, a.footer, s, d, t);
    let size = f.area();
    match &s.overlay {
        Some(Overlay::Help { scroll }) => help::draw(f, size, t, *scroll),
        Some(Overlay::Hex { scroll }) => hex::draw(f, size, d, t, *scroll),
        Some(Overlay::Picker { sel, filter }) => picker::draw(f, size, s, d, t, *sel, filter),
        Some(Overlay::Detail { what, scroll }) => detail::draw(f, size, s, d, t, *what, *scroll),
        Some(Overlay::Search { .. }) | None => {}
    }
}
