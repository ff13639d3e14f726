//! `e` explains the selected field of the focused pane in plain words, for
//! the values at the cursor: every NIC field of every segment of the
//! shipped ccNotes capture, and every kernel row, has an explanation that
//! names its RFC where one applies and says why the value is what it is.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use sockscope::ui::state::{Detail, Overlay, Topic};
use sockscope::ui::{self, source, App, Pane, Theme};

const CCNOTES: &[u8] = include_bytes!("../captures/ccnotes.pcapng");

fn app() -> App {
    let o = source::open_static("captures/ccnotes.pcapng", CCNOTES).expect("opens");
    App::new(o.data, o.store, Theme::plain(), Rect::new(0, 0, 140, 40))
}

fn key(app: &mut App, c: KeyCode) {
    app.on_key(KeyEvent::new(c, KeyModifiers::NONE), Instant::now());
}

/// The overlay's text after `e` on NIC row `row` at frame `frame`.
fn explain_nic(app: &mut App, frame: u64, row: usize) -> String {
    assert!(app.goto_frame(frame));
    app.state.focus = Pane::Nic;
    app.state.nic_field = row;
    key(app, KeyCode::Char('e'));
    assert_eq!(
        app.state.overlay,
        Some(Overlay::Detail {
            what: Detail::Explain(Topic::Nic(row)),
            scroll: 0
        })
    );
    let text = ui::render_text(app, 140, 40);
    key(app, KeyCode::Esc);
    text
}

#[test]
fn every_nic_field_is_explained_at_every_segment() {
    let mut app = app();
    for frame in 1..=21 {
        for row in 0..40 {
            assert!(app.goto_frame(frame));
            app.state.focus = Pane::Nic;
            app.state.nic_field = row;
            key(&mut app, KeyCode::Char('e'));
            let text = ui::render_text(&mut app, 140, 40);
            key(&mut app, KeyCode::Esc);
            // A row past the last: the overlay says nothing is selected.
            if text.contains("nothing selected") {
                assert!(
                    row > 10,
                    "frame {frame}: row {row} has no explanation\n{text}"
                );
                break;
            }
        }
    }
}

#[test]
fn values_are_explained_for_what_they_are_here() {
    let mut app = app();
    // Rows of a data segment: frame, time, size, iface, dst MAC, src MAC,
    // IP, src, dst, TTL, IP id, ports, flags, seq, ack, window, …
    let ttl = explain_nic(&mut app, 6, 9);
    assert!(ttl.contains("64 is where Linux starts"), "{ttl}");
    assert!(ttl.contains("RFC 791 §3.1"), "{ttl}");
    let mac = explain_nic(&mut app, 6, 4);
    assert!(mac.contains("loopback interface"), "{mac}");
    let ack = explain_nic(&mut app, 6, 14);
    assert!(ack.contains("bytes 1–17"), "the HELO's ack 18: {ack}");
    let window = explain_nic(&mut app, 6, 15);
    assert!(window.contains("window scaling"), "{window}");
    let checksum = explain_nic(&mut app, 6, 17);
    assert!(
        checksum.contains("On loopback Linux does not fill it in"),
        "{checksum}"
    );
    // The SYN's options.
    let mss = explain_nic(&mut app, 1, 18);
    assert!(mss.contains("1500-byte Ethernet MTU"), "{mss}");
}

#[test]
fn every_kernel_row_is_explained_with_both_values() {
    let mut app = app();
    assert!(app.goto_frame(12));
    app.state.focus = Pane::Kernel;
    for row in 0..8 {
        app.state.kernel_row = row;
        key(&mut app, KeyCode::Char('e'));
        let text = ui::render_text(&mut app, 140, 40);
        key(&mut app, KeyCode::Esc);
        assert!(
            text.contains("client") && text.contains("server"),
            "row {row}: {text}"
        );
        assert!(text.contains("RFC"), "row {row}: {text}");
        if row == 1 {
            // The second row shown is the unread bytes (state, unread, window, …).
            assert!(
                text.contains("┌ unread") && text.contains("client: 42 B"),
                "unread at MAIL: {text}"
            );
        }
    }
}

#[test]
fn the_history_letters_are_spelled_out() {
    let mut app = app();
    app.state.focus = Pane::Ladder;
    key(&mut app, KeyCode::Char('e'));
    let text = ui::render_text(&mut app, 140, 40);
    assert!(text.contains("S: the client sent a SYN"), "{text}");
    assert!(text.contains("h: the server sent a SYN/ACK"), "{text}");
    assert!(text.contains("normal: established and closed"), "{text}");
}
