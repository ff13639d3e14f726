//! The lesson pane: where the lesson is ("step 3/8"), the step's narration,
//! what to look at, its question with the choices and — once answered —
//! whether it was right and the model answer; the keys that move on. Off the
//! step's moment (the student explored), it says how to come back.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::lessons::{Block, Inline, Lesson, Prose, Question};
use crate::ui::data::{LessonBook, PaneData};
use crate::ui::state::{Answer, LessonState, ViewState};
use crate::ui::theme::Theme;
use crate::ui::widgets::{pane_block, wrap_runs};

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme) {
    let (Some(l), Some(book)) = (&s.lesson, d.lesson) else {
        return;
    };
    let lesson = &book.lesson;
    let title = vec![
        Span::styled("lesson", t.title()),
        Span::styled(format!(" · {} · ", lesson.meta.title), t.dim()),
        Span::styled(position(l), t.key()),
    ];
    let block = pane_block(title, true, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width.saturating_sub(1)).max(10);
    let mut lines = body(s, l, book, t, w);
    let room = usize::from(inner.height);
    // The keys stay on the last line whatever the scroll.
    let keys = keys_line(s, l, book, t);
    let text_rows = room.saturating_sub(1);
    let max_scroll = lines.len().saturating_sub(text_rows);
    let scroll = usize::from(l.scroll).min(max_scroll);
    let mut shown: Vec<Line<'static>> = lines.drain(..).skip(scroll).take(text_rows).collect();
    if max_scroll > scroll && text_rows > 0 {
        if let Some(last) = shown.last_mut() {
            *last = Line::from(Span::styled("  … } reads on ({ back)", t.dim()));
        }
    }
    while shown.len() < text_rows {
        shown.push(Line::default());
    }
    shown.push(keys);
    f.render_widget(Paragraph::new(shown), inner);
}

/// `introduction`, `step 3/8`.
fn position(l: &LessonState) -> String {
    if l.step == 0 {
        format!("introduction · {} steps", l.steps)
    } else {
        format!("step {}/{}", l.step, l.steps)
    }
}

fn body(
    s: &ViewState,
    l: &LessonState,
    book: &LessonBook,
    t: &Theme,
    w: usize,
) -> Vec<Line<'static>> {
    let lesson = &book.lesson;
    let mut out = Vec::new();
    let Some(step) = l.step.checked_sub(1).and_then(|k| lesson.steps.get(k)) else {
        intro(&mut out, lesson, t, w);
        return out;
    };
    out.push(Line::from(Span::styled(step.title.clone(), t.bold())));
    if let Some(pane) = step.look.pane {
        let field = step
            .look
            .field
            .as_ref()
            .map(|f| format!(", {f}"))
            .unwrap_or_default();
        let side = step
            .look
            .side
            .map(|e| format!(" of the {}", e.name()))
            .unwrap_or_default();
        out.push(Line::from(vec![
            Span::styled("◆ look at: ", t.key()),
            Span::styled(format!("the {} pane{field}{side}", pane.name()), t.bold()),
        ]));
    }

    if s.lesson.is_some() && s.on_path().is_none() && l.anchor.is_some() {
        out.push(Line::from(Span::styled(
            "You left this step's moment to explore: . brings the cursor back.",
            t.partial(),
        )));
    }
    if let Some(Err(why)) = l.step.checked_sub(1).and_then(|k| book.anchors.get(k)) {
        out.push(Line::from(Span::styled(
            format!("This step's moment is not in this capture: {why}"),
            t.severity(crate::finding::Severity::Warning),
        )));
    }
    prose(&mut out, &step.narration, t, w);
    if let Some(q) = &step.question {
        out.push(Line::default());
        question(&mut out, q, l.answer(), t, w);
    }
    out
}

fn intro(out: &mut Vec<Line<'static>>, lesson: &Lesson, t: &Theme, w: usize) {
    let m = &lesson.meta;
    out.push(Line::from(Span::styled(
        format!("{} · about {} minutes", m.level.name(), m.minutes),
        t.dim(),
    )));
    prose(out, &lesson.intro, t, w);
    out.push(Line::from(Span::styled("You will learn:", t.bold())));
    for item in &m.learn {
        out.extend(wrap_runs(
            &[(item.clone(), Style::new())],
            w,
            "  • ",
            "    ",
        ));
    }
}

