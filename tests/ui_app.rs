//! The view's state and key handling, driven without a terminal: keys and
//! clicks go to an [`App`], and the tests read its state (and, where the
//! point is what a person sees, the text of an in-memory render).

mod support;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use ratatui::style::Color;
use sockscope::ui::state::{Overlay, Pacing};
use sockscope::ui::{self, source, App, Pane, Theme};
use support::Conv;

const CCNOTES: &[u8] = include_bytes!("../captures/ccnotes.pcapng");

fn ccnotes() -> App {
    let o = source::open_static("captures/ccnotes.pcapng", CCNOTES).expect("ccnotes opens");
    App::new(o.data, o.store, Theme::plain(), Rect::new(0, 0, 140, 40))
}

/// A capture file on disk, opened as `sockscope FILE` opens it.
fn open_bytes(bytes: &[u8]) -> (App, tempfile::NamedTempFile) {
    support::view::open(bytes, 140, 40)
}

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE), Instant::now());
}

fn typing(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn frame(app: &App) -> u64 {
    app.cursor_frame().expect("a cursor")
}

#[test]
fn arrows_and_vi_keys_step_through_the_segments() {
    let mut app = ccnotes();
    assert_eq!(frame(&app), 1, "the lesson starts at the SYN");
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char('l'));
    assert_eq!(frame(&app), 3);
    press(&mut app, KeyCode::Left);
    assert_eq!(frame(&app), 2);
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(frame(&app), 21);
    press(&mut app, KeyCode::Right);
    assert_eq!(frame(&app), 21, "stepping past the end stays at the end");
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(frame(&app), 1);
    press(&mut app, KeyCode::Char('h'));
    assert_eq!(frame(&app), 1, "and before the start at the start");
}

#[test]
fn n_and_shift_n_walk_the_findings() {
    let mut app = ccnotes();
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(frame(&app), 4, "the split greeting");
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(frame(&app), 6, "the early HELO");
    assert_eq!(app.state.finding_sel, 1, "its first finding: smtp_pregreet");
    // Two findings share #6: n visits the second too, the lesson's error.
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(frame(&app), 6);
    assert_eq!(app.state.finding_sel, 2, "smtp_client_out_of_step");
    press(&mut app, KeyCode::Char('n'));
    assert_eq!((frame(&app), app.state.finding_sel), (6, 2));
    assert!(app
        .state
        .status
        .as_deref()
        .is_some_and(|s| s.contains("no later")));
    press(&mut app, KeyCode::Char('N'));
    assert_eq!((frame(&app), app.state.finding_sel), (6, 1));
    press(&mut app, KeyCode::Char('N'));
    assert_eq!((frame(&app), app.state.finding_sel), (4, 0));
}

#[test]
fn tab_and_digits_move_the_focus() {
    let mut app = ccnotes();
    assert_eq!(app.state.focus, Pane::Ladder);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.state.focus, Pane::Dialogue);
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.state.focus, Pane::Findings);
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(app.state.focus, Pane::Nic);
}

#[test]
fn up_and_down_in_the_dialogue_move_by_lines() {
    let mut app = ccnotes();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Down);
    assert_eq!(frame(&app), 6, "the first line the application met: HELO");
    press(&mut app, KeyCode::Down);
    assert_eq!(frame(&app), 8, "then the greeting, complete at #8");
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(frame(&app), 10);
    press(&mut app, KeyCode::Up);
    assert_eq!(frame(&app), 8);
}

#[test]
fn findings_pane_selects_and_details_explain() {
    let mut app = ccnotes();
    press(&mut app, KeyCode::Char('6'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(frame(&app), 6);
    assert_eq!(
        app.state.finding_sel, 2,
        "the out-of-step finding, second at #6"
    );
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.state.overlay, Some(Overlay::Detail { .. })));
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("smtp_client_out_of_step"), "{screen}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.state.overlay, None);
}

#[test]
fn enter_on_the_nic_opens_the_bytes_and_arrows_follow_the_cursor() {
    let mut app = ccnotes();
    app.goto_frame(4);
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.overlay, Some(Overlay::Hex { scroll: 0 }));
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("payload 66–82 (17 B)"), "{screen}");
    press(&mut app, KeyCode::Right);
    assert_eq!(frame(&app), 5);
    assert!(
        matches!(app.state.overlay, Some(Overlay::Hex { .. })),
        "still open"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.state.overlay, None);
}

