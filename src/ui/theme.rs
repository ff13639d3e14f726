//! Colours and emphasis, in one place so a flag, a severity or a provenance
//! looks the same in every pane. With `NO_COLOR` set (no-color.org) every
//! colour is dropped and emphasis falls back to bold, underline, reverse and
//! dim, which survive on any terminal.

use ratatui::style::{Color, Modifier, Style};

use crate::finding::{Provenance, Severity};
use crate::wire::TcpFlags;

/// The styles the view uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty.
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    pub fn colored() -> Self {
        Theme { color: true }
    }

    pub fn plain() -> Self {
        Theme { color: false }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn text(&self) -> Style {
        Style::new()
    }

    /// Labels, units, things past the cursor.
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The selected row: the "now" of the lesson.
    pub fn cursor(&self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Rgb(40, 52, 74))
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// A row's base style: the cursor's highlight, dimmed while it has not
    /// happened yet, else plain.
    pub fn row(&self, here: bool, future: bool) -> Style {
        if here {
            self.cursor()
        } else if future {
            self.dim()
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::new().fg(Color::Yellow),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.dim(),
        }
    }

    /// One colour per kind of segment, the same in every pane: SYN green,
    /// SYN/ACK cyan, data (PSH) blue, FIN magenta, RST red, bare ACK grey.
    pub fn flags(&self, f: TcpFlags) -> Style {
        if !self.color {
            return if f.rst() || f.syn() || f.fin() {
                self.bold()
            } else {
                Style::new()
            };
        }
        let c = if f.rst() {
            Color::LightRed
        } else if f.syn() && f.ack() {
            Color::Cyan
        } else if f.syn() {
            Color::LightGreen
        } else if f.fin() {
            Color::Magenta
        } else if f.psh() {
            Color::LightBlue
        } else {
            Color::Gray
        };
        Style::new().fg(c).add_modifier(Modifier::BOLD)
    }

    pub fn severity(&self, s: Severity) -> Style {
        match (s, self.color) {
            (Severity::Error, true) => Style::new()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
            (Severity::Warning, true) => Style::new().fg(Color::Yellow),
            (Severity::Info, true) => Style::new().fg(Color::Cyan),
            (Severity::Error, false) => {
                Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
            }
            (Severity::Warning, false) => self.bold(),
            (Severity::Info, false) => Style::new(),
        }
    }

    /// How a fact is known: observed facts plain, inferred ones marked.
    pub fn provenance(&self, p: Provenance) -> Style {
        match (p, self.color) {
            (Provenance::Observed, true) => Style::new().fg(Color::Green),
            (Provenance::Recorded, true) => Style::new().fg(Color::Green),
            (Provenance::Inferred, true) => Style::new()
                .fg(Color::Yellow)
                .add_modifier(Modifier::ITALIC),
            (Provenance::Inferred, false) => Style::new().add_modifier(Modifier::ITALIC),
            (_, false) => Style::new(),
        }
    }

    /// Client and server, in the ladder and the dialogue.
    pub fn client(&self) -> Style {
        self.fg(Color::LightGreen)
    }

    pub fn server(&self) -> Style {
        self.fg(Color::LightBlue)
    }

    /// Bytes that arrived but do not make a line yet (the ccNotes moment).
    pub fn partial(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::ITALIC)
    }

    /// A source's own words, quoted.
    pub fn quote(&self) -> Style {
        self.fg(Color::Gray).add_modifier(Modifier::ITALIC)
    }

    /// Bytes, names and commands as they are on the wire, in prose.
    pub fn code(&self) -> Style {
        self.fg(Color::LightYellow)
    }

    pub fn emphasis(&self) -> Style {
        Style::new().add_modifier(Modifier::ITALIC)
    }

    /// A right answer, and a wrong one (marked ✓ and ✗ as well).
    pub fn right(&self) -> Style {
        self.fg(Color::LightGreen).add_modifier(Modifier::BOLD)
    }

    pub fn wrong(&self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }

    /// What a lesson step points at: reversed, so it stands out in any
    /// theme and on a projector.
    pub fn pointed(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        if self.color {
            s.fg(Color::Yellow)
        } else {
            s
        }
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// Byte ranges of the hex view: link, IP, TCP header, payload, trailer.
    pub fn layer(&self, k: usize) -> Style {
        if !self.color {
            return match k {
                0 => Style::new().add_modifier(Modifier::DIM),
                1 => Style::new(),
                2 => Style::new().add_modifier(Modifier::BOLD),
                3 => Style::new().add_modifier(Modifier::UNDERLINED),
                _ => Style::new().add_modifier(Modifier::DIM | Modifier::ITALIC),
            };
        }
        let c = [
            Color::LightMagenta,
            Color::LightGreen,
            Color::LightYellow,
            Color::LightCyan,
            Color::DarkGray,
        ];
        Style::new().fg(c[k.min(c.len() - 1)])
    }
}
