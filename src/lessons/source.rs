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

/// Where a capture a lesson names is: a file, or bytes built into the binary.
#[derive(Clone, Debug)]
pub enum CaptureSpec {
    File(PathBuf),
    /// A shipped capture: its name as shown (`captures/NAME`) and bytes.
    Shipped(String, &'static [u8]),
}

impl CaptureSpec {
    /// A reader over the capture.
    pub fn reader(&self) -> Result<CaptureReader, String> {
        match self {
            CaptureSpec::File(p) => CaptureReader::open(p).map_err(|e| e.to_string()),
            CaptureSpec::Shipped(name, bytes) => {
                CaptureReader::from_reader(name, *bytes).map_err(|e| e.to_string())
            }
        }
    }
}

/// Finds a capture a lesson names: beside the lesson file, under
/// `captures/` there, or shipped in the binary.
pub fn locate(source: &LessonSource, name: &str) -> Result<CaptureSpec, String> {
    if let Some(dir) = source.dir() {
        for p in [dir.join(name), dir.join("..").join("captures").join(name)] {
            if p.is_file() {
                return Ok(CaptureSpec::File(p));
            }
        }
    }
    let path = Path::new(name);
    if path.is_absolute() && path.is_file() {
        return Ok(CaptureSpec::File(path.to_path_buf()));
    }
    match shipped::capture(name) {
        Some(bytes) => Ok(CaptureSpec::Shipped(
            format!("captures/{}", name.trim_start_matches("captures/")),
            bytes,
        )),
        None => Err(format!(
            "no capture {name} beside the lesson or among the shipped ones"
        )),
    }
}

/// The captures of a lesson, in order: the main one (or `replace`, a fresh
/// lab run), then its `also` captures.
pub fn captures_of(
    source: &LessonSource,
    lesson: &Lesson,
    replace: Option<&Path>,
) -> Result<Vec<(String, CaptureSpec)>, LessonError> {
    let mut names = vec![lesson.meta.capture.clone()];
    names.extend(lesson.meta.also.iter().cloned());
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let spec = match (i, replace) {
                (0, Some(path)) => Ok(CaptureSpec::File(path.to_path_buf())),
                _ => locate(source, &name),
            };
            spec.map(|s| (name.clone(), s))
                .map_err(|why| LessonError::Capture {
                    lesson: lesson.name.clone(),
                    capture: name,
                    why,
                })
        })
        .collect()
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
        let mut captures = Vec::new();
        for (name, spec) in captures_of(source, &lesson, replace)? {
            let reader = spec.reader().map_err(|why| LessonError::Capture {
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

    /// Where step `i` is anchored: (capture, landing).
    pub fn resolve(&self, i: usize) -> Result<(usize, super::Resolved), String> {
        let names: Vec<&str> = self.captures.iter().map(|(n, _, _)| n.as_str()).collect();
        resolve_step(&self.lesson, i, &names, |c| {
            self.captures.get(c).map(|(_, t, k)| (t, k))
        })
    }
}

/// Where step `i` of `lesson` lands, among captures named `names` whose
/// timelines `get` gives: the capture the step names (the main one unless it
/// names another), the connection the lesson follows there (its `conn`, else
/// the first that carries a dialogue, else the first), and the anchor in it.
pub fn resolve_step<'t>(
    lesson: &Lesson,
    i: usize,
    names: &[&str],
    get: impl Fn(usize) -> Option<(&'t Timeline, &'t KernelIndex)>,
) -> Result<(usize, super::Resolved), String> {
    let step = lesson.steps.get(i).ok_or("no such step")?;
    let c = match step.capture.as_deref() {
        None => 0,
        Some(n) => names.iter().position(|name| *name == n).ok_or_else(|| {
            format!("its capture {n} is not one of the lesson's (`capture`, `also`)")
        })?,
    };
    let (t, k) = get(c).ok_or("no such capture")?;
    let conn = lesson
        .meta
        .conn
        .unwrap_or_else(|| t.dialogues.first().map_or(1, |d| d.conn));
    step.at.resolve(t, k, conn).map(|r| (c, r))
}
