//! What the content reader found worth a finding, one note per kind with a
//! count and a short, already-escaped detail: bare LF and bare CR (RFC 5321
//! §2.3.8), end-of-data variants (SMTP smuggling), lines starting with an
//! undoubled dot (§4.5.2), text lines over 1000 octets (§4.5.3.1.6), and
//! 8-bit or NUL octets without BODY=8BITMIME (RFC 6152). The session turns
//! each note into its finding.

use super::smuggling::Smuggling;
use crate::text::escape_bytes;

/// Bytes of an undoubled dot line kept to show it.
pub const DOT_LINE_KEEP: usize = 40;

/// Something worth a finding, found in the content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentNote {
    /// Finding id (docs/findings.md): smtp_bare_lf, smtp_bare_cr, smtp_smuggling_eod_variant,
    /// smtp_dot_stuffing_missing, smtp_line_too_long, smtp_8bit_without_8bitmime.
    pub id: &'static str,
    /// Stream offset and frame of the first occurrence.
    pub offset: u64,
    pub frame: u64,
    /// How many occurrences (for the counted kinds).
    pub count: u32,
    /// A short, already-escaped detail for the message, e.g. the variant `\n.\n` and what follows.
    pub detail: String,
}

pub const KINDS: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    BareLf,
    BareCr,
    Smuggling,
    DotMissing,
    LongLine,
    EightBit,
}

impl Kind {
    const ALL: [Kind; KINDS] = [
        Kind::BareLf,
        Kind::BareCr,
        Kind::Smuggling,
        Kind::DotMissing,
        Kind::LongLine,
        Kind::EightBit,
    ];

    fn id(self) -> &'static str {
        match self {
            Kind::BareLf => "smtp_bare_lf",
            Kind::BareCr => "smtp_bare_cr",
            Kind::Smuggling => "smtp_smuggling_eod_variant",
            Kind::DotMissing => "smtp_dot_stuffing_missing",
            Kind::LongLine => "smtp_line_too_long",
            Kind::EightBit => "smtp_8bit_without_8bitmime",
        }
    }
}

/// The notes so far, one per kind, in order of first occurrence.
#[derive(Clone, Debug, Default)]
pub struct Notes {
    list: Vec<ContentNote>,
    /// Index into `list` per [`Kind`].
    at: [Option<usize>; KINDS],
    /// Notes whose detail must be rebuilt before the caller looks.
    dirty: [bool; KINDS],
}

impl Notes {
    pub fn list(&self) -> &[ContentNote] {
        &self.list
    }

    /// Counts one occurrence; true when it is the first of its kind.
    pub fn note(&mut self, kind: Kind, offset: u64, frame: u64) -> bool {
        self.touch(kind);
        let at = self.at.get_mut(kind as usize);
        match at {
            Some(Some(i)) => {
                if let Some(n) = self.list.get_mut(*i) {
                    n.count = n.count.saturating_add(1);
                }
                false
            }
            Some(slot) => {
                *slot = Some(self.list.len());
                self.list.push(ContentNote {
                    id: kind.id(),
                    offset,
                    frame,
                    count: 1,
                    detail: String::new(),
                });
                true
            }
            None => false,
        }
    }

    /// The detail of `kind` changed.
    pub fn touch(&mut self, kind: Kind) {
        if let Some(d) = self.dirty.get_mut(kind as usize) {
            *d = true;
        }
    }

    /// Rebuilds the details that changed; once per feed, not per byte.
    pub fn refresh(&mut self, details: &Details, smuggling: &Smuggling) {
        for kind in Kind::ALL {
            let k = kind as usize;
            let dirty = self.dirty.get_mut(k).map(std::mem::take);
            if dirty != Some(true) {
                continue;
            }
            let Some(Some(i)) = self.at.get(k).copied() else {
                continue;
            };
            let detail = details.detail(kind, smuggling);
            if let Some(n) = self.list.get_mut(i) {
                n.detail = detail;
            }
        }
    }
}

/// What the notes' details are built from; all of it bounded.
#[derive(Clone, Debug, Default)]
pub struct Details {
    /// The bytes up to the first bare LF / bare CR (and the one after the
    /// CR), and whether more content came before them.
    pub lf_context: (Vec<u8>, bool),
    pub cr_context: (Vec<u8>, bool),
    /// Bare CRs that were the first of CR CR LF.
    pub cr_cr_lf: u32,
    /// The first undoubled dot line, and whether it is still being read.
    pub dot_line: Vec<u8>,
    pub dot_line_open: bool,
    /// Length of the first over-long line, once it ended.
    pub long_len: Option<u64>,
    pub long_open: bool,
    pub high: u32,
    pub first_high: u8,
    pub nul: u32,
}

/// `First in "…abc\n".`: where a bare line end sits.
fn context((bytes, more): &(Vec<u8>, bool)) -> String {
    let dots = if *more { "…" } else { "" };
    format!("First in \"{dots}{}\".", escape_bytes(bytes))
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl Details {
    fn detail(&self, kind: Kind, smuggling: &Smuggling) -> String {
        match kind {
            Kind::BareLf => context(&self.lf_context),
            Kind::BareCr => {
                let mut s = context(&self.cr_context);
                if self.cr_cr_lf > 0 {
                    s.push_str(&format!(" {} as CR CR LF.", self.cr_cr_lf));
                }
                s
            }
            Kind::Smuggling => smuggling.detail(),
            Kind::DotMissing => {
                let more = if self.dot_line_open || self.dot_line.len() >= DOT_LINE_KEEP {
                    "…"
                } else {
                    ""
                };
                format!("First: \"{}{more}\".", escape_bytes(&self.dot_line))
            }
            Kind::LongLine => match self.long_len {
                Some(n) => format!("First: {n} octets."),
                None => "First: over 1000 octets, not yet ended.".to_string(),
            },
            Kind::EightBit => self.eight_bit(),
        }
    }

    fn eight_bit(&self) -> String {
        let mut parts = Vec::new();
        if self.high > 0 {
            parts.push(format!(
                "{} octet{} ≥ 0x80 (first 0x{:02X}) without BODY=8BITMIME",
                self.high,
                plural(self.high),
                self.first_high
            ));
        }
        if self.nul > 0 {
            parts.push(format!("{} NUL octet{}", self.nul, plural(self.nul)));
        }
        format!("{}.", parts.join("; "))
    }
}
