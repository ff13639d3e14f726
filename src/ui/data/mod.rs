//! What the view reads, as opposed to what the user is looking at: the
//! analysed capture indexed for drawing ([`model`]), where it comes from
//! ([`source`]), the frame at the cursor decoded once ([`frame`]), look-ups
//! the panes share ([`lookup`]) and `/` search ([`search`]). Nothing here
//! knows about the cursor, the panes or the terminal.

pub mod frame;
pub mod lesson;
pub mod lookup;
pub mod model;
pub mod nic_rows;
pub mod search;
pub mod source;
pub mod stream;

pub use frame::{CursorFrame, FrameDetail};
pub use lesson::{BookCapture, LessonBook};
pub use lookup::PickerRows;
pub use model::{Data, Row, RowKind};

/// Indexing in the background: how far it got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Input bytes read.
    pub done: u64,
    /// Input size, when known.
    pub total: Option<u64>,
}

/// Everything a pane reads about the capture: the analysis, the frame at
/// the cursor (read back and decoded once per cursor move, not per draw) and
/// the capture's interface names.
#[derive(Clone, Copy)]
pub struct PaneData<'a> {
    pub data: &'a Data,
    pub frame: Option<&'a CursorFrame>,
    /// Names of the capture's interfaces (pcapng), by id.
    pub interfaces: &'a [Option<String>],
    /// The lesson being played, if any.
    pub lesson: Option<&'a LessonBook>,
    /// The bytes of the follow-stream view, read back while it is open.
    pub stream: Option<&'a stream::StreamView>,
}
