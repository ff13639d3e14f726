//! What the panes show in the cases a person's review of the view found
//! wrong: the kernel at a zero window and at the SYN, server lines that are
//! no reply, long replies, the strip's cursor over a finding, the picker at
//! 80 columns, long narration, and a command split across segments.

mod support;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use sockscope::tcp::TcpState;
use sockscope::ui::state::Overlay;
use sockscope::ui::{self, source, App, Theme};
use support::dialogue::{build, build_on, c, c_parts, s};
use support::Conv;

const CCNOTES: &[u8] = include_bytes!("../captures/ccnotes.pcapng");
const SLOW_READER: &[u8] = include_bytes!("../captures/slow-reader.pcapng");

fn open_static(name: &str, bytes: &'static [u8], w: u16, h: u16) -> App {
    let o = source::open_static(name, bytes).expect("opens");
    App::new(o.data, o.store, Theme::plain(), Rect::new(0, 0, w, h))
}

fn open_bytes(bytes: &[u8], w: u16, h: u16) -> (App, tempfile::NamedTempFile) {
    support::view::open(bytes, w, h)
}

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE), Instant::now());
}

#[test]
fn the_kernel_holds_no_bytes_past_a_zero_window_and_listens_at_the_syn() {
    let mut app = open_static("slow-reader.pcapng", SLOW_READER, 140, 40);
    let d = app.data.clone();
    let at = |pos| d.kernel.at(&d.timeline, 1, pos).expect("kernel");
    let syn = at(0);
    assert_eq!(syn.server.state, TcpState::Listen);
    assert_eq!(syn.server.rcv_nxt, None, "a listener expects no number yet");
    assert!(app.goto_frame(22));
    // #21 carried bytes 6234..7258, but the server's own ACK at #22 says it
    // holds up to 6233 and has no room: #21's bytes were not taken.
    let k = at(app.state.pos);
    assert_eq!(k.server.rcv_nxt, Some(6234));
    assert_eq!(k.server.window, Some(0));
    // #23 sends them again into the zero window: still not taken.
    assert!(app.goto_frame(23));
    assert_eq!(at(app.state.pos).server.rcv_nxt, Some(6234));
    let screen = ui::render_text(&mut app, 140, 40);
    let rcv = screen
        .lines()
        .find(|l| l.contains("RCV.NXT"))
        .unwrap_or_else(|| panic!("an RCV.NXT row: {screen}"));
    let kernel_part = rcv.split("││").nth(1).unwrap_or(rcv);
    let values: Vec<&str> = kernel_part.split_whitespace().collect();
    assert_eq!(
        values.get(..3),
        Some(&["RCV.NXT", "199", "6234"][..]),
        "{rcv}"
    );
}

/// ndpi's smtp.pcap was captured near the client: the server's ACK of an
/// earlier segment (#82, ack 8119, window open) comes back after #81 left.
/// #81's bytes are on their way, not lost: RCV.NXT keeps them.
#[test]
fn an_ack_of_earlier_bytes_does_not_take_back_bytes_in_flight() {
    let path = "../shared/captures-public/ndpi__smtp/smtp.pcap";
    let Ok(bytes) = std::fs::read(path) else {
        eprintln!("SKIPPED: {path} is absent (the shared public captures)");
        return;
    };
    let (mut app, _f) = open_bytes(&bytes, 140, 40);
    let d = app.data.clone();
    let mut rcv = |frame| {
        assert!(app.goto_frame(frame));
        d.kernel
            .at(&d.timeline, app.state.conn, app.state.pos)
            .expect("kernel")
            .server
            .rcv_nxt
    };
    assert_eq!(rcv(81), Some(9579));
    assert_eq!(rcv(82), Some(9579));
    assert_eq!(rcv(86), Some(15419), "tshark: #87 acks 15419");
}

#[test]
fn pop3_lines_that_are_no_reply_are_dialogue_rows() {
    let built = build_on(
        Conv::new().ports(40000, 110),
        &[
            s(b"+OK ready\r\n"),
            c(b"STAT\r\n"),
            s(b"x\r\n"),
            s(b"+OK 1 236\r\n"),
        ],
    );
    let bad = built.frames[2][0];
    let (mut app, _f) = open_bytes(&built.conv.to_pcap(), 140, 40);
    assert!(app.goto_frame(bad));
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(
        screen.contains("S \"x\"  ✗ no reply: neither +OK nor -ERR"),
        "{screen}"
    );
    assert!(
        screen.contains("is no reply"),
        "the narration says so: {screen}"
    );
}

