//! The kernel pane's second column per endpoint, for lab captures: what the
//! real kernel said (TCP_INFO and the queue ioctls, *observed*) beside the
//! model's value (*inferred*), a differing value marked `≠`, and the usual
//! reason they differ ([`crate::socket::kernel_compare`], docs/kernel.md).

use ratatui::text::{Line, Span};

use crate::finding::Provenance;
use crate::socket::kernel_compare::{self, Field};
use crate::socket::kernel_sample::KernelSample;
use crate::tcp::EndpointKernel;
use crate::ui::data::Data;
use crate::ui::state::ViewState;
use crate::ui::theme::Theme;
use crate::ui::widgets::{fit, pad, width};

/// A sample seen from the cursor.
#[derive(Clone, Copy, Debug)]
pub struct Seen<'d> {
    pub sample: &'d KernelSample,
    /// Taken after this very segment was captured and before the next:
    /// only then is it compared (an older sample is shown dim, unjudged).
    pub fresh: bool,
}

/// The latest sample of each endpoint (client, server) at the cursor.
pub fn at_cursor<'d>(s: &ViewState, d: &'d Data) -> [Option<Seen<'d>>; 2] {
    let frame = s.cursor_frame(d);
    d.kernel.observed_at(&d.timeline, s.conn, s.pos).map(|p| {
        p.map(|p| Seen {
            sample: &p.sample,
            fresh: Some(p.frame) == frame,
        })
    })
}

/// Whether the capture carries the real kernel's samples at all.
pub fn carried(d: &Data) -> bool {
    !d.timeline.kernel.is_empty()
}

/// The comparable field of a pane row (an index into the pane's `ROWS`).
pub fn field_of_row(row: usize) -> Option<Field> {
    match row {
        0 => Some(Field::State),
        3 => Some(Field::InFlight),
        5 => Some(Field::Window),
        6 => Some(Field::Unread),
        7 => Some(Field::Retrans),
        _ => None,
    }
}

/// The title's provenance part: both labels, in their colours.
pub fn title(w: u16, t: &Theme) -> Vec<Span<'static>> {
    let observed = if w >= 44 {
        "observed (TCP_INFO)"
    } else {
        "observed"
    };
    vec![
        Span::styled(" · ", t.dim()),
        Span::styled("inferred", t.provenance(Provenance::Inferred)),
        Span::styled(" · ", t.dim()),
        Span::styled(observed, t.provenance(Provenance::Observed)),
    ]
}

/// The line under the endpoints' names: which column is which.
pub fn subheader(label: usize, col: usize, t: &Theme) -> Line<'static> {
    let (i, o) = if col >= 10 {
        ("inferred", "observed")
    } else {
        ("infer.", "observ.")
    };
    let mut spans = vec![Span::raw(" ".repeat(label))];
    for _ in 0..2 {
        spans.push(Span::styled(
            pad(i, col),
            t.provenance(Provenance::Inferred),
        ));
        spans.push(Span::styled(
            pad(o, col),
            t.provenance(Provenance::Observed),
        ));
    }
    Line::from(spans)
}

/// The observed cell of one endpoint for a pane row: its text (`≠` before a
/// value that differs from the inferred one), whether it differs, and
/// whether it is fresh (taken at this segment). Empty where the kernel was
/// not asked (RCV.NXT, SND.UNA, SND.NXT), `—` where not yet.
pub fn cell(
    row: usize,
    k: &EndpointKernel,
    own: Option<Seen<'_>>,
    peer: Option<Seen<'_>>,
    short: bool,
) -> (String, bool, bool) {
    let Some(field) = field_of_row(row) else {
        return (String::new(), false, true);
    };
    // The window this endpoint advertised is held by the peer's kernel.
    let from = if field == Field::Window { peer } else { own };
    let Some(from) = from else {
        return ("—".into(), false, true);
    };
    let observed = kernel_compare::observed(field, from.sample, peer.map(|p| p.sample));
    let pair = kernel_compare::Pair {
        field,
        inferred: kernel_compare::inferred(field, k),
        observed,
    };
    let differs = from.fresh && pair.differs();
    let mut text = pair.observed.unwrap_or_else(|| "—".into());
    if short && field == Field::State {
        text = short_state(&text).to_string();
    }
    if differs {
        text = format!("≠{text}");
    }
    (text, differs, from.fresh)
}

/// `tcpi_state` in at most 8 characters, as `ss` prints it.
fn short_state(s: &str) -> &str {
    match s {
        "ESTABLISHED" => "ESTAB",
        "SYN-RECEIVED" => "SYN-RECV",
        "CLOSE-WAIT" => "CLOSE-WT",
        "FIN-WAIT-1" => "FIN-WT-1",
        "FIN-WAIT-2" => "FIN-WT-2",
        "TIME-WAIT" => "TIME-WT",
        other => other,
    }
}

/// The footnote when a value differs here: which, and the usual cause.
pub fn footnote(differing: &[Field], w: usize, t: &Theme) -> Line<'static> {
    let names: Vec<&str> = differing.iter().map(|f| f.name()).collect();
    let first = differing.first().copied().unwrap_or(Field::Unread);
    let long = format!(
        "≠ {}: the kernel differs here; usually {} · ⏎ explains",
        names.join(", "),
        short_cause(first)
    );
    let mid = format!("≠ {}: {}", names.join(", "), short_cause(first));
    let tiny = "≠ kernel differs · ⏎ why".to_string();
    let note = [long, mid]
        .into_iter()
        .find(|n| width(n) <= w)
        .unwrap_or(tiny);
    Line::from(Span::styled(fit(&note, w), t.key()))
}

/// The cause in a few words, for the footnote.
fn short_cause(f: Field) -> &'static str {
    match f {
        Field::State => "a FIN or ACK not yet processed when sampled",
        Field::Unread => "a read() or arrival between sample and segment",
        Field::InFlight => "an ACK not yet processed (delayed ACK)",
        Field::Window => "an update not yet arrived, or autotuning",
        Field::Retrans => "probes counted differently",
    }
}

/// What the details (⏎) add for a pane row in a lab capture: both values,
/// where the observed one comes from, and why they may differ.
pub fn explain(s: &ViewState, d: &Data, row: usize, k: &crate::tcp::KernelAt) -> Vec<String> {
    let Some(field) = field_of_row(row) else {
        return Vec::new();
    };
    if !carried(d) {
        return Vec::new();
    }
    let [client, server] = at_cursor(s, d);
    let mut out = Vec::new();
    for (name, ek, own, peer) in [
        ("client", &k.client, client, server),
        ("server", &k.server, server, client),
    ] {
        let inferred = kernel_compare::inferred(field, ek).unwrap_or_else(|| "—".into());
        let from = if field == Field::Window { peer } else { own };
        let observed = from
            .and_then(|o| kernel_compare::observed(field, o.sample, peer.map(|p| p.sample)))
            .unwrap_or_else(|| "not sampled yet".into());
        let when = from.map_or(String::new(), |o| {
            let age = if o.fresh {
                "after this segment"
            } else {
                "at an earlier segment"
            };
            format!(", sampled {} {age}", o.sample.at)
        });
        out.push(format!(
            "{name}: inferred {inferred}; observed ({}) {observed}{when}.",
            field.source()
        ));
    }
    out.push(format!(
        "Observed values are the lab's real kernel, asked around each call (docs/kernel.md); \
         the sample shown is the latest taken before the next segment, and only one \
         taken at this segment is compared (≠). They may differ because {}.",
        kernel_compare::usual_cause(field)
    ));
    out
}
