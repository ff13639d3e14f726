//! Word wrapping for the text report and the view's narration: lines of at
//! most a given number of terminal columns (display width, so CJK and emoji
//! count double), broken at spaces. A word longer than a line (hostile
//! captures make them) is cut into line-sized pieces in one pass, so the
//! work stays linear in the text.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` broken into lines: the first at most `first` columns wide, the
/// others at most `rest`. Widths of 0 are taken as 1.
pub fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let (first, rest) = (first.max(1), rest.max(1));
    let mut out = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    // A line has started once it holds a word, even an empty one: runs of
    // spaces inside a line (aligned columns) are kept.
    let mut started = false;
    let width = |out: &Vec<String>| if out.is_empty() { first } else { rest };
    for word in text.split(' ') {
        let mut word = word;
        let mut w = word.width();
        if started && len + 1 + w > width(&out) {
            out.push(std::mem::take(&mut line));
            (len, started) = (0, false);
            if w == 0 {
                continue;
            }
        }
        // Too long for a line of its own: cut it into pieces.
        while !started && w > width(&out) {
            let (cut, used) = cut_at(word, width(&out));
            out.push(word[..cut].to_string());
            word = &word[cut..];
            w -= used;
        }
        if started {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
        started = true;
    }
    if len > 0 {
        out.push(line);
    }
    out
}

/// Where to cut `word` so its head fills at most `cols` columns (at least
/// one character, so the loop always advances): the byte index and the
/// head's width.
fn cut_at(word: &str, cols: usize) -> (usize, usize) {
    let mut used = 0;
    for (i, c) in word.char_indices() {
        let cw = c.width().unwrap_or(0);
        if used + cw > cols && i > 0 {
            return (i, used);
        }
        used += cw;
    }
    (word.len(), used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_within_their_width() {
        let lines = wrap("the quick brown fox jumps over the lazy dog", 10, 12);
        assert_eq!(
            lines,
            vec!["the quick", "brown fox", "jumps over", "the lazy dog"]
        );
    }

    #[test]
    fn a_word_longer_than_a_line_is_cut() {
        let lines = wrap("ab cdefghijkl m", 4, 4);
        assert_eq!(lines, vec!["ab", "cdef", "ghij", "kl m"]);
        assert!(wrap("", 5, 5).is_empty());
        assert_eq!(
            wrap("   #4  S", 20, 20),
            vec!["   #4  S"],
            "aligned columns stay"
        );
        assert_eq!(wrap("é".repeat(5).as_str(), 2, 2), vec!["éé", "éé", "é"]);
    }

    #[test]
    fn wide_characters_take_two_columns() {
        // Each of these takes two columns of a terminal.
        assert_eq!(wrap("漢字漢字 ok", 4, 4), vec!["漢字", "漢字", "ok"]);
        assert_eq!(wrap("📨📨 📨", 4, 4), vec!["📨📨", "📨"]);
    }
}
