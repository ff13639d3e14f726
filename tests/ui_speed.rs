//! A large capture opens at once and every key press renders in well under
//! a frame's time wherever the cursor is. The capture is generated: one long
//! SMTP-like connection (its kernel state needs the checkpoints) and many
//! short ones. By default it is just over the first-screen prefix, so the
//! background path runs; `SOCKSCOPE_UI_BIG_MB=150` makes it big enough to
//! measure (run with `--release -- --nocapture` for the figures).

use std::io::Write;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use etherparse::PacketBuilder;
use ratatui::layout::Rect;
use sockscope::capture::write::{PcapWriter, TsPrecision};
use sockscope::capture::{LinkType, Timestamp};
use sockscope::ui::{self, source, App, Pane, Theme};

fn frame(src: u8, ports: (u16, u16), seq: u32, ack: u32, flags: &str, payload: &[u8]) -> Vec<u8> {
    let (a, b) = if src == 0 {
        ([10, 0, 0, 1], [10, 0, 0, 2])
    } else {
        ([10, 0, 0, 2], [10, 0, 0, 1])
    };
    let mut p = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(a, b, 64)
        .tcp(ports.0, ports.1, seq, 65535);
    for f in flags.chars() {
        p = match f {
            'S' => p.syn(),
            'A' => p.ack(ack),
            'F' => p.fin(),
            'P' => p.psh(),
            _ => p,
        };
    }
    let mut out = Vec::with_capacity(64 + payload.len());
    p.write(&mut out, payload).expect("packet");
    out
}

/// One connection of `n` command/reply exchanges; the bytes it wrote.
fn conversation(w: &mut PcapWriter<Vec<u8>>, t: &mut i64, port: u16, n: u32) -> usize {
    let mut written = 0;
    let mut put = |w: &mut PcapWriter<Vec<u8>>, bytes: Vec<u8>| {
        *t += 20_000;
        written += 16 + bytes.len();
        w.write_packet(Timestamp(*t), &bytes, bytes.len() as u32)
            .expect("write");
    };
    let ports = (port, 25);
    let back = (25, port);
    let (mut c, mut s) = (1000u32, 5000u32);
    put(w, frame(0, ports, c, 0, "S", &[]));
    put(w, frame(1, back, s, c + 1, "SA", &[]));
    c += 1;
    s += 1;
    put(w, frame(0, ports, c, s, "A", &[]));
    let greet = b"220 mx.example ESMTP\r\n";
    put(w, frame(1, back, s, c, "PA", greet));
    s += greet.len() as u32;
    for _ in 0..n {
        let cmd = b"RCPT TO:<someone@example.com>\r\n";
        put(w, frame(0, ports, c, s, "PA", cmd));
        c += cmd.len() as u32;
        let rep = b"250 2.1.5 ok\r\n";
        put(w, frame(1, back, s, c, "PA", rep));
        s += rep.len() as u32;
        put(w, frame(0, ports, c, s, "A", &[]));
    }
    put(w, frame(0, ports, c, s, "FA", &[]));
    put(w, frame(1, back, s, c + 1, "FA", &[]));
    put(w, frame(0, ports, c + 1, s + 1, "A", &[]));
    written
}

fn capture(mb: usize) -> Vec<u8> {
    let mut w = PcapWriter::new(
        Vec::new(),
        LinkType::ETHERNET,
        65535,
        TsPrecision::Micro,
        false,
    )
    .expect("pcap");
    let mut t = 1_700_000_000_000_000_000i64;
    // About a fifth of the frames in one long connection.
    let exchanges = (mb as u32 * 1_000_000 / 5 / 270).max(100);
    let mut size = conversation(&mut w, &mut t, 1024, exchanges);
    let mut port = 1025u16;
    while size < mb * 1_000_000 {
        size += conversation(&mut w, &mut t, port, 30);
        port = if port == u16::MAX { 1025 } else { port + 1 };
    }
    w.into_inner()
}

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE), Instant::now());
}

#[test]
fn a_large_capture_opens_at_once_and_keys_render_fast() {
    let mb: usize = std::env::var("SOCKSCOPE_UI_BIG_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let bytes = capture(mb);
    let mut f = tempfile::NamedTempFile::new().expect("temp");
    f.write_all(&bytes).expect("write");
    f.flush().expect("flush");
    drop(bytes);

    let start = Instant::now();
    let opened = source::open_path(f.path()).expect("opens");
    let mut app = App::new(
        opened.data,
        opened.store,
        Theme::colored(),
        Rect::new(0, 0, 140, 40),
    );
    let _ = ui::render_buffer(&mut app, 140, 40);
    let first_screen = start.elapsed();
    let loader = opened
        .loader
        .expect("a large capture is indexed in the background");
    assert!(loader.progress().is_some(), "with a progress indicator");
    assert!(!app.data.complete);
    let screen = ui::render_text(&mut app, 140, 40);
    assert!(
        screen.contains("indexing") || screen.contains("ladder"),
        "{screen}"
    );
    let whole = loader.wait().expect("the whole capture");
    let indexed = start.elapsed();
    app.set_data(whole);
    assert!(app.data.complete);
    let frames = app.data.timeline.stats.frames;

    // Key presses on the long connection (conn 1), at its start, middle and
    // end, with every pane drawn, and on the last connection.
    let mut times = Vec::new();
    let long = app.data.seg_count(1);
    for pos in [0, long / 2, long.saturating_sub(40)] {
        app.goto(1, pos);
        for focus in [Pane::Ladder, Pane::Dialogue] {
            app.state.focus = focus;
            for _ in 0..20 {
                let t = Instant::now();
                press(&mut app, KeyCode::Right);
                let _ = ui::render_buffer(&mut app, 140, 40);
                times.push((t.elapsed(), format!("→ at {pos} in {}", focus.name())));
            }
        }
    }
    let last = app.data.timeline.connections.len() as u32;
    app.open_connection(last);
    for code in [
        KeyCode::Char('G'),
        KeyCode::Char('g'),
        KeyCode::Char('n'),
        KeyCode::Char('N'),
    ] {
        let t = Instant::now();
        press(&mut app, code);
        let _ = ui::render_buffer(&mut app, 140, 40);
        times.push((t.elapsed(), format!("{code:?} on the last connection")));
    }
    times.sort();
    let median = times[times.len() / 2].0;
    let (worst, which) = times.last().cloned().expect("times");
    println!("slowest: {:?}", &times[times.len().saturating_sub(4)..]);
    println!(
        "{mb} MB, {frames} frames, {} connections (the longest {long} segments): first screen {first_screen:?}, \
         indexed {indexed:?}; key press + render at 140×40: median {median:?}, worst {worst:?}",
        app.data.timeline.connections.len()
    );
    // A frame at 60 Hz is 16 ms; debug builds are slower, so the bound is loose.
    let bound = if cfg!(debug_assertions) {
        Duration::from_millis(150)
    } else {
        Duration::from_millis(16)
    };
    assert!(worst < bound, "worst {worst:?}: {which}");
    assert!(
        first_screen < indexed || mb < 4,
        "the first screen came before the indexing ended"
    );
}
