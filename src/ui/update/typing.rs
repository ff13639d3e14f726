//! Typing into the search line (`/`) and the connection picker's filter
//! (`c`): what each key does there, running the search, and opening the
//! connection picked. Inputs are bounded (200 and 60 characters), whatever
//! is pasted.

use super::moves::Update;
use crate::text::escape_str;
use crate::ui::action::Action;
use crate::ui::data::search::{self, Outcome};
use crate::ui::state::Overlay;

impl Update<'_> {
    /// A key while the search line or the picker's filter is open, as
    /// [`crate::ui::keys::text_action`] read it.
    pub fn type_key(&mut self, action: Action) {
        match self.state.overlay {
            Some(Overlay::Search { .. }) => self.search_key(action),
            Some(Overlay::Picker { .. }) => self.picker_key(action),
            _ => {}
        }
    }

    fn search_key(&mut self, action: Action) {
        let s = &mut *self.state;
        let Some(Overlay::Search { input }) = &mut s.overlay else {
            return;
        };
        match action {
            Action::Quit => s.quit = true,
            Action::Back => s.overlay = None,
            Action::Erase => {
                input.pop();
            }
            Action::Enter => {
                let query = if input.is_empty() {
                    s.search.last.clone().unwrap_or_default()
                } else {
                    std::mem::take(input)
                };
                s.overlay = None;
                if query.is_empty() {
                    return;
                }
                if s.search.last.as_deref() != Some(&query) {
                    s.search.resume = None;
                }
                s.search.last = Some(query.clone());
                self.run_search(&query);
            }
            Action::Type(c) if input.chars().count() < 200 => input.push(c),
            _ => {}
        }
    }

    fn run_search(&mut self, query: &str) {
        let s = &mut *self.state;
        let from = s.search.resume.take().unwrap_or_else(|| {
            self.data
                .kernel
                .segments_of(s.conn)
                .get(s.pos)
                .map_or(0, |&i| i as usize + 1)
        });
        let shown = escape_str(query);
        match search::find(self.data, self.store, query, from, search::BUDGET) {
            Outcome::Found { segment, what } => {
                let frame = self.data.timeline.segments.get(segment).map(|s| s.frame);
                if let Some(f) = frame {
                    self.goto_frame(f);
                }
                self.state.status = Some(format!("\"{shown}\" found in {what} (/ ⏎ for the next)"));
            }
            Outcome::NotFound => {
                s.status = Some(format!(
                    "\"{shown}\" is nowhere in the capture's commands, replies or payloads"
                ))
            }
            Outcome::Stopped { next } => {
                s.search.resume = Some(next);
                let frame = self.data.timeline.segments.get(next).map_or(0, |s| s.frame);
                s.status = Some(format!(
                    "searched up to frame {frame}, not found yet: / ⏎ searches on"
                ));
            }
        }
    }

    fn picker_key(&mut self, action: Action) {
        let s = &mut *self.state;
        let Some(Overlay::Picker { sel, filter }) = &mut s.overlay else {
            return;
        };
        if action == Action::Quit {
            s.quit = true;
            return;
        }
        let (mut sel, mut filter) = (*sel, std::mem::take(filter));
        let rows = self.data.picker_rows(&filter);
        let last = rows.len().saturating_sub(1);
        match action {
            Action::Back => {
                s.overlay = None;
                return;
            }
            Action::Up => sel = sel.saturating_sub(1),
            Action::Down => sel = (sel + 1).min(last),
            Action::PageUp => sel = sel.saturating_sub(10),
            Action::PageDown => sel = (sel + 10).min(last),
            Action::Start => sel = 0,
            Action::End => sel = last,
            Action::Enter => {
                s.overlay = None;
                if let Some(id) = rows.get(sel) {
                    self.open_connection(id);
                }
                return;
            }
            Action::Erase => {
                filter.pop();
                sel = 0;
            }
            Action::Type(c) if filter.chars().count() < 60 => {
                filter.push(c);
                sel = 0;
            }
            _ => {}
        }
        s.overlay = Some(Overlay::Picker { sel, filter });
    }
}
