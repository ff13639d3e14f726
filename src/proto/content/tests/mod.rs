//! Tests of the content reader, fed the way the sessions feed it: whole,
//! cut at every point, a byte at a time, and at random.

#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

mod bounds;
mod end;
mod headers;
mod smuggling;

use super::headers::{HEADER_LINE_KEEP, MAX_VALUE, WANTED};
use super::notes::{ContentNote, DOT_LINE_KEEP, KINDS};
use super::reader::{DataEnd, DataReader};
use crate::capture::Timestamp;
use crate::proto::stream::ByteQueue;

/// Everything a reader produced, frames left out (they depend on how the
/// bytes were cut into frames, which some tests vary on purpose).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Outcome {
    end: Option<u64>,
    size: u64,
    headers: Vec<(String, Vec<u8>)>,
    notes: Vec<(&'static str, u64, u32, String)>,
    rest: Vec<u8>,
}

pub(super) fn outcome(r: &DataReader, end: Option<&DataEnd>, q: &ByteQueue) -> Outcome {
    let (a, b) = q.peek();
    Outcome {
        end: end.map(|e| e.end),
        size: r.size(),
        headers: r.headers().to_vec(),
        notes: r
            .notes()
            .iter()
            .map(|n| (n.id, n.offset, n.count, n.detail.clone()))
            .collect(),
        rest: [a, b].concat(),
    }
}

/// Feeds `bytes` in one push (frame 1), from stream offset `base`.
pub(super) fn whole(bytes: &[u8], eight_bit_ok: bool) -> (DataReader, Option<DataEnd>, ByteQueue) {
    let mut r = DataReader::new(eight_bit_ok);
    let mut q = ByteQueue::default();
    q.push(0, bytes, 1, Timestamp(10));
    let end = r.feed(&mut q);
    (r, end, q)
}

pub(super) fn note<'a>(r: &'a DataReader, id: &str) -> Option<&'a ContentNote> {
    r.notes().iter().find(|n| n.id == id)
}

pub(super) fn header<'a>(r: &'a DataReader, name: &str) -> Option<&'a [u8]> {
    r.headers()
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
}
