//! Where each pane goes for a terminal size: side by side when there is room
//! (from 110×28 on; 200×60 gives every pane more rows and columns), folded
//! into tabs below that (80×24 shows one pane at a time). Drawing and mouse
//! hit-testing both ask this module, so a click lands where the eye sees.
//! It reads only the state's size and focus.

use ratatui::layout::{Constraint, Layout, Rect};

use super::state::{Pane, ViewState};

/// Below this width or height the panes fold into tabs.
pub const WIDE_MIN: (u16, u16) = (110, 28);
/// With a lesson playing, the panes sit side by side only from this height.
pub const LESSON_WIDE_MIN_H: u16 = 40;

/// The rectangles of one screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// The tab bar, when the panes are folded.
    pub tabs: Option<Rect>,
    /// Each pane's rectangle, by [`Pane::index`]; `None` when it is folded away.
    pub panes: [Option<Rect>; 6],
    pub strip: Rect,
    pub narration: Rect,
    /// The lesson pane, while a lesson plays.
    pub lesson: Option<Rect>,
    pub footer: Rect,
}

impl Areas {
    pub fn pane(&self, p: Pane) -> Option<Rect> {
        self.panes[p.index()]
    }

    /// The pane under a screen position.
    pub fn pane_at(&self, x: u16, y: u16) -> Option<Pane> {
        Pane::ALL
            .into_iter()
            .find(|p| self.pane(*p).is_some_and(|r| contains(r, x, y)))
    }

    pub fn is_wide(&self) -> bool {
        self.tabs.is_none()
    }
}

pub fn contains(r: Rect, x: u16, y: u16) -> bool {
    x >= r.x && x < r.x.saturating_add(r.width) && y >= r.y && y < r.y.saturating_add(r.height)
}

/// Whether a size shows the panes side by side.
pub fn is_wide(size: Rect) -> bool {
    size.width >= WIDE_MIN.0 && size.height >= WIDE_MIN.1
}

/// The layout for a terminal of `size`; in tabs, `focus` is the pane shown;
/// with `lesson`, a lesson pane takes the narration's place and more (the
/// lesson tells the story; a short narration of the segment stays when
/// there is room); with `wide_kernel` (a lab capture's four kernel columns)
/// the kernel pane gets a wider share of the bottom row.
pub fn areas(size: Rect, focus: Pane, lesson: bool, wide_kernel: bool) -> Areas {
    // A lesson's pane takes rows: side by side only when the panes still
    // get enough of them, else the pane the step is about fills the tab.
    let wide = is_wide(size) && (!lesson || size.height >= LESSON_WIDE_MIN_H);
    let narration_h = match (lesson, wide, size.height) {
        (true, false, _) => 0,
        (true, true, _) => 2,
        (false, _, 0..=22) => 3,
        (false, _, 23..=35) => 4,
        (false, _, 36..=49) => 5,
        (false, _, _) => 6,
    };
    let lesson_h = match (lesson, size.height) {
        (false, _) => 0,
        (true, h) => (h * 2 / 5).max(8),
    };
    let strip_h = if lesson { 1 } else { 2 };
    let [header, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(size);
    let [main, strip, lesson_area, narration, footer] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(strip_h),
        Constraint::Length(lesson_h),
        Constraint::Length(narration_h),
        Constraint::Length(1),
    ])
    .areas(rest);
    let mut a = Areas {
        header,
        tabs: None,
        panes: [None; 6],
        strip,
        narration,
        lesson: lesson.then_some(lesson_area),
        footer,
    };
    if !wide {
        let [tabs, pane] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(main);
        a.tabs = Some(tabs);
        a.panes[focus.index()] = Some(pane);
        return a;
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(main);
    let [ladder, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
    let [dialogue, findings] =
        Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(right);
    // With a lab capture the kernel pane holds four value columns (inferred
    // and observed per endpoint), and a window of 64512 B must fit in one
    // without being cut: it gets a third of the width.
    let shares = if wide_kernel {
        [31, 34, 35]
    } else {
        [34, 28, 38]
    };
    let [nic, kernel, socket] =
        Layout::horizontal(shares.map(Constraint::Percentage)).areas(bottom);
    a.panes = [
        Some(ladder),
        Some(dialogue),
        Some(nic),
        Some(kernel),
        Some(socket),
        Some(findings),
    ];
    a
}

impl ViewState {
    /// The layout of the state's screen.
    pub fn areas(&self) -> Areas {
        self.areas_in(self.size)
    }

    /// The layout of the state's screen at another size.
    pub fn areas_in(&self, size: Rect) -> Areas {
        areas(
            size,
            self.focus,
            self.lesson.is_some(),
            self.observed_kernel,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_terminals_fold_into_tabs_and_large_ones_show_all() {
        let small = areas(Rect::new(0, 0, 80, 24), Pane::Dialogue, false, false);
        assert!(!small.is_wide());
        assert!(small.pane(Pane::Dialogue).is_some());
        assert!(small.pane(Pane::Ladder).is_none());
        let big = areas(Rect::new(0, 0, 200, 60), Pane::Ladder, false, false);
        assert!(Pane::ALL.iter().all(|p| big.pane(*p).is_some()));
        let ladder = big.pane(Pane::Ladder).expect("ladder");
        assert!(ladder.height >= 30 && ladder.width >= 100, "{ladder:?}");
    }

    #[test]
    fn a_lesson_takes_the_narration_and_more() {
        for (w, h) in [(80, 24), (110, 28), (160, 45)] {
            let a = areas(Rect::new(0, 0, w, h), Pane::Kernel, true, false);
            let lesson = a.lesson.expect("a lesson pane");
            assert!(lesson.height >= 8, "{w}x{h}: {lesson:?}");
            assert!(
                a.pane(Pane::Kernel).is_some_and(|r| r.height >= 7),
                "{w}x{h}: {a:?}"
            );
        }
    }

    #[test]
    fn four_kernel_columns_get_a_wider_kernel_pane() {
        let size = Rect::new(0, 0, 140, 40);
        let width = |wide| {
            areas(size, Pane::Ladder, false, wide)
                .pane(Pane::Kernel)
                .map_or(0, |r| r.width)
        };
        // 4 columns of 8 (a value like "64512 B" and a space) beside the labels.
        assert!(width(true) >= 2 + 10 + 4 * 8, "{}", width(true));
        assert!(width(true) > width(false));
    }

    #[test]
    fn tiny_terminals_do_not_panic() {
        for (w, h) in [(0, 0), (1, 1), (10, 3), (80, 5), (300, 2)] {
            let _ = areas(Rect::new(0, 0, w, h), Pane::Ladder, false, false);
            let _ = areas(Rect::new(0, 0, w, h), Pane::Ladder, true, false);
        }
    }
}