#[test]
fn help_lists_every_binding() {
    let mut app = ccnotes();
    press(&mut app, KeyCode::Char('?'));
    let screen = ui::render_text(&mut app, 140, 40);
    for (keys, _, _) in ui::keys::BINDINGS {
        assert!(screen.contains(keys), "help lacks {keys}:\n{screen}");
    }
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.state.overlay, None, "? closes it again");
}

#[test]
fn search_finds_commands_and_payloads_and_goes_on() {
    let mut app = ccnotes();
    press(&mut app, KeyCode::Char('/'));
    typing(&mut app, "SMTP");
    press(&mut app, KeyCode::Enter);
    assert_eq!(frame(&app), 4, "{:?}", app.state.status);
    // An empty search repeats the last one, from the cursor on.
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(frame(&app), 6, "HELO smtpgate.Customer");
    press(&mut app, KeyCode::Char('/'));
    typing(&mut app, "recipient");
    press(&mut app, KeyCode::Enter);
    assert_eq!(frame(&app), 16, "in a reply");
    press(&mut app, KeyCode::Char('/'));
    typing(&mut app, "no such text");
    press(&mut app, KeyCode::Enter);
    assert!(app
        .state
        .status
        .as_deref()
        .is_some_and(|s| s.contains("nowhere")));
    // While typing, q is a letter, not quit.
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.state.quit);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.state.overlay, None);
}

#[test]
fn playing_steps_at_the_teaching_pace_or_in_capture_time() {
    let mut app = ccnotes();
    // A 0.37 s session: in capture time it would be over in a blink.
    assert_eq!(app.state.play.pacing, Pacing::Teach);
    let t0 = Instant::now();
    app.on_key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE), t0);
    assert!(app.state.play.playing);
    assert!(!app.tick(t0), "nothing due yet at once");
    assert!(!app.tick(t0 + Duration::from_millis(1000)), "1.5 s a step");
    assert!(app.tick(t0 + Duration::from_millis(1600)));
    assert_eq!(frame(&app), 2);
    for _ in 0..10 {
        press(&mut app, KeyCode::Char('+'));
    }
    assert_eq!(app.state.play.speed_label(), "16×");
    for _ in 0..10 {
        press(&mut app, KeyCode::Char('-'));
    }
    assert_eq!(app.state.play.speed_label(), "¼×");
    // At ½× a teaching step takes 3 s.
    let now = Instant::now();
    app.on_action(ui::action::Action::Faster, now);
    let due = app.next_wake(now).expect("a step is due");
    assert!(
        due > Duration::from_millis(2900) && due <= Duration::from_secs(3),
        "{due:?}"
    );
    press(&mut app, KeyCode::Char('t'));
    assert_eq!(app.state.play.pacing, Pacing::Capture);
    // #2 → #3 is 3 µs apart: in capture time, due almost at once.
    let now = Instant::now();
    app.on_action(ui::action::Action::Faster, now);
    let due = app.next_wake(now).expect("a step is due");
    assert!(due < Duration::from_millis(5), "{due:?}");
    press(&mut app, KeyCode::Char(' '));
    assert!(!app.state.play.playing);
    assert_eq!(app.next_wake(Instant::now()), None);
}

#[test]
fn playing_stops_at_the_end() {
    let mut app = ccnotes();
    let mut now = Instant::now();
    app.on_key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE), now);
    for _ in 0..100 {
        now += Duration::from_secs(4);
        app.tick(now);
    }
    assert_eq!(frame(&app), 21);
    assert!(!app.state.play.playing);
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut app = ccnotes();
    press(&mut app, KeyCode::Char('q'));
    assert!(app.state.quit);
    let mut app = ccnotes();
    app.on_key(
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        Instant::now(),
    );
    assert!(app.state.quit);
}

#[test]
fn the_picker_filters_and_opens_a_connection() {
    let mut a = Conv::new();
    a.handshake().server_sends(b"220 one\r\n");
    let mut b = Conv::new().ports(40001, 110);
    b.at(500_000).handshake().server_sends(b"+OK two\r\n");
    let (mut app, _file) = open_bytes(&support::merge_pcap(&[&a, &b]));
    assert_eq!(app.data.timeline.connections.len(), 2);
    press(&mut app, KeyCode::Char('c'));
    typing(&mut app, "pop3");
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("1 of 2"), "{screen}");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.state.conn, 2);
    assert_eq!(app.state.overlay, None);
    // Esc leaves the picker without changing anything.
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.state.conn, 2);
}