/// A POP3 multi-line response states its verdict on its first line (RFC
/// 1939 §3): that line says what it answers, not the listing under it.
#[test]
fn a_pop3_listing_is_labelled_on_its_status_line() {
    let built = build_on(
        Conv::new().ports(40000, 110),
        &[
            s(b"+OK ready\r\n"),
            c(b"LIST\r\n"),
            s(b"+OK 1 message\r\n1 137\r\n.\r\n"),
        ],
    );
    let last = built.frames[2][0];
    let (mut app, _f) = open_bytes(&built.conv.to_pcap(), 140, 40);
    assert!(app.goto_frame(last));
    let screen = ui::render_text(&mut app, 140, 40);
    let status = screen
        .lines()
        .find(|l| l.contains("S +OK 1 message"))
        .expect(&screen);
    assert!(status.contains("· answers LIST"), "{screen}");
    let listing = screen
        .lines()
        .find(|l| l.contains("S 1 137"))
        .expect(&screen);
    assert!(!listing.contains("answers"), "{screen}");
}

#[test]
fn a_long_reply_folds_in_the_middle_and_keeps_its_last_line() {
    let ehlo: Vec<u8> = (1..=9)
        .map(|i| format!("250-EXT{i}\r\n"))
        .chain(["250 LASTLINE\r\n".to_string()])
        .collect::<String>()
        .into_bytes();
    let built = build(&[
        s(b"220 mx.example.net ESMTP\r\n"),
        c(b"EHLO client.example.org\r\n"),
        s(&ehlo),
        c(b"QUIT\r\n"),
    ]);
    let (mut app, _f) = open_bytes(&built.conv.to_pcap(), 140, 40);
    assert!(app.goto_frame(built.frames[2][0]));
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("250 LASTLINE"), "{screen}");
    assert!(screen.contains("250-EXT5"), "{screen}");
    assert!(!screen.contains("250-EXT6"), "{screen}");
    assert!(screen.contains("… 4 more lines"), "{screen}");
}

#[test]
fn the_strip_cursor_does_not_hide_a_finding() {
    let mut app = open_static("slow-reader.pcapng", SLOW_READER, 140, 40);
    assert!(app.goto_frame(22), "the zero window");
    let strip = app.areas().strip;
    let screen = ui::render_text(&mut app, 140, 40);
    let marks = screen.lines().nth(usize::from(strip.y)).expect("strip row");
    assert!(!marks.contains('▼'), "{marks}");
    assert!(marks.starts_with('⚠'), "{marks}");
    // Where nothing was found the cursor is the ▼ (#27, 0.83 s: no
    // finding in its column).
    assert!(app.goto_frame(27));
    let screen = ui::render_text(&mut app, 140, 40);
    let marks = screen.lines().nth(usize::from(strip.y)).expect("strip row");
    assert!(marks.contains('▼'), "{marks}");
}

#[test]
fn the_picker_shows_whole_endpoints_at_80_columns() {
    let mut app = open_static("ccnotes.pcapng", CCNOTES, 80, 24);
    press(&mut app, KeyCode::Char('c'));
    assert!(matches!(app.state.overlay, Some(Overlay::Picker { .. })));
    let screen = ui::render_text(&mut app, 80, 24);
    let c = &app.data.timeline.connections[0];
    let endpoints = format!("{} → {}", c.client, c.server);
    assert!(screen.contains(&endpoints), "{endpoints} whole: {screen}");
    assert!(screen.contains("findings"), "{screen}");
    assert!(
        screen.contains("3 ✖"),
        "the worst severity's glyph: {screen}"
    );
    // IPv6: the client, then "→ server" under it, both whole.
    let long = |last| {
        std::net::IpAddr::V6(std::net::Ipv6Addr::new(
            0x2001, 0x470, 0xe5bf, 0xdead, 0x4957, 0x2174, 0xe82c, last,
        ))
    };
    let mut v6 = Conv::between(long(0x4887), long(0x1a));
    v6.handshake().client_sends(b"EHLO x\r\n");
    let (mut app, _f) = open_bytes(&v6.to_pcap(), 80, 24);
    press(&mut app, KeyCode::Char('c'));
    let screen = ui::render_text(&mut app, 80, 24);
    let c = &app.data.timeline.connections[0];
    assert!(screen.contains(&c.client.to_string()), "{screen}");
    assert!(screen.contains(&format!("→ {}", c.server)), "{screen}");
    assert!(
        !screen.contains(&format!("{} →", c.client)),
        "two lines: {screen}"
    );
}

