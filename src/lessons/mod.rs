//! Lessons: guided walks through a real capture, one Markdown file each in
//! `lessons/` (the format is in `lessons/README.md` and [`format`]). A
//! lesson is a consumer of the timeline: its steps are anchored to events
//! ([`anchor`]), resolved when the lesson is opened, checked by
//! `sockscope lesson check` ([`check`]), played by the view's lesson pane, and
//! printed as a handout ([`handout`]).

pub mod anchor;
pub mod check;
pub mod format;
pub mod handout;
pub mod look;
pub mod prose;
pub mod shipped;
mod source;

pub use anchor::{Anchor, Resolved};
pub use format::{Choice, Lesson, Level, Meta, Question, Step};
pub use look::{Look, Pane};
pub use prose::{Block, Inline, Prose};
pub use source::{captures_of, load, locate, resolve_step, CaptureSpec, Course, LessonSource};

/// Why a lesson could not be read or played.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("lesson {lesson}: {what}")]
    Format { lesson: String, what: String },
    #[error("no lesson named \"{name}\"; the lessons are: {known}")]
    Unknown { name: String, known: String },
    #[error("lesson {lesson}: its capture {capture} cannot be opened: {why}")]
    Capture {
        lesson: String,
        capture: String,
        why: String,
    },
    #[error("cannot read the lesson file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
