//! "Follow stream" (as Wireshark's Follow TCP Stream): the bytes of a
//! connection in the order they were sent, client and server interleaved,
//! each segment's bytes read back from the capture and marked with where
//! the segment began. Read for a window of segments at a time, never all.

use super::frame::payload;
use super::model::Data;
use crate::tcp::Dir;
use crate::timeline::FrameStore;

/// Segments read back per window.
pub const WINDOW: usize = 120;

/// One data segment's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamItem {
    pub frame: u64,
    pub dir: Dir,
    /// Bytes sent again (a retransmission or a probe): shown apart.
    pub again: bool,
    /// Its payload as captured (fewer than sent if the snap length cut it).
    pub bytes: Vec<u8>,
    /// Its payload length on the wire.
    pub len: u32,
}

/// The data segments of connection `conn` from its segment `from` on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamView {
    pub conn: u32,
    pub from: usize,
    pub items: Vec<StreamItem>,
    /// Data segments after the window.
    pub more: bool,
}

impl StreamView {
    pub fn read(data: &Data, store: &FrameStore, conn: u32, from: usize) -> StreamView {
        let mut items = Vec::new();
        let mut more = false;
        for pos in from..data.seg_count(conn) {
            let Some(s) = data.segment(conn, pos) else {
                break;
            };
            if s.len == 0 {
                continue;
            }
            if items.len() >= WINDOW {
                more = true;
                break;
            }
            let again = s.analysis.sends_again();
            let bytes = data
                .frame_info(s.frame)
                .and_then(|fi| {
                    let b = store.frame(fi).ok()?;
                    payload(fi.link_type, &b).map(<[u8]>::to_vec)
                })
                .unwrap_or_else(|| s.preview.to_vec());
            items.push(StreamItem {
                frame: s.frame,
                dir: s.dir,
                again,
                bytes,
                len: s.len,
            });
        }
        StreamView {
            conn,
            from,
            items,
            more,
        }
    }
}
