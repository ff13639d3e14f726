//! `sockscope lesson`: the lessons. Without a name, the list; with one, the
//! terminal view plays it (`--lab` on a capture made now, by the lab);
//! `--print` writes it as a Markdown handout (`--svg DIR`: each step's ladder
//! as an SVG beside it); `lesson check` validates lessons.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use sockscope::lessons::check::check;
use sockscope::lessons::handout::handout;
use sockscope::lessons::{load, shipped, Course, LessonSource};

#[derive(Args)]
pub struct LessonArgs {
    /// A lesson's name (`sockscope lesson` lists them), a lesson file
    /// (`.md`), or `check` followed by names or files.
    pub name: Option<String>,
    /// With `check`: the lessons to check (all shipped ones if none).
    pub more: Vec<String>,
    /// Run the lesson's lab scenario on this machine now (real sockets on
    /// loopback) and play the lesson on what was just captured.
    #[arg(long)]
    pub lab: bool,
    /// Print the lesson as a Markdown handout instead of opening the view.
    #[arg(long)]
    pub print: bool,
    /// With --print: draw each step's ladder as an SVG in DIR.
    #[arg(long, value_name = "DIR", requires = "print")]
    pub svg: Option<PathBuf>,
}

pub fn run(args: &LessonArgs) -> Result<ExitCode> {
    match args.name.as_deref() {
        None => list(),
        Some("check") => check_all(&args.more, args.lab),
        Some(name) => {
            let source = LessonSource::named(name)?;
            let fresh = if args.lab {
                Some(record(&source)?)
            } else {
                None
            };
            if args.print {
                let course = Course::open(&source, fresh.as_deref())?;
                return print(&course, args.svg.as_deref());
            }
            let book = sockscope::ui::data::LessonBook::open(&source, fresh.as_deref())?;
            super::view::run_lesson(book)
        }
    }
}

fn list() -> Result<ExitCode> {
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(out, "{:<18} {:<13} {:>4}  title", "name", "level", "min")?;
    for (name, _) in shipped::LESSONS {
        let l = load(&LessonSource::Shipped(name))?;
        writeln!(
            out,
            "{name:<18} {:<13} {:>4}  {}",
            l.meta.level.name(),
            l.meta.minutes,
            l.meta.title
        )?;
    }
    writeln!(
        out,
        "\nsockscope lesson NAME opens one in the view; --print makes a handout."
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Checks lessons on their captures (and, with `--lab`, on fresh lab runs).
fn check_all(names: &[String], lab: bool) -> Result<ExitCode> {
    let names: Vec<String> = if names.is_empty() {
        shipped::LESSONS
            .iter()
            .map(|(n, _)| n.to_string())
            .collect()
    } else {
        names.to_vec()
    };
    let mut bad = 0;
    for name in &names {
        let source = LessonSource::named(name)?;
        let fresh = if lab { Some(record(&source)?) } else { None };
        let course = Course::open(&source, fresh.as_deref())?;
        let problems = check(&course);
        let on = if lab { " (on a fresh lab capture)" } else { "" };
        if problems.is_empty() {
            println!("{name}: ok, {} steps{on}", course.lesson.steps.len());
        } else {
            bad += 1;
            println!("{name}: {} problem(s){on}", problems.len());
            for p in problems {
                println!("  {p}");
            }
        }
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs the lesson's lab scenario and returns the capture it wrote.
fn record(source: &LessonSource) -> Result<PathBuf> {
    let lesson = load(source)?;
    let Some(scenario) = lesson.meta.lab.as_deref() else {
        bail!(
            "lesson {} names no lab scenario (`lab = ...` in its front matter)",
            lesson.name
        );
    };
    let path = std::env::temp_dir().join(format!("sockscope-lesson-{}.pcapng", lesson.name));
    let options = sockscope::lab::LabOptions {
        capture: true,
        write: Some(path.clone()),
        netns: false,
    };
    let run = sockscope::lab::run_with(scenario, &options).with_context(|| {
        format!("the lab scenario {scenario} failed (capturing needs root or CAP_NET_RAW)")
    })?;
    match run.written {
        Some((p, frames)) => {
            eprintln!(
                "sockscope: lab {scenario}: {frames} frames captured into {}",
                p.display()
            );
            Ok(p)
        }
        None => bail!("the lab scenario {scenario} captured nothing"),
    }
}

fn print(course: &Course, svg: Option<&Path>) -> Result<ExitCode> {
    let dir_name = svg.map(|d| d.to_string_lossy().into_owned());
    let (md, svgs) = handout(course, dir_name.as_deref());
    if let Some(dir) = svg {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (file, text) in &svgs {
            let p = dir.join(file);
            std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?;
        }
    }
    let mut out = io::stdout().lock();
    out.write_all(md.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
