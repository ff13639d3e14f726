//! The lab: scenarios that make a lesson happen with real sockets on
//! loopback, captured by sockscope itself into a pcapng whose frames are the
//! kernel's real TCP segments and whose packet comments carry every socket
//! call both sides made ([`crate::socket::recorded`]).
//!
//! The lab is a client of the core: it captures with [`crate::capture::live`],
//! writes with [`crate::capture::write`], and the file is read back like any
//! other capture.

pub mod loss;
pub mod netns;
pub mod sample;
pub mod scenarios;
pub mod servers;
pub mod trace;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::capture::live::{LiveCapture, LiveError};
use crate::capture::write::PcapngWriter;
use crate::capture::{LinkType, Timestamp};
use crate::socket::kernel_sample::KernelSample;
use crate::socket::recorded::{CallKind, RecordedCall};
use crate::wire::{self, Transport};

pub use scenarios::{find, Scenario, SCENARIOS};

/// How long the capture must stay quiet after the scenario before it stops.
const DRAIN_QUIET: Duration = Duration::from_millis(250);

/// Largest frame kept from loopback (an IPv4 datagram's 64 KiB plus headers).
const SNAPLEN: u32 = 262_144;

/// Why a lab run failed.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("no scenario named \"{0}\"; `sockscope lab list` names them")]
    Unknown(String),
    #[error("scenario {name}: {source}")]
    Scenario { name: String, source: io::Error },
    #[error(transparent)]
    Capture(#[from] LiveError),
    #[error(transparent)]
    Netns(#[from] netns::NetnsError),
    #[error("writing {path}: {source}")]
    Write { path: String, source: io::Error },
}

impl LabError {
    /// The scenario needs what this machine does not offer (the `loss`
    /// scenario's iptables rule: iptables and CAP_NET_ADMIN), as opposed to
    /// a scenario that went wrong.
    pub fn unsupported_here(&self) -> bool {
        matches!(self, LabError::Scenario { source, .. } if source.kind() == io::ErrorKind::Unsupported)
    }
}

/// What a run produced.
pub struct LabRun {
    pub scenario: &'static Scenario,
    /// Every call both sides made, in the order they returned.
    pub calls: Vec<RecordedCall>,
    /// What the kernel said about each socket around those calls
    /// ([`sample`]), in the order taken, and whether the cap was reached.
    pub samples: Vec<KernelSample>,
    pub samples_capped: bool,
    /// The capture written, and how many frames it holds (None with
    /// `--no-capture`).
    pub written: Option<(PathBuf, usize)>,
}

/// Where a capture goes when `--write` is not given.
pub fn default_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("sockscope-lab-{name}.pcapng"))
}

/// How a scenario runs.
#[derive(Clone, Debug, Default)]
pub struct LabOptions {
    /// Capture the traffic (otherwise only the calls are recorded).
    pub capture: bool,
    /// Where to write the capture (default: [`default_path`]).
    pub write: Option<PathBuf>,
    /// Run the two ends in two network namespaces joined by a veth pair
    /// ([`netns`]), capturing on the client's veth: real Ethernet.
    pub netns: bool,
}

/// Runs scenario `name`; with `capture`, captures loopback while it runs and
/// writes the pcapng to `write` (or [`default_path`]).
pub fn run(name: &str, capture: bool, write: Option<&Path>) -> Result<LabRun, LabError> {
    run_with(
        name,
        &LabOptions {
            capture,
            write: write.map(Path::to_path_buf),
            netns: false,
        },
    )
}