#[test]
fn clicks_select_and_the_wheel_scrolls() {
    let mut app = ccnotes();
    let areas = app.areas();
    let ladder = areas.pane(Pane::Ladder).expect("wide layout");
    // Row 2 of the ladder holds the first segment shown; each takes two rows.
    let click = |x, y| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    };
    app.on_mouse(click(ladder.x + 10, ladder.y + 2 + 2 * 3), Instant::now());
    assert_eq!(frame(&app), 4);
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: ladder.x + 10,
        row: ladder.y + 5,
        modifiers: KeyModifiers::NONE,
    };
    app.on_mouse(wheel, Instant::now());
    assert_eq!(frame(&app), 5);
    // A click on the dialogue's first row: HELO, complete at #6.
    let dialogue = areas.pane(Pane::Dialogue).expect("wide layout");
    app.goto_frame(1);
    app.on_mouse(click(dialogue.x + 5, dialogue.y + 1), Instant::now());
    assert_eq!(app.state.focus, Pane::Dialogue);
    assert_eq!(frame(&app), 6);
    // A click at the right end of the strip: the capture's end.
    app.on_mouse(
        click(areas.strip.x + areas.strip.width - 1, areas.strip.y + 1),
        Instant::now(),
    );
    assert!(frame(&app) >= 18, "{}", frame(&app));
}

#[test]
fn tabs_fold_the_panes_at_80x24_and_a_click_picks_one() {
    let mut app = ccnotes();
    app.state.size = Rect::new(0, 0, 80, 24);
    let areas = app.areas();
    let tabs = areas.tabs.expect("folded");
    let screen = ui::render_text(&mut app, 80, 24);
    let x = screen
        .lines()
        .nth(1)
        .and_then(|l| l.find("kernel"))
        .expect("a kernel tab");
    let col = screen.lines().nth(1).map_or(0, |l| l[..x].chars().count()) as u16;
    app.on_mouse(
        MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: tabs.x + col,
            row: tabs.y,
            modifiers: KeyModifiers::NONE,
        },
        Instant::now(),
    );
    assert_eq!(app.state.focus, Pane::Kernel);
}

#[test]
fn every_size_draws_without_panic_and_resizing_relays_out() {
    let mut app = ccnotes();
    app.goto_frame(6);
    for (w, h) in [
        (1, 1),
        (10, 3),
        (20, 5),
        (40, 12),
        (80, 24),
        (109, 27),
        (110, 28),
        (200, 60),
        (300, 100),
    ] {
        let screen = ui::render_text(&mut app, w, h);
        assert_eq!(screen.lines().count(), usize::from(h));
    }
    let narrow = ui::render_text(&mut app, 80, 24);
    assert!(narrow.contains("1 ladder"), "tabs at 80×24:\n{narrow}");
    let wide = ui::render_text(&mut app, 140, 40);
    assert!(wide.contains("kernel") && wide.contains("dialogue") && !wide.contains("1 ladder"));
}

#[test]
fn no_color_means_no_colour() {
    let mut app = ccnotes();
    app.goto_frame(6);
    for overlay in [
        None,
        Some(Overlay::Help { scroll: 0 }),
        Some(Overlay::Hex { scroll: 0 }),
    ] {
        app.state.overlay = overlay;
        let buf = ui::render_buffer(&mut app, 140, 40);
        for cell in buf.content() {
            assert_eq!(cell.fg, Color::Reset, "{:?}", cell);
            assert_eq!(cell.bg, Color::Reset, "{:?}", cell);
        }
    }
    // And with colours, the flags have theirs.
    app.state.overlay = None;
    app.theme = Theme::colored();
    let buf = ui::render_buffer(&mut app, 140, 40);
    assert!(buf.content().iter().any(|c| c.fg != Color::Reset));
}

#[test]
fn the_kernel_pane_shows_bytes_in_flight_at_the_split_greeting() {
    let mut app = ccnotes();
    app.goto_frame(4);
    let d = &app.data;
    let k = d
        .kernel
        .at(&d.timeline, app.state.conn, app.state.pos)
        .expect("kernel");
    assert_eq!(
        k.server.in_flight(),
        Some(17),
        "the 17 B of #4 are not acknowledged yet"
    );
    assert_eq!(k.client.rcv_nxt, Some(18));
    assert_eq!(
        k.client.unread(),
        17,
        "they wait in the client's kernel: its read() returned after #4 (observed)"
    );
    app.goto_frame(5);
    let d = &app.data;
    let k = d
        .kernel
        .at(&d.timeline, app.state.conn, app.state.pos)
        .expect("kernel");
    assert_eq!(k.server.in_flight(), Some(0), "#5 acknowledged them");
    assert_eq!(
        k.client.unread(),
        0,
        "the client's read() took them (observed)"
    );
}