#[test]
fn a_narration_too_long_to_fit_says_where_to_read_on() {
    let mut app = open_static("slow-reader.pcapng", SLOW_READER, 80, 24);
    assert!(app.goto_frame(22));
    let screen = ui::render_text(&mut app, 80, 24);
    assert!(screen.contains("… w reads on"), "{screen}");
    // w opens the whole narration from any pane.
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('w'));
    assert!(matches!(app.state.overlay, Some(Overlay::Detail { .. })));
    let screen = ui::render_text(&mut app, 80, 24);
    assert!(screen.contains("buffer is full"), "{screen}");
}

#[test]
fn a_command_split_across_segments_is_tagged_as_a_command() {
    let built = build(&[
        s(b"220 mx.example.net ESMTP\r\n"),
        c_parts(&[b"EHLO cli", b"ent.example.org\r\n"]),
        s(b"250 mx.example.net\r\n"),
    ]);
    let first = built.frames[1][0];
    let (mut app, _f) = open_bytes(&built.conv.to_pcap(), 140, 40);
    assert!(app.goto_frame(first));
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("command split"), "{screen}");
    assert!(!screen.contains("reply split"), "{screen}");
}

#[test]
fn the_hex_view_masks_a_password_as_the_dialogue_does() {
    let built = build_on(
        Conv::new().ports(40000, 110),
        &[
            s(b"+OK ready\r\n"),
            c(b"USER bob\r\n"),
            s(b"+OK\r\n"),
            c(b"PASS hunter2\r\n"),
            s(b"+OK in\r\n"),
        ],
    );
    let pass = built.frames[3][0];
    let (mut app, _f) = open_bytes(&built.conv.to_pcap(), 140, 40);
    assert!(app.goto_frame(pass));
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.state.overlay, Some(Overlay::Hex { .. })));
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(!screen.contains("hunter"), "{screen}");
    assert!(screen.contains("PASS *******"), "{screen}");
    assert!(screen.contains("** = a password"), "{screen}");
    // The user name is no secret: its frame is shown as it is.
    assert!(app.goto_frame(built.frames[1][0]));
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("USER bob"), "{screen}");
}

#[test]
fn a_short_kernel_pane_scrolls_to_its_hidden_rows() {
    let mut app = open_static("ccnotes.pcapng", CCNOTES, 110, 28);
    assert!(app.goto_frame(6));
    let screen = ui::render_text(&mut app, 110, 28);
    assert!(
        screen.contains("↑/↓ for"),
        "it says rows are hidden: {screen}"
    );
    assert!(screen.contains("ESTAB "), "short state names: {screen}");
    assert!(!screen.contains("retrans   0"), "{screen}");
    press(&mut app, KeyCode::Char('4'));
    for _ in 0..8 {
        press(&mut app, KeyCode::Char('j'));
    }
    let screen = ui::render_text(&mut app, 110, 28);
    assert!(screen.contains("retrans   0"), "{screen}");
}

#[test]
fn the_dialogue_fills_its_pane_before_hiding_earlier_lines() {
    let mut app = open_static("ccnotes.pcapng", CCNOTES, 200, 60);
    press(&mut app, KeyCode::Char('G'));
    let screen = ui::render_text(&mut app, 200, 60);
    assert!(screen.contains("C HELO smtpgate.Customer"), "{screen}");
    assert!(screen.contains("C QUIT"), "{screen}");
}

#[test]
fn a_command_still_arriving_is_quoted_as_sent_at_its_first_frame() {
    let built = build(&[
        s(b"220 mx.example.net ESMTP\r\n"),
        c_parts(&[b"ehlo cli", b"ent.example.org\r\n"]),
        s(b"250-mx.example.net\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
    ]);
    let first = built.frames[1][0];
    let (mut app, _f) = open_bytes(&built.conv.to_pcap(), 140, 40);
    assert!(app.goto_frame(first));
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(
        screen.contains(&format!("#{first} ℹ C \"ehlo cli\"  8 B so far")),
        "{screen}"
    );
    // A reply's details show it as on the wire: hyphens, then a space.
    assert!(app.goto_frame(built.frames[2][0]));
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(screen.contains("S 250-mx.example.net"), "{screen}");
    assert!(screen.contains("S 250-PIPELINING"), "{screen}");
    assert!(screen.contains("S 250 8BITMIME"), "{screen}");
}

#[test]
fn the_header_keeps_position_and_pace_whole() {
    let mut app = open_static("captures/ccnotes.pcapng", CCNOTES, 140, 40);
    assert!(app.goto_frame(10));
    let screen = ui::render_text(&mut app, 140, 40);
    let header = screen.lines().next().expect("a header");
    assert!(header.contains("#10 seg 10/21"), "{header}");
    assert!(header.trim_end().ends_with("1× teaching pace"), "{header}");
}
