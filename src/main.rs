//! The `sockscope` command: the subcommands and the binary's edge (anyhow
//! errors, exit codes, a quiet end on a closed pipe). Each subcommand owns
//! its arguments and its run in `cli/`.

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sockscope::text::escape_str;

mod cli;

use cli::{export, generate, lab, lesson, live, report, view};

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
    /// The view's colours: dark (default), projector (dark on light, bold,
    /// for a projected room) or mono (no colour; NO_COLOR also picks it).
    #[arg(long, global = true, value_name = "THEME")]
    theme: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Print per-connection summaries and segment ladders (text or JSON Lines).
    Report(report::ReportArgs),
    /// Run a lab scenario: real sockets on loopback, captured with their calls.
    Lab(lab::LabArgs),
    /// The lessons: list them, play one in the view, print it as a handout, check them.
    Lesson(lesson::LessonArgs),
    /// A connection's ladder or sequence graph as an SVG, for slides and paper.
    Export(export::ExportArgs),
    /// Write a big deterministic SMTP capture for benchmarks; prints its totals (JSON) on stderr.
    Generate(generate::GenerateArgs),
    /// List the network interfaces (name, MAC, addresses, up/down, MTU).
    Interfaces,
    /// Capture from an interface and report as frames arrive; Ctrl-C ends it.
    Live(live::LiveArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(name) = &cli.theme {
        if let Err(e) = view::set_theme(name) {
            return finish(Err(e), false);
        }
    }
    match cli.command {
        Some(Command::Report(args)) => finish(report::run(&args), args.json),
        Some(Command::Lab(args)) => finish(lab::run(&args), args.json),
        Some(Command::Lesson(args)) => finish(lesson::run(&args), false),
        Some(Command::Export(args)) => finish(export::run(&args), false),
        Some(Command::Generate(args)) => finish(generate::run(&args), false),
        Some(Command::Interfaces) => finish(live::interfaces(), false),
        Some(Command::Live(args)) => finish(live::run(&args), args.json),
        // On a terminal `sockscope [FILE]` opens the view; into a pipe or a
        // file it prints the report.
        None if view::on_terminal() => finish(view::run(cli.file.as_deref()), false),
        None => finish(report::run(&report::ReportArgs::of_file(cli.file)), false),
    }
}

/// The binary's edge: exit codes, and errors on standard error (and as a
/// JSON `error` record when JSON was asked for).
fn finish(result: anyhow::Result<ExitCode>, json: bool) -> ExitCode {
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
