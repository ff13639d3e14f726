//! Which action goes where: pointer actions first, then the overlay's own
//! keys (scrolling, closing), then what the action means with the panes in
//! front; and opening the overlays.

use std::time::Instant;

use super::moves::Update;
use crate::ui::action::Action;
use crate::ui::state::{Detail, Overlay, Pane};

impl Update<'_> {
    /// Applies an action from a key, a click or the wheel (typing into the
    /// search line or the picker goes to [`Update::type_key`] instead).
    pub fn apply(&mut self, action: Action, now: Instant) {
        if self.pointer(action) {
            return;
        }
        let s = &mut *self.state;
        // Stepping by hand while live stops following the newest segment.
        if s.live
            && matches!(
                action,
                Action::Prev | Action::Start | Action::NextFinding | Action::PrevFinding
            )
        {
            s.follow = false;
        }
        if s.overlay.is_some() && self.overlay_action(action) {
            return;
        }
        self.command(action, now);
    }

    /// An action with the panes in front (no overlay, or one that lets it
    /// through).
    fn command(&mut self, action: Action, now: Instant) {
        let focus = self.state.focus;
        match action {
            Action::Prev => self.step(-1),
            Action::Next => self.step(1),
            Action::Up => self.pane_move(focus, -1),
            Action::Down => self.pane_move(focus, 1),
            Action::PageUp => self.pane_move(focus, -(self.page() as isize)),
            Action::PageDown => self.pane_move(focus, self.page() as isize),
            Action::Start => self.goto(self.state.conn, 0),
            Action::End => {
                self.goto(self.state.conn, usize::MAX);
                if self.state.live {
                    self.state.follow = true;
                    self.goto_newest();
                }
            }
            Action::PlayPause | Action::Faster | Action::Slower | Action::Pacing => {
                self.play_action(action, now)
            }
            Action::NextFinding => self.finding_jump(true),
            Action::PrevFinding => self.finding_jump(false),
            Action::FocusNext => self.state.focus = Pane::ALL[(focus.index() + 1) % 6],
            Action::FocusPrev => self.state.focus = Pane::ALL[(focus.index() + 5) % 6],
            Action::Focus(p) => self.state.focus = p,
            Action::Enter => self.enter(),
            Action::Explain => self.explain(),
            Action::Stream => {
                let from = self.state.pos.saturating_sub(6);
                self.state.overlay = Some(Overlay::Stream { from });
            }
            Action::Graph => {
                let segs = self.data.timeline.segments_of(self.state.conn);
                let dir = crate::tcp::seqgraph::busier(segs);
                self.state.overlay = Some(Overlay::Graph { dir });
            }
            Action::Picker | Action::Search | Action::Narration | Action::Help => self.open(action),
            // Esc with nothing open stops playing.
            Action::Back if self.state.play.playing => {
                self.state.play.playing = false;
                self.state.play.due = None;
            }
            Action::Quit => self.state.quit = true,
            Action::Spoilers => {
                let s = &mut *self.state;
                s.spoilers = !s.spoilers;
                s.status = Some(if s.spoilers {
                    "spoilers on: what comes after the cursor is shown, dimmed".into()
                } else {
                    "no spoilers: what comes after the cursor is hidden".into()
                });
            }
            // Typing and pointer actions are handled before; lesson actions
            // by the app (a step may show another capture).
            _ => {}
        }
    }

    /// Opens the overlay an action asks for.
    fn open(&mut self, action: Action) {
        let s = &mut *self.state;
        s.overlay = match action {
            Action::Picker => Some(Overlay::Picker {
                sel: (s.conn as usize).saturating_sub(1),
                filter: String::new(),
            }),
            Action::Search => Some(Overlay::Search {
                input: String::new(),
            }),
            Action::Narration => Some(Overlay::Detail {
                what: Detail::Segment,
                scroll: 0,
            }),
            Action::Help => Some(Overlay::Help { scroll: 0 }),
            _ => return,
        };
    }

    /// Keys inside an overlay; false lets the key through to the panes
    /// (stepping with ←/→ under the hex view follows the cursor).
    fn overlay_action(&mut self, action: Action) -> bool {
        let s = &mut *self.state;
        let Some(overlay) = &mut s.overlay else {
            return false;
        };
        // In the graph, Tab shows the other direction; Esc closes; stepping
        // moves the cursor line.
        if let Overlay::Graph { dir } = overlay {
            match action {
                Action::FocusNext | Action::FocusPrev => *dir = dir.other(),
                Action::Back | Action::Graph => s.overlay = None,
                _ => return false,
            }
            return true;
        }
        // In the follow-stream view ↑/↓ scroll by segments.
        if let Overlay::Stream { from } = overlay {
            match action {
                Action::Up => *from = from.saturating_sub(1),
                Action::Down => *from = from.saturating_add(1),
                Action::PageUp => *from = from.saturating_sub(10),
                Action::PageDown => *from = from.saturating_add(10),
                Action::Back | Action::Stream => s.overlay = None,
                _ => return false,
            }
            return true;
        }
        // In the hex view ↑/↓ select the NIC pane's previous / next field,
        // whose bytes it marks.
        if let (Overlay::Hex { .. }, Action::Up | Action::Down) = (&overlay, action) {
            let by = if action == Action::Up { -1 } else { 1 };
            s.nic_field = s.nic_field.saturating_add_signed(by);
            return true;
        }
        let scroll = match overlay {
            Overlay::Help { scroll } | Overlay::Hex { scroll } | Overlay::Detail { scroll, .. } => {
                scroll
            }
            _ => return false,
        };
        match action {
            Action::Up => *scroll = scroll.saturating_sub(1),
            Action::Down => *scroll = scroll.saturating_add(1),
            Action::PageUp => *scroll = scroll.saturating_sub(10),
            Action::PageDown => *scroll = scroll.saturating_add(10),
            Action::Back | Action::Enter => s.overlay = None,
            Action::Help => {
                s.overlay = match s.overlay {
                    Some(Overlay::Help { .. }) => None,
                    _ => Some(Overlay::Help { scroll: 0 }),
                }
            }
            Action::Prev | Action::Next | Action::Start | Action::End => {
                *scroll = 0;
                return false;
            }
            Action::Quit | Action::PlayPause | Action::Faster | Action::Slower => return false,
            Action::NextFinding | Action::PrevFinding => return false,
            _ => {}
        }
        true
    }
}
