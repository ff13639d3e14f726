//! `--streams DIR`: each connection's two reassembled byte streams as files,
//! `DIR/<id>-c2s.bin` and `DIR/<id>-s2c.bin`.
//!
//! Gaps (bytes the capture never showed) are left as holes: the file offset of
//! every byte equals its stream offset, as with tcpflow, and the hole reads as
//! zero bytes (sparse on file systems that support it, so a huge gap costs no
//! disk). Each gap is also listed, one `offset length` line per gap, in
//! `DIR/<id>-<dir>.gaps`, written only when a stream has gaps.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::Selection;
use crate::capture::FrameMeta;
use crate::pipeline::{CaptureEnd, ConnRecords, Consumer};
use crate::tcp::{Chunk, Dir, SegmentRecord};
use crate::timeline::StreamSink;

/// At most this many stream files stay open at once.
const MAX_OPEN: usize = 64;

/// Per stream: the end offset reached and the gaps `(offset, length)` so far.
#[derive(Default)]
struct Progress {
    end: u64,
    gaps: Vec<(u64, u64)>,
}

/// Writes streams into a directory as they are delivered.
pub struct StreamFiles {
    dir: PathBuf,
    open: HashMap<(u32, Dir), File>,
    seen: HashMap<(u32, Dir), Progress>,
    error: Option<io::Error>,
}

impl StreamFiles {
    /// Creates the directory if needed.
    pub fn new(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            open: HashMap::new(),
            seen: HashMap::new(),
            error: None,
        })
    }

    pub fn path(&self, conn: u32, dir: Dir) -> PathBuf {
        self.dir.join(format!("{conn}-{}.bin", dir.name()))
    }

    fn file(&mut self, conn: u32, dir: Dir) -> io::Result<&mut File> {
        if !self.open.contains_key(&(conn, dir)) {
            if self.open.len() >= MAX_OPEN {
                self.open.clear();
            }
            let first = !self.seen.contains_key(&(conn, dir));
            let f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(first)
                .open(self.path(conn, dir))?;
            self.open.insert((conn, dir), f);
        }
        self.open
            .get_mut(&(conn, dir))
            .ok_or_else(|| io::Error::other("stream file vanished"))
    }

    fn write(&mut self, conn: u32, dir: Dir, offset: u64, chunk: Chunk<'_>) -> io::Result<()> {
        let f = self.file(conn, dir)?;
        if let Chunk::Data(bytes) = chunk {
            f.seek(SeekFrom::Start(offset))?;
            f.write_all(bytes)?;
        }
        let entry = self.seen.entry((conn, dir)).or_default();
        let len = match chunk {
            Chunk::Data(b) => b.len() as u64,
            Chunk::Gap(n) => {
                entry.gaps.push((offset, n));
                n
            }
        };
        entry.end = entry.end.max(offset + len);
        Ok(())
    }

    /// A connection is over: finishes its two files when `keep` (creating an
    /// empty file for a stream that carried nothing, extending one that ends
    /// in a gap, listing the gaps), removes them otherwise.
    pub fn finish_conn(&mut self, conn: u32, keep: bool) -> io::Result<()> {
        for dir in [Dir::C2s, Dir::S2c] {
            self.open.remove(&(conn, dir));
            let seen = self.seen.remove(&(conn, dir));
            if !keep {
                if seen.is_some() {
                    let _ = std::fs::remove_file(self.path(conn, dir));
                }
                continue;
            }
            let Progress { end, gaps } = seen.unwrap_or_default();
            let f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(self.path(conn, dir))?;
            // A stream that ends in a gap still has its full length.
            if f.metadata()?.len() < end {
                f.set_len(end)?;
            }
            if !gaps.is_empty() {
                let mut g = File::create(self.dir.join(format!("{conn}-{}.gaps", dir.name())))?;
                for (offset, len) in gaps {
                    writeln!(g, "{offset} {len}")?;
                }
            }
        }
        Ok(())
    }

    /// The first error met while writing, if any.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }
}

/// A consumer that writes each connection's streams into files (those the
/// selection wants) and hands everything on to `inner`.
pub struct WithStreams<C> {
    pub files: StreamFiles,
    pub sel: Selection,
    pub inner: C,
}

impl<C: Consumer> Consumer for WithStreams<C> {
    fn frame(&mut self, meta: &FrameMeta, segment: Option<&SegmentRecord>) {
        self.inner.frame(meta, segment)
    }

    fn chunk(&mut self, conn: u32, dir: Dir, offset: u64, chunk: Chunk<'_>) {
        StreamSink::chunk(&mut self.files, conn, dir, offset, chunk);
        self.inner.chunk(conn, dir, offset, chunk)
    }

    fn connection(&mut self, records: ConnRecords) -> io::Result<()> {
        if let Some(e) = self.files.take_error() {
            return Err(e);
        }
        let keep = self.sel.wants(&records.summary);
        self.files.finish_conn(records.summary.id, keep)?;
        self.inner.connection(records)
    }

    fn end(&mut self, end: CaptureEnd) -> io::Result<()> {
        if let Some(e) = self.files.take_error() {
            return Err(e);
        }
        self.inner.end(end)
    }
}

impl StreamSink for StreamFiles {
    fn chunk(&mut self, conn: u32, dir: Dir, offset: u64, chunk: Chunk<'_>) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.write(conn, dir, offset, chunk) {
            self.error = Some(e);
        }
    }
}
