//! Synthetic captures, deterministic from a seed, for measuring and testing
//! sockscope where no real capture is big enough: many interleaved SMTP
//! sessions of varied sizes, over IPv4 and IPv6, some with retransmissions,
//! reordered segments and bytes missing from the capture, streamed to disk
//! at any size from a few megabytes to tens of gigabytes
//! (`sockscope generate`). The generator counts what a correct decoder must
//! report ([`Totals`]); a test checks that `report --json` agrees.
//!
//! Like the lab, this is a client of the core: it writes a pcap file that
//! the pipeline reads like any other.

mod frames;
mod rng;
mod session;

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::capture::write::{PcapWriter, TsPrecision};
use crate::capture::{LinkType, Timestamp};

pub use rng::Rng;
use session::Session;

/// What a correct decoder must report for a generated capture.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub bytes: u64,
    pub frames: u64,
    pub connections: u64,
    pub ipv6_connections: u64,
    /// SMTP commands by verb.
    pub commands: BTreeMap<String, u64>,
    /// SMTP replies by code.
    pub replies: BTreeMap<u16, u64>,
    /// Mail transactions whose content was sent (DATA).
    pub messages: u64,
    /// Segments sent again (the originals are in the capture too).
    pub retransmissions: u64,
    /// Pairs of data segments captured in the wrong order.
    pub reordered: u64,
    /// Segments missing from the capture (inside message bodies only).
    pub missing: u64,
    /// Their payload octets.
    pub gap_bytes: u64,
    /// The sizes of the messages of sessions the capture saw whole (no
    /// segment missing), as a reader counts them (RFC 5321 §4.1.1.4).
    pub message_bytes: u64,
}

/// What each session of the capture is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    /// Realistic mail sessions (the default).
    #[default]
    Mail,
    /// Handshake, `220`, close: a flood of tiny sessions.
    Tiny,
    /// One SYN each, never answered: a SYN flood.
    Syn,
}

/// How the capture is made.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Stop once the file has at least this many bytes.
    pub size: u64,
    pub seed: u64,
    /// Sessions open at once.
    pub concurrent: usize,
    pub shape: Shape,
    /// Stop after this many sessions (0: no limit, only `size`).
    pub sessions: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            size: 10 << 20,
            seed: 1,
            concurrent: 64,
            shape: Shape::Mail,
            sessions: 0,
        }
    }
}

/// Writes a capture to `out` and returns its totals.
pub fn generate<W: Write>(out: W, o: Options) -> io::Result<Totals> {
    let mut w = PcapWriter::new(out, LinkType::ETHERNET, 65_535, TsPrecision::Micro, false)?;
    let mut rng = Rng::new(o.seed);
    let mut totals = Totals::default();
    let mut clock = Timestamp(1_767_225_600_000_000_000); // 2026-01-01
    let mut open: Vec<Session> = Vec::new();
    let mut next_id = 0u64;
    let mut buf = Vec::with_capacity(2048);
    // The 24-byte pcap file header, then 16 bytes before each frame.
    let mut starting = true;
    let (mut frames, mut bytes) = (0u64, 24u64);
    while starting || !open.is_empty() {
        starting = bytes < o.size && (o.sessions == 0 || next_id < o.sessions);
        while starting && open.len() < o.concurrent.max(1) {
            open.push(Session::new(next_id, o.shape, &mut rng, &mut totals));
            next_id += 1;
        }
        let k = rng.below(open.len() as u64) as usize;
        clock = Timestamp(clock.0 + 20_000 + rng.below(400_000) as i64);
        let Some(s) = open.get_mut(k) else { break };
        let mut emit = |frame: &[u8], t: Timestamp| -> io::Result<()> {
            frames += 1;
            bytes += 16 + frame.len() as u64;
            w.write_packet(t, frame, frame.len() as u32)
        };
        let done = s.step(&mut rng, clock, &mut buf, &mut totals, &mut emit)?;
        if done {
            open.swap_remove(k);
        }
    }
    totals.frames = frames;
    totals.bytes = bytes;
    w.into_inner().flush()?;
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_capture() {
        let o = Options {
            size: 200_000,
            seed: 7,
            concurrent: 8,
            ..Options::default()
        };
        let mut a = Vec::new();
        let mut b = Vec::new();
        let ta = generate(&mut a, o).expect("generate");
        let tb = generate(&mut b, o).expect("generate");
        assert_eq!(a, b);
        assert_eq!(ta, tb);
        assert_eq!(
            ta.bytes,
            a.len() as u64,
            "the totals count the file's bytes"
        );
        assert!(ta.connections >= 8 && ta.messages > 0);
    }
}
