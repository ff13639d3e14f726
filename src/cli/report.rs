//! `sockscope report FILE`: the text or JSON Lines report, written as the
//! pipeline hands over each connection; `--streams DIR` writes the
//! reassembled streams beside it.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use sockscope::capture::CaptureReader;
use sockscope::pipeline::{self, Consumer};
use sockscope::report::{JsonReport, Selection, StreamFiles, TextReport, WithStreams};
use sockscope::text::escape_str;

use super::{DEMO, DEMO_NAME};

#[derive(Args, Default)]
pub struct ReportArgs {
    /// Capture file (`-` for standard input); the built-in ccNotes capture if omitted.
    pub file: Option<PathBuf>,
    /// JSON Lines instead of text (the schema is docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// With --json: one `segment` record per TCP segment.
    #[arg(long)]
    pub segments: bool,
    /// With --json: one `socket` record per inferred socket call.
    #[arg(long)]
    pub socket: bool,
    /// Only connection N (1-based, as listed).
    #[arg(long, value_name = "N")]
    pub conn: Option<u32>,
    /// Only connections with port P on either side.
    #[arg(long, value_name = "P")]
    pub port: Option<u16>,
    /// Show passwords sent in clear (AUTH PLAIN/LOGIN, POP3 PASS) instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
    /// Write each connection's reassembled streams to DIR/<id>-c2s.bin and DIR/<id>-s2c.bin.
    #[arg(long, value_name = "DIR")]
    pub streams: Option<PathBuf>,
}

impl ReportArgs {
    /// The plain text report of one file (what `sockscope FILE` prints
    /// when its output is not a terminal).
    pub fn of_file(file: Option<PathBuf>) -> Self {
        ReportArgs {
            file,
            ..ReportArgs::default()
        }
    }

    fn selection(&self) -> Selection {
        Selection {
            conn: self.conn,
            port: self.port,
            segments: self.segments,
            socket: self.socket,
            show_secrets: self.show_secrets,
        }
    }
}

/// Opens a capture, or the built-in one.
pub fn open(file: Option<&Path>) -> Result<CaptureReader> {
    Ok(match file {
        Some(path) => CaptureReader::open(path)?,
        None => CaptureReader::from_reader(DEMO_NAME, DEMO)?,
    })
}

pub fn run(args: &ReportArgs) -> Result<ExitCode> {
    let reader = open(args.file.as_deref())?;
    let source = reader.path().to_string();
    let sel = args.selection();
    let out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut seen = Seen::default();
    let broke = if args.json {
        let face = JsonReport::new(out, &source, sel.clone());
        let noting = Noting {
            inner: face,
            conn: args.conn,
            seen: &mut seen,
        };
        write(reader, noting, args)?
    } else {
        let face = TextReport::new(out, &source, sel.clone());
        let noting = Noting {
            inner: face,
            conn: args.conn,
            seen: &mut seen,
        };
        write(reader, noting, args)?
    };
    if let Some(e) = broke {
        eprintln!("sockscope: {}", escape_str(&e));
        return Ok(ExitCode::from(1));
    }
    if let Some(id) = args.conn.filter(|_| !seen.found) {
        eprintln!("sockscope: {}", no_such_connection(&source, id, &seen));
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// How many connections `--conn N` lists when N does not exist: a capture
/// of 200,000 connections must not become a 200,000-entry error.
const SEEN_LISTED: usize = 20;

/// The words for `--conn N` naming a connection the capture does not have:
/// which file, and the connections it does have (ids are 1-based, as the
/// report lists them; the first [`SEEN_LISTED`], then how many more).
fn no_such_connection(source: &str, id: u32, seen: &Seen) -> String {
    let file = escape_str(source);
    if seen.total == 0 {
        return format!("{file} has no connection {id}: it has no TCP connection at all");
    }
    let list: Vec<String> = seen
        .listed
        .iter()
        .map(|(i, what)| format!("{i} ({what})"))
        .collect();
    let more = seen.total - seen.listed.len() as u64;
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "{file} has no connection {id}; its connections are: {}{tail}",
        list.join(", ")
    )
}

/// What `--conn N` needs to know about the connections that went by: whether
/// N was one of them, how many there were, and the first few.
#[derive(Default)]
struct Seen {
    found: bool,
    total: u64,
    listed: Vec<(u32, String)>,
}

/// Passes everything on to a report face and notes each connection in a
/// [`Seen`], so `--conn N` can say what exists when N does not.
struct Noting<'a, C> {
    inner: C,
    conn: Option<u32>,
    seen: &'a mut Seen,
}

impl<C: Consumer> Consumer for Noting<'_, C> {
    fn frame(
        &mut self,
        meta: &sockscope::capture::FrameMeta,
        segment: Option<&sockscope::tcp::SegmentRecord>,
    ) {
        self.inner.frame(meta, segment)
    }
    fn chunk(
        &mut self,
        conn: u32,
        dir: sockscope::tcp::Dir,
        offset: u64,
        chunk: sockscope::tcp::Chunk<'_>,
    ) {
        self.inner.chunk(conn, dir, offset, chunk)
    }
    fn connection(&mut self, records: pipeline::ConnRecords) -> io::Result<()> {
        if let Some(want) = self.conn {
            let c = &records.summary;
            self.seen.found |= c.id == want;
            self.seen.total += 1;
            if self.seen.listed.len() < SEEN_LISTED {
                self.seen
                    .listed
                    .push((c.id, format!("{} → {}", c.client, c.server)));
            }
        }
        self.inner.connection(records)
    }
    fn end(&mut self, end: pipeline::CaptureEnd) -> io::Result<()> {
        self.inner.end(end)
    }
}

impl<C: Face> Face for Noting<'_, C> {
    fn finish(self) -> io::Result<Option<String>> {
        self.inner.finish()
    }
}

/// Runs the pipeline into `face` (and the stream files, if asked). Returns
/// why the capture broke, if it did.
fn write<C: Consumer + Face>(
    reader: CaptureReader,
    face: C,
    args: &ReportArgs,
) -> Result<Option<String>> {
    let end = match &args.streams {
        Some(dir) => {
            let files = StreamFiles::new(dir).with_context(|| {
                format!("cannot create the streams directory {}", dir.display())
            })?;
            let both = WithStreams {
                files,
                sel: args.selection(),
                inner: face,
            };
            let done = pipeline::run(reader, both)
                .map_err(|(_, e)| e)
                .with_context(|| format!("cannot write streams into {}", dir.display()))?;
            done.inner.finish()?
        }
        None => pipeline::run(reader, face).map_err(|(_, e)| e)?.finish()?,
    };
    Ok(end)
}

/// What the report faces give back at the end: why the capture broke.
trait Face {
    fn finish(self) -> io::Result<Option<String>>;
}

impl<W: Write> Face for JsonReport<W> {
    fn finish(self) -> io::Result<Option<String>> {
        let broke = self.broke();
        self.into_inner().flush()?;
        Ok(broke)
    }
}

impl<W: Write> Face for TextReport<W> {
    fn finish(self) -> io::Result<Option<String>> {
        let broke = self.broke();
        self.into_inner().flush()?;
        Ok(broke)
    }
}
