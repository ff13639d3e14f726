//! Why reading a capture stopped, with where: the file, the frame and the byte offset.

use std::fmt;

/// A capture could not be read past some point. Every frame before `frame` was read.
#[derive(Debug, thiserror::Error)]
pub struct CaptureError {
    /// The file as the user named it (`-` for standard input).
    pub path: String,
    /// The frame number the reader was trying to read (1-based); 0 if the file header itself failed.
    pub frame: u64,
    /// Byte offset in the (decompressed) input where reading stopped.
    pub offset: u64,
    pub kind: CaptureErrorKind,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum CaptureErrorKind {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty")]
    Empty,
    #[error(
        "not a pcap or pcapng capture (it starts with bytes {magic}); \
         sockscope reads pcap, pcapng and gzipped copies of either"
    )]
    NotACapture { magic: String },
    #[error("the file ends in the middle of a record (the capture was cut short, e.g. by a full disk or a killed tcpdump)")]
    Truncated,
    #[error("a record declares a length of {declared} bytes, more than the {limit} bytes sockscope accepts for one frame; the file is corrupt")]
    Oversized { declared: u64, limit: usize },
    #[error("malformed {what}")]
    Malformed { what: String },
    #[error("a packet names interface {id}, but its section describes only {count} interface(s)")]
    UnknownInterface { id: u32, count: usize },
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.frame == 0 {
            write!(f, "{}: at byte {}: {}", self.path, self.offset, self.kind)
        } else {
            write!(
                f,
                "{}: frame {} at byte {}: {}",
                self.path, self.frame, self.offset, self.kind
            )?;
            if self.frame > 1 {
                write!(f, " (frames 1-{} were read)", self.frame - 1)?;
            }
            Ok(())
        }
    }
}

impl Clone for CaptureErrorKind {
    /// An I/O error is copied as its kind and message (`io::Error` is not
    /// `Clone`); every other kind is copied as it is.
    fn clone(&self) -> Self {
        match self {
            CaptureErrorKind::Io(e) => {
                CaptureErrorKind::Io(std::io::Error::new(e.kind(), e.to_string()))
            }
            CaptureErrorKind::Empty => CaptureErrorKind::Empty,
            CaptureErrorKind::NotACapture { magic } => CaptureErrorKind::NotACapture {
                magic: magic.clone(),
            },
            CaptureErrorKind::Truncated => CaptureErrorKind::Truncated,
            CaptureErrorKind::Oversized { declared, limit } => CaptureErrorKind::Oversized {
                declared: *declared,
                limit: *limit,
            },
            CaptureErrorKind::Malformed { what } => {
                CaptureErrorKind::Malformed { what: what.clone() }
            }
            CaptureErrorKind::UnknownInterface { id, count } => {
                CaptureErrorKind::UnknownInterface {
                    id: *id,
                    count: *count,
                }
            }
        }
    }
}

impl Clone for CaptureError {
    fn clone(&self) -> Self {
        CaptureError {
            path: self.path.clone(),
            frame: self.frame,
            offset: self.offset,
            kind: self.kind.clone(),
        }
    }
}
