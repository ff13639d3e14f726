//! Colours and emphasis, in one place so a flag, a severity or a provenance
//! looks the same in every pane. Three palettes: `dark` (the default, for a
//! dark terminal), `projector` (dark text on a light background, bold, for a
//! room whose projector washes colours out) and `mono` (no colour at all:
//! emphasis by bold, underline, reverse, dim and italic). `NO_COLOR`
//! (no-color.org) picks `mono`.
//!
//! Colour never carries meaning alone: severities differ in glyph (✖ ⚠ ℹ),
//! the cursor row is marked ▶, the active tab ▸, rows after the cursor are
//! italic as well as dimmer, and client and server have their own side of
//! the ladder. No role shares a colour with a flag.

use ratatui::style::{Color, Modifier, Style};

use crate::finding::{Provenance, Severity};
use crate::wire::TcpFlags;

/// Which palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Palette {
    Dark,
    Projector,
    Mono,
}

/// The styles the view uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub palette: Palette,
}

/// One colour per palette that has colour: (dark background, light background).
type Pair = (Color, Color);

const SYN: Pair = (Color::LightGreen, Color::Rgb(0, 120, 30));
const SYNACK: Pair = (Color::Cyan, Color::Rgb(0, 110, 130));
const PSH: Pair = (Color::LightBlue, Color::Rgb(20, 60, 200));
const ACK: Pair = (Color::Gray, Color::Rgb(90, 90, 90));
const FIN: Pair = (Color::Magenta, Color::Rgb(150, 0, 150));
const RST: Pair = (Color::LightRed, Color::Rgb(190, 0, 0));
const CLIENT: Pair = (Color::LightYellow, Color::Rgb(120, 70, 0));
const SERVER: Pair = (Color::LightMagenta, Color::Rgb(100, 0, 120));
const ERROR: Pair = (Color::LightRed, Color::Rgb(190, 0, 0));
const WARNING: Pair = (Color::Yellow, Color::Rgb(150, 80, 0));
const INFO: Pair = (Color::White, Color::Rgb(30, 30, 30));
const DIM: Pair = (Color::DarkGray, Color::Rgb(120, 120, 120));
const TITLE: Pair = (Color::Cyan, Color::Rgb(0, 60, 140));
const KEY: Pair = (Color::Yellow, Color::Rgb(140, 70, 0));
const PARTIAL: Pair = (Color::Yellow, Color::Rgb(150, 80, 0));
const OBSERVED: Pair = (Color::Green, Color::Rgb(0, 110, 0));

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty.
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if no_color {
            Theme::plain()
        } else {
            Theme::colored()
        }
    }

    /// A palette by the name `--theme` takes (`NO_COLOR` still wins).
    pub fn named(name: &str) -> Option<Self> {
        let palette = match name {
            "dark" => Palette::Dark,
            "projector" | "light" => Palette::Projector,
            "mono" | "plain" => Palette::Mono,
            _ => return None,
        };
        if Theme::from_env().palette == Palette::Mono {
            return Some(Theme::plain());
        }
        Some(Theme { palette })
    }

    pub fn colored() -> Self {
        Theme {
            palette: Palette::Dark,
        }
    }

    pub fn projector() -> Self {
        Theme {
            palette: Palette::Projector,
        }
    }

    pub fn plain() -> Self {
        Theme {
            palette: Palette::Mono,
        }
    }

    /// Whether the palette has colour at all.
    pub fn color(&self) -> bool {
        self.palette != Palette::Mono
    }

    fn fg(&self, (dark, light): Pair) -> Style {
        match self.palette {
            Palette::Dark => Style::new().fg(dark),
            Palette::Projector => Style::new().fg(light).add_modifier(Modifier::BOLD),
            Palette::Mono => Style::new(),
        }
    }

    /// The whole screen's base: the projector's light background.
    pub fn base(&self) -> Style {
        match self.palette {
            Palette::Projector => Style::new().bg(Color::Rgb(250, 250, 245)).fg(Color::Black),
            _ => Style::new(),
        }
    }

    pub fn text(&self) -> Style {
        Style::new()
    }

    /// Labels, units.
    pub fn dim(&self) -> Style {
        match self.palette {
            Palette::Mono => Style::new().add_modifier(Modifier::DIM),
            Palette::Dark => Style::new().fg(DIM.0),
            Palette::Projector => Style::new().fg(DIM.1),
        }
    }

    /// What has not happened yet at the cursor: dimmer and italic, so it is
    /// never taken for a grey bare ACK.
    pub fn future(&self) -> Style {
        self.dim().add_modifier(Modifier::ITALIC)
    }

    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The selected row: the "now" of the lesson.
    pub fn cursor(&self) -> Style {
        match self.palette {
            Palette::Dark => Style::new()
                .bg(Color::Rgb(40, 52, 74))
                .add_modifier(Modifier::BOLD),
            Palette::Projector => Style::new()
                .bg(Color::Rgb(255, 236, 140))
                .add_modifier(Modifier::BOLD),
            Palette::Mono => Style::new().add_modifier(Modifier::REVERSED),
        }
    }

    /// A row's base style: the cursor's highlight, the future's, else plain.
    pub fn row(&self, here: bool, future: bool) -> Style {
        if here {
            self.cursor()
        } else if future {
            self.future()
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        self.fg(TITLE).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.palette) {
            (true, Palette::Dark) => Style::new().fg(Color::Yellow),
            (true, Palette::Projector) => {
                Style::new().fg(Color::Black).add_modifier(Modifier::BOLD)
            }
            (true, Palette::Mono) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.dim(),
        }
    }

    /// One colour per kind of segment, the same in every pane: SYN green,
    /// SYN/ACK cyan, data (PSH) blue, FIN magenta, RST red, bare ACK grey.
    pub fn flags(&self, f: TcpFlags) -> Style {
        if !self.color() {
            return if f.rst() || f.syn() || f.fin() {
                self.bold()
            } else {
                Style::new()
            };
        }
        let c = if f.rst() {
            RST
        } else if f.syn() && f.ack() {
            SYNACK
        } else if f.syn() {
            SYN
        } else if f.fin() {
            FIN
        } else if f.psh() {
            PSH
        } else {
            ACK
        };
        self.fg(c).add_modifier(Modifier::BOLD)
    }

    pub fn severity(&self, s: Severity) -> Style {
        match (s, self.color()) {
            (Severity::Error, true) => self.fg(ERROR).add_modifier(Modifier::BOLD),
            (Severity::Warning, true) => self.fg(WARNING),
            (Severity::Info, true) => self.fg(INFO),
            (Severity::Error, false) => {
                Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
            }
            (Severity::Warning, false) => self.bold(),
            (Severity::Info, false) => Style::new(),
        }
    }

    /// How a fact is known: observed facts plain, inferred ones marked.
    pub fn provenance(&self, p: Provenance) -> Style {
        match (p, self.color()) {
            (Provenance::Observed | Provenance::Recorded, true) => self.fg(OBSERVED),
            (Provenance::Inferred, true) => self.fg(WARNING).add_modifier(Modifier::ITALIC),
            (Provenance::Inferred, false) => Style::new().add_modifier(Modifier::ITALIC),
            (_, false) => Style::new(),
        }
    }

    /// Client and server, in the ladder and the dialogue (colours no flag uses).
    pub fn client(&self) -> Style {
        self.fg(CLIENT)
    }

    pub fn server(&self) -> Style {
        self.fg(SERVER)
    }

    /// Bytes that arrived but do not make a line yet (the ccNotes moment).
    pub fn partial(&self) -> Style {
        self.fg(PARTIAL).add_modifier(Modifier::ITALIC)
    }

    /// A source's own words, quoted.
    pub fn quote(&self) -> Style {
        self.fg(ACK).add_modifier(Modifier::ITALIC)
    }

    /// Bytes, names and commands as they are on the wire, in prose.
    pub fn code(&self) -> Style {
        match self.palette {
            Palette::Mono => Style::new().add_modifier(Modifier::UNDERLINED),
            _ => self.fg(CLIENT),
        }
    }

    pub fn emphasis(&self) -> Style {
        Style::new().add_modifier(Modifier::ITALIC)
    }

    /// A right answer, and a wrong one (marked ✓ and ✗ as well).
    pub fn right(&self) -> Style {
        self.fg(SYN).add_modifier(Modifier::BOLD)
    }

    pub fn wrong(&self) -> Style {
        self.fg(RST).add_modifier(Modifier::BOLD)
    }

    /// What a lesson step points at: reversed, so it stands out in any
    /// palette and on a projector.
    pub fn pointed(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        match self.palette {
            Palette::Dark => s.fg(Color::Yellow),
            _ => s,
        }
    }

    pub fn key(&self) -> Style {
        self.fg(KEY).add_modifier(Modifier::BOLD)
    }

    /// Byte ranges of the hex view: link, IP, TCP header, payload, trailer.
    pub fn layer(&self, k: usize) -> Style {
        if !self.color() {
            return match k {
                0 => Style::new().add_modifier(Modifier::DIM),
                1 => Style::new(),
                2 => Style::new().add_modifier(Modifier::BOLD),
                3 => Style::new().add_modifier(Modifier::UNDERLINED),
                _ => Style::new().add_modifier(Modifier::DIM | Modifier::ITALIC),
            };
        }
        let c: [Pair; 5] = [FIN, SYN, KEY, SYNACK, DIM];
        self.fg(c[k.min(c.len() - 1)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_role_shares_a_colour_with_a_flag_or_a_severity() {
        let flags = [SYN, SYNACK, PSH, ACK, FIN, RST];
        for role in [CLIENT, SERVER] {
            assert!(!flags.contains(&role), "{role:?}");
        }
        assert!(!flags.contains(&INFO), "info is not the colour of a flag");
        assert_ne!(DIM, ACK, "the future is not a bare ACK's grey");
    }

    #[test]
    fn themes_by_name() {
        assert_eq!(
            Theme::named("projector").map(|t| t.palette),
            Some(Palette::Projector)
                .filter(|_| Theme::from_env().color())
                .or(Some(Palette::Mono))
        );
        assert!(Theme::named("neon").is_none());
    }
}
