//! The timeline strip: the whole capture, left to right in capture time.
//! The upper line marks findings (⚠, by severity) and the cursor (▼, or
//! the ⚠ on the cursor's background where its column has a finding); the
//! lower line is the frames' density, brighter where the selected connection
//! was alive. A click jumps to that moment.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::ui::data::model::STRIP_BUCKETS;
use crate::ui::data::{Data, PaneData};
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The histogram buckets a column of a strip `width` wide covers.
fn buckets(width: u16, col: u16) -> (usize, usize) {
    let w = usize::from(width.max(1));
    let c = usize::from(col);
    let a = c * STRIP_BUCKETS / w;
    let b = ((c + 1) * STRIP_BUCKETS / w).max(a + 1).min(STRIP_BUCKETS);
    (a, b)
}

/// The column of a strip `width` wide whose buckets hold `bucket`: the
/// inverse of [`buckets`], so the cursor sits where its frame is counted.
fn column_of(width: u16, bucket: usize) -> u16 {
    let w = usize::from(width.max(1));
    let mut c = (bucket * w / STRIP_BUCKETS).min(w - 1);
    while c + 1 < w && buckets(width, (c + 1) as u16).0 <= bucket {
        c += 1;
    }
    while c > 0 && buckets(width, c as u16).0 > bucket {
        c -= 1;
    }
    c as u16
}

/// The first frame in a column of the strip, for a click.
pub fn frame_at(d: &Data, width: u16, col: u16) -> Option<u64> {
    let s = &d.strip;
    let frames = &d.timeline.frames;
    let (a, _) = buckets(width, col);
    let t = s.time_of(a);
    let i = frames.partition_point(|f| f.time < t);
    // The first TCP segment from there on (a few frames at most, usually).
    frames[i.min(frames.len())..]
        .iter()
        .take(10_000)
        .find(|f| f.segment.is_some())
        .map(|f| f.number)
}

pub fn draw(f: &mut Frame, area: Rect, st: &ViewState, d: &PaneData, t: &Theme) {
    let d = d.data;
    let s = &d.strip;
    let w = area.width;
    if s.counts.is_empty() || w == 0 {
        return;
    }
    let cursor_col = st.segment(d).map(|seg| column_of(w, s.bucket(seg.time)));
    let conn_cols = d.timeline.connection(st.conn).map(|c| {
        let col = |time| column_of(w, s.bucket(time));
        (col(c.first_time), col(c.last_time))
    });
    let peak = s.counts.iter().copied().max().unwrap_or(1).max(1);
    let mut marks = Vec::with_capacity(usize::from(w));
    let mut bars = Vec::with_capacity(usize::from(w));
    for col in 0..w {
        let (a, b) = buckets(w, col);
        let count: u32 = s.counts[a..b]
            .iter()
            .fold(0u32, |x, y| x.saturating_add(*y));
        let worst = s.marks[a..b].iter().copied().max().flatten();
        let here = cursor_col == Some(col);
        // At the cursor a finding keeps its ⚠ (on the cursor's background,
        // as the bar below it): the cursor must not hide what happened there.
        marks.push(match (here, worst) {
            (true, Some(sev)) => Span::styled(sev.glyph(), t.cursor().patch(t.severity(sev))),
            (true, None) => Span::styled("▼", t.key()),
            (false, Some(sev)) => Span::styled(sev.glyph(), t.severity(sev)),
            (false, None) => Span::raw(" "),
        });
        let bar = if count == 0 {
            '─'
        } else {
            let level = (u64::from(count) * 7 / u64::from(peak)) as usize;
            BARS[level.min(7)]
        };
        let in_conn = conn_cols.is_some_and(|(x, y)| col >= x && col <= y);
        let style = if here {
            t.cursor()
        } else if in_conn {
            t.server()
        } else {
            t.dim()
        };
        bars.push(Span::styled(bar.to_string(), style));
    }
    f.render_widget(
        Paragraph::new(vec![Line::from(marks), Line::from(bars)]),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bucket_is_in_the_column_that_counts_it() {
        for width in [1u16, 7, 80, 140, 200, 1024, 3000] {
            for b in 0..STRIP_BUCKETS {
                let c = column_of(width, b);
                let (lo, hi) = buckets(width, c);
                assert!(
                    lo <= b && b < hi,
                    "width {width} bucket {b}: column {c} holds {lo}..{hi}"
                );
            }
        }
    }
}
