//! `sockscope lesson NAME --print`: the lesson as a handout in Markdown, to
//! read on its own or turn into a PDF — the introduction and what the student
//! will learn, then each step's narration with the ladder and the dialogue it
//! points at, the questions, and the answers at the end. With `--svg DIR`
//! each step's ladder is drawn as an SVG sequence diagram beside it.

use std::fmt::Write;

use super::format::{Lesson, Step};
use super::source::Course;
use crate::proto::dialogue::Item;
use crate::report::svg::ladder_svg;
use crate::tcp::{Dir, SegmentRecord};
use crate::text::{preview, preview_prefix};
use crate::timeline::Timeline;

/// Segments shown before a step's anchor in its ladder excerpt.
const LADDER_ROWS: usize = 8;
/// Dialogue lines shown up to a step's anchor.
const DIALOGUE_ROWS: usize = 8;

/// One SVG file a handout refers to: (file name, contents).
pub type Svg = (String, String);

/// The handout's Markdown, and the SVGs it names when `svg_dir` is given
/// (the name the Markdown uses for the folder).
pub fn handout(course: &Course, svg_dir: Option<&str>) -> (String, Vec<Svg>) {
    let l = &course.lesson;
    let mut md = String::new();
    let mut svgs = Vec::new();
    header(&mut md, l);
    let mut answers = Vec::new();
    for (i, step) in l.steps.iter().enumerate() {
        let _ = writeln!(md, "## Step {} — {}\n", i + 1, step.title);
        md.push_str(step.narration.markdown.trim());
        md.push_str("\n\n");
        look_line(&mut md, step);
        if let Ok((c, at)) = course.resolve(i) {
            if let Some((name, t, _)) = course.captures.get(c) {
                excerpts(&mut md, t, at.conn, at.frame, c > 0, name);
                if let Some(dir) = svg_dir {
                    let file = format!("{}-step{}.svg", l.name, i + 1);
                    let _ = writeln!(md, "![The ladder up to step {}]({dir}/{file})\n", i + 1);
                    svgs.push((file, step_svg(t, at.conn, at.frame, &step.title)));
                }
            }
        }
        if let Some(q) = &step.question {
            let n = answers.len() + 1;
            let _ = writeln!(md, "**Question {n}.** {}\n", q.text.markdown.trim());
            for (k, c) in q.choices.iter().enumerate() {
                let _ = writeln!(md, "{}) {}", letter(k), super::prose::plain(&c.text));
            }
            if !q.choices.is_empty() {
                md.push('\n');
            }
            answers.push(q);
        }
    }
    if !answers.is_empty() {
        md.push_str("---\n\n## Answers\n\n");
        for (n, q) in answers.iter().enumerate() {
            let right: Vec<String> = q
                .choices
                .iter()
                .enumerate()
                .filter(|(_, c)| c.correct)
                .map(|(k, _)| letter(k).to_string())
                .collect();
            let lead = if right.is_empty() {
                String::new()
            } else {
                format!("**{}** — ", right.join(", "))
            };
            let _ = writeln!(md, "{}. {lead}{}\n", n + 1, q.answer.markdown.trim());
        }
    }
    (md, svgs)
}

fn letter(k: usize) -> char {
    (b'a' + (k.min(25) as u8)) as char
}

fn header(md: &mut String, l: &Lesson) {
    let m = &l.meta;
    let _ = writeln!(md, "# {}\n", m.title);
    let lab = m
        .lab
        .as_ref()
        .map(|s| format!(", recorded by `sockscope lab {s}`"))
        .unwrap_or_default();
    let _ = writeln!(
        md,
        "*{} · about {} minutes · capture `{}`{lab} · open it with `sockscope lesson {}`*\n",
        m.level.name(),
        m.minutes,
        m.capture,
        l.name
    );
    md.push_str("**You will learn**\n\n");
    for item in &m.learn {
        let _ = writeln!(md, "- {item}");
    }
    md.push('\n');
    if !l.intro.is_empty() {
        md.push_str(l.intro.markdown.trim());
        md.push_str("\n\n");
    }
    if !m.sources.is_empty() {
        let _ = writeln!(md, "*Sources: {}.*\n", m.sources.join("; "));
    }
}

