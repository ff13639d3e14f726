//! Every shipped lesson plays on its shipped captures: the lesson checker
//! (`sockscope lesson check`) finds nothing wrong, every anchor lands where
//! its story says, and a lesson with mistakes is caught.

use sockscope::lessons::check::check;
use sockscope::lessons::{shipped, Course, Lesson, LessonSource};

fn course(name: &str) -> Course {
    let src = LessonSource::named(name).expect("a shipped lesson");
    Course::open(&src, None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_shipped_lesson_passes_its_check() {
    assert!(!shipped::LESSONS.is_empty());
    for (name, _) in shipped::LESSONS {
        let c = course(name);
        let problems = check(&c);
        assert!(
            problems.is_empty(),
            "lesson {name}:\n{}",
            problems
                .iter()
                .map(|p| format!("  {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn the_ccnotes_lesson_lands_on_the_moments_of_the_story() {
    let c = course("ccnotes");
    let frames: Vec<(usize, u64)> = (0..c.lesson.steps.len())
        .map(|i| {
            let (cap, at) = c.resolve(i).expect("anchored");
            (cap, at.frame)
        })
        .collect();
    // The greeting's first piece (#4), the client's read of it (#4), the
    // early HELO (#6), the greeting's end (#8), MAIL with 42 B unread (#12),
    // QUIT (#17); then the fixed capture's HELO (#8) and 221 (#16).
    assert_eq!(
        frames,
        vec![
            (0, 4),
            (0, 4),
            (0, 6),
            (0, 8),
            (0, 12),
            (0, 17),
            (1, 8),
            (1, 16)
        ]
    );
    let kernel = &c.captures[0].2;
    let t = &c.captures[0].1;
    let pos = t.segments_of(1).position(|s| s.frame == 12).expect("#12");
    let at = kernel.at(t, 1, pos).expect("kernel at MAIL");
    assert_eq!(at.client.unread(), 42, "the 250 to HELO waits unread");
}

const BROKEN: &str = r#"+++
title = "Broken on purpose"
capture = "ccnotes.pcapng"
lab = "ccnotes"
level = "beginner"
minutes = 5
learn = ["nothing"]
+++

## A frame number in a lab lesson

```step
at = { frame = 4 }
look = "kernel"
field = "unraed"
```

Mentions `smtp_smuggling_eod_variant`, which this capture does not raise.

### Question

Which?

- [ ] this
- [ ] that

## An anchor that misses

```step
at = { command = "EHLO" }
```

The client says HELO, not EHLO.
"#;

#[test]
fn a_lesson_with_mistakes_is_caught() {
    let lesson = Lesson::parse("broken", BROKEN).expect("it parses");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("broken.md");
    std::fs::write(&path, BROKEN).expect("write");
    let c = Course::open(&LessonSource::File(path), None).expect("its capture is shipped");
    assert_eq!(c.lesson.steps.len(), lesson.steps.len());
    let problems: Vec<String> = check(&c).iter().map(|p| p.to_string()).collect();
    let has = |s: &str| problems.iter().any(|p| p.contains(s));
    assert!(has("step 1: anchored to frame 4"), "{problems:#?}");
    assert!(has("no field \"unraed\""), "{problems:#?}");
    assert!(has("without the endpoint"), "{problems:#?}");
    assert!(has("`smtp_smuggling_eod_variant`"), "{problems:#?}");
    assert!(
        has("no choice of its question is marked right"),
        "{problems:#?}"
    );
    assert!(has("no `### Answer`"), "{problems:#?}");
    assert!(has("step 2: anchor the EHLO command"), "{problems:#?}");
    assert_eq!(problems.len(), 7, "{problems:#?}");
}

#[test]
fn format_mistakes_are_named() {
    let no_step = "+++\ntitle = \"t\"\ncapture = \"c\"\nlevel = \"beginner\"\nminutes = 1\nlearn = []\n+++\n\n## A step\n\nText.\n";
    let e = Lesson::parse("x", no_step).expect_err("no step block");
    assert!(e.to_string().contains("has no ```step block"), "{e}");
    let bad_level = no_step.replace("beginner", "expert");
    let e = Lesson::parse("x", &bad_level).expect_err("bad level");
    assert!(e.to_string().contains("front matter"), "{e}");
    let unknown = no_step.replace(
        "## A step\n",
        "## A step\n\n```step\nat = { command = \"HELO\" }\nlok = \"ladder\"\n```\n",
    );
    let e = Lesson::parse("x", &unknown).expect_err("unknown key");
    assert!(e.to_string().contains("lok"), "{e}");
}
