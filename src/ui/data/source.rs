//! Where the view's data comes from, without making the user wait: a small
//! capture is analysed at once; a large one shows its first
//! [`PREFIX`] bytes analysed while a thread indexes the whole file and
//! reports how far it got; a gzipped capture or standard input is
//! decompressed once into an unlinked spool file so frames can be re-read by
//! offset; a live capture is re-analysed as frames arrive.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use flate2::read::MultiGzDecoder;

use super::model::Data;
use super::Progress;
use crate::capture::{CaptureError, CaptureErrorKind, CaptureReader};
use crate::timeline::{analyze, FrameStore, Timeline};

/// Bytes analysed before the first screen of a large capture.
pub const PREFIX: u64 = 2 * 1024 * 1024;

/// Newer analyses of the capture the view shows, from a thread.
pub struct Loader {
    rx: Receiver<Arc<Data>>,
    done: Arc<AtomicU64>,
    total: Option<u64>,
    finished: bool,
    /// Tells a live re-analysis thread to stop.
    stop: Option<Arc<AtomicBool>>,
}

impl Loader {
    /// The newest analysis sent since the last call.
    pub fn poll(&mut self) -> Option<Arc<Data>> {
        let mut newest = None;
        loop {
            match self.rx.try_recv() {
                Ok(d) => newest = Some(d),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.finished = true;
                    break;
                }
            }
        }
        newest
    }

    /// How far indexing got; `None` for a live capture.
    pub fn progress(&self) -> Option<Progress> {
        if self.finished || self.stop.is_some() {
            return None;
        }
        Some(Progress {
            done: self.done.load(Ordering::Relaxed),
            total: self.total,
        })
    }

    /// The thread is done and everything it sent was taken.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Waits for the thread's last analysis (tests, and small inputs).
    pub fn wait(mut self) -> Option<Arc<Data>> {
        let mut last = None;
        while let Ok(d) = self.rx.recv() {
            last = Some(d);
        }
        self.finished = true;
        last
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        if let Some(s) = &self.stop {
            s.store(true, Ordering::Relaxed);
        }
    }
}

/// A capture ready to show: what is known now, where its bytes are, and
/// the thread that will tell more.
pub struct Opened {
    pub data: Arc<Data>,
    pub store: FrameStore,
    pub loader: Option<Loader>,
}

/// The capture built into the binary.
pub fn open_static(name: &str, bytes: &'static [u8]) -> Result<Opened, CaptureError> {
    let reader = CaptureReader::from_reader(name, bytes)?;
    Ok(Opened {
        data: Arc::new(Data::build(analyze(reader, &mut ()), true)),
        store: FrameStore::Static(bytes),
        loader: None,
    })
}

/// A capture file (`-`: standard input).
pub fn open_path(path: &Path) -> Result<Opened, CaptureError> {
    let name = path.display().to_string();
    if name == "-" {
        return open_stream(name, Box::new(io::stdin()), None);
    }
    let io_fail = |e: io::Error| CaptureError {
        path: name.clone(),
        frame: 0,
        offset: 0,
        kind: CaptureErrorKind::Io(e),
    };
    let file = File::open(path).map_err(io_fail)?;
    let size = file.metadata().map_err(io_fail)?.len();
    let mut magic = [0u8; 2];
    let gzip = std::os::unix::fs::FileExt::read_exact_at(&file, &mut magic, 0).is_ok()
        && magic == [0x1f, 0x8b];
    let regular = file.metadata().map_err(io_fail)?.is_file();
    if !regular {
        // A pipe: read once, in the background, however long it takes.
        return open_stream(name, Box::new(file), None);
    }
    if gzip {
        let first = if size > PREFIX {
            Some(prefix(&name, path)?)
        } else {
            None
        };
        let mut opened = open_stream(name, Box::new(file), Some(size))?;
        match first {
            Some(d) => opened.data = Arc::new(d),
            None => {
                // Small: wait for the whole analysis before the first screen.
                if let Some(l) = opened.loader.take() {
                    if let Some(d) = l.wait() {
                        opened.data = d;
                    }
                }
            }
        }
        return Ok(opened);
    }
    let store = FrameStore::File(Arc::new(file));
    if size <= PREFIX {
        let reader = CaptureReader::open(path)?;
        return Ok(Opened {
            data: Arc::new(Data::build(analyze(reader, &mut ()), true)),
            store,
            loader: None,
        });
    }
    // Large: the head now, the whole file in the background.
    let first = prefix(&name, path)?;
    let done = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel();
    let count = done.clone();
    let file = File::open(path).map_err(io_fail)?;
    let thread_name = name.clone();
    thread::spawn(move || {
        let input = Counting {
            inner: file,
            n: count,
        };
        if let Ok(reader) = CaptureReader::from_reader(thread_name, input) {
            let _ = tx.send(Arc::new(Data::build(analyze(reader, &mut ()), true)));
        }
    });
    Ok(Opened {
        data: Arc::new(first),
        store,
        loader: Some(Loader {
            rx,
            done,
            total: Some(size),
            finished: false,
            stop: None,
        }),
    })
}

