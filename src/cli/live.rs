//! `sockscope interfaces` and `sockscope live -i IFACE`: capture as frames
//! arrive and feed them to the same one-pass analysis a file gets
//! ([`Analyzer`]), printing each segment analysed and each finding as soon as
//! it is raised; on Ctrl-C, the full report of everything captured.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::observe::Observer;
use anyhow::{Context, Result};
use sockscope::capture::live::{self, LiveCapture};
use sockscope::capture::write::PcapngWriter;
use sockscope::capture::{Frame, FrameMeta, LinkType};
use sockscope::report::{self, Selection};
use sockscope::text::preview;
use sockscope::timeline::{self, Analyzer, FrameStore};
use sockscope::ui;
use sockscope::wire::{self, Transport};

use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct LiveArgs {
    /// Interface to capture on (`sockscope interfaces` lists them).
    #[arg(short, long, value_name = "IFACE")]
    pub interface: String,
    /// Only TCP segments with this port on either side (repeatable).
    #[arg(long, value_name = "P")]
    pub port: Vec<u16>,
    /// Also write every captured frame to this pcapng file.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Print the final report as JSON Lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also ask the kernel, every 50 ms, what it holds for the local TCP
    /// sockets on these ports (INET_DIAG, as `ss -tin` does): the kernel
    /// pane then shows a local program's real queues beside the inferred.
    #[arg(long)]
    pub observe_local: bool,
    /// A capture filter in tcpdump's syntax, e.g. 'tcp port 25' (pcap feature).
    #[cfg(feature = "pcap")]
    #[arg(short = 'f', long, value_name = "FILTER")]
    pub filter: Option<String>,
}

