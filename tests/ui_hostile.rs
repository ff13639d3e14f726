//! No byte of a capture reaches the terminal as itself: a capture whose
//! payloads, commands and replies carry ESC sequences, BEL, C1 controls and
//! bidi overrides is drawn in every pane, tab and overlay, and no cell holds
//! a control character. (The terminal backend writes cell symbols verbatim,
//! so a clean buffer means a clean terminal.)

mod support;

use std::io::Write;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use sockscope::ui::state::{Detail, Overlay};
use sockscope::ui::{self, source, App, Pane, Theme};
use support::Conv;

const NASTY: &[u8] = b"\x1b[2J\x1b]0;owned\x07\x9b31m\xe2\x80\xae\x00\x08\x7f";

fn hostile_capture() -> Vec<u8> {
    let mut c = Conv::new();
    let greeting = [b"220 ".as_slice(), NASTY, b" ready\r\n"].concat();
    let helo = [b"HELO ".as_slice(), NASTY, b"\r\n"].concat();
    let reply = [b"250-".as_slice(), NASTY, b"\r\n250 ok\r\n"].concat();
    let body = [b"MAIL FROM:<".as_slice(), NASTY, b">\r\n"].concat();
    c.handshake()
        .server_sends(&greeting[..6])
        .client_sends(&helo)
        .server_sends(&greeting[6..])
        .server_sends(&reply)
        .client_sends(&body)
        .client_sends(&[NASTY.repeat(40).as_slice(), b"\r\n"].concat())
        .server_fin()
        .client_rst();
    c.to_pcapng()
}

fn clean(screen: &str) -> Result<(), String> {
    for (i, line) in screen.lines().enumerate() {
        if let Some(c) = line.chars().find(|c| {
            c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        }) {
            return Err(format!("line {i} holds {:?}: {line:?}", c));
        }
    }
    Ok(())
}

#[test]
fn control_bytes_never_reach_the_screen() {
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(&hostile_capture()).expect("write");
    f.flush().expect("flush");
    let o = source::open_path(f.path()).expect("opens");
    let mut app = App::new(o.data, o.store, Theme::colored(), Rect::new(0, 0, 140, 40));
    assert!(app.seg_count() > 5);
    let mut screens = 0;
    for pos in 0..app.seg_count() {
        app.goto(app.state.conn, pos);
        for (w, h) in [(140, 40), (80, 24)] {
            for focus in Pane::ALL {
                app.state.focus = focus;
                for overlay in [
                    None,
                    Some(Overlay::Hex { scroll: 0 }),
                    Some(Overlay::Detail {
                        what: Detail::Segment,
                        scroll: 0,
                    }),
                    Some(Overlay::Detail {
                        what: Detail::Row(pos.min(3)),
                        scroll: 0,
                    }),
                    Some(Overlay::Detail {
                        what: Detail::Finding(0),
                        scroll: 0,
                    }),
                    Some(Overlay::Picker {
                        sel: 0,
                        filter: "\u{1b}[2J".into(),
                    }),
                    Some(Overlay::Search {
                        input: "\u{1b}]0;x\u{7}".into(),
                    }),
                ] {
                    app.state.overlay = overlay;
                    let screen = ui::render_text(&mut app, w, h);
                    if let Err(e) = clean(&screen) {
                        panic!("{e}\n{screen}");
                    }
                    screens += 1;
                }
            }
        }
    }
    assert!(screens > 100);
    // The escapes are shown, not swallowed: a reader sees what was sent.
    app.state.overlay = None;
    app.goto(app.state.conn, 4);
    app.state.focus = Pane::Dialogue;
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("\\x1b[2J"), "{screen}");
}

#[test]
fn a_search_typed_with_controls_is_shown_escaped() {
    let o = source::open_static(
        "captures/ccnotes.pcapng",
        include_bytes!("../captures/ccnotes.pcapng"),
    )
    .expect("opens");
    let mut app = App::new(o.data, o.store, Theme::plain(), Rect::new(0, 0, 80, 24));
    app.on_key(
        KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE),
        Instant::now(),
    );
    for c in "\u{1b}[31m\u{7}".chars() {
        app.on_key(
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            Instant::now(),
        );
    }
    let screen = ui::render_text(&mut app, 80, 24);
    clean(&screen).expect("clean");
    assert!(screen.contains("\\u{1b}[31m"), "{screen}");
}
