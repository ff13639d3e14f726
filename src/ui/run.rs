//! The event loop: draw when something changed, wait for a key, a click, a
//! resize, the next playing step or news from the loader, and hand each to
//! the [`App`]. Every queued event is handled before the next draw, so a held
//! key never lags behind. SIGTERM and SIGHUP end the loop like `q`, so the
//! terminal is restored then too.
//!
//! A watchdog thread ends the process when the terminal is gone (its window
//! closed, the ssh link dropped, tmux killed) or a signal went unanswered:
//! crossterm 0.29's reader spins forever on a hung-up tty without returning
//! (crossterm-rs/crossterm#793), so the loop above would never see `stop`,
//! and an orphaned view would burn a core.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};
use ratatui::layout::Rect;

use super::app::{draw, App};
use super::data::source::Loader;
use super::terminal::Session;

/// Longest sleep with nothing to do.
const IDLE: Duration = Duration::from_millis(500);
/// How often the loader is asked for news while it works.
const LOADER_POLL: Duration = Duration::from_millis(100);
/// How often the watchdog looks at the terminal and the stop flag.
const WATCH: Duration = Duration::from_millis(250);
/// How long the loop has to restore the terminal after a signal before the
/// watchdog ends the process itself (the loop wakes at least every IDLE).
const GRACE: Duration = Duration::from_millis(1500);

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
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (stop, done) = (stop.clone(), done.clone());
        std::thread::Builder::new()
            .name("tty watchdog".into())
            .spawn(move || watch(&stop, &done))
    };
    let result = event_loop(app, &mut loader, &stop);
    done.store(true, Ordering::Relaxed);
    if let Ok(handle) = watchdog {
        let _ = handle.join();
    }
    for id in ids {
        signal_hook::low_level::unregister(id);
    }
    result
}

/// Until the loop is `done`: a terminal that no longer answers (a hung-up
/// tty fails every ioctl with EIO, so its size cannot be read) ends the
/// process at once — there is nothing left to restore; a `stop` the loop has
/// not honoured within [`GRACE`] ends it too. Exit status 129 = 128 + SIGHUP,
/// as a shell reports a hung-up job.
fn watch(stop: &AtomicBool, done: &AtomicBool) {
    let mut stopped_at: Option<Instant> = None;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(WATCH);
        if done.load(Ordering::Relaxed) {
            return;
        }
        if crossterm::terminal::size().is_err() {
            std::process::exit(129);
        }
        if stop.load(Ordering::Relaxed) {
            let since = *stopped_at.get_or_insert_with(Instant::now);
            if since.elapsed() > GRACE {
                super::terminal::restore();
                std::process::exit(129);
            }
        }
    }
}

fn event_loop(app: &mut App, loader: &mut Option<Loader>, stop: &AtomicBool) -> io::Result<()> {
    let mut session = Session::start()?;
    let size = session.terminal.size()?;
    app.state.size = Rect::new(0, 0, size.width, size.height);
    if let Some(l) = loader.as_ref() {
        app.state.progress = l.progress();
    }
    let mut dirty = true;
    loop {
        if dirty {
            session.terminal.draw(|f| draw(f, app))?;
            dirty = false;
        }
        if app.state.quit || stop.load(Ordering::Relaxed) {
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
                        app.state.size = Rect::new(0, 0, w, h);
                        session.terminal.autoresize()?;
                    }
                    _ => {}
                }
                dirty = true;
                if app.state.quit || !event::poll(Duration::ZERO)? {
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
            if p != app.state.progress {
                app.state.progress = p;
                dirty = true;
            }
            if l.finished() {
                *loader = None;
                app.state.progress = None;
                dirty = true;
            }
        }
    }
    drop(session);
    Ok(())
}
