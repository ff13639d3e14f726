//! What the user is looking at, as plain data: the cursor (a connection and
//! a segment in it), the focused pane, the open overlay with its scroll,
//! filter or typed text, playback, the scrolls the cursor does not decide,
//! the search and the status line. Nothing here draws or reads the capture:
//! `ui::cursor` looks the state up in the data, `ui::update` changes it, and
//! the panes only read it.

use std::time::{Duration, Instant};

use ratatui::layout::Rect;

use super::data::{Data, Progress};

/// The panes, in Tab order (and the order of the 1…6 keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Ladder,
    Dialogue,
    Nic,
    Kernel,
    Socket,
    Findings,
}

impl Pane {
    pub const ALL: [Pane; 6] = [
        Pane::Ladder,
        Pane::Dialogue,
        Pane::Nic,
        Pane::Kernel,
        Pane::Socket,
        Pane::Findings,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Pane::Ladder => "ladder",
            Pane::Dialogue => "dialogue",
            Pane::Nic => "NIC",
            Pane::Kernel => "kernel",
            Pane::Socket => "socket",
            Pane::Findings => "findings",
        }
    }
}

/// What the details overlay explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Everything known about the segment at the cursor.
    Segment,
    /// A finding, by position in `timeline.findings`.
    Finding(u32),
    /// A dialogue row of the selected connection, by position.
    Row(usize),
    /// What the kernel pane's names mean.
    Kernel,
    /// What a field means, and why it has its value here (`e`).
    Explain(Topic),
}

/// What `e` explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// A row of the NIC pane.
    Nic(usize),
    /// A row of the kernel pane.
    Kernel(usize),
    /// The connection's history letters and state.
    History,
}

/// A window over the panes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    /// The frame at the cursor as bytes, each layer's range coloured.
    Hex {
        scroll: u16,
    },
    Picker {
        sel: usize,
        filter: String,
    },
    Detail {
        what: Detail,
        scroll: u16,
    },
    Search {
        input: String,
    },
    /// The connection's sequence graph, for the bytes one way (`v`; Tab
    /// switches the direction).
    Graph {
        dir: crate::tcp::Dir,
    },
    /// The connection's bytes as sent, both ways interleaved (`f`), from
    /// its segment `from` on.
    Stream {
        from: usize,
    },
}

/// Playing speeds, ¼× to 16×.
pub const SPEEDS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// Longest real-time wait between two segments when playing in capture time:
/// a capture with a minute of silence should not look frozen.
pub const MAX_WAIT: Duration = Duration::from_secs(3);

/// How playing advances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// As the segments came, scaled by the speed.
    Capture,
    /// The teaching pace: one segment per step, [`TEACH_STEP`] each at 1×,
    /// whatever the capture's timing (a 0.4 s session would be over before
    /// a class had read the first arrow).
    Teach,
}

/// A step of the teaching pace at 1×.
pub const TEACH_STEP: Duration = Duration::from_millis(1500);

/// Captures shorter than this play at the teaching pace by default.
pub const SHORT_CAPTURE: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Play {
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    pub pacing: Pacing,
    /// When the next step is due.
    pub due: Option<Instant>,
}

impl Play {
    pub fn factor(&self) -> f64 {
        SPEEDS[self.speed.min(SPEEDS.len() - 1)]
    }

    /// `¼×`, `2×`.
    pub fn speed_label(&self) -> String {
        match self.speed {
            0 => "¼×".to_string(),
            1 => "½×".to_string(),
            _ => format!("{}×", self.factor()),
        }
    }

    /// How long the event loop may sleep before the next step.
    pub fn next_wake(&self, now: Instant) -> Option<Duration> {
        self.due
            .filter(|_| self.playing)
            .map(|d| d.saturating_duration_since(now))
    }
}

/// Scrolls that are not derived from the cursor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scrolls {
    /// Lines of the NIC pane scrolled away (reset when the cursor moves).
    pub nic: u16,
    /// Socket calls scrolled back from the cursor (reset when it moves).
    pub socket_back: usize,
    /// First kernel row shown when the pane is too short for all of them
    /// (kept while stepping: the rows are the same at every segment).
    pub kernel: usize,
}

/// The last search, and where an unfinished one goes on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchState {
    pub last: Option<String>,
    /// A global segment position, when the last search ran out of time.
    pub resume: Option<usize>,
}

/// An answer given in a lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The choice picked (0 = a).
    Chose(usize),
    /// A free-text question's model answer shown.
    Revealed,
}

