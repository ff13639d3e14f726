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
    // The greeting's first piece (#4), the client's read of it (#5: it
    // returned after the client's kernel acknowledged the 17 bytes), the
    // early HELO (#6), the greeting's end (#8), MAIL with 42 B unread (#12),
    // QUIT (#17); then the fixed capture's HELO (#8) and 221 (#16).
    assert_eq!(
        frames,
        vec![
            (0, 4),
            (0, 5),
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

/// Every lesson that names a lab scenario also holds on a capture recorded
/// now: its anchors are events, not frame numbers. Capturing needs root or
/// CAP_NET_RAW (`sudo setcap cap_net_raw,cap_net_admin+eip` on the test
/// binary, or run the tests as root); without it the test says so and checks
/// nothing more.
#[test]
fn every_lab_lesson_passes_its_check_on_a_fresh_recording() {
    use sockscope::capture::live::LiveError;
    use sockscope::lab::{self, LabError};
    let dir = tempfile::tempdir().expect("tmp");
    let mut checked = 0;
    for (name, _) in shipped::LESSONS {
        let src = LessonSource::named(name).expect("shipped");
        let lesson = sockscope::lessons::load(&src).expect("parses");
        let Some(scenario) = lesson.meta.lab.as_deref() else {
            continue;
        };
        let out = dir.path().join(format!("{name}.pcapng"));
        match lab::run(scenario, true, Some(&out)) {
            Err(LabError::Capture(LiveError::Permission(why))) => {
                println!("skipped: cannot capture here ({why}); lessons were checked on their shipped captures only");
                return;
            }
            Err(e) if e.unsupported_here() => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "lesson {name}: lab {scenario} must run under CI: {e}"
                );
                println!("lesson {name}: SKIPPED on a fresh recording, this machine cannot run lab {scenario}: {e}");
                continue;
            }
            other => {
                other.unwrap_or_else(|e| panic!("lab {scenario}: {e}"));
            }
        }
        let c = Course::open(&src, Some(&out)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let problems = check(&c);
        assert!(
            problems.is_empty(),
            "lesson {name} on a fresh `lab {scenario}`:\n{}",
            problems
                .iter()
                .map(|p| format!("  {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        checked += 1;
    }
    println!("{checked} lab lessons checked on fresh recordings");
}

/// The handout of the ccnotes lesson kept in the repository is what
/// `sockscope lesson ccnotes --print --svg svg` makes today. To refresh it:
/// `SOCKSCOPE_BLESS=1 cargo test --test lessons handout`.
#[test]
fn the_ccnotes_handout_in_the_repository_is_current() {
    use sockscope::lessons::handout::handout;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons/handouts");
    let (md, svgs) = handout(&course("ccnotes"), Some("svg"));
    let bless = std::env::var_os("SOCKSCOPE_BLESS").is_some();
    if bless {
        std::fs::create_dir_all(root.join("svg")).expect("mkdir");
        std::fs::write(root.join("ccnotes.md"), &md).expect("write");
        for (file, text) in &svgs {
            std::fs::write(root.join("svg").join(file), text).expect("write svg");
        }
    }
    let stale = "stale: run `SOCKSCOPE_BLESS=1 cargo test --test lessons handout` and commit lessons/handouts";
    let kept = std::fs::read_to_string(root.join("ccnotes.md")).expect(stale);
    assert!(kept == md, "lessons/handouts/ccnotes.md is {stale}");
    assert_eq!(svgs.len(), c_steps(), "one SVG per step");
    for (file, text) in &svgs {
        let kept = std::fs::read_to_string(root.join("svg").join(file)).expect(stale);
        assert!(kept == *text, "lessons/handouts/svg/{file} is {stale}");
        assert!(text.starts_with("<svg") && text.contains("</svg>"));
    }
}

fn c_steps() -> usize {
    course("ccnotes").lesson.steps.len()
}

/// Where each step of a lesson lands: (capture, frame), step by step.
fn landings(name: &str) -> Vec<(usize, u64)> {
    let c = course(name);
    (0..c.lesson.steps.len())
        .map(|i| {
            let (cap, at) = c.resolve(i).unwrap_or_else(|e| panic!("{name}: {e}"));
            (cap, at.frame)
        })
        .collect()
}

/// Every lesson written after ccnotes lands where its narration says: the
/// frames it names are these, on the shipped captures.
#[test]
fn the_lessons_land_on_the_frames_their_narration_names() {
    let expected: &[(&str, &[(usize, u64)])] = &[
        // 220, EHLO, its 250, RCPT's 250, 354, the content, 250, server FIN.
        (
            "smtp-dialogue",
            &[
                (0, 4),
                (0, 6),
                (0, 8),
                (0, 12),
                (0, 14),
                (0, 15),
                (0, 16),
                (0, 19),
            ],
        ),
        // The two-line 220 (twice), EHLO with ack 112, EHLO's 250, 354, 221.
        (
            "multiline",
            &[(0, 4), (0, 4), (0, 6), (0, 8), (0, 14), (0, 18)],
        ),
        // PIPELINING offered, the group, 354, the client's read; then the
        // abuse capture: no PIPELINING, the finding, its 354.
        (
            "pipelining",
            &[(0, 8), (0, 9), (0, 12), (0, 13), (1, 8), (1, 9), (1, 13)],
        ),
        // SO_RCVBUF (on the 220: the calls after accept() returned ride on
        // the next frame), 5120 B unread, win 0, the first probe, the window
        // update, window full, the 250.
        (
            "slow-reader",
            &[(0, 4), (0, 19), (0, 22), (0, 23), (0, 29), (0, 32), (0, 76)],
        ),
        // 354, the stuffed content, 250; smuggling: bare LF, the variant, 250.
        (
            "dot-stuffing",
            &[(0, 14), (0, 15), (0, 16), (1, 15), (1, 15), (1, 16)],
        ),
        // POP3 greeting, PASS, LIST, RETR, QUIT; the SMTP SYN and 250 (conn
        // 2); the real fetchmail's DELE after Postfix's 250.
        (
            "pop3-fetch",
            &[
                (0, 4),
                (0, 9),
                (0, 14),
                (0, 16),
                (0, 20),
                (0, 24),
                (0, 39),
                (1, 38),
            ],
        ),
        // 220, the percent RCPT (twice), its 250, DATA's 250, 221.
        (
            "percent-relay",
            &[(0, 4), (0, 11), (0, 11), (0, 12), (0, 16), (0, 18)],
        ),
        // listen (on the SYN), the SYN/ACK, accept, the client's read of the
        // 220, the refused connection's RST (conn 2), the 221.
        (
            "listening",
            &[(0, 1), (0, 2), (0, 3), (0, 5), (0, 7), (0, 12)],
        ),
        // SYN, SYN/ACK, the client's ACK, the EHLO before any greeting,
        // accept() 0.5 s later with the 220.
        ("handshake", &[(0, 1), (0, 2), (0, 3), (0, 4), (0, 6)]),
        // SO_RCVBUF, 5120 B unread, win 0, the first probe, the window
        // update, window full, the 250: the slow reader's frames again.
        (
            "kernel-knew",
            &[(0, 3), (0, 19), (0, 22), (0, 23), (0, 29), (0, 32), (0, 76)],
        ),
        // MAIL's 250, RCPT, the RST (three times); clean.pcapng's FIN.
        (
            "reset",
            &[(0, 10), (0, 11), (0, 12), (0, 12), (0, 12), (1, 19)],
        ),
    ];
    for (name, frames) in expected {
        assert_eq!(landings(name), frames.to_vec(), "lesson {name}");
    }
    // The hand-off steps of pop3-fetch are in the SMTP connection.
    let c = course("pop3-fetch");
    let conns: Vec<u32> = (5..7)
        .map(|i| c.resolve(i).expect("lands").1.conn)
        .collect();
    assert_eq!(conns, vec![2, 2]);
}
