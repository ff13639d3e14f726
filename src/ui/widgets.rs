//! Drawing helpers the panes share: text fitted to a number of terminal
//! columns, a pane's frame, an overlay's centred rectangle, and the short
//! forms several panes print (seconds, byte ranges, a finding's tag).
//!
//! Widths are display columns (Unicode UAX #11, through `unicode-width`, as
//! ratatui lays cells out), not characters: a CJK character or an emoji
//! takes two columns, a combining mark none, so cut and padded text lines up
//! whatever a capture's names and payloads hold.

use std::ops::Range;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::theme::Theme;
use crate::finding::Finding;
use crate::tcp::Dir;

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Columns a line's spans take.
pub fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| width(&s.content)).sum()
}

/// The longest start of `s` that takes at most `cols` columns.
pub fn prefix(s: &str, cols: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += c.width().unwrap_or(0);
        if used > cols {
            return &s[..i];
        }
    }
    s
}

/// Cuts `s` to `cols` columns, ending in `…` when cut.
pub fn fit(s: &str, cols: usize) -> String {
    if width(s) <= cols {
        return s.to_string();
    }
    if cols == 0 {
        return String::new();
    }
    format!("{}…", prefix(s, cols - 1))
}

/// Cuts `s` to `cols` columns at a word's end, ending in `…` when cut
/// (a tag reads "closed without…", not "closed without qu").
pub fn fit_words(s: &str, cols: usize) -> String {
    if width(s) <= cols {
        return s.to_string();
    }
    let cut = fit(s, cols);
    let kept = cut.trim_end_matches('…');
    match kept.rfind(' ') {
        Some(i) if width(kept[..i].trim()) > 2 => format!("{}…", kept[..i].trim_end()),
        _ => cut,
    }
}

/// Pads or cuts `s` to exactly `cols` columns (one fewer when a wide
/// character would straddle the edge).
pub fn pad(s: &str, cols: usize) -> String {
    let cut = fit(s, cols);
    let n = width(&cut);
    cut + &" ".repeat(cols.saturating_sub(n))
}

/// A line's spans cut to `cols` columns, so a styled line never wraps.
pub fn clip(spans: Vec<Span<'_>>, cols: usize) -> Vec<Span<'_>> {
    let mut left = cols;
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        if left == 0 {
            break;
        }
        let n = width(&s.content);
        if n <= left {
            left -= n;
            out.push(s);
        } else {
            out.push(Span::styled(fit(&s.content, left), s.style));
            left = 0;
        }
    }
    out
}

/// Spans cut to `cols` columns and filled to them in `style`: a row
/// highlighted across the whole pane.
pub fn filled(spans: Vec<Span<'_>>, cols: usize, style: Style) -> Vec<Span<'_>> {
    let mut spans = clip(spans, cols);
    let used = spans_width(&spans);
    spans.push(Span::styled(" ".repeat(cols.saturating_sub(used)), style));
    spans
}

/// How a row of a timeline list (a segment, a dialogue line) is painted:
/// highlighted across the pane at the cursor, dimmed while it has not
/// happened yet.
#[derive(Clone, Copy, Debug)]
pub struct RowPaint {
    pub t: Theme,
    pub base: Style,
    pub future: bool,
    pub here: bool,
    /// The row's width, for the highlight.
    pub width: usize,
}

impl RowPaint {
    pub fn new(t: &Theme, here: bool, future: bool, width: usize) -> Self {
        RowPaint {
            t: *t,
            base: t.row(here, future),
            future,
            here,
            width,
        }
    }

    /// A part's style on this row.
    pub fn paint(&self, st: Style) -> Style {
        if self.future {
            self.t.dim()
        } else {
            self.base.patch(st)
        }
    }

    /// The line cut to the row's width, filled to its edge at the cursor.
    pub fn finish(&self, spans: Vec<Span<'static>>) -> Line<'static> {
        Line::from(if self.here {
            filled(spans, self.width, self.base)
        } else {
            clip(spans, self.width)
        })
    }
}

/// Seconds as the panes print them.
pub fn secs(s: f64) -> String {
    format!("{s:.6}")
}

/// `0–13` for the bytes of a range.
pub fn byte_range(r: &Range<usize>) -> String {
    format!("{}–{}", r.start, r.end.saturating_sub(1))
}

/// A centred rectangle for an overlay: `w`×`h`, shrunk to fit.
pub fn centered(size: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(size.width.saturating_sub(2)).max(1);
    let h = h.min(size.height.saturating_sub(2)).max(1);
    Rect::new(
        size.x + (size.width.saturating_sub(w)) / 2,
        size.y + (size.height.saturating_sub(h)) / 2,
        w,
        h,
    )
}

/// A pane's frame: its title, and a brighter border when it has the focus.
pub fn pane_block<'a>(title: Vec<Span<'a>>, focused: bool, t: &Theme) -> Block<'a> {
    let mut spans = vec![Span::styled(" ", t.border(focused))];
    spans.extend(title);
    spans.push(Span::raw(" "));
    Block::new()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Line::from(spans))
}

