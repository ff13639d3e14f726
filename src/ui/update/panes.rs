//! What ↑/↓, PgUp/PgDn and ⏎ mean in each pane: the ladder steps, the
//! dialogue moves by lines, the findings pane by findings, the others
//! scroll; ⏎ opens the details of what the focused pane points at (the NIC's
//! are the frame's bytes).

use super::moves::Update;
use crate::ui::panes::kernel;
use crate::ui::state::{Detail, Overlay, Pane, Topic};

impl Update<'_> {
    /// Lines a page moves in the focused pane (the ladder's segments take
    /// two lines each).
    pub(super) fn page(&self) -> usize {
        let s = &*self.state;
        let h = s.areas().pane(s.focus).map_or(10, |r| r.height);
        let lines = usize::from(h.saturating_sub(3)).max(1);
        if s.focus == Pane::Ladder {
            (lines / 2).max(1)
        } else {
            lines
        }
    }

    /// ↑/↓ in a pane.
    pub(super) fn pane_move(&mut self, pane: Pane, by: isize) {
        let s = &mut *self.state;
        match pane {
            Pane::Ladder => self.step(by),
            Pane::Dialogue => self.dialogue_move(by),
            Pane::Nic => s.nic_field = s.nic_field.saturating_add_signed(by),
            Pane::Socket => s.scroll.socket_back = s.scroll.socket_back.saturating_add_signed(-by),
            Pane::Kernel => {
                let max = kernel::ROWS.len().saturating_sub(1);
                s.kernel_row = s.kernel_row.saturating_add_signed(by).min(max);
            }
            Pane::Findings => {
                let n = s.findings_len(self.data);
                if n == 0 {
                    return;
                }
                let sel = s.finding_sel.saturating_add_signed(by).min(n - 1);
                self.select_finding(sel);
            }
        }
    }

    /// ↑/↓ in the dialogue: the cursor to the frame that completed the row
    /// before (after) the cursor's, that row picked among those it ends.
    fn dialogue_move(&mut self, by: isize) {
        let rows = self.data.rows_of(self.state.conn);
        if rows.is_empty() {
            self.state.status = Some("this connection has no SMTP or POP3 dialogue".into());
            return;
        }
        let target = match self.state.row_at_cursor(self.data) {
            Some(c) => c.saturating_add_signed(by).min(rows.len() - 1),
            None if by > 0 => 0,
            None => return,
        };
        let frame = rows[target].last;
        self.goto_frame_in(self.state.conn, frame);
        self.state.row_pick = Some(target);
    }

    /// `e`: what the focused pane's selected field means.
    pub(super) fn explain(&mut self) {
        let s = &*self.state;
        let what = match s.focus {
            Pane::Nic => Detail::Explain(Topic::Nic(s.nic_field)),
            Pane::Kernel => Detail::Explain(Topic::Kernel(kernel::row_at(s.kernel_row))),
            Pane::Ladder => Detail::Explain(Topic::History),
            _ => return self.enter(),
        };
        self.state.overlay = Some(Overlay::Detail { what, scroll: 0 });
    }

    /// ⏎: the details of what the focused pane points at.
    pub(super) fn enter(&mut self) {
        let s = &*self.state;
        let what = match s.focus {
            Pane::Nic => {
                self.state.overlay = Some(Overlay::Hex { scroll: 0 });
                return;
            }
            Pane::Ladder | Pane::Socket => Detail::Segment,
            Pane::Kernel => Detail::Kernel,
            Pane::Dialogue => match s.row_at_cursor(self.data) {
                Some(r) => Detail::Row(r),
                None => Detail::Segment,
            },
            Pane::Findings => match s.finding_at(self.data, s.finding_sel) {
                Some(i) => Detail::Finding(i),
                None => return,
            },
        };
        self.state.overlay = Some(Overlay::Detail { what, scroll: 0 });
    }
}
