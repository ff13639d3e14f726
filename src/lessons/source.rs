//! Where a lesson and its captures come from: a shipped lesson by name (its
//! captures built into the binary), or a lesson file a teacher wrote (its
//! captures beside it, or shipped ones by name), and the timelines of those
//! captures, analysed once.

use std::path::{Path, PathBuf};

use super::format::Lesson;
use super::{shipped, LessonError};
use crate::capture::CaptureReader;
use crate::timeline::{analyze, KernelIndex, Timeline};

/// How a lesson was named.
#[derive(Clone, Debug)]
pub enum LessonSource {
    Shipped(&'static str),
    File(PathBuf),
}

impl LessonSource {
    /// A name of a shipped lesson, or a path to a `.md` file.
    pub fn named(name: &str) -> Result<Self, LessonError> {
        if name.ends_with(".md") || name.contains('/') {
            return Ok(LessonSource::File(PathBuf::from(name)));
        }
        match shipped::LESSONS.iter().find(|(n, _)| *n == name) {
            Some((n, _)) => Ok(LessonSource::Shipped(n)),
            None => Err(LessonError::Unknown {
                name: name.to_string(),
                known: shipped::LESSONS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The folder a lesson file's captures are looked for in first.
    fn dir(&self) -> Option<&Path> {
        match self {
            LessonSource::File(p) => p.parent(),
            LessonSource::Shipped(_) => None,
        }
    }
}

/// Reads and parses a lesson.
pub fn load(source: &LessonSource) -> Result<Lesson, LessonError> {
    match source {
        LessonSource::Shipped(name) => Lesson::parse(name, shipped::lesson(name).unwrap_or("")),
        LessonSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| LessonError::Io {
                path: path.display().to_string(),
                source: e,
            })?;
            let name = path
                .file_stem()
                .map_or_else(|| "lesson".into(), |s| s.to_string_lossy().into_owned());
            Lesson::parse(&name, &text)
        }
    }
}

/// Opens a capture a lesson names: beside the lesson file, under
/// `captures/` there, or shipped in the binary.
pub fn open_capture(source: &LessonSource, name: &str) -> Result<CaptureReader, String> {
    if let Some(dir) = source.dir() {
        for p in [dir.join(name), dir.join("..").join("captures").join(name)] {
            if p.is_file() {
                return CaptureReader::open(&p).map_err(|e| e.to_string());
            }
        }
    }
    let path = Path::new(name);
    if path.is_absolute() && path.is_file() {
        return CaptureReader::open(path).map_err(|e| e.to_string());
    }
    match shipped::capture(name) {
        Some(bytes) => {
            let shown = format!("captures/{}", name.trim_start_matches("captures/"));
            CaptureReader::from_reader(&shown, bytes).map_err(|e| e.to_string())
        }
        None => Err(format!(
            "no capture {name} beside the lesson or among the shipped ones"
        )),
    }
}

/// A lesson with the timelines of its captures.
pub struct Course {
    pub lesson: Lesson,
    /// (capture name, timeline, kernel index): the main capture first, then
    /// the lesson's `also` captures.
    pub captures: Vec<(String, Timeline, KernelIndex)>,
}

impl Course {
    /// Loads a lesson and analyses its captures; `replace` plays the lesson
    /// on another file for its main capture (a fresh lab run).
    pub fn open(source: &LessonSource, replace: Option<&Path>) -> Result<Course, LessonError> {
        let lesson = load(source)?;
        let mut names = vec![lesson.meta.capture.clone()];
        names.extend(lesson.meta.also.iter().cloned());
        let mut captures = Vec::new();
        for (i, name) in names.into_iter().enumerate() {
            let opened = match (i, replace) {
                (0, Some(path)) => CaptureReader::open(path).map_err(|e| e.to_string()),
                _ => open_capture(source, &name),
            };
            let reader = opened.map_err(|why| LessonError::Capture {
                lesson: lesson.name.clone(),
                capture: name.clone(),
                why,
            })?;
            let t = analyze(reader, &mut ());
            let k = KernelIndex::build(&t);
            captures.push((name, t, k));
        }
        Ok(Course { lesson, captures })
    }

    /// The capture a step plays on (the main one unless it names another).
    pub fn capture_of(&self, step: usize) -> Option<usize> {
        let named = self.lesson.steps.get(step)?.capture.as_deref();
        match named {
            None => Some(0),
            Some(n) => self.captures.iter().position(|(name, _, _)| name == n),
        }
    }

    /// The connection a capture's steps follow: the lesson's `conn`, else
    /// the first that carries a dialogue, else the first.
    pub fn conn_of(&self, capture: usize) -> u32 {
        if let Some(c) = self.lesson.meta.conn {
            return c;
        }
        let Some((_, t, _)) = self.captures.get(capture) else {
            return 1;
        };
        t.dialogues.first().map_or(1, |d| d.conn)
    }

    /// Where step `i` is anchored.
    pub fn resolve(&self, i: usize) -> Result<(usize, super::Resolved), String> {
        let step = self.lesson.steps.get(i).ok_or("no such step")?;
        let c = self.capture_of(i).ok_or_else(|| {
            format!(
                "its capture {} is not one of the lesson's (`capture`, `also`)",
                step.capture.as_deref().unwrap_or("")
            )
        })?;
        let (_, t, k) = self.captures.get(c).ok_or("no such capture")?;
        step.at.resolve(t, k, self.conn_of(c)).map(|r| (c, r))
    }
}