/// A finding's id as a short tag for a margin: `reply split across
/// segments` becomes `reply split`, `client out of step` stays whole.
/// `dir` is the direction of the segment it is anchored at: the catalogue
/// (docs/findings.md) applies the split id to commands too, and a command's
/// split is tagged as one.
pub fn finding_tag(f: &Finding, dir: Dir) -> String {
    let id = f.id;
    if id == "smtp_reply_split_across_segments" && dir == Dir::C2s {
        return "command split".to_string();
    }
    // Jargon gets plain words in a margin.
    let plain = match id {
        "smtp_pregreet" => Some("spoke too early"),
        "smtp_client_out_of_step" => Some("out of step"),
        _ => None,
    };
    if let Some(p) = plain {
        return p.to_string();
    }
    let short = ["smtp_", "pop3_", "tcp_"]
        .iter()
        .find_map(|p| id.strip_prefix(p))
        .unwrap_or(id);
    let words = short.replace('_', " ");
    // Drop trailing qualifiers while the tag is long: the findings pane and
    // the details keep the whole id.
    let mut cut = words.as_str();
    for tail in [" across segments", " violation", " exceeded"] {
        if cut.len() > 14 {
            cut = cut.strip_suffix(tail).unwrap_or(cut);
        }
    }
    if cut.len() > 14 {
        cut = cut.strip_prefix("client ").unwrap_or(cut);
    }
    cut.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fits_by_characters() {
        assert_eq!(fit("hello world", 5), "hell…");
        assert_eq!(fit("hello", 5), "hello");
        assert_eq!(fit("hello", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(fit_words("closed without quit", 17), "closed without…");
        assert_eq!(prefix("hello", 3), "hel");
    }

    #[test]
    fn cjk_and_emoji_take_two_columns() {
        // Each of 日本語 is two columns wide: five columns hold two and the
        // ellipsis, never two and a half.
        assert_eq!(width("日本語"), 6);
        assert_eq!(fit("日本語テキスト", 5), "日本…");
        assert_eq!(
            width(&fit("日本語テキスト", 6)),
            5,
            "日本 and … (a third would not fit)"
        );
        assert_eq!(pad("日本", 6), "日本  ");
        assert_eq!(prefix("日本語", 5), "日本");
        assert_eq!(width(&pad("日本語", 5)), 5);
        // An emoji too.
        assert_eq!(width("✉ mail 📧"), 9);
        assert_eq!(fit("📧📧📧", 4), "📧…");
        let spans = clip(vec![Span::raw("📧 "), Span::raw("日本語")], 6);
        assert_eq!(spans_width(&spans), 6);
        assert_eq!(spans[1].content, "日…");
        let row = filled(vec![Span::raw("日本")], 7, Style::new());
        assert_eq!(spans_width(&row), 7);
    }
}

/// A piece of styled text being wrapped: a word (made of the runs it spans,
/// so `` `code`, `` stays one word), a space, or a line break.
enum Tok {
    Word(Vec<(String, Style)>),
    Space(Style),
    Break,
}

fn tokens(runs: &[(String, Style)]) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    for (text, style) in runs {
        for (li, line) in text.split('\n').enumerate() {
            if li > 0 {
                out.push(Tok::Break);
            }
            for (wi, word) in line.split(' ').enumerate() {
                if wi > 0 {
                    out.push(Tok::Space(*style));
                }
                if word.is_empty() {
                    continue;
                }
                match out.last_mut() {
                    Some(Tok::Word(parts)) => parts.push((word.to_string(), *style)),
                    _ => out.push(Tok::Word(vec![(word.to_string(), *style)])),
                }
            }
        }
    }
    out
}

/// Styled runs of text word-wrapped into lines at most `cols` columns wide,
/// the first indented by `first`, the others by `rest`; a word longer than
/// a line is cut. A `\n` inside a run starts a new line.
pub fn wrap_runs(
    runs: &[(String, Style)],
    cols: usize,
    first: &str,
    rest: &str,
) -> Vec<Line<'static>> {
    let mut w = Wrapper {
        lines: Vec::new(),
        cur: vec![Span::raw(first.to_string())],
        used: width(first),
        fresh: true,
        cols: cols.max(width(rest) + 1),
        rest,
    };
    let mut space: Option<Style> = None;
    for tok in tokens(runs) {
        match tok {
            Tok::Break => {
                w.newline();
                space = None;
            }
            Tok::Space(st) => space = space.or(Some(st)),
            Tok::Word(parts) => {
                let n: usize = parts.iter().map(|(p, _)| width(p)).sum();
                let gap = usize::from(space.is_some() && !w.fresh);
                if !w.fresh && w.used + gap + n > w.cols {
                    w.newline();
                } else if let (1, Some(st)) = (gap, space) {
                    w.push(" ", st);
                }
                space = None;
                for (p, st) in parts {
                    w.push_cut(&p, st);
                }
            }
        }
    }
    if w.cur.len() > 1 || w.lines.is_empty() {
        w.lines.push(Line::from(w.cur));
    }
    w.lines
}

