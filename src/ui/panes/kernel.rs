//! The kernel pane: each endpoint's TCP stack at the cursor, inferred from
//! the segments that passed the capture point ([`crate::timeline::kernel_at`]).
//! A value this segment changed is highlighted, so stepping shows what each
//! segment did to the stacks. In a lab capture each endpoint has a second
//! column, what the real kernel said ([`super::kernel_observed`]).

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::finding::Provenance;
use crate::tcp::{Endpoint, TcpState};
use crate::timeline::EndpointKernel;
use crate::ui::data::PaneData;
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{clip, fit, pad, pane_block, width};

use super::kernel_observed as obs;

/// The rows: label, and the value of one endpoint.
pub const ROWS: &[(&str, &str)] = &[
    (
        "state",
        "RFC 9293 connection state, as the segments so far imply.",
    ),
    (
        "SND.UNA",
        "oldest sequence number it sent that the peer has not acknowledged (relative).",
    ),
    ("SND.NXT", "next sequence number it will send (relative)."),
    (
        "in flight",
        "bytes sent and not yet acknowledged: SND.NXT − SND.UNA.",
    ),
    (
        "RCV.NXT",
        "next sequence number it expects from the peer (relative): in-order bytes inside its window seen going to it; an ACK below them with a zero window says a full buffer dropped them.",
    ),
    (
        "window",
        "receive window it advertised last, after scaling: how much more the peer may send.",
    ),
    (
        "unread",
        "bytes received in order that the application has not read() yet.",
    ),
    (
        "retrans",
        "segments it sent again (retransmissions) so far.",
    ),
];

/// The order the rows are shown in (indexes into [`ROWS`]): what a student
/// looks at first — the state, the unread bytes, the window — on top, so a
/// short pane keeps them.
pub const ORDER: [usize; 8] = [0, 6, 5, 3, 4, 1, 2, 7];

/// The row shown at position `pos` (an index into [`ROWS`]).
pub fn row_at(pos: usize) -> usize {
    ORDER.get(pos).copied().unwrap_or(0)
}

fn value(k: &EndpointKernel, row: usize, short: bool) -> String {
    let num = |v: Option<u64>| v.map_or("—".to_string(), |v| v.to_string());
    match row {
        0 if short => short_state(k.state).to_string(),
        0 => k.state.name().to_string(),
        1 => num(k.snd_una),
        2 => num(k.snd_nxt),
        3 => k.in_flight().map_or("—".into(), |v| format!("{v} B")),
        4 => num(k.rcv_nxt),
        5 => k.window.map_or("—".into(), |v| format!("{v} B")),
        6 => format!("{} B", k.unread()),
        _ => k.retransmissions.to_string(),
    }
}