/// "Look at" as a sentence, when the step names a pane.
fn look_line(md: &mut String, step: &Step) {
    let Some(pane) = step.look.pane else { return };
    let field = step
        .look
        .field
        .as_ref()
        .map(|f| format!(", the field `{f}`"))
        .unwrap_or_default();
    let side = step
        .look
        .side
        .map(|s| format!(" of the {}", s.name()))
        .unwrap_or_default();
    let _ = writeln!(md, "*Look at: the {} pane{field}{side}.*\n", pane.name());
}

/// The ladder rows and dialogue lines up to the anchor, as text.
fn excerpts(md: &mut String, t: &Timeline, conn: u32, frame: u64, other: bool, capture: &str) {
    let segs: Vec<&SegmentRecord> = t.segments_of(conn).collect();
    let upto = segs.partition_point(|s| s.frame <= frame);
    let from = upto.saturating_sub(LADDER_ROWS);
    if other {
        let _ = writeln!(md, "On the other capture, `{capture}`:\n");
    }
    md.push_str("```text\n");
    let start = t.first_time().unwrap_or_default();
    for s in segs.get(from..upto).unwrap_or(&[]) {
        let mark = if s.frame == frame { "▶" } else { " " };
        let arrow = match s.dir {
            Dir::C2s => "client ──▶ server",
            Dir::S2c => "client ◀── server",
        };
        let payload = if s.captured > 0 {
            format!(" \"{}\"", preview_prefix(&s.preview, u64::from(s.len), 30))
        } else {
            String::new()
        };
        let _ = writeln!(
            md,
            "{mark}#{:<4} {:>8.3}s  {arrow}  {:<8} seq={} ack={} len={}{payload}",
            s.frame,
            s.time.secs_since(start),
            s.flags.to_string(),
            s.seq,
            s.ack,
            s.len
        );
    }
    md.push_str("```\n\n");
    dialogue_excerpt(md, t, conn, frame);
}

fn dialogue_excerpt(md: &mut String, t: &Timeline, conn: u32, frame: u64) {
    let Some(d) = t.dialogue(conn) else { return };
    let lines: Vec<String> = d
        .in_order(false)
        .into_iter()
        .filter(|(f, _)| *f <= frame)
        .filter_map(|(f, item)| match item {
            Item::Command(i) => d.commands.get(i).map(|c| {
                let arg = c.shown_arg(false);
                let sep = if arg.is_empty() { "" } else { " " };
                format!("C {}{sep}{}   (#{f})", c.verb_as_sent, preview(&arg, 50))
            }),
            Item::Reply(i) => d.replies.get(i).map(|r| {
                let first = r.lines.first().map(|l| preview(l, 50)).unwrap_or_default();
                let more = if r.lines.len() > 1 {
                    format!(" (+{} lines)", r.lines.len() - 1)
                } else {
                    String::new()
                };
                format!("S {} {first}{more}   (#{f})", r.code)
            }),
            Item::Stray(i) => d
                .stray
                .get(i)
                .map(|l| format!("S {}   (#{f}, no reply)", preview(&l.text, 50))),
            Item::Message(_) => None,
        })
        .collect();
    if lines.is_empty() {
        return;
    }
    md.push_str("```text\n");
    for l in lines.iter().skip(lines.len().saturating_sub(DIALOGUE_ROWS)) {
        let _ = writeln!(md, "{l}");
    }
    md.push_str("```\n\n");
}

/// The SVG ladder of a step: the segments up to its anchor (and a few
/// after, dimmed by being later on the page), the anchor highlighted.
fn step_svg(t: &Timeline, conn: u32, frame: u64, title: &str) -> String {
    let segs: Vec<&SegmentRecord> = t.segments_of(conn).collect();
    let upto = segs.partition_point(|s| s.frame <= frame);
    let from = upto.saturating_sub(LADDER_ROWS * 2);
    let shown = segs.get(from..upto).unwrap_or(&[]);
    let (client, server) = t
        .connection(conn)
        .map(|c| {
            (
                format!("client {}", c.client),
                format!("server {}", c.server),
            )
        })
        .unwrap_or_default();
    ladder_svg(
        shown,
        Some(frame),
        (&client, &server),
        t.first_time().unwrap_or_default(),
        title,
    )
}
