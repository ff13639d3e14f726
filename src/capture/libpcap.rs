//! The `pcap` feature's capture backend: libpcap through the `pcap` crate,
//! which brings what AF_PACKET through pnet lacks — kernel timestamps (asked
//! for in nanoseconds), the link type the interface really has, and BPF
//! filters compiled from tcpdump's syntax (`-f 'tcp port 25'`). libpcap
//! itself drops the outgoing copy of each loopback frame.

use super::live::{LiveError, POLL, READ_BUFFER};
use super::{LinkType, Timestamp};

/// How long an idle non-blocking capture waits before looking again.
const IDLE: std::time::Duration = std::time::Duration::from_millis(5);

pub struct PcapRx {
    cap: pcap::Capture<pcap::Active>,
    pub link: LinkType,
}

fn error(name: &str, e: pcap::Error) -> LiveError {
    let text = e.to_string();
    if text.contains("permission") || text.contains("Operation not permitted") {
        LiveError::Permission(format!("libpcap on {name}: {text}"))
    } else {
        LiveError::Io {
            name: name.to_string(),
            source: std::io::Error::other(text),
        }
    }
}

impl PcapRx {
    /// Opens `name` (immediate delivery, full frames, nanosecond stamps) and
    /// installs `filter` if given.
    pub fn open(name: &str, filter: Option<&str>) -> Result<PcapRx, LiveError> {
        let mut cap = pcap::Capture::from_device(name)
            .map_err(|e| error(name, e))?
            .snaplen(READ_BUFFER as i32)
            .immediate_mode(true)
            .timeout(POLL.as_millis() as i32)
            .precision(pcap::Precision::Nano)
            .open()
            .map_err(|e| error(name, e))?
            // In immediate mode the read timeout never fires while nothing
            // arrives, so poll without blocking instead (see next_frame).
            .setnonblock()
            .map_err(|e| error(name, e))?;
        if let Some(f) = filter {
            cap.filter(f, true).map_err(|e| LiveError::Io {
                name: name.to_string(),
                source: std::io::Error::other(format!(
                    "the filter \"{}\": {e}",
                    crate::text::escape_str(f)
                )),
            })?;
        }
        let link = LinkType(cap.get_datalink().0 as u32);
        Ok(PcapRx { cap, link })
    }

    /// The next frame with its kernel timestamp; None when the poll time passed.
    pub fn next_frame(&mut self, name: &str) -> Result<Option<(Timestamp, &[u8])>, LiveError> {
        match self.cap.next_packet() {
            // time_t and suseconds_t are i64 here but i32 on 32-bit targets.
            #[allow(clippy::useless_conversion)]
            Ok(p) => {
                // With Precision::Nano, tv_usec holds nanoseconds.
                let ts = Timestamp(
                    i64::from(p.header.ts.tv_sec)
                        .saturating_mul(1_000_000_000)
                        .saturating_add(i64::from(p.header.ts.tv_usec)),
                );
                Ok(Some((ts, p.data)))
            }
            Err(pcap::Error::TimeoutExpired) => {
                // Nothing queued: wait a little, so an idle capture does not
                // spin, and let the caller check whether to stop.
                std::thread::sleep(IDLE);
                Ok(None)
            }
            Err(e) => Err(error(name, e)),
        }
    }
}
