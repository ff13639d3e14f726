//! The guided view: a lesson played in the terminal view without a
//! terminal. Its keys move between steps (each puts the cursor on its
//! anchor, shows the capture it names, focuses the pane it is about), its
//! questions take an answer, the student can explore and come back, and
//! nothing after the cursor is shown. Snapshots of three steps of the
//! ccnotes lesson at 80×24 and 160×45, read by eye before they were
//! accepted.

use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use sockscope::lessons::LessonSource;
use sockscope::ui::data::LessonBook;
use sockscope::ui::state::Answer;
use sockscope::ui::{self, App, Pane, Theme};

fn lesson(name: &str, w: u16, h: u16) -> App {
    let book = LessonBook::open(&LessonSource::named(name).expect("shipped"), None).expect("opens");
    assert!(book.anchors.iter().all(|a| a.is_ok()), "every anchor lands");
    let first = &book.captures[0];
    let app = App::new(
        Arc::clone(&first.data),
        first.store.clone(),
        Theme::plain(),
        Rect::new(0, 0, w, h),
    );
    app.with_lesson(book)
}

fn key(app: &mut App, c: char) {
    app.on_key(
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        Instant::now(),
    );
}

fn step(app: &App) -> usize {
    app.state.lesson.as_ref().expect("a lesson").step
}

#[test]
fn steps_put_the_cursor_on_their_moment() {
    let mut app = lesson("ccnotes", 160, 45);
    assert_eq!(step(&app), 0, "the introduction first");
    let screen = ui::render_text(&mut app, 160, 45);
    assert!(screen.contains("introduction · 8 steps"), "{screen}");
    assert!(screen.contains("You will learn"), "{screen}");
    key(&mut app, ']');
    assert_eq!((step(&app), app.cursor_frame()), (1, Some(4)));
    key(&mut app, ']');
    key(&mut app, ']');
    assert_eq!((step(&app), app.cursor_frame()), (3, Some(6)), "HELO");
    key(&mut app, ']');
    key(&mut app, ']');
    assert_eq!((step(&app), app.cursor_frame()), (5, Some(12)), "MAIL");
    assert_eq!(
        app.state.focus,
        Pane::Kernel,
        "the step is about the kernel"
    );
    let screen = ui::render_text(&mut app, 160, 45);
    assert!(screen.contains("step 5/8"), "{screen}");
    assert!(
        screen.contains("◆ look at: the kernel pane, unread of the client"),
        "{screen}"
    );
    key(&mut app, '[');
    assert_eq!((step(&app), app.cursor_frame()), (4, Some(8)));
}

#[test]
fn a_step_can_show_another_capture() {
    let mut app = lesson("ccnotes", 160, 45);
    for _ in 0..7 {
        key(&mut app, ']');
    }
    assert_eq!(step(&app), 7);
    assert!(
        app.data.timeline.source.ends_with("ccnotes-fixed.pcapng"),
        "{}",
        app.data.timeline.source
    );
    assert_eq!(app.cursor_frame(), Some(8), "the fixed client's HELO");
    key(&mut app, '[');
    assert!(app
        .data
        .timeline
        .source
        .ends_with("captures/ccnotes.pcapng"));
    assert_eq!(
        app.cursor_frame(),
        Some(17),
        "QUIT, back on the first capture"
    );
}

#[test]
fn questions_take_an_answer_and_show_the_model_one() {
    let mut app = lesson("ccnotes", 160, 45);
    key(&mut app, ']');
    assert!(app.question_waits());
    // `c` answers while a question waits (it opens the picker otherwise).
    key(&mut app, 'a');
    let l = app.state.lesson.as_ref().expect("lesson");
    assert_eq!(l.answers[0], Some(Answer::Chose(0)));
    assert!(app.state.overlay.is_none());
    let screen = ui::render_text(&mut app, 160, 45);
    assert!(screen.contains("Not quite."), "{screen}");
    assert!(
        screen.contains("✓ b)"),
        "the right choice is marked: {screen}"
    );
    assert!(
        screen.contains("proper receiver must read more"),
        "the model answer: {screen}"
    );
    assert!(!app.question_waits());
    // The free-text question of step 7: `a` shows the model answer.
    for _ in 0..6 {
        key(&mut app, ']');
    }
    assert_eq!(step(&app), 7);
    assert!(app.question_waits());
    key(&mut app, 'a');
    let l = app.state.lesson.as_ref().expect("lesson");
    assert_eq!(l.answers[6], Some(Answer::Revealed));
    let screen = ui::render_text(&mut app, 160, 45);
    assert!(screen.contains("A model answer:"), "{screen}");
}

#[test]
fn the_student_can_explore_and_come_back() {
    let mut app = lesson("ccnotes", 160, 45);
    key(&mut app, ']');
    key(&mut app, ']');
    key(&mut app, ']');
    assert!(app.state.on_path().is_some());
    app.on_key(
        KeyEvent::new(KeyCode::Right, KeyModifiers::NONE),
        Instant::now(),
    );
    app.on_key(
        KeyEvent::new(KeyCode::Right, KeyModifiers::NONE),
        Instant::now(),
    );
    assert_eq!(app.cursor_frame(), Some(8));
    assert!(app.state.on_path().is_none(), "off the path");
    let screen = ui::render_text(&mut app, 160, 45);
    assert!(screen.contains("You left this step's moment"), "{screen}");
    key(&mut app, '.');
    assert_eq!(app.cursor_frame(), Some(6));
    assert!(app.state.on_path().is_some());
}

#[test]
fn nothing_after_the_cursor_is_shown_in_a_lesson() {
    let mut app = lesson("ccnotes", 160, 45);
    key(&mut app, ']');
    let screen = ui::render_text(&mut app, 160, 45);
    assert!(!app.state.spoilers);
    // At the greeting's first piece: no HELO yet, no 250, no later segment.
    assert!(!screen.contains("HELO smtpgate"), "{screen}");
    assert!(!screen.contains("250 smtp.tele.fi"), "{screen}");
    assert!(!screen.contains("ACK seq 1 ack 18"), "{screen}");
    assert!(screen.contains("what comes next is hidden"), "{screen}");
    key(&mut app, 's');
    let screen = ui::render_text(&mut app, 160, 45);
    assert!(screen.contains("HELO smtpgate"), "with spoilers: {screen}");
}

#[test]
fn snapshots_of_three_steps() {
    for (w, h) in [(80, 24), (160, 45)] {
        let mut app = lesson("ccnotes", w, h);
        for (step, name) in [(1, "greeting"), (3, "early_helo"), (5, "unread")] {
            while self::step(&app) < step {
                key(&mut app, ']');
            }
            let text = ui::render_text(&mut app, w, h);
            insta::assert_snapshot!(format!("lesson_ccnotes_{name}_{w}x{h}"), text);
        }
    }
}
