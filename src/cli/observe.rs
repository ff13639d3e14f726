//! `live --observe-local`: while the capture runs, a thread asks the kernel
//! every [`EVERY`] for the TCP sockets of this machine ([`inet_diag`]) and
//! turns each one that changed into a kernel sample; the capture hands the
//! waiting samples to the next frame as its comment, as the lab does, so
//! the view, the report and `--write` all see them (docs/lab.md, "Observing
//! local programs").

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use sockscope::capture::live::now;
use sockscope::socket::inet_diag::{self, DiagError};
use sockscope::socket::kernel_sample::KernelSample;

/// How often the kernel is asked: as often as the lab samples a blocked
/// call.
pub const EVERY: Duration = Duration::from_millis(50);

/// Samples waiting for a frame at most; past this the oldest are dropped
/// and counted (a capture with no traffic on the ports for a long time).
pub const MAX_WAITING: usize = 10_000;

/// The running observer.
pub struct Observer {
    waiting: Arc<Mutex<Waiting>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Waiting {
    lines: VecDeque<String>,
    dropped: u64,
    failed: Option<String>,
}

/// What makes a sample worth keeping: a change in what the kernel pane
/// shows or compares.
type Shown = (
    String,
    Option<u64>,
    Option<u64>,
    Option<u64>,
    u64,
    u64,
    Option<u64>,
    Option<u64>,
);

fn shown(s: &KernelSample) -> Shown {
    (
        s.state.clone(),
        s.inq,
        s.outq,
        s.unsent,
        s.unacked,
        s.retransmits,
        s.snd_wnd,
        s.accept_queue,
    )
}

impl Observer {
    /// Asks the kernel once (so a refusal is reported before the capture
    /// starts), then keeps asking on a thread.
    pub fn start(ports: Vec<u16>) -> Result<Observer, DiagError> {
        inet_diag::dump()?;
        let waiting = Arc::new(Mutex::new(Waiting::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (waiting, stop) = (waiting.clone(), stop.clone());
            std::thread::spawn(move || observe(&ports, &waiting, &stop))
        };
        Ok(Observer {
            waiting,
            stop,
            thread: Some(thread),
        })
    }

    /// The samples waiting, as one comment (lines), for the next frame.
    pub fn take(&self) -> Option<String> {
        let mut w = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        if w.lines.is_empty() {
            return None;
        }
        let lines: Vec<String> = w.lines.drain(..).collect();
        Some(lines.join("\n"))
    }

    /// Stops the thread; says how many samples were dropped and why the
    /// kernel stopped answering, if it did.
    pub fn finish(mut self) -> (u64, Option<String>) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let w = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        (w.dropped, w.failed.clone())
    }
}

fn observe(ports: &[u16], waiting: &Mutex<Waiting>, stop: &AtomicBool) {
    // Each socket's last sample kept: only a change makes a new one. Rebuilt
    // from every dump, so it never holds more than one dump's sockets.
    let mut last: BTreeMap<(String, String), Shown> = BTreeMap::new();
    while !stop.load(Ordering::Relaxed) {
        let sockets = match inet_diag::dump() {
            Ok(s) => s,
            Err(e) => {
                let mut w = waiting.lock().unwrap_or_else(PoisonError::into_inner);
                w.failed = Some(e.to_string());
                return;
            }
        };
        let mut now_seen = BTreeMap::new();
        let mut fresh = Vec::new();
        for s in inet_diag::samples(&sockets, ports, now().0) {
            let key = (format!("{:?}", s.local), format!("{:?}", s.peer));
            let what = shown(&s);
            if last.get(&key) != Some(&what) {
                fresh.push(s.to_comment());
            }
            now_seen.insert(key, what);
        }
        last = now_seen;
        if !fresh.is_empty() {
            let mut w = waiting.lock().unwrap_or_else(PoisonError::into_inner);
            w.lines.extend(fresh);
            while w.lines.len() > MAX_WAITING {
                w.lines.pop_front();
                w.dropped += 1;
            }
        }
        std::thread::sleep(EVERY);
    }
}
