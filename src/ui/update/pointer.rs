//! What a click or the wheel asked for ([`crate::ui::mouse`] found where it
//! landed): a segment, a dialogue row, a finding, a moment of the strip, a
//! connection of the picker, or scrolling without moving the focus.

use super::moves::Update;
use crate::ui::action::Action;
use crate::ui::state::{Overlay, Pane};

impl Update<'_> {
    /// Applies a pointer action; false for any other kind.
    pub(super) fn pointer(&mut self, action: Action) -> bool {
        let s = &mut *self.state;
        match action {
            Action::Scroll { pane, by } => self.pane_move(pane, by),
            Action::Step(by) => self.step(by),
            Action::PickerScroll(by) => {
                if let Some(Overlay::Picker { sel, .. }) = &mut s.overlay {
                    *sel = sel.saturating_add_signed(by);
                }
            }
            Action::ClickSegment(pos) => {
                s.focus = Pane::Ladder;
                s.follow = false;
                self.goto(self.state.conn, pos);
            }
            Action::ClickRow(row) => {
                s.focus = Pane::Dialogue;
                if let Some(r) = self.data.rows_of(s.conn).get(row) {
                    let frame = r.last;
                    s.follow = false;
                    self.goto_frame_in(self.state.conn, frame);
                    self.state.row_pick = Some(row);
                }
            }
            Action::ClickFinding(i) => {
                s.focus = Pane::Findings;
                self.select_finding(i);
            }
            Action::ClickFrame(f) => {
                s.follow = false;
                if !self.goto_frame(f) {
                    self.state.status = Some(format!("frame {f} is not a TCP segment"));
                }
            }
            Action::Open(id) => {
                s.overlay = None;
                self.open_connection(id);
            }
            Action::Close => s.overlay = None,
            _ => return false,
        }
        true
    }
}
