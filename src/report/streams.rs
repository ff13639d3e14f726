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

use crate::tcp::{Chunk, Dir};
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

    /// Finishes the files of the connections in `keep` (creating empty files for
    /// streams that carried nothing), removes those of other connections, and
    /// returns the first error met while writing.
    pub fn finish(mut self, keep: &[u32]) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.open.clear();
        for &conn in keep {
            for dir in [Dir::C2s, Dir::S2c] {
                let Progress { end, gaps } = self.seen.remove(&(conn, dir)).unwrap_or_default();
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
        }
        for (conn, dir) in self.seen.keys() {
            let _ = std::fs::remove_file(self.path(*conn, *dir));
        }
        Ok(())
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
