//! `cargo bench`: how fast one pass through every layer is on a generated
//! capture of many SMTP-like connections, and how much it keeps per frame.
//!
//! Writes the capture to `target/bench-big.pcap` too, so peers can be timed on
//! the same file: `bench/compare.sh target/bench-big.pcap`.

use std::io::Cursor;
use std::time::Instant;

use etherparse::PacketBuilder;
use sockscope::capture::write::{PcapWriter, TsPrecision};
use sockscope::capture::{CaptureReader, LinkType, Timestamp};
use sockscope::timeline::analyze;

const CONNECTIONS: u32 = 4000;
const SEGMENTS: u32 = 100;

fn frame(
    src: [u8; 4],
    dst: [u8; 4],
    ports: (u16, u16),
    seq: u32,
    ack: u32,
    flags: &str,
    payload: &[u8],
) -> Vec<u8> {
    let mut b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(src, dst, 64)
        .tcp(ports.0, ports.1, seq, 65535);
    for f in flags.chars() {
        b = match f {
            'S' => b.syn(),
            'A' => b.ack(ack),
            'F' => b.fin(),
            'P' => b.psh(),
            _ => b,
        };
    }
    let mut out = Vec::with_capacity(64 + payload.len());
    b.write(&mut out, payload).expect("packet");
    out
}

fn capture() -> Vec<u8> {
    let mut w = PcapWriter::new(
        Vec::new(),
        LinkType::ETHERNET,
        65535,
        TsPrecision::Micro,
        false,
    )
    .expect("pcap");
    let payload = b"MAIL FROM:<someone@example.com>\r\n".repeat(7);
    let mut t = 1_700_000_000_000_000i64;
    let mut put = |w: &mut PcapWriter<Vec<u8>>, bytes: Vec<u8>| {
        t += 50_000;
        w.write_packet(Timestamp(t), &bytes, bytes.len() as u32)
            .expect("write");
    };
    for c in 0..CONNECTIONS {
        let client = [10, 0, (c >> 8) as u8, c as u8];
        let server = [10, 1, 0, 1];
        let port = 1024 + (c % 60000) as u16;
        let (cs, ss) = (c.wrapping_mul(2_654_435_761), c.wrapping_mul(40503));
        put(&mut w, frame(client, server, (port, 25), cs, 0, "S", &[]));
        put(
            &mut w,
            frame(server, client, (25, port), ss, cs + 1, "SA", &[]),
        );
        put(
            &mut w,
            frame(client, server, (port, 25), cs + 1, ss + 1, "A", &[]),
        );
        let mut off = 1u32;
        for _ in 0..SEGMENTS {
            put(
                &mut w,
                frame(
                    client,
                    server,
                    (port, 25),
                    cs.wrapping_add(off),
                    ss + 1,
                    "PA",
                    &payload,
                ),
            );
            off += payload.len() as u32;
            put(
                &mut w,
                frame(
                    server,
                    client,
                    (25, port),
                    ss + 1,
                    cs.wrapping_add(off),
                    "A",
                    &[],
                ),
            );
        }
        put(
            &mut w,
            frame(
                client,
                server,
                (port, 25),
                cs.wrapping_add(off),
                ss + 1,
                "FA",
                &[],
            ),
        );
        put(
            &mut w,
            frame(
                server,
                client,
                (25, port),
                ss + 1,
                cs.wrapping_add(off + 1),
                "FA",
                &[],
            ),
        );
        put(
            &mut w,
            frame(
                client,
                server,
                (port, 25),
                cs.wrapping_add(off + 1),
                ss + 2,
                "A",
                &[],
            ),
        );
    }
    w.into_inner()
}

fn main() {
    let bytes = capture();
    let _ = std::fs::write("target/bench-big.pcap", &bytes);
    let mb = bytes.len() as f64 / 1e6;
    let mut best = f64::MAX;
    let mut frames = 0;
    for _ in 0..3 {
        let reader = CaptureReader::from_reader("bench", Cursor::new(bytes.clone())).expect("open");
        let start = Instant::now();
        let t = analyze(reader, &mut ());
        best = best.min(start.elapsed().as_secs_f64());
        frames = t.stats.frames;
        assert_eq!(t.connections.len(), CONNECTIONS as usize);
    }
    println!(
        "analyze: {frames} frames, {mb:.0} MB in {best:.3} s = {:.0} MB/s, {:.2} M frames/s (best of 3)",
        mb / best,
        frames as f64 / best / 1e6
    );
}
