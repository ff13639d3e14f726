//! Playing: space plays or pauses (live: follows or pauses), + and − change
//! the speed, t the pacing; [`Update::tick`] takes the next step when it is
//! due, in capture time scaled by the speed or at the teaching pace.

use std::time::{Duration, Instant};

use super::moves::Update;
use crate::ui::action::Action;
use crate::ui::state::{Pacing, MAX_WAIT, SPEEDS, TEACH_STEP};

impl Update<'_> {
    /// Space, +, − and t.
    pub(super) fn play_action(&mut self, action: Action, now: Instant) {
        let play = &mut self.state.play;
        match action {
            Action::PlayPause => return self.play_pause(now),
            Action::Faster => play.speed = (play.speed + 1).min(SPEEDS.len() - 1),
            Action::Slower => play.speed = play.speed.saturating_sub(1),
            Action::Pacing => {
                play.pacing = match play.pacing {
                    Pacing::Capture => Pacing::Teach,
                    Pacing::Teach => Pacing::Capture,
                };
            }
            _ => return,
        }
        self.state.status = Some(match action {
            Action::Pacing => match play.pacing {
                Pacing::Capture => "playing in capture time".to_string(),
                Pacing::Teach => format!(
                    "teaching pace: one segment every {:.1} s",
                    TEACH_STEP.as_secs_f64() / play.factor()
                ),
            },
            _ => format!("speed {}", play.speed_label()),
        });
        self.reschedule(now);
    }

    fn play_pause(&mut self, now: Instant) {
        let s = &mut *self.state;
        if s.live {
            s.follow = !s.follow;
            if s.follow {
                self.goto_newest();
            }
            self.state.status = Some(if self.state.follow {
                "following the newest segment".to_string()
            } else {
                "paused: the capture goes on".to_string()
            });
            return;
        }
        s.play.playing = !s.play.playing;
        if s.play.playing {
            if s.pos + 1 >= s.seg_count(self.data) {
                self.goto(self.state.conn, 0);
            }
            self.reschedule(now);
        } else {
            s.play.due = None;
        }
    }

    /// When the next step is due, from the gap to the next segment.
    fn reschedule(&mut self, now: Instant) {
        let s = &mut *self.state;
        if !s.play.playing {
            return;
        }
        let wait = match s.play.pacing {
            Pacing::Teach => Duration::from_secs_f64(TEACH_STEP.as_secs_f64() / s.play.factor()),
            Pacing::Capture => {
                let next = self.data.segment(s.conn, s.pos + 1);
                let gap = match (s.segment(self.data), next) {
                    (Some(a), Some(b)) => b.time.nanos_since(a.time).max(0),
                    _ => 0,
                };
                Duration::from_secs_f64(gap as f64 / 1e9 / s.play.factor()).min(MAX_WAIT)
            }
        };
        s.play.due = Some(now + wait);
    }

    /// Time passing: plays the next segment when it is due. True when the
    /// screen changed.
    pub fn tick(&mut self, now: Instant) -> bool {
        let s = &mut *self.state;
        if !s.play.playing {
            return false;
        }
        let Some(due) = s.play.due else {
            self.reschedule(now);
            return false;
        };
        if now < due {
            return false;
        }
        if s.pos + 1 >= s.seg_count(self.data) {
            s.play.playing = false;
            s.play.due = None;
            s.status = Some("end of the connection".to_string());
            return true;
        }
        self.step(1);
        self.reschedule(now);
        true
    }
}
