//! Where a click or the wheel landed, as an [`Action`]: the layout says
//! which area is under the pointer, and the pane drawn there says what (a
//! segment, a dialogue row, a finding, a tab, a moment of the strip, a
//! connection of the picker), from the same geometry it draws with.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::action::Action;
use super::data::PaneData;
use super::layout::{contains, Areas};
use super::panes::{dialogue, findings, ladder, picker, strip, tabs};
use super::state::{Overlay, Pane, ViewState};
use super::theme::Theme;

/// The action of a mouse event, if it asks for one.
pub fn action(m: MouseEvent, s: &ViewState, d: &PaneData, t: &Theme) -> Option<Action> {
    let (x, y) = (m.column, m.row);
    let a = s.areas();
    match m.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let down = m.kind == MouseEventKind::ScrollDown;
            let by = if down { 1 } else { -1 };
            if let Some(Overlay::Picker { .. }) = s.overlay {
                return Some(Action::PickerScroll(by));
            }
            if s.overlay.is_some() {
                return Some(if down { Action::Down } else { Action::Up });
            }
            if let Some(pane) = a.pane_at(x, y) {
                Some(Action::Scroll { pane, by })
            } else if contains(a.strip, x, y) {
                Some(Action::Step(by))
            } else {
                None
            }
        }
        MouseEventKind::Down(MouseButton::Left) => click(s, d, t, &a, x, y),
        _ => None,
    }
}

fn click(s: &ViewState, d: &PaneData, t: &Theme, a: &Areas, x: u16, y: u16) -> Option<Action> {
    if let Some(Overlay::Picker { filter, .. }) = &s.overlay {
        let rows = d.data.picker_rows(filter);
        let area = picker::area(s.size);
        return match picker::row_at(s, d.data, area, y, &rows) {
            Some(i) => rows.get(i).map(Action::Open),
            None => (!contains(area, x, y)).then_some(Action::Close),
        };
    }
    if s.overlay.is_some() {
        return Some(Action::Close);
    }
    if let Some(bar) = a.tabs.filter(|r| contains(*r, x, y)) {
        return tabs::hit(bar, x).map(Action::Focus);
    }
    if contains(a.narration, x, y) {
        return Some(Action::Narration);
    }
    if contains(a.strip, x, y) {
        let col = x.saturating_sub(a.strip.x);
        return strip::frame_at(d.data, a.strip.width, col).map(Action::ClickFrame);
    }
    let p = a.pane_at(x, y)?;
    let hit = a.pane(p).and_then(|area| match p {
        Pane::Ladder => ladder::segment_at(s, d.data, area, y).map(Action::ClickSegment),
        Pane::Dialogue => dialogue::row_at(s, d.data, t, area, y).map(Action::ClickRow),
        Pane::Findings => findings::item_at(s, d.data, area, y).map(Action::ClickFinding),
        _ => None,
    });
    Some(hit.unwrap_or(Action::Focus(p)))
}
