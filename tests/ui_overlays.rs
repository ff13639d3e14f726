//! The pictures: the sequence graph (`v`) and the follow-stream view
//! (`f`), in the view and as SVG files (`sockscope export`).

use std::process::Command;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use sockscope::tcp::Dir;
use sockscope::ui::state::Overlay;
use sockscope::ui::{self, source, App, Theme};

fn app(name: &str, bytes: &'static [u8]) -> App {
    let o = source::open_static(name, bytes).expect("opens");
    App::new(o.data, o.store, Theme::plain(), Rect::new(0, 0, 140, 40))
}

fn key(app: &mut App, c: KeyCode) {
    app.on_key(KeyEvent::new(c, KeyModifiers::NONE), Instant::now());
}

#[test]
fn the_graph_shows_the_busier_way_and_tab_the_other() {
    let mut a = app(
        "captures/slow-reader.pcapng",
        include_bytes!("../captures/slow-reader.pcapng"),
    );
    key(&mut a, KeyCode::Char('v'));
    assert_eq!(
        a.state.overlay,
        Some(Overlay::Graph { dir: Dir::C2s }),
        "the client sends the body"
    );
    let screen = ui::render_text(&mut a, 140, 40);
    assert!(
        screen.contains("sequence graph · conn 1 · client → server"),
        "{screen}"
    );
    assert!(screen.contains("window edge"), "{screen}");
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.state.overlay, Some(Overlay::Graph { dir: Dir::S2c }));
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.state.overlay, None);
}

#[test]
fn follow_stream_shows_each_segments_bytes_in_order() {
    let mut a = app(
        "captures/ccnotes.pcapng",
        include_bytes!("../captures/ccnotes.pcapng"),
    );
    assert!(a.goto_frame(8));
    key(&mut a, KeyCode::Char('f'));
    let screen = ui::render_text(&mut a, 140, 40);
    let greeting = screen
        .find("220 smtp.tele.fi")
        .expect("the greeting's first piece");
    let helo = screen
        .find("HELO smtpgate.Customer⏎")
        .expect("the early HELO");
    let tail = screen
        .find("ESMTP ZMailer ready⏎")
        .expect("the greeting's tail");
    assert!(
        greeting < helo && helo < tail,
        "interleaved as sent: {screen}"
    );
    assert!(screen.contains("#8 server · 21 B ◀ the cursor"), "{screen}");
    // Without spoilers, nothing after the cursor.
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('s'));
    key(&mut a, KeyCode::Char('f'));
    let screen = ui::render_text(&mut a, 140, 40);
    assert!(!screen.contains("250 smtp.tele.fi Hello"), "{screen}");
    assert!(screen.contains("what comes next is hidden"), "{screen}");
}

#[test]
fn export_writes_the_ladder_and_the_graph_as_svg() {
    let dir = tempfile::tempdir().expect("tmp");
    for what in ["ladder", "graph"] {
        let out = dir.path().join(format!("{what}.svg"));
        let o = Command::new(env!("CARGO_BIN_EXE_sockscope"))
            .args(["export", what, "captures/slow-reader.pcapng", "--svg"])
            .arg(&out)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let svg = std::fs::read_to_string(&out).expect("written");
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{what}"
        );
        assert!(svg.contains("slow-reader.pcapng"), "{what}: titled");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["export", "graph", "--conn", "7", "--svg", "/dev/null"])
        .output()
        .expect("runs");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("there is no connection 7"));
}
