//! The narration of every segment of three shipped captures, snapshotted
//! so each sentence is read by a person before it is accepted: each says,
//! in order, what the segment is, what the kernels did, what the sockets
//! returned, what the dialogue could see, and only then what it means
//! (the finding).

use std::fmt::Write;

use ratatui::layout::Rect;
use sockscope::ui::panes::narration::story;
use sockscope::ui::{source, App, Theme};

fn narration_of(name: &str, bytes: &'static [u8]) -> String {
    let o = source::open_static(name, bytes).expect("opens");
    let mut app = App::new(o.data, o.store, Theme::plain(), Rect::new(0, 0, 140, 40));
    let mut out = String::new();
    for conn in 1..=app.data.timeline.connections.len() as u32 {
        let n = app.data.seg_count(conn);
        for pos in 0..n {
            app.goto(conn, pos);
            let s = story(&app.state, &app.data);
            let frame = app.cursor_frame().unwrap_or(0);
            let _ = writeln!(out, "#{frame} (conn {conn})");
            for (layer, text) in &s.parts {
                let _ = writeln!(out, "  [{}] {text}", layer.name());
            }
            if let Some((sev, text)) = &s.finding {
                let _ = writeln!(out, "  [meaning] {} {text}", sev.glyph());
            }
        }
    }
    out
}

#[test]
fn ccnotes() {
    let text = narration_of(
        "captures/ccnotes.pcapng",
        include_bytes!("../captures/ccnotes.pcapng"),
    );
    // The facts the issue names: a bare ACK reads nothing as "these" bytes,
    // the early HELO says what it is first, and #8 says the client takes the
    // greeting's tail as HELO's answer.
    let at = |f: u64| {
        let head = format!("#{f} (conn 1)\n");
        let start = text.find(&head).expect("frame");
        let rest = &text[start + head.len()..];
        rest[..rest.find("\n#").unwrap_or(rest.len())].to_string()
    };
    assert!(!at(13).contains("returns these"), "{}", at(13));
    assert!(
        at(6).starts_with("  [on the wire] The client sends 24 B"),
        "{}",
        at(6)
    );
    assert!(
        at(8).contains("takes these bytes as the answer to HELO"),
        "{}",
        at(8)
    );
    insta::assert_snapshot!("narration_ccnotes", text);
}

#[test]
fn pop3_fetch() {
    let text = narration_of(
        "captures/pop3-fetch.pcapng",
        include_bytes!("../captures/pop3-fetch.pcapng"),
    );
    insta::assert_snapshot!("narration_pop3_fetch", text);
}

#[test]
fn reset() {
    let text = narration_of(
        "captures/reset.pcapng",
        include_bytes!("../captures/reset.pcapng"),
    );
    assert!(text.contains("RST"), "{text}");
    insta::assert_snapshot!("narration_reset", text);
}
