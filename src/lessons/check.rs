//! `sockscope lesson check`: what a teacher runs on a lesson being written,
//! and what `cargo test` runs on every shipped lesson, so that a change to the
//! analysis that breaks a lesson's story fails the build. It checks that the
//! captures and the lab scenario exist, that every anchor lands, that every
//! pane, field and finding a step names is really there, and that every
//! question has its answer.

use std::collections::BTreeSet;

use super::format::Lesson;
use super::look::Pane;
use super::source::Course;

/// One thing wrong with a lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based step, or none for the lesson as a whole.
    pub step: Option<usize>,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.step {
            Some(s) => write!(f, "step {s}: {}", self.what),
            None => write!(f, "{}", self.what),
        }
    }
}

/// Everything wrong with a lesson played on its captures (empty: good).
pub fn check(course: &Course) -> Vec<Problem> {
    let mut out = Vec::new();
    let whole = |what: String| Problem { step: None, what };
    let l = &course.lesson;
    out.extend(meta_problems(l).into_iter().map(whole));
    let raised = raised_ids(course);
    for (i, step) in l.steps.iter().enumerate() {
        let at = |what: String| Problem {
            step: Some(i + 1),
            what,
        };
        if let Err(why) = course.resolve(i) {
            out.push(at(format!("anchor {}: {why}", step.at.describe())));
        }
        if l.meta.lab.is_some() && step.at.is_frame() {
            out.push(at(format!(
                "anchored to {}, but the lesson plays on fresh lab captures too: anchor it to an event \
                 (segment, command, reply, call, finding, kernel, message)",
                step.at.describe()
            )));
        }
        if let Some(why) = step.look.problem() {
            out.push(at(why));
        }
        if step.look.pane == Some(Pane::Kernel)
            && step.look.field.is_some()
            && step.look.side.is_none()
        {
            out.push(at(
                "a kernel field is named without the endpoint (`side`) whose it is".into(),
            ));
        }
        if step.narration.is_empty() {
            out.push(at("has no narration".into()));
        }
        for id in named_findings(step) {
            if !raised.contains(id) {
                out.push(at(format!(
                    "names the finding `{id}`, which none of the lesson's captures raises"
                )));
            }
        }
        if let Some(q) = &step.question {
            out.extend(question_problems(q).into_iter().map(at));
        }
    }
    out
}

fn meta_problems(l: &Lesson) -> Vec<String> {
    let mut out = Vec::new();
    let m = &l.meta;
    if m.title.trim().is_empty() {
        out.push("the title is empty".into());
    }
    if m.minutes == 0 {
        out.push("`minutes` must say how long the lesson takes".into());
    }
    if m.learn.is_empty() {
        out.push("`learn` must say what the student will learn".into());
    }
    if l.steps.is_empty() {
        out.push("the lesson has no step (`## Title` and a ```step block)".into());
    }
    if let Some(lab) = &m.lab {
        if crate::lab::scenarios::find(lab).is_none() {
            let known: Vec<&str> = crate::lab::SCENARIOS.iter().map(|s| s.name).collect();
            out.push(format!(
                "lab scenario \"{lab}\" does not exist (they are: {})",
                known.join(", ")
            ));
        }
    }
    out
}

fn question_problems(q: &super::format::Question) -> Vec<String> {
    let mut out = Vec::new();
    if q.text.is_empty() {
        out.push("its question has no text".into());
    }
    if !q.choices.is_empty() {
        if q.choices.len() < 2 {
            out.push("a multiple-choice question needs at least two choices".into());
        }
        if !q.choices.iter().any(|c| c.correct) {
            out.push("no choice of its question is marked right (`- [x]`)".into());
        }
    }
    if q.answer.is_empty() {
        out.push("its question has no `### Answer` (the model answer)".into());
    }
    out
}

/// Code spans of a step that are finding ids (`smtp_pregreet`): lower-case
/// words joined by `_`, starting with a layer's prefix.
fn named_findings(step: &super::format::Step) -> BTreeSet<&str> {
    let mut spans = step.narration.code_spans();
    if let Some(q) = &step.question {
        spans.extend(q.text.code_spans());
        spans.extend(q.answer.code_spans());
    }
    spans
        .into_iter()
        .filter(|s| looks_like_finding(s))
        .collect()
}

fn looks_like_finding(s: &str) -> bool {
    let prefixed = ["tcp_", "smtp_", "pop3_", "ip_"]
        .iter()
        .any(|p| s.starts_with(p));
    prefixed
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Every finding id any of the course's captures raises.
fn raised_ids(course: &Course) -> BTreeSet<String> {
    course
        .captures
        .iter()
        .flat_map(|(_, t, _)| t.findings.iter().map(|f| f.id.to_string()))
        .collect()
}
