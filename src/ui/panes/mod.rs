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
pub mod graph;
pub mod header;
pub mod help;
pub mod hex;
pub mod kernel;
pub mod kernel_observed;
pub mod ladder;
pub mod lesson;
pub mod narration;
pub mod nic;
pub mod picker;
pub mod socket;
pub mod stream;
pub mod strip;
pub mod tabs;

use ratatui::Frame;

use super::data::PaneData;
use super::layout::Areas;
use super::state::{Overlay, Pane, ViewState};
use super::theme::Theme;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, s: &ViewState, d: &PaneData, t: &Theme) {
    let base = t.base();
    if base != ratatui::style::Style::new() {
        let all = f.area();
        f.buffer_mut().set_style(all, base);
    }
    let a = s.areas_in(f.area());
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
    if a.narration.height > 0 {
        narration::draw(f, a.narration, s, d, t);
    }
    if let Some(area) = a.lesson {
        lesson::draw(f, area, s, d, t);
    }
    dim_the_rest(f, &a, s);
    footer::draw(f, a.footer, s, d, t);
    let size = f.area();
    match &s.overlay {
        Some(Overlay::Help { scroll }) => help::draw(f, size, t, *scroll),
        Some(Overlay::Hex { scroll }) => hex::draw(f, size, s, d, t, *scroll),
        Some(Overlay::Picker { sel, filter }) => picker::draw(f, size, s, d, t, *sel, filter),
        Some(Overlay::Detail { what, scroll }) => detail::draw(f, size, s, d, t, *what, *scroll),
        Some(Overlay::Graph { dir }) => graph::draw(f, size, s, d, t, *dir),
        Some(Overlay::Stream { .. }) => stream::draw(f, size, s, d, t),
        Some(Overlay::Search { .. }) | None => {}
    }
}

/// While a lesson step is showing its moment, every pane but the one it is
/// about is dimmed, so the eye goes where the lesson points.
fn dim_the_rest(f: &mut Frame, a: &Areas, s: &ViewState) {
    let Some(l) = s.on_path() else { return };
    if l.look.pane.is_none() || !a.is_wide() {
        return;
    }
    let dim = ratatui::style::Style::new().add_modifier(ratatui::style::Modifier::DIM);
    for p in Pane::ALL {
        if p == s.focus {
            continue;
        }
        if let Some(r) = a.pane(p) {
            f.buffer_mut().set_style(r, dim);
        }
    }
}
