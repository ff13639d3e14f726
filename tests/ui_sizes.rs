//! Every pane at the three sizes a classroom meets (80×24 folded into tabs,
//! 110×28 and 160×45 side by side) and in the three palettes: snapshots of
//! each, read by eye, and the rules that make a screen survive a projector —
//! nothing cut mid-value, the essentials kept, colour never alone.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use sockscope::ui::{self, source, App, Pane, Theme};

const CCNOTES: &[u8] = include_bytes!("../captures/ccnotes.pcapng");
const SIZES: [(u16, u16); 3] = [(80, 24), (110, 28), (160, 45)];

fn at(frame: u64, theme: Theme) -> App {
    let o = source::open_static("captures/ccnotes.pcapng", CCNOTES).expect("opens");
    let mut app = App::new(o.data, o.store, theme, Rect::new(0, 0, 160, 45));
    assert!(app.goto_frame(frame));
    app
}

#[test]
fn every_pane_at_every_size() {
    for (w, h) in SIZES {
        let panes: &[Pane] = if w < 110 { &Pane::ALL } else { &[Pane::Ladder] };
        for &p in panes {
            let mut app = at(12, Theme::colored());
            app.state.focus = p;
            let text = ui::render_text(&mut app, w, h);
            let name = if w < 110 {
                format!("pane_{}_{w}x{h}", p.name().to_lowercase())
            } else {
                format!("all_panes_{w}x{h}")
            };
            insta::assert_snapshot!(name, text);
        }
    }
}

#[test]
fn values_are_never_cut_and_the_essentials_stay() {
    for (w, h) in SIZES {
        let mut app = at(12, Theme::colored());
        app.state.focus = Pane::Kernel;
        let text = ui::render_text(&mut app, w, h);
        assert!(
            text.contains("unread    42 B"),
            "{w}x{h}: the unread row is in sight:\n{text}"
        );
        app.state.focus = Pane::Nic;
        // Each field the NIC pane shows is whole: a narrow pane drops the
        // detail (the raw number) before it cuts a value.
        app.state.nic_field = 14;
        let text = ui::render_text(&mut app, w, h);
        assert!(
            text.contains("ack      81"),
            "{w}x{h}: the selected field is in sight:\n{text}"
        );
        let nic = nic_lines(&text);
        assert!(!nic.is_empty(), "{w}x{h}: {text}");
        for l in nic {
            assert!(!l.contains('…'), "{w}x{h}: cut: {l}");
        }
        // Nor is a pane's footnote cut mid-word.
        assert!(!text.contains("SN…"), "{w}x{h}: {text}");
        let footer = text.lines().last().unwrap_or("");
        for key in ["step", "help", "quit", "explain", "search"] {
            assert!(
                footer.contains(key),
                "{w}x{h}: the footer names {key}: {footer}"
            );
        }
    }
}

#[test]
fn each_palette_keeps_its_promise() {
    for (name, theme) in [
        ("dark", Theme::colored()),
        ("projector", Theme::projector()),
        ("mono", Theme::plain()),
    ] {
        let mut app = at(6, theme);
        let buf = ui::render_buffer(&mut app, 160, 45);
        let cells = buf.content();
        match name {
            // The projector: a light background on every cell.
            "projector" => assert!(
                cells.iter().all(|c| matches!(c.bg, Color::Rgb(r, g, b)
                    if 299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) > 180_000)),
                "projector cells without a light background"
            ),
            // Mono: no colour at all.
            "mono" => assert!(
                cells
                    .iter()
                    .all(|c| matches!(c.fg, Color::Reset) && matches!(c.bg, Color::Reset)),
                "mono cells with a colour"
            ),
            _ => assert!(
                cells.iter().any(|c| c.fg != Color::Reset),
                "dark has colours"
            ),
        }
        // Whatever the palette: the severities differ in shape, the cursor
        // row is marked, and the text is the same.
        let text = ui::render_text(&mut app, 160, 45);
        for glyph in ["ℹ", "⚠", "✖", "▶"] {
            assert!(text.contains(glyph), "{name}: {glyph}");
        }
        let bold = cells
            .iter()
            .filter(|c| c.modifier.contains(Modifier::BOLD))
            .count();
        assert!(bold > 0, "{name}: emphasis survives without colour");
        insta::assert_snapshot!(format!("theme_{name}_160x45"), text);
    }
}

/// The NIC pane's inner lines of a screen (between its title and its bottom).
fn nic_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(top) = lines.iter().position(|l| l.contains("┌ NIC")) else {
        return Vec::new();
    };
    let col = lines[top].find("┌ NIC").unwrap_or(0);
    lines[top + 1..]
        .iter()
        .take_while(|l| !l.get(col..).unwrap_or("").starts_with('└'))
        .map(|l| {
            let rest = l.get(col..).unwrap_or("");
            let inner: String = rest.chars().skip(1).take_while(|&c| c != '│').collect();
            inner
        })
        .collect()
}
