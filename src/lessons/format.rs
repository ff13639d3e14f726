//! The lesson file: Markdown with a small TOML front matter, parsed with
//! pulldown-cmark (which reads the `+++` block) and the `toml` crate.
//! `lessons/README.md` documents the format for teachers; in short:
//!
//! * front matter: `title`, `capture`, `lab`, `level`, `minutes`, `learn`,
//!   and optionally `also`, `sources`, `conn`;
//! * text before the first `##` heading: the introduction;
//! * each `## Title` is a step; its fenced ```` ```step ```` block (TOML)
//!   says where it is anchored (`at`) and what to look at (`look`, `field`,
//!   `side`, `bytes`); the paragraphs after it are the narration;
//! * `### Question` under a step: the question, its choices as a task list
//!   (`- [x]` marks a right one; none: a free-text question), then
//!   `### Answer` and the model answer.

use pulldown_cmark::{
    CodeBlockKind, Event, HeadingLevel, MetadataBlockKind, Options, Parser, Tag, TagEnd,
};
use serde::Deserialize;

use super::anchor::Anchor;
use super::look::{Look, Pane};
use super::prose::{Block, Inline, Prose};
use super::LessonError;
use crate::tcp::Endpoint;

/// A Markdown event and the source range it came from.
type Ev<'a> = (Event<'a>, std::ops::Range<usize>);

/// How hard a lesson is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }
}

/// The front matter.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub title: String,
    /// The capture the lesson plays: a file in `captures/` (or a path
    /// relative to the lesson file).
    pub capture: String,
    /// Other captures a step may switch to (`capture = "..."` in the step).
    #[serde(default)]
    pub also: Vec<String>,
    /// The lab scenario that records `capture` (`sockscope lab NAME`).
    pub lab: Option<String>,
    pub level: Level,
    pub minutes: u32,
    /// What the student will learn, a sentence each.
    pub learn: Vec<String>,
    /// The documents the lesson draws on, by title, and RFC sections.
    #[serde(default)]
    pub sources: Vec<String>,
    /// The connection the lesson follows (default: the first that carries
    /// a dialogue, else the first).
    pub conn: Option<u32>,
}

/// A choice of a multiple-choice question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub text: Vec<Inline>,
    pub correct: bool,
}

/// A question and its model answer.
#[derive(Clone, Debug, Default)]
pub struct Question {
    pub text: Prose,
    /// Empty for a free-text question.
    pub choices: Vec<Choice>,
    pub answer: Prose,
}

/// What a step's ```` ```step ```` block says.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepAttrs {
    at: Anchor,
    /// Play this step on another of the lesson's captures.
    capture: Option<String>,
    /// The pane the step is about.
    look: Option<Pane>,
    /// A field of that pane (`unread`, `rcv_nxt`, `ttl`, ...).
    field: Option<String>,
    /// Which endpoint's value (kernel, socket).
    side: Option<Endpoint>,
    /// Bytes of the frame to show, `[first, end)` from the start of the frame.
    bytes: Option<[u32; 2]>,
}

/// One step of a lesson.
#[derive(Clone, Debug)]
pub struct Step {
    pub title: String,
    pub at: Anchor,
    pub capture: Option<String>,
    pub look: Look,
    pub narration: Prose,
    pub question: Option<Question>,
}

/// A parsed lesson.
#[derive(Clone, Debug)]
pub struct Lesson {
    /// The file's name without `.md`: what `sockscope lesson NAME` takes.
    pub name: String,
    pub meta: Meta,
    pub intro: Prose,
    pub steps: Vec<Step>,
}

/// Where the parser is within the file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Intro,
    Narration,
    Question,
    Answer,
}

/// A step being read.
struct Draft {
    title: String,
    attrs: Option<StepAttrs>,
    narration: Prose,
    question: Option<Question>,
}