pub fn interfaces() -> Result<ExitCode> {
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    writeln!(
        out,
        "{:<16} {:<5} {:>6} {:<18} addresses",
        "name", "state", "mtu", "mac"
    )?;
    for i in live::interfaces() {
        writeln!(
            out,
            "{:<16} {:<5} {:>6} {:<18} {}",
            preview(i.name.as_bytes(), 16),
            if i.up { "up" } else { "down" },
            i.mtu.map_or("-".to_string(), |m| m.to_string()),
            i.mac
                .as_deref()
                .unwrap_or(if i.loopback { "(loopback)" } else { "-" }),
            i.addresses.join(", ")
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Frames whose per-frame records are kept for the final report; past this
/// the analysis goes on (summaries, findings) and `--write` gets every frame,
/// but the report's ladder stops (an `index_limit` finding says where).
const KEEP: usize = 2_000_000;

pub fn run(args: &LiveArgs) -> Result<ExitCode> {
    #[cfg(feature = "pcap")]
    let mut cap = LiveCapture::open_filtered(&args.interface, args.filter.as_deref())?;
    #[cfg(not(feature = "pcap"))]
    let mut cap = LiveCapture::open(&args.interface)?;
    if io::stdout().is_terminal() && !args.json {
        return view(args, cap);
    }
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, stop.clone())
        .context("cannot catch Ctrl-C")?;
    signal_hook::flag::register(signal_hook::consts::SIGTERM, stop.clone())
        .context("cannot catch SIGTERM")?;
    let mut file = match &args.write {
        Some(path) => {
            let f =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            Some(pcapng_for(BufWriter::new(f), &cap)?)
        }
        None => None,
    };
    let observer = observer(args)?;
    let mut count = 0u64;
    let start = live::now();
    let cap_link = cap.link_type();
    eprintln!(
        "sockscope: capturing on {}{}; Ctrl-C ends it and prints the report",
        cap.name(),
        if cap.is_loopback() {
            " (loopback: outgoing copies dropped)"
        } else {
            ""
        }
    );
    // The same one-pass analysis a file gets, fed a frame at a time: each
    // segment is printed analysed (relative numbers, tags), each finding as
    // soon as a layer raises it; the full report follows on Ctrl-C.
    let mut sink = ();
    let mut analysis = Analyzer::new(cap.name(), &mut sink, KEEP);
    let mut shown = FindingsShown::default();
    let out = io::stdout();
    let mut out = out.lock();
    while !stop.load(Ordering::Relaxed) {
        let Some((time, data)) = cap.next_frame()? else {
            continue;
        };
        if !wanted(cap_link, data, &args.port) {
            continue;
        }
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let comment = observer.as_ref().and_then(Observer::take);
        if let Some(w) = &mut file {
            w.write_epb(0, time, data, len, comment.as_deref())?;
        }
        count += 1;
        let frame = Frame {
            meta: FrameMeta {
                number: count,
                time,
                link_type: cap_link,
                cap_len: len,
                orig_len: len,
                interface: 0,
                offset: 0,
                comment,
            },
            data,
        };
        let conn = analysis.push(frame).map(|seg| {
            if !args.json {
                // A closed pipe ends the run like Ctrl-C; errors surface below.
                let _ = report::write_live_segment(&mut out, seg, start);
            }
            seg.conn
        });
        if let (Some(conn), false) = (conn, args.json) {
            shown.print_new(&analysis, conn, &mut out)?;
        }
        if !args.json {
            out.flush()?;
        }
    }
    if let Some(w) = file {
        w.into_inner().flush()?;
    }
    eprintln!("sockscope: {count} TCP frames captured");
    if let Some(o) = observer {
        say_observed(o);
    }
    let analysis = analysis.finish(None);
    let sel = Selection::default();
    let mut out = BufWriter::new(out);
    if args.json {
        report::write_json(&mut out, &analysis, &sel)?;
    } else {
        writeln!(out)?;
        report::write_text(&mut out, &analysis, &sel)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// With `--observe-local`, the kernel observer, started before the capture.
fn observer(args: &LiveArgs) -> Result<Option<Observer>> {
    if !args.observe_local {
        return Ok(None);
    }
    let o = Observer::start(args.port.clone())
        .context("--observe-local asks the kernel for its TCP sockets (INET_DIAG) and could not")?;
    Ok(Some(o))
}

/// What the observer has to say at the end, on stderr.
fn say_observed(o: Observer) {
    let (dropped, failed) = o.finish();
    if dropped > 0 {
        eprintln!(
            "sockscope: {dropped} kernel samples dropped: more than {} waited for a frame to carry them",
            super::observe::MAX_WAITING
        );
    }
    if let Some(why) = failed {
        eprintln!("sockscope: the kernel stopped answering --observe-local: {why}");
    }
}

/// How many findings of each connection were printed already (TCP layer,
/// application layer).
#[derive(Default)]
struct FindingsShown(Vec<(usize, usize)>);

impl FindingsShown {
    fn print_new(&mut self, a: &Analyzer<'_>, conn: u32, out: &mut dyn Write) -> io::Result<()> {
        let i = conn as usize;
        if self.0.len() <= i {
            self.0.resize(i + 1, (0, 0));
        }
        let tcp = a.tcp_findings(conn);
        let app = a.app_findings(conn);
        let (seen_tcp, seen_app) = self.0[i];
        for f in tcp.iter().skip(seen_tcp).chain(app.iter().skip(seen_app)) {
            report::write_live_finding(out, f)?;
        }
        self.0[i] = (tcp.len(), app.len());
        Ok(())
    }
}

/// A TCP segment, with one of `ports` on either side when any are given.
fn wanted(link: LinkType, data: &[u8], ports: &[u16]) -> bool {
    let packet = wire::decode(link, data);
    let (Some(_), Transport::Tcp(seg)) = (&packet.ip, &packet.transport) else {
        return false;
    };
    ports.is_empty() || ports.contains(&seg.src_port) || ports.contains(&seg.dst_port)
}

/// A growing pcapng shared between the capture and the view.
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A pcapng writer over `out` with the capture's one interface described
/// (link type, snap length, name, nanosecond stamps: `if_tsresol` 9).
fn pcapng_for<W: Write>(out: W, cap: &LiveCapture) -> Result<PcapngWriter<W>> {
    let mut w = PcapngWriter::new(out, false)?;
    w.add_interface(
        cap.link_type(),
        live::READ_BUFFER as u32,
        Some(cap.name()),
        Some(9),
    )?;
    Ok(w)
}

/// `live` on a terminal: the terminal view over the frames as they come,
/// following the newest segment unless paused. The capture runs here; the
/// view in its own thread, re-analysing what was captured so far.
fn view(args: &LiveArgs, mut cap: LiveCapture) -> Result<ExitCode> {
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let mut kept = pcapng_for(Shared(bytes.clone()), &cap)?;
    let mut file = match &args.write {
        Some(path) => {
            let f =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            Some(pcapng_for(BufWriter::new(f), &cap)?)
        }
        None => None,
    };
    let observer = observer(args)?;
    let stop = Arc::new(AtomicBool::new(false));
    let name = format!("live: {}", cap.name());
    let loader = ui::source::live(&name, bytes.clone(), Duration::from_millis(250));
    let mut first = timeline::Timeline::default();
    first.source = name;
    let data = Arc::new(ui::Data::build(first, false));
    let mut app = super::view::app(data, FrameStore::Shared(bytes)).live();
    // Observed kernel columns are coming: room for them from the start.
    app.state.observed_kernel = observer.is_some();
    let done = stop.clone();
    let failed = Arc::new(AtomicBool::new(false));
    let abort = failed.clone();
    let viewer = std::thread::spawn(move || {
        let mut app = app;
        let result = ui::run::run_until(&mut app, Some(loader), abort);
        done.store(true, Ordering::Relaxed);
        result
    });
    // A failing capture stops the view first, so the terminal is restored
    // before the error is printed.
    let captured = capture(
        args,
        &mut cap,
        (&mut kept, &mut file),
        observer.as_ref(),
        &stop,
    );
    if captured.is_err() {
        failed.store(true, Ordering::Relaxed);
    }
    let view = viewer.join();
    let count = captured?;
    if let Some(o) = observer {
        say_observed(o);
    }
    if let Some(w) = file {
        w.into_inner().flush()?;
    }
    match view {
        Ok(result) => result.context("the terminal view failed")?,
        Err(_) => anyhow::bail!("the terminal view stopped with a panic"),
    }
    let written = args
        .write
        .as_ref()
        .map(|p| format!(", written to {}", p.display()))
        .unwrap_or_default();
    eprintln!("sockscope: {count} TCP frames captured{written}");
    Ok(ExitCode::SUCCESS)
}

/// Frames into the shared pcapng (and `--write`) until `stop`.
fn capture(
    args: &LiveArgs,
    cap: &mut LiveCapture,
    (kept, file): (
        &mut PcapngWriter<Shared>,
        &mut Option<PcapngWriter<BufWriter<File>>>,
    ),
    observer: Option<&Observer>,
    stop: &AtomicBool,
) -> Result<usize> {
    let cap_link = cap.link_type();
    let mut count = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let Some((time, data)) = cap.next_frame()? else {
            continue;
        };
        if !wanted(cap_link, data, &args.port) {
            continue;
        }
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let comment = observer.and_then(Observer::take);
        if let Some(w) = file {
            w.write_epb(0, time, data, len, comment.as_deref())?;
        }
        if count < KEEP {
            kept.write_epb(0, time, data, len, comment.as_deref())?;
        }
        count += 1;
    }
    Ok(count)
}
