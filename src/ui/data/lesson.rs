//! A lesson as the view plays it: the lesson itself, each of its captures
//! analysed and indexed for drawing (with where its frames are re-read
//! from), and where each step lands.

use std::path::Path;
use std::sync::Arc;

use super::model::Data;
use super::source::{open_path, open_static};
use crate::lessons::{
    captures_of, load, resolve_step, CaptureSpec, Lesson, LessonError, LessonSource, Resolved,
};
use crate::timeline::FrameStore;

/// One capture of a lesson, ready to show.
pub struct BookCapture {
    pub name: String,
    pub data: Arc<Data>,
    pub store: FrameStore,
}

/// A lesson with its captures and its steps' landings.
pub struct LessonBook {
    pub lesson: Lesson,
    pub captures: Vec<BookCapture>,
    /// Per step: (capture, landing), or why the anchor did not land.
    pub anchors: Vec<Result<(usize, Resolved), String>>,
}

impl LessonBook {
    /// Loads a lesson and opens its captures; `replace` plays it on another
    /// file for its main capture (a fresh lab run).
    pub fn open(source: &LessonSource, replace: Option<&Path>) -> Result<LessonBook, LessonError> {
        let lesson = load(source)?;
        let mut captures = Vec::new();
        for (name, spec) in captures_of(source, &lesson, replace)? {
            let failed = |why: String| LessonError::Capture {
                lesson: lesson.name.clone(),
                capture: name.clone(),
                why,
            };
            let opened = match &spec {
                CaptureSpec::File(p) => open_path(p),
                CaptureSpec::Shipped(shown, bytes) => open_static(shown, bytes),
            }
            .map_err(|e| failed(e.to_string()))?;
            // A lesson's capture is small; one on disk may still be indexed
            // in the background: the lesson waits for all of it.
            let data = match opened.loader {
                Some(loader) => loader.wait().unwrap_or(opened.data),
                None => opened.data,
            };
            captures.push(BookCapture {
                name,
                data,
                store: opened.store,
            });
        }
        let names: Vec<&str> = captures.iter().map(|c| c.name.as_str()).collect();
        let anchors = (0..lesson.steps.len())
            .map(|i| {
                resolve_step(&lesson, i, &names, |c| {
                    captures.get(c).map(|b| (&b.data.timeline, &b.data.kernel))
                })
            })
            .collect();
        Ok(LessonBook {
            lesson,
            captures,
            anchors,
        })
    }

    /// Steps, the introduction not counted.
    pub fn steps(&self) -> usize {
        self.lesson.steps.len()
    }
}