impl Lesson {
    /// Parses a lesson file's text; `name` is the file's stem.
    pub fn parse(name: &str, text: &str) -> Result<Lesson, LessonError> {
        let err = |what: String| LessonError::Format {
            lesson: name.to_string(),
            what,
        };
        let opts = Options::ENABLE_TASKLISTS | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
        let events: Vec<Ev<'_>> = Parser::new_ext(text, opts).into_offset_iter().collect();
        let mut meta: Option<Meta> = None;
        let mut intro = Prose::default();
        let mut steps: Vec<Draft> = Vec::new();
        let mut section = Section::Intro;
        let mut i = 0;
        while let Some((event, range)) = events.get(i) {
            let end = block_end(&events, i);
            let block = events.get(i..end).unwrap_or(&[]);
            let source = text
                .get(range.start..block_range_end(block, range.end))
                .unwrap_or("");
            i = end;
            match event {
                Event::Start(Tag::MetadataBlock(MetadataBlockKind::PlusesStyle)) => {
                    let toml_text = inner_text(block);
                    let m: Meta = toml::from_str(&toml_text)
                        .map_err(|e| err(format!("front matter: {e}")))?;
                    meta = Some(m);
                }
                Event::Start(Tag::Heading { level, .. }) => {
                    let title = plain_text(block);
                    match level {
                        HeadingLevel::H1 => {}
                        HeadingLevel::H2 => {
                            steps.push(Draft {
                                title,
                                attrs: None,
                                narration: Prose::default(),
                                question: None,
                            });
                            section = Section::Narration;
                        }
                        HeadingLevel::H3 => {
                            section = open_section(&title, &mut steps, name)?;
                        }
                        _ => {
                            return Err(err(format!(
                                "heading \"{title}\": steps are `##`, their questions `###`"
                            )))
                        }
                    }
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                    if info.as_ref() == "step" =>
                {
                    let Some(step) = steps.last_mut() else {
                        return Err(err("a ```step block before the first `##` step".into()));
                    };
                    let attrs: StepAttrs = toml::from_str(&inner_text(block))
                        .map_err(|e| err(format!("step \"{}\": {e}", step.title)))?;
                    step.attrs = Some(attrs);
                }
                _ => {
                    let Some(b) = to_block(block) else { continue };
                    place(b, source, section, &mut intro, &mut steps);
                }
            }
        }
        let meta = meta.ok_or_else(|| err("no +++ front matter at the top".into()))?;
        let steps = steps
            .into_iter()
            .map(|d| {
                let attrs = d.attrs.ok_or_else(|| {
                    err(format!(
                        "step \"{}\" has no ```step block (where is it anchored?)",
                        d.title
                    ))
                })?;
                Ok(Step {
                    title: d.title,
                    at: attrs.at,
                    capture: attrs.capture,
                    look: Look {
                        pane: attrs.look,
                        field: attrs.field,
                        side: attrs.side,
                        bytes: attrs.bytes.map(|[a, b]| a..b),
                    },
                    narration: d.narration,
                    question: d.question,
                })
            })
            .collect::<Result<Vec<_>, LessonError>>()?;
        Ok(Lesson {
            name: name.to_string(),
            meta,
            intro,
            steps,
        })
    }
}

/// A `###` heading opens a step's question or its answer.
fn open_section(title: &str, steps: &mut [Draft], lesson: &str) -> Result<Section, LessonError> {
    let err = |what: String| LessonError::Format {
        lesson: lesson.to_string(),
        what,
    };
    let Some(step) = steps.last_mut() else {
        return Err(err(format!("\"### {title}\" before the first `##` step")));
    };
    match title.trim().to_ascii_lowercase().as_str() {
        "question" => {
            step.question = Some(Question::default());
            Ok(Section::Question)
        }
        "answer" if step.question.is_some() => Ok(Section::Answer),
        "answer" => Err(err(format!("step \"{}\": an answer without a question", step.title))),
        other => Err(err(format!(
            "step \"{}\": \"### {other}\" — under a step only `### Question` and `### Answer` are known",
            step.title
        ))),
    }
}

/// Puts a block where the parser is.
fn place(b: Parsed, source: &str, section: Section, intro: &mut Prose, steps: &mut [Draft]) {
    let step = steps.last_mut();
    match (section, step) {
        (Section::Intro, _) | (_, None) => {
            if let Parsed::Block(b) = b {
                intro.push(b, source);
            }
        }
        (Section::Narration, Some(s)) => {
            if let Parsed::Block(b) = b {
                s.narration.push(b, source);
            }
        }
        (Section::Question, Some(s)) => {
            let Some(q) = &mut s.question else { return };
            match b {
                Parsed::Choices(c) => q.choices.extend(c),
                Parsed::Block(b) => q.text.push(b, source),
            }
        }
        (Section::Answer, Some(s)) => {
            if let (Some(q), Parsed::Block(b)) = (&mut s.question, b) {
                q.answer.push(b, source);
            }
        }
    }
}

/// The index one past the top-level block that starts at `i`.
fn block_end(events: &[Ev<'_>], i: usize) -> usize {
    let mut depth = 0usize;
    for (k, (e, _)) in events.iter().enumerate().skip(i) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 {
            return k + 1;
        }
    }
    events.len()
}

fn block_range_end(block: &[Ev<'_>], fallback: usize) -> usize {
    block.last().map_or(fallback, |(_, r)| r.end.max(fallback))
}

/// The text inside a metadata or code block.
fn inner_text(block: &[Ev<'_>]) -> String {
    block
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Text(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect()
}

/// A heading's text without styling.
fn plain_text(block: &[Ev<'_>]) -> String {
    super::prose::plain(&inlines(block))
}

/// What a top-level block became.
enum Parsed {
    Block(Block),
    /// A task list: the choices of a question.
    Choices(Vec<Choice>),
}

fn to_block(block: &[Ev<'_>]) -> Option<Parsed> {
    let (first, _) = block.first()?;
    Some(Parsed::Block(match first {
        Event::Start(Tag::Paragraph) => Block::Paragraph(inlines(block)),
        Event::Start(Tag::BlockQuote(_)) => Block::Quote(inlines(block)),
        Event::Start(Tag::CodeBlock(_)) => {
            Block::Code(inner_text(block).lines().map(str::to_string).collect())
        }
        Event::Start(Tag::List(start)) => return Some(list(block, start.is_some())),
        Event::Rule | Event::Start(Tag::HtmlBlock) => return None,
        _ => Block::Paragraph(inlines(block)),
    }))
}

/// A list: a question's choices when its items carry task markers.
fn list(block: &[Ev<'_>], ordered: bool) -> Parsed {
    let mut items: Vec<(Option<bool>, Vec<Ev<'_>>)> = Vec::new();
    let mut depth = 0usize;
    for (e, r) in block.iter().skip(1) {
        match e {
            Event::Start(Tag::Item) if depth == 0 => {
                items.push((None, Vec::new()));
                depth += 1;
                continue;
            }
            Event::End(TagEnd::Item) if depth == 1 => {
                depth = 0;
                continue;
            }
            Event::TaskListMarker(done) if depth == 1 => {
                if let Some(last) = items.last_mut() {
                    last.0 = Some(*done);
                }
                continue;
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        if let Some(last) = items.last_mut() {
            last.1.push((e.clone(), r.clone()));
        }
    }
    if !items.is_empty() && items.iter().all(|(m, _)| m.is_some()) {
        return Parsed::Choices(
            items
                .into_iter()
                .map(|(m, evs)| Choice {
                    text: inlines(&evs),
                    correct: m.unwrap_or(false),
                })
                .collect(),
        );
    }
    Parsed::Block(Block::List {
        ordered,
        items: items.into_iter().map(|(_, evs)| inlines(&evs)).collect(),
    })
}

/// The inline runs of a block's events, styles kept, structure flattened
/// (a quote's paragraphs become one run with breaks between them).
fn inlines(block: &[Ev<'_>]) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    let (mut emph, mut strong) = (0u32, 0u32);
    let mut paragraphs = 0u32;
    for (e, _) in block {
        match e {
            Event::Start(Tag::Emphasis) => emph += 1,
            Event::End(TagEnd::Emphasis) => emph = emph.saturating_sub(1),
            Event::Start(Tag::Strong) => strong += 1,
            Event::End(TagEnd::Strong) => strong = strong.saturating_sub(1),
            Event::Start(Tag::Paragraph) => {
                if paragraphs > 0 {
                    out.push(Inline::Break);
                }
                paragraphs += 1;
            }
            Event::Text(t) => out.push(if strong > 0 {
                Inline::Strong(t.to_string())
            } else if emph > 0 {
                Inline::Emphasis(t.to_string())
            } else {
                Inline::Text(t.to_string())
            }),
            Event::Code(c) => out.push(Inline::Code(c.to_string())),
            Event::SoftBreak => out.push(Inline::Text(" ".into())),
            Event::HardBreak => out.push(Inline::Break),
            _ => {}
        }
    }
    merge(out)
}

/// Joins neighbouring runs of the same style.
fn merge(runs: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(runs.len());
    for r in runs {
        match (out.last_mut(), r) {
            (Some(Inline::Text(a)), Inline::Text(b)) => a.push_str(&b),
            (Some(Inline::Emphasis(a)), Inline::Emphasis(b)) => a.push_str(&b),
            (Some(Inline::Strong(a)), Inline::Strong(b)) => a.push_str(&b),
            (_, r) => out.push(r),
        }
    }
    out
}
