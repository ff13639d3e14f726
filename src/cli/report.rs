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
    let broke = if args.json {
        write(reader, JsonReport::new(out, &source, sel.clone()), args)?
    } else {
        write(reader, TextReport::new(out, &source, sel.clone()), args)?
    };
    if let Some(e) = broke {
        eprintln!("sockscope: {}", escape_str(&e));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
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
