//! Which key does what: one table that both the key handler and the help
//! overlay read, so the help can never disagree with the keys; and, while
//! the search line or the picker's filter takes typing, which keys are text.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use super::state::Pane;

/// (keys as the help shows them, what they do, the action).
pub const BINDINGS: &[(&str, &str, Action)] = &[
    ("← → h l", "previous / next segment", Action::Next),
    ("↑ ↓ k j", "move within the focused pane", Action::Down),
    (
        "PgUp PgDn",
        "a page within the focused pane",
        Action::PageDown,
    ),
    ("g G Home End", "first / last segment", Action::Start),
    (
        "space",
        "play / pause (live: follow / pause)",
        Action::PlayPause,
    ),
    ("+ -", "play faster / slower (¼× to 16×)", Action::Faster),
    (
        "t",
        "pace: the teaching pace (a segment every 1.5 s) or capture time",
        Action::Pacing,
    ),
    ("n N", "next / previous finding", Action::NextFinding),
    ("c", "connection picker", Action::Picker),
    (
        "s",
        "no spoilers: hide (or show) what comes after the cursor",
        Action::Spoilers,
    ),
    ("] [", "lesson: next / previous step", Action::LessonNext),
    (".", "lesson: back to the step's moment", Action::LessonHere),
    ("{ }", "lesson: scroll its text", Action::LessonScroll(3)),
    (
        "a b c …",
        "lesson: answer the question (free text: a shows the answer)",
        Action::Answer(0),
    ),
    (
        "/",
        "search payloads and commands (/ ⏎ again: next match)",
        Action::Search,
    ),
    (
        "Tab S-Tab",
        "focus the next / previous pane",
        Action::FocusNext,
    ),
    (
        "1 … 6",
        "focus ladder, dialogue, NIC, kernel, socket, findings",
        Action::Focus(Pane::Ladder),
    ),
    (
        "⏎",
        "details (NIC: the frame's bytes in hex)",
        Action::Enter,
    ),
    (
        "w",
        "what happens: the whole narration of this segment",
        Action::Narration,
    ),
    (
        "e",
        "explain the selected field: what it is, why this value, the RFC",
        Action::Explain,
    ),
    (
        "v",
        "the sequence graph: data, ACKs and the window over time (Tab: other way)",
        Action::Graph,
    ),
    (
        "f",
        "follow the stream: both sides' bytes as sent, segment by segment",
        Action::Stream,
    ),
    ("Esc", "back", Action::Back),
    ("?", "this help", Action::Help),
    ("q", "quit", Action::Quit),
];

/// The action of a key press; key releases and repeats of other kinds are
/// ignored (some terminals report both).
pub fn action(key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Action::Quit),
            KeyCode::Char('f') => Some(Action::PageDown),
            KeyCode::Char('b') => Some(Action::PageUp),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Left | KeyCode::Char('h') => Action::Prev,
        KeyCode::Right | KeyCode::Char('l') => Action::Next,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Start,
        KeyCode::End | KeyCode::Char('G') => Action::End,
        KeyCode::Char(' ') => Action::PlayPause,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::Faster,
        KeyCode::Char('-') | KeyCode::Char('_') => Action::Slower,
        KeyCode::Char('t') => Action::Pacing,
        KeyCode::Char('n') => Action::NextFinding,
        KeyCode::Char('N') => Action::PrevFinding,
        KeyCode::Char('c') => Action::Picker,
        KeyCode::Char('/') => Action::Search,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Char(d @ '1'..='6') => Action::Focus(Pane::ALL[(d as u8 - b'1') as usize]),
        KeyCode::Enter => Action::Enter,
        KeyCode::Char('w') => Action::Narration,
        KeyCode::Char('e') => Action::Explain,
        KeyCode::Char('v') => Action::Graph,
        KeyCode::Char('f') => Action::Stream,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('?') | KeyCode::F(1) => Action::Help,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('s') => Action::Spoilers,
        KeyCode::Char(']') => Action::LessonNext,
        KeyCode::Char('[') => Action::LessonPrev,
        KeyCode::Char('.') => Action::LessonHere,
        KeyCode::Char('}') => Action::LessonScroll(3),
        KeyCode::Char('{') => Action::LessonScroll(-3),
        _ => return None,
    })
}

/// In a lesson whose question waits for an answer, `a`…`f` answer it
/// (before any other meaning the letter has: `c` is the picker otherwise).
pub fn answer_key(key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release
        || !key.modifiers.difference(KeyModifiers::SHIFT).is_empty()
    {
        return None;
    }
    match key.code {
        KeyCode::Char(c @ 'a'..='f') => Some(Action::Answer((c as u8 - b'a') as usize)),
        _ => None,
    }
}

/// The action of a key while the search line or the picker's filter is
/// open: letters (`q`, `j`, even with Ctrl held) are text, not commands;
/// only Ctrl-C still quits.
pub fn text_action(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    Some(match key.code {
        KeyCode::Esc => Action::Back,
        KeyCode::Backspace => Action::Erase,
        KeyCode::Enter => Action::Enter,
        KeyCode::Up => Action::Up,
        KeyCode::Down => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home => Action::Start,
        KeyCode::End => Action::End,
        KeyCode::Char(c) => Action::Type(c),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> Option<Action> {
        action(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn vi_keys_and_arrows_agree() {
        assert_eq!(press(KeyCode::Left), press(KeyCode::Char('h')));
        assert_eq!(press(KeyCode::Right), press(KeyCode::Char('l')));
        assert_eq!(press(KeyCode::Up), press(KeyCode::Char('k')));
        assert_eq!(press(KeyCode::Down), press(KeyCode::Char('j')));
        assert_eq!(
            press(KeyCode::Char('6')),
            Some(Action::Focus(Pane::Findings))
        );
        assert_eq!(press(KeyCode::Char('x')), None);
    }

    #[test]
    fn typing_keeps_letters_as_text() {
        let text = |code| text_action(KeyEvent::new(code, KeyModifiers::NONE));
        assert_eq!(text(KeyCode::Char('q')), Some(Action::Type('q')));
        assert_eq!(text(KeyCode::Esc), Some(Action::Back));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(text_action(ctrl_c), Some(Action::Quit));
    }

    #[test]
    fn a_release_does_nothing() {
        let mut k = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        k.kind = KeyEventKind::Release;
        assert_eq!(action(k), None);
    }
}