/// Runs scenario `name` as `options` say.
pub fn run_with(name: &str, options: &LabOptions) -> Result<LabRun, LabError> {
    let scenario = find(name).ok_or_else(|| LabError::Unknown(crate::text::escape_str(name)))?;
    let (capture, write) = (options.capture, options.write.as_deref());
    let pair = if options.netns {
        Some(Arc::new(netns::NetnsPair::create()?))
    } else {
        None
    };
    let trace = match &pair {
        Some(p) => trace::Trace::in_namespaces(p.clone()),
        None => trace::Trace::default(),
    };
    let fail = |source| LabError::Scenario {
        name: scenario.name.to_string(),
        source,
    };
    if !capture {
        (scenario.run)(&trace).map_err(fail)?;
        let (samples, samples_capped) = trace.samples();
        return Ok(LabRun {
            scenario,
            calls: trace.calls(),
            samples,
            samples_capped,
            written: None,
        });
    }
    // Always AF_PACKET: measured with libpcap 1.10 (immediate, non-blocking),
    // the end of each session was not handed over in time on loopback.
    let iface = pair.as_ref().map_or("lo", |p| p.client_if.as_str());
    let mut cap = match &pair {
        Some(p) => p.in_client(|| LiveCapture::open_pnet(iface))??,
        None => LiveCapture::open_pnet(iface)?,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let sniffer = {
        let stop = stop.clone();
        thread::spawn(move || -> Result<Vec<(Timestamp, Vec<u8>)>, LiveError> {
            let mut frames = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                if let Some((t, data)) = cap.next_frame()? {
                    frames.push((t, data.to_vec()));
                }
            }
            // Whatever is still on its way: libpcap may hand over a ring
            // block only when it retires, so drain until the capture has been
            // quiet for a while, not until the first empty poll.
            let mut quiet_since = std::time::Instant::now();
            while quiet_since.elapsed() < DRAIN_QUIET {
                match cap.next_frame()? {
                    Some((t, data)) => {
                        frames.push((t, data.to_vec()));
                        quiet_since = std::time::Instant::now();
                    }
                    None => thread::sleep(Duration::from_millis(5)),
                }
            }
            Ok(frames)
        })
    };
    // Let the capture socket settle before the first SYN.
    thread::sleep(Duration::from_millis(50));
    let result = (scenario.run)(&trace);
    // The last ACKs and FINs are still on their way.
    thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let frames = sniffer.join().map_err(|_| LabError::Scenario {
        name: scenario.name.to_string(),
        source: io::Error::other("the capture thread panicked"),
    })??;
    result.map_err(fail)?;
    let calls = trace.calls();
    let (samples, samples_capped) = trace.samples();
    let frames = ours(frames, &calls);
    let path = write.map_or_else(|| default_path(scenario.name), Path::to_path_buf);
    write_capture(&path, iface, &frames, &calls, &samples).map_err(|source| LabError::Write {
        path: path.display().to_string(),
        source,
    })?;
    Ok(LabRun {
        scenario,
        calls,
        samples,
        samples_capped,
        written: Some((path, frames.len())),
    })
}

/// Keeps the TCP frames whose ports are the scenario's listening ports: other
/// programs may use loopback at the same time.
fn ours(frames: Vec<(Timestamp, Vec<u8>)>, calls: &[RecordedCall]) -> Vec<(Timestamp, Vec<u8>)> {
    let ports: BTreeSet<u16> = calls
        .iter()
        .filter(|c| c.call == CallKind::Listen)
        .filter_map(|c| c.local.map(|a| a.port()))
        .collect();
    frames
        .into_iter()
        .filter(
            |(_, data)| match wire::decode(LinkType::ETHERNET, data).transport {
                Transport::Tcp(seg) => {
                    ports.contains(&seg.src_port) || ports.contains(&seg.dst_port)
                }
                _ => false,
            },
        )
        .collect()
}

/// Writes the frames as pcapng (one interface, nanosecond stamps);
/// each call and each kernel sample rides as a comment line on the first
/// frame captured after it (the last frame if none came later), in time
/// order (docs/lab.md).
fn write_capture(
    path: &Path,
    iface_name: &str,
    frames: &[(Timestamp, Vec<u8>)],
    calls: &[RecordedCall],
    samples: &[KernelSample],
) -> io::Result<()> {
    let file = File::create(path)?;
    let mut w = PcapngWriter::new(BufWriter::new(file), false)?;
    let iface = w.add_interface(LinkType::ETHERNET, SNAPLEN, Some(iface_name), Some(9))?;
    let mut lines: Vec<(i64, String)> = calls.iter().map(|c| (c.t, c.to_comment())).collect();
    lines.extend(samples.iter().map(|s| (s.t, s.to_comment())));
    lines.sort_by_key(|(t, _)| *t);
    let mut comments: Vec<Vec<String>> = vec![Vec::new(); frames.len()];
    for (t, line) in lines {
        let at = frames
            .iter()
            .position(|(ft, _)| ft.0 >= t)
            .unwrap_or(frames.len().saturating_sub(1));
        if let Some(slot) = comments.get_mut(at) {
            slot.push(line);
        }
    }
    for ((time, data), notes) in frames.iter().zip(comments) {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let comment = (!notes.is_empty()).then(|| notes.join("\n"));
        w.write_epb(iface, *time, data, len, comment.as_deref())?;
    }
    io::Write::flush(&mut w.into_inner())?;
    Ok(())
}
