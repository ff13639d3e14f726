//! `cargo bench --bench stages`: each stage of the pipeline alone, on the
//! same generated SMTP capture (src/synth), so a change to one stage shows
//! in its own figure: capture read, wire decode, reassembly, the line
//! reader, the SMTP content reader, and the whole pass with and without the
//! JSON writer. Throughput is in bytes of capture (or of stream) per second.
//! BENCHMARKS.md has the figures and `bench/compare.sh` the peers.

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sockscope::capture::{CaptureReader, LinkType, Timestamp};
use sockscope::pipeline::{self, CaptureEnd, ConnRecords, Consumer};
use sockscope::proto::content::DataReader;
use sockscope::proto::stream::ByteQueue;
use sockscope::report::JsonReport;
use sockscope::report::Selection;
use sockscope::synth::{generate, Options};
use sockscope::tcp::reassembly::Reassembler;

/// An 8 MB capture, the same on every run.
fn capture() -> Vec<u8> {
    let mut out = Vec::new();
    let o = Options {
        size: 8 << 20,
        seed: 42,
        concurrent: 64,
        ..Options::default()
    };
    generate(&mut out, o).expect("generate");
    out
}

fn frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut r = CaptureReader::from_reader("bench", Cursor::new(bytes.to_vec())).expect("open");
    let mut all = Vec::new();
    while let Ok(Some(f)) = r.next_frame() {
        all.push(f.data.to_vec());
    }
    all
}

/// A message body as a client sends it after DATA: 70-byte lines, a few
/// dot-stuffed, the lone dot at the end.
fn body(size: usize) -> Vec<u8> {
    let mut b = b"From: a@example.org\r\nTo: b@example.net\r\nSubject: bench\r\n\r\n".to_vec();
    let mut n = 0u32;
    while b.len() < size {
        n += 1;
        if n.is_multiple_of(50) {
            b.extend_from_slice(b"..");
        }
        b.extend_from_slice(
            b"the quick brown fox jumps over the lazy dog, line after line, 0123456\r\n",
        );
    }
    b.extend_from_slice(b".\r\n");
    b
}

/// Takes the records and drops them: the pipeline's cost without a writer.
struct Discard;
impl Consumer for Discard {
    fn connection(&mut self, records: ConnRecords) -> std::io::Result<()> {
        black_box(records);
        Ok(())
    }
    fn end(&mut self, end: CaptureEnd) -> std::io::Result<()> {
        black_box(end);
        Ok(())
    }
}

fn stages(c: &mut Criterion) {
    // Shared, so each run reads it without copying the file.
    let cap: Arc<[u8]> = capture().into();
    let all = frames(&cap);
    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(cap.len() as u64));

    g.bench_function("capture read", |b| {
        b.iter(|| {
            let mut r =
                CaptureReader::from_reader("bench", Cursor::new(cap.clone())).expect("open");
            let mut n = 0u64;
            while let Ok(Some(f)) = r.next_frame() {
                n += f.data.len() as u64;
            }
            black_box(n)
        })
    });
    g.bench_function("wire decode", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for f in &all {
                let p = sockscope::wire::decode(LinkType::ETHERNET, f);
                n += p.tcp().map_or(0, |t| t.payload.len());
            }
            black_box(n)
        })
    });
    g.bench_function("pipeline, records dropped", |b| {
        b.iter(|| {
            let r = CaptureReader::from_reader("bench", Cursor::new(cap.clone())).expect("open");
            black_box(pipeline::run(r, Discard).ok().is_some())
        })
    });
    g.bench_function("pipeline + JSON writer", |b| {
        b.iter(|| {
            let r = CaptureReader::from_reader("bench", Cursor::new(cap.clone())).expect("open");
            let json = JsonReport::new(std::io::sink(), "bench", Selection::default());
            black_box(pipeline::run(r, json).ok().is_some())
        })
    });
    g.finish();

    let stream = body(4 << 20);
    let mut g = c.benchmark_group("stream");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("reassembly, 1448-byte segments in order", |b| {
        b.iter(|| {
            let mut r = Reassembler::default();
            let mut got = 0u64;
            for (i, seg) in stream.chunks(1448).enumerate() {
                let at = (i * 1448) as u64;
                r.push(at, seg, i as u64, Timestamp(0), &mut |d| got += d.len());
            }
            black_box(got)
        })
    });
    g.bench_function("line reader", |b| {
        b.iter(|| {
            let mut q = ByteQueue::default();
            let mut lines = 0usize;
            for (i, seg) in stream.chunks(1448).enumerate() {
                q.push((i * 1448) as u64, seg, i as u64, Timestamp(0));
                while let Some(l) = q.line() {
                    lines += l.bytes.len();
                }
            }
            black_box(lines)
        })
    });
    g.bench_function("SMTP content reader (DATA body)", |b| {
        b.iter(|| {
            let mut q = ByteQueue::default();
            let mut reader = DataReader::new(false);
            for (i, seg) in stream.chunks(1448).enumerate() {
                q.push((i * 1448) as u64, seg, i as u64, Timestamp(0));
                if reader.feed(&mut q).is_some() {
                    break;
                }
            }
            black_box(reader.size())
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