#[test]
fn the_dialogue_shows_the_greeting_still_arriving_at_4() {
    let mut app = ccnotes();
    app.goto_frame(4);
    app.state.focus = Pane::Dialogue;
    let screen = ui::render_text(&mut app, 80, 24);
    assert!(
        screen.contains("\"220 smtp.tele.fi \"  17 B so far, no CRLF yet"),
        "{screen}"
    );
    app.goto_frame(8);
    let screen = ui::render_text(&mut app, 80, 24);
    assert!(screen.contains("= #4 (17 B) + #8 (21 B)"), "{screen}");
    assert!(
        screen.contains("client took \"ESMTP ZMailer ready⏎\" #8"),
        "{screen}"
    );
}

#[test]
fn frames_are_read_back_by_offset_from_pcap_and_pcapng() {
    let mut c = Conv::new();
    c.handshake()
        .server_sends(b"220 hi\r\n")
        .client_sends(b"QUIT\r\n")
        .server_fin();
    let want: Vec<Vec<u8>> = c.frames().into_iter().map(|(_, b)| b).collect();
    for bytes in [c.to_pcap(), c.to_pcapng()] {
        let (mut app, _file) = open_bytes(&bytes);
        for (k, frame) in want.iter().enumerate() {
            app.goto(1, k);
            let got = app.frame.as_ref().expect("bytes read");
            assert_eq!(
                got.bytes.as_ref().expect("readable"),
                frame,
                "frame {}",
                k + 1
            );
        }
    }
}

/// A DATA transaction whose content hides an end-of-data variant: the
/// dialogue shows DATA's two answers (354, then 250), the message where its
/// content ends with its envelope and Subject, and under it the lenient
/// receiver's other reading; while the content is on the wire it is
/// "arriving".
#[test]
fn the_dialogue_shows_the_message_and_a_lenient_reading() {
    use support::dialogue::{build, c, s};
    let built = build(&[
        s(b"220 mx.example.net ESMTP\r\n"),
        c(b"EHLO client.example.org\r\n"),
        s(b"250 mx.example.net\r\n"),
        c(b"MAIL FROM:<a@example.org>\r\n"),
        s(b"250 ok\r\n"),
        c(b"RCPT TO:<b@example.net>\r\n"),
        s(b"250 ok\r\n"),
        c(b"DATA\r\n"),
        s(b"354 go ahead\r\n"),
        c_parts_content(),
        s(b"250 2.0.0 queued\r\n"),
    ]);
    let content_frames = built.frames[9].clone();
    let (mut app, _file) = open_bytes(&built.conv.to_pcap());
    app.state.focus = Pane::Dialogue;
    // On the first content segment: the message is still arriving.
    app.goto_frame(content_frames[0]);
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(
        screen.contains(&format!(
            "message 1 · content arriving since #{}",
            content_frames[0]
        )),
        "{screen}"
    );
    // The variant `\n.\n` travels in this very segment.
    assert!(
        screen.contains(&format!(
            "a lenient receiver ends it at \\n.\\n (#{})",
            content_frames[0]
        )),
        "{screen}"
    );
    assert!(!screen.contains("message 1 · 96 B"), "not yet: {screen}");
    // Its row is numbered by the frame the cursor has seen, not by the
    // frame its content will end in: that would tell what comes next.
    let row = screen
        .lines()
        .find(|l| l.contains("content arriving since"))
        .unwrap_or_else(|| panic!("an arriving row: {screen}"));
    let dialogue = row.rsplit("││").next().unwrap_or(row);
    assert!(
        dialogue
            .trim_start()
            .starts_with(&format!("#{} ", content_frames[0])),
        "{row}"
    );
    // At the end: the whole story.
    press(&mut app, KeyCode::Char('G'));
    let screen = ui::render_text(&mut app, 140, 40);
    let data_line = screen
        .lines()
        .find(|l| l.contains("C DATA"))
        .unwrap_or_else(|| panic!("a DATA line: {screen}"));
    assert!(
        data_line.contains("→ 354 #") && data_line.contains(" · 250 #"),
        "{data_line}"
    );
    assert!(
        screen.contains("message 1 · 96 B · from <a@example.org> · to <b@ex"),
        "{screen}"
    );
    assert!(
        screen.contains("a lenient receiver ends it at \\n.\\n"),
        "{screen}"
    );
    // The 250 and the message end in the same frame; ↑ picks the message
    // (rows sharing a frame are picked one by one), and ⏎ explains it.
    let is_message = |app: &App| {
        let k = app.row_at_cursor().expect("a row");
        matches!(
            app.data.rows_of(app.state.conn)[k].kind,
            sockscope::ui::data::RowKind::Message(0)
        )
    };
    assert!(!is_message(&app), "the cursor's row is the 250");
    let at = frame(&app);
    press(&mut app, KeyCode::Up);
    assert!(is_message(&app), "↑ picks the message");
    press(&mut app, KeyCode::Up);
    assert!(!is_message(&app), "↑ again: the line before it");
    press(&mut app, KeyCode::Down);
    assert!(is_message(&app));
    assert!(frame(&app) <= at);
    press(&mut app, KeyCode::Enter);
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("message 1 · ↑/↓ scroll"), "{screen}");
    assert!(screen.contains("MAIL FROM <a@example.org>"), "{screen}");
    assert!(screen.contains("Subject:  hi"), "{screen}");
    assert!(screen.contains("A strict receiver"), "{screen}");
}

