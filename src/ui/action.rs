//! What the user asks for, whatever asked: a key ([`super::keys`]), a
//! click or the wheel (`ui::mouse`). `ui::update` applies an action to the
//! view state; nothing else changes it.

use super::state::Pane;

/// One request to the view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Prev,
    Next,
    Up,
    Down,
    PageUp,
    PageDown,
    Start,
    End,
    PlayPause,
    Faster,
    Slower,
    Pacing,
    NextFinding,
    PrevFinding,
    Picker,
    Search,
    FocusNext,
    FocusPrev,
    Focus(Pane),
    Enter,
    /// The whole narration of the segment at the cursor, from any pane.
    Narration,
    /// What the focused pane's selected field means (`e`).
    Explain,
    /// The sequence graph of the connection (`v`).
    Graph,
    /// The connection's bytes as sent, both ways (`f`).
    Stream,
    Back,
    Help,
    Quit,
    /// Show or hide the rows after the cursor (no spoilers).
    Spoilers,
    /// A lesson's next / previous step, and back to the current step's moment.
    LessonNext,
    LessonPrev,
    LessonHere,
    /// Scroll the lesson pane (a step longer than the pane).
    LessonScroll(i16),
    /// A lesson question's answer: the choice (0 = a), or for a free-text
    /// question, show the model answer.
    Answer(usize),
    /// A character typed into the search line or the picker's filter.
    Type(char),
    /// Backspace in the search line or the picker's filter.
    Erase,
    /// The wheel over a pane: ↑/↓ there, without moving the focus.
    Scroll {
        pane: Pane,
        by: isize,
    },
    /// The wheel over the timeline strip: a segment back or on.
    Step(isize),
    /// The wheel over the connection picker.
    PickerScroll(isize),
    /// A click on a segment of the ladder (its position in the connection).
    ClickSegment(usize),
    /// A click on a dialogue row (its position in the connection's rows).
    ClickRow(usize),
    /// A click on an item of the findings pane's list.
    ClickFinding(usize),
    /// A click on the timeline strip, at the first segment of its column.
    ClickFrame(u64),
    /// A click on a connection of the picker.
    Open(u32),
    /// A click that closes the overlay.
    Close,
}
