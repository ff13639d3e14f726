//! The event loop: draw when something changed, wait for a key, a click, a
//! resize, the next playing step or news from the loader, and hand each to
//! the [`App`]. Every queued event is handled before the next draw, so a held
//! key never lags behind. SIGTERM and SIGHUP end the loop like `q`, so the
//! terminal is restored then too.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};
use ratatui::layout::Rect;

use super::source::Loader;
use super::terminal::Session;
use super::{draw, App};

/// Longest sleep with nothing to do.
const IDLE: Duration = Duration::from_millis(500);
/// How often the loader is asked for news while it works.
const LOADER_POLL: Duration = Duration::from_millis(100);

/// Runs the view until the user quits; the terminal is restored whatever
/// happens (the [`Session`] guard, and its panic hook).
pub fn run(app: &mut App, loader: Option<Loader>) -> io::Result<()> {
    run_until(app, loader, Arc::new(AtomicBool::new(false)))
}

/// As [`run`], also ending when `stop` is set from elsewhere (a live
/// capture that failed).
pub fn run_until(
    app: &mut App,
    mut loader: Option<Loader>,
    stop: Arc<AtomicBool>,
) -> io::Result<()> {
    let mut ids = Vec::new();
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        if let Ok(id) = signal_hook::flag::register(sig, stop.clone()) {
            ids.push(id);
        }
    }
    let result = event_loop(app, &mut loader, &stop);
    for id in ids {
        signal_hook::low_level::unregister(id);
    }
    result
}

fn event_loop(app: &mut App, loader: &mut Option<Loader>, stop: &AtomicBool) -> io::Result<()> {
    let mut session = Session::start()?;
    let size = session.terminal.size()?;
    app.size = Rect::new(0, 0, size.width, size.height);
    if let Some(l) = loader.as_ref() {
        app.progress = l.progress();
    }
    let mut dirty = true;
    loop {
        if dirty {
            session.terminal.draw(|f| draw(f, app))?;
            dirty = false;
        }
        if app.quit || stop.load(Ordering::Relaxed) {
            break;
        }
        let now = Instant::now();
        let mut timeout = app.next_wake(now).unwrap_or(IDLE).min(IDLE);
        if loader.is_some() {
            timeout = timeout.min(LOADER_POLL);
        }
        if event::poll(timeout)? {
            loop {
                match event::read()? {
                    Event::Key(k) => app.on_key(k, Instant::now()),
                    Event::Mouse(m) => app.on_mouse(m, Instant::now()),
                    Event::Resize(w, h) => {
                        app.size = Rect::new(0, 0, w, h);
                        session.terminal.autoresize()?;
                    }
                    _ => {}
                }
                dirty = true;
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        if app.tick(Instant::now()) {
            dirty = true;
        }
        if let Some(l) = loader.as_mut() {
            if let Some(d) = l.poll() {
                app.set_data(d);
                dirty = true;
            }
            let p = l.progress();
            if p != app.progress {
                app.progress = p;
                dirty = true;
            }
            if l.finished() {
                *loader = None;
                app.progress = None;
                dirty = true;
            }
        }
    }
    drop(session);
    Ok(())
}