/// Pipelined commands end in one frame; ↓ walks them one by one.
#[test]
fn pipelined_lines_in_one_frame_are_picked_one_by_one() {
    use support::dialogue::{build, c, s};
    let built = build(&[
        s(b"220 mx.example.net ESMTP\r\n"),
        c(b"EHLO client.example.org\r\n"),
        s(b"250-mx.example.net\r\n250 PIPELINING\r\n"),
        c(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\n"),
        s(b"250 ok\r\n250 ok\r\n250 ok\r\n"),
    ]);
    let (mut app, _file) = open_bytes(&built.conv.to_pcap());
    press(&mut app, KeyCode::Char('2'));
    let mut seen = Vec::new();
    for _ in 0..9 {
        press(&mut app, KeyCode::Down);
        seen.push(app.row_at_cursor().expect("a row"));
    }
    assert_eq!(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8], "every line is reachable");
}

/// Content sent in two segments, with `\n.\n` inside the first.
fn c_parts_content() -> support::dialogue::Step {
    support::dialogue::c_parts(&[
        b"Subject: hi\r\n\r\nhello\n.\nMAIL FROM:<ceo@example.net>\r\n",
        b"RCPT TO:<victim@example.net>\r\n\r\nwire money\r\n.\r\n",
    ])
}

/// ⏎ on a segment repeats the narration in full (the line under the panes
/// may cut it); after STARTTLS's 220 the narration and the dialogue say
/// TLS began.
#[test]
fn details_narrate_in_full_and_tls_is_named() {
    use support::dialogue::{build, c, s};
    let built = build(&[
        s(b"220 mx.example.net ESMTP\r\n"),
        c(b"EHLO client.example.org\r\n"),
        s(b"250-mx.example.net\r\n250 STARTTLS\r\n"),
        c(b"STARTTLS\r\n"),
        s(b"220 2.0.0 go ahead\r\n"),
        // A TLS record header: handshake (22), TLS 1.0, 4 bytes: ClientHello.
        c(b"\x16\x03\x01\x00\x04\x01\x00\x00\x00"),
    ]);
    let hello = built.frames[5][0];
    let (mut app, _file) = open_bytes(&built.conv.to_pcap());
    app.goto_frame(hello);
    // The dialogue says where TLS begins, with the record's name.
    let screen = ui::render_text(&mut app, 140, 40);
    let row = screen
        .lines()
        .find(|l| l.contains("⇄ TLS"))
        .unwrap_or_else(|| panic!("a TLS row: {screen}"));
    assert!(row.contains(&format!("#{hello}")), "{row}");
    assert!(row.contains("ClientHello"), "{row}");
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Enter);
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("what happens"), "{screen}");
    // (Wrapped in the overlay: short pieces.)
    assert!(screen.contains("handshake begins here"), "{screen}");
    assert!(screen.contains("Handshake: ClientHello"), "{screen}");
}
