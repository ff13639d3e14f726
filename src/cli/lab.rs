//! `sockscope lab list` and `sockscope lab NAME`: run a scenario, then show
//! its capture's report (or, with `--no-capture`, the calls and the dialogue
//! as the two programs wrote and read it).

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;
use sockscope::capture::live::{privilege_paragraph, LiveError};
use sockscope::capture::CaptureReader;
use sockscope::lab::{self, LabError, SCENARIOS};
use sockscope::pipeline;
use sockscope::report::{JsonReport, Selection, TextReport};
use sockscope::socket::recorded::{CallKind, RecordedCall};
use sockscope::text::preview;

use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct LabArgs {
    /// Scenario name, or `list` to name and describe them all.
    pub scenario: String,
    /// Where to write the capture (default: sockscope-lab-NAME.pcapng in the temp dir).
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Run without capturing: show the observed calls and the dialogue only.
    #[arg(long)]
    pub no_capture: bool,
    /// Run the two ends in two network namespaces joined by a veth pair
    /// (root): real Ethernet frames instead of loopback.
    #[arg(long)]
    pub netns: bool,
    /// Print the report of the capture as JSON Lines instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &LabArgs) -> Result<ExitCode> {
    if args.scenario == "list" {
        let out = io::stdout();
        let mut out = BufWriter::new(out.lock());
        for s in SCENARIOS {
            writeln!(out, "{:<17} {}", s.name, s.about)?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    // With --netns, Ctrl-C or SIGTERM during the run (about a second) waits
    // for its end, so the namespaces are removed before the process exits.
    let interrupted = Arc::new(AtomicBool::new(false));
    if args.netns {
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register(signal, interrupted.clone())?;
        }
    }
    let options = lab::LabOptions {
        capture: !args.no_capture,
        write: args.write.clone(),
        netns: args.netns,
    };
    let result = lab::run_with(&args.scenario, &options);
    if interrupted.load(Ordering::Relaxed) {
        eprintln!("sockscope: interrupted; the namespaces were removed");
        return Ok(ExitCode::from(130));
    }
    let result = match result {
        Err(LabError::Capture(LiveError::Permission(why))) => {
            // Say why once, clearly, and still run the scenario.
            eprintln!("sockscope: {}", privilege_paragraph(&why));
            eprintln!("sockscope: running {} without capturing.", args.scenario);
            lab::run_with(
                &args.scenario,
                &lab::LabOptions {
                    capture: false,
                    ..options
                },
            )?
        }
        other => other?,
    };
    match &result.written {
        Some((path, frames)) => {
            eprintln!(
                "sockscope: lab {}: {} frames and {} socket calls written to {}",
                result.scenario.name,
                frames,
                result.calls.len(),
                path.display()
            );
            let reader = CaptureReader::open(path)?;
            let sel = Selection {
                socket: true,
                ..Selection::default()
            };
            let source = reader.path().to_string();
            let out = BufWriter::new(io::stdout().lock());
            if args.json {
                let r = pipeline::run(reader, JsonReport::new(out, &source, sel));
                r.map_err(|(_, e)| e)?.into_inner().flush()?;
            } else {
                let r = pipeline::run(reader, TextReport::new(out, &source, sel));
                r.map_err(|(_, e)| e)?.into_inner().flush()?;
            }
        }
        None => print_calls(&result.calls)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The calls in the order they returned, one line each, and the dialogue as
/// the write() calls carried it.
fn print_calls(calls: &[RecordedCall]) -> io::Result<()> {
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    writeln!(
        out,
        "socket calls (observed: recorded as the programs made them; no capture, so no segments)"
    )?;
    let start = calls.first().map_or(0, |c| c.t);
    for c in calls {
        let secs = (c.t - start) as f64 / 1e9;
        let what = match c.call {
            CallKind::Read | CallKind::Write if c.ret >= 0 => format!(
                "{}(\"{}\") → {}",
                if c.call == CallKind::Read {
                    "read"
                } else {
                    "write"
                },
                preview(&c.bytes(), 60),
                c.ret
            ),
            _ => format!(
                "{:?}({}) → {}{}",
                c.call,
                preview(c.arg.as_deref().unwrap_or("").as_bytes(), 40),
                c.ret,
                c.error
                    .as_deref()
                    .map(|e| format!(" {}", preview(e.as_bytes(), 20)))
                    .unwrap_or_default()
            )
            .to_lowercase(),
        };
        writeln!(out, "{secs:>9.6}  {:<6} {what}", c.side.name())?;
    }
    writeln!(out, "\ndialogue (what each side wrote)")?;
    for c in calls
        .iter()
        .filter(|c| c.call == CallKind::Write && c.ret > 0)
    {
        let tag = if c.side.name() == "client" { "C" } else { "S" };
        for line in c.bytes().split_inclusive(|&b| b == b'\n') {
            writeln!(out, "  {tag} {}", preview(line, 90))?;
        }
    }
    out.flush()
}