/// Where a guided lesson is: the step, the answers, and where the step put
/// the cursor (the student may leave it to explore and come back).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonState {
    /// 0: the introduction; `k`: step `k` (1-based).
    pub step: usize,
    pub steps: usize,
    /// Which of the lesson's captures the view shows.
    pub capture: usize,
    /// Per step (index `k - 1`): the answer given to its question.
    pub answers: Vec<Option<Answer>>,
    /// Where the current step put the cursor (connection, position).
    pub anchor: Option<(u32, usize)>,
    /// What the current step asks the student to look at.
    pub look: crate::lessons::Look,
    /// Lines of the lesson pane scrolled away.
    pub scroll: u16,
}

impl LessonState {
    pub fn new(steps: usize) -> Self {
        LessonState {
            step: 0,
            steps,
            capture: 0,
            answers: vec![None; steps],
            anchor: None,
            look: crate::lessons::Look::default(),
            scroll: 0,
        }
    }

    /// The answer to the current step's question, if given.
    pub fn answer(&self) -> Option<Answer> {
        self.step
            .checked_sub(1)
            .and_then(|k| self.answers.get(k).copied().flatten())
    }
}

/// The whole view state. A new kind of view (a guided lesson, say) is one
/// more field here, set in [`ViewState::new`] and read by its pane.
#[derive(Clone, Debug)]
pub struct ViewState {
    /// Selected connection (1-based; 0 when the capture has none).
    pub conn: u32,
    /// Position of the cursor segment within the connection.
    pub pos: usize,
    /// A dialogue row picked with ↑/↓ or a click among several that end in
    /// the cursor's frame (pipelined commands, a burst of replies); cleared
    /// whenever the cursor moves.
    pub row_pick: Option<usize>,
    pub focus: Pane,
    pub overlay: Option<Overlay>,
    pub play: Play,
    /// Live capture: the cursor follows the newest segment.
    pub live: bool,
    pub follow: bool,
    /// The terminal's size, for the layout.
    pub size: Rect,
    /// A one-line message for the footer, until the next key.
    pub status: Option<String>,
    pub progress: Option<Progress>,
    pub scroll: Scrolls,
    /// Selected finding in the findings pane (index into its list).
    pub finding_sel: usize,
    /// Selected field (row) of the NIC pane: kept from frame to frame, so
    /// stepping shows the same field of each segment.
    pub nic_field: usize,
    /// Selected row of the kernel pane.
    pub kernel_row: usize,
    pub search: SearchState,
    /// Rows after the cursor are shown (dimmed); off, they are hidden, so a
    /// class can be asked what comes next (`s`; off in lessons).
    pub spoilers: bool,
    /// The guided lesson being played, if any.
    pub lesson: Option<LessonState>,
    pub quit: bool,
    /// The capture carries the lab's kernel samples: the kernel pane shows
    /// four value columns (inferred and observed per endpoint) and gets a
    /// wider share of the screen.
    pub observed_kernel: bool,
}

/// The teaching pace for a short capture, capture time for a long one.
fn default_pacing(data: &Data) -> Pacing {
    let frames = &data.timeline.frames;
    let span = match (frames.first(), frames.last()) {
        (Some(a), Some(b)) => b.time.nanos_since(a.time).max(0),
        _ => 0,
    };
    if (span as u128) < SHORT_CAPTURE.as_nanos() && data.complete {
        Pacing::Teach
    } else {
        Pacing::Capture
    }
}

impl ViewState {
    /// The lesson, while the cursor is where its step put it: what the
    /// panes highlight (off the path, the student explores freely).
    pub fn on_path(&self) -> Option<&LessonState> {
        self.lesson
            .as_ref()
            .filter(|l| l.step > 0 && l.anchor == Some((self.conn, self.pos)))
    }

    /// At the first connection's first segment, nothing open, paused at 1×.
    pub fn new(data: &Data, size: Rect) -> Self {
        ViewState {
            conn: u32::from(!data.timeline.connections.is_empty()),
            pos: 0,
            row_pick: None,
            focus: Pane::Ladder,
            overlay: None,
            play: Play {
                playing: false,
                speed: 2,
                pacing: default_pacing(data),
                due: None,
            },
            live: false,
            follow: false,
            size,
            status: None,
            progress: None,
            scroll: Scrolls::default(),
            finding_sel: 0,
            nic_field: 0,
            kernel_row: 0,
            search: SearchState::default(),
            spoilers: true,
            lesson: None,
            quit: false,
            observed_kernel: !data.timeline.kernel.is_empty(),
        }
    }
}
