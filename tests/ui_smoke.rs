//! The real binary in a real pseudo-terminal (tmux): it opens the view,
//! steps forward, quits, and leaves the terminal as it found it — the
//! alternate screen left, mouse reporting off, the cursor visible, the shell
//! going on. Skipped, saying so, where tmux is not installed.

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> Option<String> {
    let out = Command::new("tmux").args(args).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_for(session: &str, what: &str, limit: Duration) -> Result<String, String> {
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < limit {
        last = tmux(&["capture-pane", "-p", "-t", session]).unwrap_or_default();
        if last.contains(what) {
            return Ok(last);
        }
        sleep(Duration::from_millis(100));
    }
    Err(format!("no {what:?} within {limit:?}; the screen:\n{last}"))
}

struct Kill(String);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = tmux(&["kill-session", "-t", &self.0]);
    }
}

#[test]
fn the_view_steps_quits_and_restores_the_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_sockscope");
    let session = format!("sockscope-smoke-{}", std::process::id());
    let script = format!("'{bin}' captures/ccnotes.pcapng; echo SOCKSCOPE-EXIT-$?; sleep 60");
    let dir = env!("CARGO_MANIFEST_DIR");
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "140",
        "-y",
        "40",
        "-c",
        dir,
        &script,
    ]);
    assert!(started.is_some(), "tmux could not start");
    let _kill = Kill(session.clone());
    let screen = wait_for(&session, "what happens at #1", Duration::from_secs(20)).unwrap();
    assert!(screen.contains("ladder"), "{screen}");
    let flag = |name: &str| {
        tmux(&[
            "display-message",
            "-p",
            "-t",
            &session,
            &format!("#{{{name}}}"),
        ])
        .unwrap_or_default()
        .trim()
        .to_string()
    };
    assert_eq!(
        flag("alternate_on"),
        "1",
        "the view uses the alternate screen"
    );
    for _ in 0..3 {
        tmux(&["send-keys", "-t", &session, "l"]);
    }
    let screen = wait_for(&session, "what happens at #4", Duration::from_secs(10)).unwrap();
    assert!(screen.contains("no CRLF yet"), "{screen}");
    tmux(&["send-keys", "-t", &session, "q"]);
    let screen = wait_for(&session, "SOCKSCOPE-EXIT-0", Duration::from_secs(10)).unwrap();
    assert!(
        !screen.contains("what happens at"),
        "the view is gone:\n{screen}"
    );
    assert_eq!(flag("alternate_on"), "0", "alternate screen left");
    assert_eq!(flag("mouse_any_flag"), "0", "mouse reporting off");
    assert_eq!(flag("cursor_flag"), "1", "cursor visible");
}

#[test]
fn into_a_pipe_it_prints_the_report() {
    let out = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("captures/ccnotes.pcapng")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("sockscope report"), "{text}");
}

/// Whether process `pid` has ended (gone, or a zombie nobody reaped yet).
fn ended(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the command name in parentheses.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
    }
}

/// Killing the terminal under the view (a closed window, a dropped ssh link)
/// ends it: no orphan left spinning on a dead tty (crossterm#793).
#[test]
fn the_view_ends_when_its_terminal_goes_away() {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_sockscope");
    let session = format!("sockscope-hangup-{}", std::process::id());
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "100",
        "-y",
        "30",
        "-c",
        env!("CARGO_MANIFEST_DIR"),
        bin,
    ]);
    assert!(started.is_some(), "tmux could not start");
    let kill = Kill(session.clone());
    wait_for(&session, "what happens at #1", Duration::from_secs(20)).unwrap();
    let pid = tmux(&["display-message", "-p", "-t", &session, "#{pane_pid}"])
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(!pid.is_empty() && !ended(&pid), "the view runs as {pid:?}");
    drop(kill);
    let limit = Instant::now() + Duration::from_secs(10);
    while !ended(&pid) && Instant::now() < limit {
        std::thread::sleep(Duration::from_millis(100));
    }
    if !ended(&pid) {
        let _ = Command::new("kill").args(["-9", &pid]).status();
        panic!("the view outlived its terminal by 10 s");
    }
}
