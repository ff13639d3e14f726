//! Whole-screen snapshots of the terminal view on the shipped ccNotes
//! capture, drawn on ratatui's in-memory backend: at the greeting's first
//! segment (#4, no CRLF yet), at the early HELO (#6) and at the first reply
//! a one-read-per-reply client takes for the wrong answer (#8), at 80×24
//! (panes folded into tabs) and 140×40 (side by side), plus help and hex.
//! Each was read by eye before it was accepted: it must teach.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use sockscope::ui::{self, source, App, Pane, Theme};

const CCNOTES: &[u8] = include_bytes!("../captures/ccnotes.pcapng");

fn ccnotes_at(frame: u64) -> App {
    let o = source::open_static("captures/ccnotes.pcapng", CCNOTES).expect("ccnotes opens");
    let mut app = App::new(o.data, o.store, Theme::plain(), Rect::new(0, 0, 140, 40));
    assert!(app.goto_frame(frame), "frame {frame} is a segment");
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE), Instant::now());
}

fn snap(name: &str, app: &mut App, w: u16, h: u16) {
    let text = ui::render_text(app, w, h);
    insta::assert_snapshot!(name, text);
}

#[test]
fn greeting_first_segment() {
    let mut app = ccnotes_at(4);
    snap("greeting_140x40", &mut app, 140, 40);
    snap("greeting_80x24", &mut app, 80, 24);
}

#[test]
fn early_helo() {
    let mut app = ccnotes_at(6);
    snap("early_helo_140x40", &mut app, 140, 40);
    app.state.focus = Pane::Dialogue;
    snap("early_helo_80x24_dialogue", &mut app, 80, 24);
}

#[test]
fn out_of_step_reply() {
    let mut app = ccnotes_at(8);
    snap("out_of_step_140x40", &mut app, 140, 40);
    app.state.focus = Pane::Dialogue;
    snap("out_of_step_80x24_dialogue", &mut app, 80, 24);
    app.state.focus = Pane::Kernel;
    snap("out_of_step_80x24_kernel", &mut app, 80, 24);
}

#[test]
fn help_overlay() {
    let mut app = ccnotes_at(1);
    key(&mut app, KeyCode::Char('?'));
    snap("help_140x40", &mut app, 140, 40);
}

#[test]
fn hex_view_of_the_split_greeting() {
    let mut app = ccnotes_at(4);
    app.state.focus = Pane::Nic;
    key(&mut app, KeyCode::Enter);
    snap("hex_140x40", &mut app, 140, 40);
    snap("hex_80x24", &mut app, 80, 24);
}

#[test]
fn the_roomy_layout_uses_200x60() {
    let mut app = ccnotes_at(8);
    snap("out_of_step_200x60", &mut app, 200, 60);
}
