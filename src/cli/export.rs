//! `sockscope export ladder|graph [FILE] --svg OUT`: a connection's ladder
//! (a sequence diagram of its segments) or its sequence graph as an SVG, for
//! slides and paper, drawn in the view's colours.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use sockscope::report::graph_svg::graph_svg;
use sockscope::report::svg::ladder_svg;
use sockscope::tcp::seqgraph;
use sockscope::tcp::{Dir, SegmentRecord};
use sockscope::timeline::analyze;

#[derive(Clone, Copy, ValueEnum)]
pub enum What {
    /// The ladder: one arrow per segment between client and server.
    Ladder,
    /// The sequence graph: bytes sent, ACKs and the window over time.
    Graph,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Way {
    C2s,
    S2c,
}

#[derive(Args)]
pub struct ExportArgs {
    /// What to draw.
    pub what: What,
    /// Capture file; the built-in ccNotes capture if omitted.
    pub file: Option<PathBuf>,
    /// The SVG file to write.
    #[arg(long, value_name = "OUT")]
    pub svg: PathBuf,
    /// The connection (1-based, as the report lists them).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub conn: u32,
    /// Ladder: the first and last frame to draw (default: all, at most 200 segments).
    #[arg(long, value_name = "A-B")]
    pub frames: Option<String>,
    /// Graph: which way's bytes (default: the way that carried more).
    #[arg(long, value_enum)]
    pub dir: Option<Way>,
}

/// Segments of the ladder at most: an SVG of thousands of rows helps no one.
const MAX_ROWS: usize = 200;

pub fn run(args: &ExportArgs) -> Result<ExitCode> {
    let reader = super::report::open(args.file.as_deref())?;
    let t = analyze(reader, &mut ());
    let Some(c) = t.connection(args.conn) else {
        let n = t.connections.len();
        bail!(
            "there is no connection {} in this capture (it has {n}; `sockscope report` lists them)",
            args.conn
        );
    };
    let segs: Vec<&SegmentRecord> = t.segments_of(c.id).collect();
    let svg = match args.what {
        What::Ladder => {
            let (a, b) = range(args.frames.as_deref())?;
            let shown: Vec<&SegmentRecord> = segs
                .into_iter()
                .filter(|s| s.frame >= a && s.frame <= b)
                .take(MAX_ROWS)
                .collect();
            let title = format!(
                "{} · connection {} · {} → {}",
                t.source, c.id, c.client, c.server
            );
            ladder_svg(
                &shown,
                None,
                (
                    &format!("client {}", c.client),
                    &format!("server {}", c.server),
                ),
                t.first_time().unwrap_or_default(),
                &title,
            )
        }
        What::Graph => {
            let dir = match args.dir {
                Some(Way::C2s) => Dir::C2s,
                Some(Way::S2c) => Dir::S2c,
                None => seqgraph::busier(segs.iter().copied()),
            };
            let g = seqgraph::build(segs.iter().copied(), dir);
            let title = format!(
                "{} · connection {} · bytes {} → {}",
                t.source,
                c.id,
                dir.sender(),
                dir.receiver()
            );
            graph_svg(&g, &title)
        }
    };
    std::fs::write(&args.svg, svg)
        .with_context(|| format!("cannot write {}", args.svg.display()))?;
    eprintln!("sockscope: wrote {}", args.svg.display());
    Ok(ExitCode::SUCCESS)
}

/// `A-B` as a frame range.
fn range(s: Option<&str>) -> Result<(u64, u64)> {
    let Some(s) = s else { return Ok((0, u64::MAX)) };
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let n = |v: &str| {
        v.trim()
            .parse::<u64>()
            .with_context(|| format!("--frames {s}: not a frame number: {v}"))
    };
    Ok((n(a)?, n(b)?))
}