/// The first [`PREFIX`] bytes of a capture, analysed; the cut at the end of
/// the prefix is not an error of the capture.
fn prefix(name: &str, path: &Path) -> Result<Data, CaptureError> {
    let file = File::open(path).map_err(|e| CaptureError {
        path: name.to_string(),
        frame: 0,
        offset: 0,
        kind: CaptureErrorKind::Io(e),
    })?;
    let reader = CaptureReader::from_reader(name, file.take(PREFIX))?;
    let mut t = analyze(reader, &mut ());
    t.error = None;
    Ok(Data::build(t, false))
}

/// A stream read once (gzip, standard input): decompressed into a spool
/// while a thread analyses it, so frames can be read again by offset.
fn open_stream(
    name: String,
    input: Box<dyn Read + Send>,
    total: Option<u64>,
) -> Result<Opened, CaptureError> {
    let done = Arc::new(AtomicU64::new(0));
    let counted = BufReader::new(Counting {
        inner: input,
        n: done.clone(),
    });
    let (store, spool) = match spool() {
        Ok((read, write)) => (FrameStore::File(Arc::new(read)), Some(write)),
        Err(_) => (FrameStore::None, None),
    };
    let (tx, rx) = mpsc::channel();
    let thread_name = name.clone();
    thread::spawn(move || {
        let mut counted = counted;
        let gzip = counted
            .fill_buf()
            .is_ok_and(|b| b.starts_with(&[0x1f, 0x8b]));
        let plain: Box<dyn Read + Send> = if gzip {
            Box::new(MultiGzDecoder::new(counted))
        } else {
            Box::new(counted)
        };
        let tee = Tee {
            inner: plain,
            out: spool,
        };
        let t = match CaptureReader::from_reader(thread_name.clone(), tee) {
            Ok(reader) => analyze(reader, &mut ()),
            Err(e) => {
                let mut t = Timeline::default();
                t.source = thread_name;
                t.error = Some(e);
                t
            }
        };
        let _ = tx.send(Arc::new(Data::build(t, true)));
    });
    let mut first = Timeline::default();
    first.source = name;
    Ok(Opened {
        data: Arc::new(Data::build(first, false)),
        store,
        loader: Some(Loader {
            rx,
            done,
            total,
            finished: false,
            stop: None,
        }),
    })
}

/// A live capture's frames as a growing pcapng in memory: re-analysed
/// whenever it grew, no more often than every `interval` (and never more
/// than a third of the time, so analysing cannot starve the capture).
pub fn live(name: &str, shared: Arc<Mutex<Vec<u8>>>, interval: Duration) -> Loader {
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let name = name.to_string();
    thread::spawn(move || {
        let mut seen = 0usize;
        let mut wait = interval;
        while !flag.load(Ordering::Relaxed) {
            thread::sleep(wait);
            let bytes = shared
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            if bytes.len() == seen {
                continue;
            }
            seen = bytes.len();
            let began = Instant::now();
            let Ok(reader) = CaptureReader::from_reader(name.clone(), Cursor::new(bytes)) else {
                continue;
            };
            let mut t = analyze(reader, &mut ());
            // The last block may be half written: that is not the capture's fault.
            t.error = None;
            if tx.send(Arc::new(Data::build(t, false))).is_err() {
                break;
            }
            wait = interval.max(began.elapsed() * 2);
        }
    });
    Loader {
        rx,
        done: Arc::new(AtomicU64::new(0)),
        total: None,
        finished: false,
        stop: Some(stop),
    }
}

/// An unlinked temporary file: (read handle, write handle).
fn spool() -> io::Result<(File, File)> {
    let dir = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0..16 {
        let path = dir.join(format!(
            "sockscope-{}-{nanos}-{attempt}.spool",
            std::process::id()
        ));
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => {
                // Gone from the directory at once; the handles keep it alive.
                let _ = std::fs::remove_file(&path);
                let w = f.try_clone()?;
                return Ok((f, w));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("no free spool file name"))
}

/// Counts the bytes read through it, for the progress indicator.
struct Counting<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

/// Copies what passes through into the spool; a failing spool only means
/// frames cannot be re-read, never that the analysis stops.
struct Tee<R> {
    inner: R,
    out: Option<File>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        if let Some(out) = &mut self.out {
            if out.write_all(&buf[..k]).is_err() {
                self.out = None;
            }
        }
        Ok(k)
    }
}
