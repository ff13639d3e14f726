//! `sockscope interfaces` and `sockscope live -i IFACE`: capture as frames
//! arrive and feed them to the same one-pass analysis a file gets
//! ([`Analyzer`]), printing each segment analysed and each finding as soon as
//! it is raised; on Ctrl-C, the full report of everything captured.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use sockscope::capture::live::{self, LiveCapture};
use sockscope::capture::write::PcapngWriter;
use sockscope::capture::{Frame, FrameMeta, LinkType};
use sockscope::report::{self, Selection};
use sockscope::text::preview;
use sockscope::timeline::Analyzer;
use sockscope::wire::{self, Transport};

use crate::LiveArgs;

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
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, stop.clone())
        .context("cannot catch Ctrl-C")?;
    signal_hook::flag::register(signal_hook::consts::SIGTERM, stop.clone())
        .context("cannot catch SIGTERM")?;
    let mut file = match &args.write {
        Some(path) => {
            let f =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = PcapngWriter::new(BufWriter::new(f), false)?;
            w.add_interface(
                cap.link_type(),
                live::READ_BUFFER as u32,
                Some(cap.name()),
                Some(9),
            )?;
            Some(w)
        }
        None => None,
    };
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
        if let Some(w) = &mut file {
            w.write_epb(0, time, data, len, None)?;
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
                comment: None,
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
        let tcp = a.table().get(conn).map_or(&[][..], |c| c.findings());
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