/// The line being filled by [`wrap_runs`].
struct Wrapper<'a> {
    lines: Vec<Line<'static>>,
    cur: Vec<Span<'static>>,
    used: usize,
    fresh: bool,
    cols: usize,
    rest: &'a str,
}

impl Wrapper<'_> {
    fn newline(&mut self) {
        self.lines.push(Line::from(std::mem::take(&mut self.cur)));
        self.cur = vec![Span::raw(self.rest.to_string())];
        self.used = width(self.rest);
        self.fresh = true;
    }

    fn push(&mut self, text: &str, st: Style) {
        self.cur.push(Span::styled(text.to_string(), st));
        self.used += width(text);
        self.fresh = false;
    }

    /// A word's piece, cut where the line ends (a word longer than a line).
    fn push_cut(&mut self, mut text: &str, st: Style) {
        while self.used + width(text) > self.cols {
            let room = self.cols.saturating_sub(self.used);
            let mut head = prefix(text, room);
            if head.is_empty() {
                if !self.fresh {
                    self.newline();
                    continue;
                }
                head = text
                    .get(..text.chars().next().map_or(0, char::len_utf8))
                    .unwrap_or("");
            }
            self.push(head, st);
            text = &text[head.len()..];
            if text.is_empty() {
                return;
            }
            self.newline();
        }
        if !text.is_empty() {
            self.push(text, st);
        }
    }
}

#[cfg(test)]
mod wrap_tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn words_across_runs_wrap_whole() {
        let plain = Style::new();
        let code = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
        let runs = vec![
            ("sockscope raises ".to_string(), plain),
            ("smtp_pregreet".to_string(), code),
            (", proved.".to_string(), plain),
        ];
        let lines = wrap_runs(&runs, 20, "", "");
        assert_eq!(
            text(&lines),
            vec!["sockscope raises", "smtp_pregreet,", "proved."]
        );
    }

    #[test]
    fn long_words_are_cut_and_indents_kept() {
        let runs = vec![("a ".to_string() + &"x".repeat(12), Style::new())];
        let lines = wrap_runs(&runs, 8, "• ", "  ");
        assert_eq!(text(&lines), vec!["• a", "  xxxxxx", "  xxxxxx"]);
        assert!(text(&lines).iter().all(|l| width(l) <= 8));
    }
}
