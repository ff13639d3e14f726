//! The `sockscope` command: argument parsing and the binary's edge (anyhow
//! errors, exit codes, a quiet end on a closed pipe).

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use sockscope::capture::CaptureReader;
use sockscope::report::{self, Selection, StreamFiles};
use sockscope::text::escape_str;
use sockscope::timeline::{self, StreamSink, Timeline};
use sockscope::ui;

mod cli;

use cli::{lab, live};

/// The capture `sockscope` opens when given none: the ccNotes desync of seed
/// 001, built into the binary so it works from any directory.
const DEMO_NAME: &str = "captures/ccnotes.pcapng";
const DEMO: &[u8] = include_bytes!("../captures/ccnotes.pcapng");

#[derive(Parser)]
#[command(
    name = "sockscope",
    version,
    about = "See a TCP conversation: NIC, kernel, socket and SMTP/POP3 dialogue side by side",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Capture to open (pcap or pcapng, gzipped or not; `-` for standard input).
    /// Without one, the built-in ccNotes capture is shown.
    file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Print per-connection summaries and segment ladders (text or JSON Lines).
    Report(ReportArgs),
    /// Run a lab scenario: real sockets on loopback, captured with their calls.
    Lab(LabArgs),
    /// List the network interfaces (name, MAC, addresses, up/down, MTU).
    Interfaces,
    /// Capture from an interface and report as frames arrive; Ctrl-C ends it.
    Live(LiveArgs),
}

#[derive(Args)]
struct LabArgs {
    /// Scenario name, or `list` to name and describe them all.
    scenario: String,
    /// Where to write the capture (default: sockscope-lab-NAME.pcapng in the temp dir).
    #[arg(long, value_name = "FILE")]
    write: Option<PathBuf>,
    /// Run without capturing: show the observed calls and the dialogue only.
    #[arg(long)]
    no_capture: bool,
    /// Run the two ends in two network namespaces joined by a veth pair
    /// (root): real Ethernet frames instead of loopback.
    #[arg(long)]
    netns: bool,
    /// Print the report of the capture as JSON Lines instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct LiveArgs {
    /// Interface to capture on (`sockscope interfaces` lists them).
    #[arg(short, long, value_name = "IFACE")]
    interface: String,
    /// Only TCP segments with this port on either side (repeatable).
    #[arg(long, value_name = "P")]
    port: Vec<u16>,
    /// Also write every captured frame to this pcapng file.
    #[arg(long, value_name = "FILE")]
    write: Option<PathBuf>,
    /// Print the final report as JSON Lines instead of text.
    #[arg(long)]
    json: bool,
    /// A capture filter in tcpdump's syntax, e.g. 'tcp port 25' (pcap feature).
    #[cfg(feature = "pcap")]
    #[arg(short = 'f', long, value_name = "FILTER")]
    filter: Option<String>,
}

#[derive(Args, Default)]
struct ReportArgs {
    /// Capture file (`-` for standard input); the built-in ccNotes capture if omitted.
    file: Option<PathBuf>,
    /// JSON Lines instead of text (contract in DESIGN.md).
    #[arg(long)]
    json: bool,
    /// With --json: one `segment` record per TCP segment.
    #[arg(long)]
    segments: bool,
    /// With --json: one `socket` record per inferred socket call.
    #[arg(long)]
    socket: bool,
    /// Only connection N (1-based, as listed).
    #[arg(long, value_name = "N")]
    conn: Option<u32>,
    /// Only connections with port P on either side.
    #[arg(long, value_name = "P")]
    port: Option<u16>,
    /// Show passwords sent in clear (AUTH PLAIN/LOGIN, POP3 PASS) instead of masking them.
    #[arg(long)]
    show_secrets: bool,
    /// Write each connection's reassembled streams to DIR/<id>-c2s.bin and DIR/<id>-s2c.bin.
    #[arg(long, value_name = "DIR")]
    streams: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Report(args)) => args,
        Some(Command::Lab(args)) => return finish(lab::run(&args), args.json),
        Some(Command::Interfaces) => return finish(live::interfaces(), false),
        Some(Command::Live(args)) => return finish(live::run(&args), args.json),
        // On a terminal `sockscope [FILE]` opens the view; into a pipe or a
        // file it prints the report.
        None if io::stdout().is_terminal() => return finish(run_view(cli.file.as_deref()), false),
        None => ReportArgs {
            file: cli.file,
            ..ReportArgs::default()
        },
    };
    let json = args.json;
    finish(run_report(&args), json)
}

/// The binary's edge: exit codes, and errors on standard error (and as a
/// JSON `error` record when JSON was asked for).
fn finish(result: Result<ExitCode>, json: bool) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // File names and messages may carry bytes from the outside world.
            let message = escape_str(&format!("{e:#}"));
            if json {
                let record = serde_json::json!({"type": "error", "message": message});
                println!("{record}");
            }
            eprintln!("sockscope: {message}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn open(file: Option<&Path>) -> Result<CaptureReader> {
    Ok(match file {
        Some(path) => CaptureReader::open(path)?,
        None => CaptureReader::from_reader(DEMO_NAME, DEMO)?,
    })
}

/// The terminal view of a capture file, or of the built-in one.
fn run_view(file: Option<&Path>) -> Result<ExitCode> {
    let opened = match file {
        Some(path) => ui::source::open_path(path)?,
        None => ui::source::open_static(DEMO_NAME, DEMO)?,
    };
    let (w, h) = crossterm::terminal::size().unwrap_or((80, 24));
    let mut app = ui::App::new(
        opened.data,
        opened.store,
        ui::Theme::from_env(),
        ratatui::layout::Rect::new(0, 0, w, h),
    );
    ui::run::run(&mut app, opened.loader).context("the terminal view failed")?;
    if let Some(e) = &app.data.timeline.error {
        eprintln!("sockscope: {}", escape_str(&e.to_string()));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_report(args: &ReportArgs) -> Result<ExitCode> {
    let reader = open(args.file.as_deref())?;
    let sel = Selection {
        conn: args.conn,
        port: args.port,
        segments: args.segments,
        socket: args.socket,
        show_secrets: args.show_secrets,
    };
    let analysis = match &args.streams {
        Some(dir) => {
            let mut files = StreamFiles::new(dir).with_context(|| {
                format!("cannot create the streams directory {}", dir.display())
            })?;
            let a = timeline::analyze(reader, &mut files as &mut dyn StreamSink);
            files
                .finish(&sel.ids(&a))
                .with_context(|| format!("cannot write streams into {}", dir.display()))?;
            a
        }
        None => timeline::analyze(reader, &mut ()),
    };
    print(&analysis, args, &sel)?;
    if let Some(e) = &analysis.error {
        eprintln!("sockscope: {}", escape_str(&e.to_string()));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn print(a: &Timeline, args: &ReportArgs, sel: &Selection) -> Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        report::write_json(&mut out, a, sel)?;
    } else {
        report::write_text(&mut out, a, sel)?;
    }
    out.flush()?;
    Ok(())
}