/// A state's name in at most 8 characters, as `ss` prints them, for a
/// narrow pane.
fn short_state(s: TcpState) -> &'static str {
    match s {
        TcpState::Established => "ESTAB",
        TcpState::SynReceived => "SYN-RECV",
        TcpState::CloseWait => "CLOSE-WT",
        TcpState::FinWait1 => "FIN-WT-1",
        TcpState::FinWait2 => "FIN-WT-2",
        TcpState::TimeWait => "TIME-WT",
        other => other.name(),
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &ViewState, d: &PaneData, t: &Theme, focused: bool) {
    // A narrow pane keeps the provenance and drops the words before it.
    let words = if area.width >= 36 {
        " · TCP stacks · "
    } else {
        " · "
    };
    let lab = obs::carried(d.data);
    let title = if lab {
        // Lab captures: the real kernel's values beside the inferred ones.
        let mut v = vec![Span::styled("kernel", t.title())];
        v.extend(obs::title(area.width, t));
        v
    } else {
        vec![
            Span::styled("kernel", t.title()),
            Span::styled(words, t.dim()),
            Span::styled("inferred", t.provenance(Provenance::Inferred)),
        ]
    };
    let block = pane_block(title, focused, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let (Some(now), before) = s.kernel_now_and_before(d.data) else {
        return;
    };
    let w = usize::from(inner.width);
    let label = 10;
    // Lab captures: two columns per endpoint, inferred and observed.
    let cols = if lab { 4 } else { 2 };
    let col = (w.saturating_sub(label) / cols).clamp(4, if lab { 12 } else { 14 });
    let short = col < 12;
    // With room to spare (folded into a tab), each row says what it means.
    let meaning = w >= label + cols * col + 24;
    let mut lines = vec![Line::from(vec![
        Span::raw(" ".repeat(label)),
        Span::styled(pad("client", col * cols / 2), t.client()),
        Span::styled(pad("server", col * cols / 2), t.server()),
    ])];
    if lab {
        lines.push(obs::subheader(label, col, t));
    }
    let [obs_client, obs_server] = obs::at_cursor(s, d.data);
    let mut differing = Vec::new();
    // A pane too short for every row scrolls (↑/↓ when focused), and its
    // last line says what is out of sight.
    let room = usize::from(inner.height)
        .saturating_sub(2 + usize::from(lab))
        .max(1);
    let pointed = lesson_field(s);
    // The selected row (↑/↓ when focused) stays in sight.
    let sel = s.kernel_row.min(ROWS.len().saturating_sub(1));
    let mut first = (sel + 1)
        .saturating_sub(room)
        .min(ROWS.len().saturating_sub(room));
    // The row a lesson step points at is always in sight.
    let pointed = pointed.map(|(row, e)| (ORDER.iter().position(|&r| r == row).unwrap_or(0), e));
    if let Some((row, _)) = pointed {
        if row < first || row >= first + room {
            first = row
                .saturating_sub(room / 2)
                .min(ROWS.len().saturating_sub(room));
        }
    }
    let last = (first + room).min(ROWS.len());
    for pos in first..last {
        let row = row_at(pos);
        let name = ROWS.get(row).map_or("", |r| r.0);
        let here = pointed.filter(|(r, _)| *r == pos);
        let name_style = if here.is_some() {
            t.pointed()
        } else if focused && pos == sel {
            t.cursor()
        } else {
            t.dim()
        };
        let mut spans = vec![Span::styled(pad(name, label), name_style)];
        for (side, k, prev, own, peer) in [
            (
                Endpoint::Client,
                &now.client,
                before.as_ref().map(|b| &b.client),
                obs_client,
                obs_server,
            ),
            (
                Endpoint::Server,
                &now.server,
                before.as_ref().map(|b| &b.server),
                obs_server,
                obs_client,
            ),
        ] {
            let v = value(k, row, short);
            let changed = prev.is_some_and(|p| value(p, row, short) != v);
            let st = if here.is_some_and(|(_, e)| e.is_none_or(|e| e == side)) {
                t.pointed()
            } else if changed {
                t.key()
            } else {
                Style::new()
            };
            // Lab columns keep one space between values.
            let v = if lab {
                fit(&v, col.saturating_sub(1))
            } else {
                v
            };
            spans.push(Span::styled(v.clone(), st));
            spans.push(Span::raw(" ".repeat(col.saturating_sub(width(&v)))));
            if lab {
                let (o, differs, fresh) = obs::cell(row, k, own, peer, short);
                if differs {
                    if let Some(f) = obs::field_of_row(row).filter(|f| !differing.contains(f)) {
                        differing.push(f);
                    }
                }
                let st = if differs {
                    t.wrong()
                } else if fresh {
                    Style::new()
                } else {
                    t.dim()
                };
                // One column between values, so `≠` never touches the next.
                let o = fit(&o, col.saturating_sub(1));
                spans.push(Span::styled(o.clone(), st));
                spans.push(Span::raw(" ".repeat(col.saturating_sub(width(&o)))));
            }
        }
        if meaning {
            // The meaning is cut at a word's end, never mid-word.
            let room = w.saturating_sub(label + cols * col);
            let meaning = ROWS.get(row).map_or("", |r| r.1);
            spans.push(Span::styled(
                crate::ui::widgets::fit_words(meaning, room),
                t.dim(),
            ));
        }
        lines.push(Line::from(clip(spans, w)));
    }
    if first > 0 || last < ROWS.len() {
        let hidden: Vec<&str> = (0..first)
            .chain(last..ROWS.len())
            .filter_map(|p| ROWS.get(row_at(p)).map(|r| r.0))
            .collect();
        lines.push(Line::from(Span::styled(
            crate::ui::widgets::fit_words(&format!("↑/↓ for {}", hidden.join(", ")), w),
            t.key(),
        )));
    } else if !differing.is_empty() {
        lines.push(obs::footnote(&differing, w, t));
    } else {
        lines.push(footnote(now.client.reads_observed, w, t));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The row (and endpoint) a lesson step points at in this pane.
fn lesson_field(s: &ViewState) -> Option<(usize, Option<Endpoint>)> {
    let l = s.on_path()?;
    if l.look.pane != Some(crate::lessons::Pane::Kernel) {
        return None;
    }
    let row = match l.look.field.as_deref()? {
        "state" => 0,
        "snd_una" => 1,
        "snd_nxt" => 2,
        "in_flight" => 3,
        "rcv_nxt" => 4,
        "window" => 5,
        "unread" | "received" | "read" => 6,
        "retransmissions" => 7,
        _ => return None,
    };
    Some((row, l.look.side))
}

/// The footnote in the longest form that fits the pane, so it is never
/// cut mid-word.
fn footnote(reads_observed: bool, w: usize, t: &Theme) -> Line<'static> {
    let notes: [&str; 3] = if reads_observed {
        [
            "unread: from the recorded read() calls · highlighted: changed here · ⏎ explains",
            "unread: recorded read()s · highlighted: changed",
            "unread: recorded reads · ⏎ explains",
        ]
    } else {
        [
            "unread: assumes read() at each wake-up · highlighted: changed here · ⏎ explains",
            "unread: read() at each wake-up · highlighted: changed",
            "unread: reads assumed · ⏎ explains",
        ]
    };
    let note = notes.iter().find(|n| width(n) <= w).unwrap_or(&notes[2]);
    Line::from(Span::styled(fit(note, w), t.dim()))
}
