//! Re-reading one frame's bytes after the pass: the timeline keeps only where
//! each frame is ([`super::FrameIndex::offset`]), never the bytes, and a view
//! reads them again from the file when it needs them.
//!
//! The offset is that of the frame's record (pcap) or block (pcapng) in the
//! decompressed input; the bytes follow a header whose size depends on the
//! record kind, so a read checks that header's captured length against the
//! index before trusting it. Interface names come from the pcapng interface
//! blocks at the head of the file.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, PoisonError};

use super::FrameIndex;

/// The largest frame a store hands out (as the reader's record limit).
const MAX_FRAME: u32 = 16 * 1024 * 1024;
/// How much of the file head is scanned for interface names.
const HEAD_SCAN: u64 = 256 * 1024;

/// Why a frame's bytes could not be had.
#[derive(Debug, thiserror::Error)]
pub enum FrameBytesError {
    #[error("the capture came from a stream that was not kept, so its bytes cannot be re-read")]
    NotKept,
    #[error("the bytes of this frame are not loaded yet")]
    NotYet,
    #[error("the record at offset {0} does not match the index")]
    Mismatch(u64),
    #[error("cannot re-read the capture: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the decompressed capture can be read again.
#[derive(Clone)]
pub enum FrameStore {
    /// Nothing kept (a stream read once).
    None,
    /// Bytes in memory that never change (a capture built into the binary).
    Static(&'static [u8]),
    /// A file, or a spool of a decompressed stream (it may still be growing).
    File(Arc<File>),
    /// A growing buffer shared with a live capture.
    Shared(Arc<Mutex<Vec<u8>>>),
}

impl std::fmt::Debug for FrameStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FrameStore::None => "FrameStore::None",
            FrameStore::Static(_) => "FrameStore::Static",
            FrameStore::File(_) => "FrameStore::File",
            FrameStore::Shared(_) => "FrameStore::Shared",
        })
    }
}

impl FrameStore {
    /// Reads `len` bytes at `offset`.
    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, FrameBytesError> {
        let mut out = vec![0u8; len];
        match self {
            FrameStore::None => return Err(FrameBytesError::NotKept),
            FrameStore::Static(b) => copy_from(b, offset, &mut out)?,
            FrameStore::Shared(b) => {
                let b = b.lock().unwrap_or_else(PoisonError::into_inner);
                copy_from(&b, offset, &mut out)?;
            }
            FrameStore::File(f) => f.read_exact_at(&mut out, offset).map_err(|e| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    FrameBytesError::NotYet
                } else {
                    FrameBytesError::Io(e)
                }
            })?,
        }
        Ok(out)
    }

    /// The captured bytes of one frame.
    pub fn frame(&self, f: &FrameIndex) -> Result<Vec<u8>, FrameBytesError> {
        if f.cap_len > MAX_FRAME {
            return Err(FrameBytesError::Mismatch(f.offset));
        }
        let head = self.read_at(0, 4)?;
        let magic = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let at = f.offset;
        let (data_at, declared) = if magic == 0x0a0d_0d0a {
            // A simple packet block may be shorter than the 28-byte header of
            // the others when it ends the file.
            let h = self.read_at(at, 28).or_else(|_| self.read_at(at, 12))?;
            let le = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
            let be = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
            let word = |i: usize, little: bool| {
                let b = [h[i], h[i + 1], h[i + 2], h[i + 3]];
                if little {
                    u32::from_le_bytes(b)
                } else {
                    u32::from_be_bytes(b)
                }
            };
            match (le, be) {
                // Enhanced and obsolete packet blocks: captured length at 20.
                (6, _) | (2, _) if h.len() >= 28 => (at + 28, Some(word(20, true))),
                (_, 6) | (_, 2) if h.len() >= 28 => (at + 28, Some(word(20, false))),
                // Simple packet block: the data follows the original length.
                (3, _) | (_, 3) => (at + 12, None),
                _ => return Err(FrameBytesError::Mismatch(at)),
            }
        } else {
            let modified = matches!(magic, 0xa1b2_cd34 | 0x34cd_b2a1);
            let little = matches!(magic, 0xa1b2_c3d4 | 0xa1b2_3c4d | 0xa1b2_cd34);
            let h = self.read_at(at, 16)?;
            let b = [h[8], h[9], h[10], h[11]];
            let incl = if little {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            };
            (at + if modified { 24 } else { 16 }, Some(incl))
        };
        if declared.is_some_and(|d| d != f.cap_len) {
            return Err(FrameBytesError::Mismatch(at));
        }
        self.read_at(data_at, f.cap_len as usize)
    }

    /// Interface names (pcapng `if_name`) of the interface blocks at the head
    /// of the file, in order (index = interface id); escape before display.
    pub fn interface_names(&self) -> Vec<Option<String>> {
        let mut names = Vec::new();
        let Ok(head) = self.read_at(0, 4) else {
            return names;
        };
        if head != [0x0a, 0x0d, 0x0d, 0x0a] {
            return names;
        }
        // The first section header's byte-order magic decides the order of
        // the blocks that follow it.
        let little = self
            .read_at(8, 4)
            .map(|m| m == [0x4d, 0x3c, 0x2b, 0x1a])
            .unwrap_or(true);
        let mut at = 0u64;
        while at < HEAD_SCAN {
            let Ok(h) = self.read_at(at, 12) else { break };
            let word = |b: &[u8], i: usize| {
                let w = [b[i], b[i + 1], b[i + 2], b[i + 3]];
                if little {
                    u32::from_le_bytes(w)
                } else {
                    u32::from_be_bytes(w)
                }
            };
            let (kind, len) = (word(&h, 0), word(&h, 4));
            if len < 12 || len % 4 != 0 || u64::from(len) > HEAD_SCAN {
                break;
            }
            match kind {
                1 => {
                    let Ok(block) = self.read_at(at, len as usize) else {
                        break;
                    };
                    names.push(if_name(&block, little));
                }
                // Packet blocks: names come before the packets that use them.
                2 | 3 | 6 => break,
                _ => {}
            }
            at += u64::from(len);
        }
        names
    }
}

fn copy_from(src: &[u8], offset: u64, out: &mut [u8]) -> Result<(), FrameBytesError> {
    let start = usize::try_from(offset).map_err(|_| FrameBytesError::NotYet)?;
    let end = start
        .checked_add(out.len())
        .ok_or(FrameBytesError::NotYet)?;
    let slice = src.get(start..end).ok_or(FrameBytesError::NotYet)?;
    out.copy_from_slice(slice);
    Ok(())
}

/// `if_name` (option 2) of an interface description block.
fn if_name(block: &[u8], little: bool) -> Option<String> {
    let u16_at = |i: usize| {
        let b = [*block.get(i)?, *block.get(i + 1)?];
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    // Type, length, link type (2), reserved (2), snaplen (4), then options,
    // up to the trailing length.
    let mut i = 16;
    let end = block.len().saturating_sub(4);
    while i + 4 <= end {
        let (code, len) = (u16_at(i)?, usize::from(u16_at(i + 2)?));
        let value = block.get(i + 4..i + 4 + len)?;
        match code {
            0 => return None,
            2 => {
                return Some(
                    String::from_utf8_lossy(value)
                        .trim_end_matches('\0')
                        .to_string(),
                )
            }
            _ => {}
        }
        i += 4 + len.div_ceil(4) * 4;
    }
    None
}
