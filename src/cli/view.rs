//! `sockscope [FILE]` on a terminal: the terminal view of a capture file or
//! of the built-in one; and the one place the view's `App` is built for a
//! terminal (the live view uses it too).

use std::io::{self, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use sockscope::text::escape_str;
use sockscope::timeline::FrameStore;
use sockscope::ui;

use super::{DEMO, DEMO_NAME};

/// The palette `--theme` chose, if it did.
static THEME: std::sync::OnceLock<ui::Theme> = std::sync::OnceLock::new();

/// Chooses the view's palette by name.
pub fn set_theme(name: &str) -> Result<()> {
    let Some(t) = ui::Theme::named(name) else {
        anyhow::bail!("no theme \"{name}\": the themes are dark, projector and mono");
    };
    let _ = THEME.set(t);
    Ok(())
}

/// Whether the output is a terminal a view can draw on.
pub fn on_terminal() -> bool {
    io::stdout().is_terminal()
}

/// The view's state for this terminal's size and the user's colours.
pub fn app(data: Arc<ui::Data>, store: FrameStore) -> ui::App {
    let (w, h) = crossterm::terminal::size().unwrap_or((80, 24));
    ui::App::new(
        data,
        store,
        THEME.get().copied().unwrap_or_else(ui::Theme::from_env),
        ratatui::layout::Rect::new(0, 0, w, h),
    )
}

/// The terminal view of a capture file, or of the built-in one.
pub fn run(file: Option<&Path>) -> Result<ExitCode> {
    let opened = match file {
        Some(path) => ui::source::open_path(path)?,
        None => ui::source::open_static(DEMO_NAME, DEMO)?,
    };
    let mut app = app(opened.data, opened.store);
    ui::run::run(&mut app, opened.loader).context("the terminal view failed")?;
    if let Some(e) = &app.data.timeline.error {
        eprintln!("sockscope: {}", escape_str(&e.to_string()));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The terminal view playing a lesson (on a terminal; piped, the lesson's
/// handout is the thing to print, and `--print` makes it).
pub fn run_lesson(book: ui::data::LessonBook) -> Result<ExitCode> {
    if !on_terminal() {
        anyhow::bail!("the guided view needs a terminal; `sockscope lesson NAME --print` writes the lesson as a handout");
    }
    let Some(first) = book.captures.first() else {
        anyhow::bail!("the lesson has no capture");
    };
    let mut app = app(Arc::clone(&first.data), first.store.clone()).with_lesson(book);
    ui::run::run(&mut app, None).context("the terminal view failed")?;
    Ok(ExitCode::SUCCESS)
}