/// A narration's blocks as lines: paragraphs wrapped, quotes marked, lists
/// bulleted, code as it is.
fn prose(out: &mut Vec<Line<'static>>, p: &Prose, t: &Theme, w: usize) {
    for (i, b) in p.blocks.iter().enumerate() {
        if i > 0 {
            out.push(Line::default());
        }
        match b {
            Block::Paragraph(runs) => out.extend(wrap_runs(&styled(runs, t), w, "", "")),
            Block::Quote(runs) => {
                let quote: Vec<(String, Style)> = styled(runs, t)
                    .into_iter()
                    .map(|(s, st)| (s, st.patch(t.quote())))
                    .collect();
                out.extend(wrap_runs(&quote, w, "  │ ", "  │ "));
            }
            Block::List { ordered, items } => {
                for (i, item) in items.iter().enumerate() {
                    let mark = if *ordered {
                        format!("  {}. ", i + 1)
                    } else {
                        "  • ".to_string()
                    };
                    out.extend(wrap_runs(&styled(item, t), w, &mark, "    "));
                }
            }
            Block::Code(lines) => {
                for line in lines {
                    out.push(Line::from(Span::styled(format!("    {line}"), t.dim())));
                }
            }
        }
    }
}

fn styled(runs: &[Inline], t: &Theme) -> Vec<(String, Style)> {
    runs.iter()
        .map(|r| match r {
            Inline::Text(s) => (s.clone(), Style::new()),
            Inline::Code(s) => (s.clone(), t.code()),
            Inline::Emphasis(s) => (s.clone(), t.emphasis()),
            Inline::Strong(s) => (s.clone(), t.bold()),
            Inline::Break => ("\n".to_string(), Style::new()),
        })
        .collect()
}

fn question(
    out: &mut Vec<Line<'static>>,
    q: &Question,
    answer: Option<Answer>,
    t: &Theme,
    w: usize,
) {
    out.push(Line::from(Span::styled("Question", t.key())));
    prose(out, &q.text, t, w);
    for (k, c) in q.choices.iter().enumerate() {
        let letter = (b'a' + k as u8) as char;
        let (mark, style) = match answer {
            Some(Answer::Chose(_)) if c.correct => ("✓", t.right()),
            Some(Answer::Chose(p)) if p == k => ("✗", t.wrong()),
            _ => (" ", Style::new()),
        };
        let lead = format!(" {mark} {letter}) ");
        let runs: Vec<(String, Style)> = styled(&c.text, t)
            .into_iter()
            .map(|(s, st)| (s, st.patch(style)))
            .collect();
        out.extend(wrap_runs(&runs, w, &lead, "      "));
    }
    match answer {
        None => {}
        Some(Answer::Chose(p)) => {
            let right = q.choices.get(p).is_some_and(|c| c.correct);
            out.push(Line::from(if right {
                Span::styled("Right.", t.right())
            } else {
                Span::styled("Not quite.", t.wrong())
            }));
            prose(out, &q.answer, t, w);
        }
        Some(Answer::Revealed) => {
            out.push(Line::from(Span::styled("A model answer:", t.right())));
            prose(out, &q.answer, t, w);
        }
    }
}

/// What the keys do here: answer while a question waits, then move on.
fn keys_line(s: &ViewState, l: &LessonState, book: &LessonBook, t: &Theme) -> Line<'static> {
    let waiting = l
        .step
        .checked_sub(1)
        .and_then(|k| book.lesson.steps.get(k))
        .and_then(|st| st.question.as_ref())
        .filter(|_| l.answer().is_none());
    let mut spans = Vec::new();
    let mut key = |k: &str, what: &str| {
        spans.push(Span::styled(format!(" {k}"), t.key()));
        spans.push(Span::styled(format!(" {what} "), t.dim()));
    };
    if let Some(q) = waiting {
        if q.choices.is_empty() {
            key("a", "show the model answer");
        } else {
            let last = (b'a' + q.choices.len().saturating_sub(1) as u8) as char;
            key(&format!("a–{last}"), "answer");
        }
    }
    if l.step < l.steps {
        key("]", if l.step == 0 { "start" } else { "next step" });
    }
    if l.step > 0 {
        key("[", "back");
    }
    if s.on_path().is_none() && l.anchor.is_some() {
        key(".", "back to the step");
    }
    key(
        "s",
        if s.spoilers {
            "hide what comes next"
        } else {
            "show what comes next"
        },
    );
    Line::from(spans)
}
