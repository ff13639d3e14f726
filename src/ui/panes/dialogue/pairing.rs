//! The out-of-step table under a whole dialogue: each command, the reply
//! the server meant for it, and what a one-read-per-reply client took as
//! its answer instead (inferred), `≠` where the two differ.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::rows::Ctx;
use crate::finding::Severity;
use crate::text::preview;
use crate::ui::widgets::{clip, fit, pad};

/// The server's pairing beside a one-read-per-reply client's.
pub(super) fn table(c: &Ctx<'_>) -> Vec<Line<'static>> {
    let (t, d, width) = (c.t, c.d, c.width);
    let col = width.saturating_sub(4) / 3;
    let mut out = vec![
        Line::from(Span::styled(
            fit("out of step (inferred): server's pairing │ client's", width),
            t.severity(Severity::Error),
        )),
        Line::from(Span::styled(
            fit(
                &format!(
                    "{:<col$} {:<col$}   {}",
                    "command", "answered by (server)", "taken by client"
                ),
                width,
            ),
            t.dim(),
        )),
    ];
    for p in &d.pairings {
        let Some(cmd) = d.commands.get(p.command) else {
            continue;
        };
        let future = cmd.origin.first_frame() > c.cursor;
        let text = preview(
            format!(
                "{} {}",
                cmd.verb,
                String::from_utf8_lossy(&cmd.shown_arg(false))
            )
            .trim_end()
            .as_bytes(),
            col,
        );
        let reply = p.reply.and_then(|r| d.replies.get(r));
        let server = reply
            .map(|r| {
                let text = r.lines.first().map_or(String::new(), |l| preview(l, col));
                format!("{} {text} #{}", r.code, r.origin.last_frame())
            })
            .unwrap_or_else(|| "—".to_string());
        let client = p
            .client_took
            .as_ref()
            .map(|t| format!("\"{}\" #{}", t.shown(col), t.frame))
            .unwrap_or_else(|| "nothing left".to_string());
        let differs =
            p.client_took.as_ref().map(|x| x.frame) != reply.map(|r| r.origin.last_frame());
        let st = if future { t.dim() } else { Style::new() };
        out.push(Line::from(clip(
            vec![
                Span::styled(format!("{} ", pad(&text, col)), st),
                Span::styled(format!("{} ", pad(&server, col)), st),
                Span::styled(
                    if differs { "≠ " } else { "= " },
                    if future {
                        t.dim()
                    } else {
                        t.severity(Severity::Error)
                    },
                ),
                Span::styled(
                    fit(&client, col),
                    if future { t.dim() } else { t.partial() },
                ),
            ],
            width,
        )));
    }
    out
}
