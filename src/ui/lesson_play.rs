//! Playing a lesson in the view: opening it, moving between its steps (each
//! puts the cursor on its anchor, shows the capture it names and focuses the
//! pane it is about), answering its questions, and coming back to a step
//! after exploring. The lesson pane draws what is here ([`super::panes::lesson`]).

use std::sync::Arc;

use super::action::Action;
use super::app::App;
use super::data::LessonBook;
use super::state::{Answer, LessonState, Pacing, Pane};
use crate::lessons::Pane as LessonPane;

impl App {
    /// Plays `book` in this view: its first capture, the introduction
    /// showing, no spoilers, and the teaching pace.
    pub fn with_lesson(mut self, book: LessonBook) -> Self {
        self.state.lesson = Some(LessonState::new(book.steps()));
        self.state.spoilers = false;
        self.state.play.pacing = Pacing::Teach;
        self.lesson = Some(book);
        self.show_capture(0);
        self.change(|u| u.goto(u.state.conn, 0));
        self
    }

    /// Whether the current step's question waits for an answer (its
    /// letters then answer it).
    pub fn question_waits(&self) -> bool {
        let (Some(l), Some(book)) = (&self.state.lesson, &self.lesson) else {
            return false;
        };
        let question = l
            .step
            .checked_sub(1)
            .and_then(|k| book.lesson.steps.get(k))
            .and_then(|s| s.question.as_ref());
        question.is_some() && l.answer().is_none() && self.state.overlay.is_none()
    }

    /// Lesson actions; false for every other action.
    pub(super) fn lesson_action(&mut self, action: Action) -> bool {
        let Some(l) = &self.state.lesson else {
            return matches!(
                action,
                Action::LessonNext
                    | Action::LessonPrev
                    | Action::LessonHere
                    | Action::LessonScroll(_)
                    | Action::Answer(_)
            );
        };
        let (step, steps) = (l.step, l.steps);
        match action {
            Action::LessonNext if step < steps => self.lesson_goto(step + 1),
            Action::LessonNext => self.state.status = Some("the last step: [ goes back".into()),
            Action::LessonPrev if step > 0 => self.lesson_goto(step - 1),
            Action::LessonPrev => {
                self.state.status = Some("the introduction: ] starts the lesson".into())
            }
            Action::LessonHere => self.lesson_goto(step),
            Action::Answer(k) => self.answer(k),
            Action::LessonScroll(by) => {
                if let Some(l) = &mut self.state.lesson {
                    l.scroll = l.scroll.saturating_add_signed(by).min(60);
                }
            }
            _ => return false,
        }
        true
    }

    /// Shows capture `c` of the lesson (another step may need another).
    fn show_capture(&mut self, c: usize) {
        let Some(cap) = self.lesson.as_ref().and_then(|b| b.captures.get(c)) else {
            return;
        };
        let (data, store) = (Arc::clone(&cap.data), cap.store.clone());
        if let Some(l) = &mut self.state.lesson {
            if l.capture == c && Arc::ptr_eq(&self.data, &data) {
                return;
            }
            l.capture = c;
        }
        self.data = data;
        self.store = store;
        self.interfaces = self.store.interface_names();
        self.frame = None;
        let first = u32::from(!self.data.timeline.connections.is_empty());
        self.change(|u| u.goto(first, 0));
    }

    /// Goes to step `k` (0: the introduction).
    fn lesson_goto(&mut self, k: usize) {
        let Some(book) = &self.lesson else { return };
        let step = k.checked_sub(1).and_then(|i| book.lesson.steps.get(i));
        let look = step.map(|s| s.look.clone()).unwrap_or_default();
        let landing = k.checked_sub(1).and_then(|i| book.anchors.get(i)).cloned();
        if let Some(l) = &mut self.state.lesson {
            l.step = k;
            l.look = look.clone();
            l.scroll = 0;
            l.anchor = None;
        }
        self.state.overlay = None;
        match landing {
            None => {
                self.show_capture(0);
            }
            Some(Ok((c, at))) => {
                self.show_capture(c);
                self.change(|u| u.goto_frame_in(at.conn, at.frame));
                let here = (self.state.conn, self.state.pos);
                if let Some(l) = &mut self.state.lesson {
                    l.anchor = Some(here);
                }
                if let Some(p) = look.pane.and_then(view_pane) {
                    self.state.focus = p;
                }
                if look.pane == Some(LessonPane::Hex) {
                    self.change(|u| u.apply(Action::Enter, std::time::Instant::now()));
                }
            }
            Some(Err(why)) => {
                self.state.status =
                    Some(format!("this step's moment is not in the capture: {why}"));
            }
        }
    }

    fn answer(&mut self, k: usize) {
        let Some(book) = &self.lesson else { return };
        let Some(l) = &mut self.state.lesson else {
            return;
        };
        let Some(q) = l
            .step
            .checked_sub(1)
            .and_then(|i| book.lesson.steps.get(i))
            .and_then(|s| s.question.as_ref())
        else {
            return;
        };
        let given = if q.choices.is_empty() {
            Answer::Revealed
        } else if k < q.choices.len() {
            Answer::Chose(k)
        } else {
            self.state.status = Some(format!("there are {} choices", q.choices.len()));
            return;
        };
        if let Some(slot) = l.step.checked_sub(1).and_then(|i| l.answers.get_mut(i)) {
            *slot = Some(given);
        }
        // The verdict and the model answer come last: scroll to them.
        l.scroll = 60;
    }
}

/// The view's pane a lesson's `look` names (the hex view is the NIC's
/// details; the narration is everywhere).
fn view_pane(p: LessonPane) -> Option<Pane> {
    Some(match p {
        LessonPane::Ladder => Pane::Ladder,
        LessonPane::Dialogue => Pane::Dialogue,
        LessonPane::Nic | LessonPane::Hex => Pane::Nic,
        LessonPane::Kernel => Pane::Kernel,
        LessonPane::Socket => Pane::Socket,
        LessonPane::Findings => Pane::Findings,
        LessonPane::Narration => return None,
    })
}
