//! The header fields a person looks for first — From, To, Subject, Date,
//! Message-ID (RFC 5322 §3.6) — read from the strict lines of the content as
//! they stream past, unfolded (RFC 5322 §2.2.3), and bounded: the first
//! [`HEADER_LINE_KEEP`] bytes of a line, at most [`MAX_VALUE`] per field.

/// RFC 5322 §2.1.1: a header line is at most 998 characters without its CRLF,
/// so that is all a kept value may hold (unfolded values are cut there too).
pub const MAX_VALUE: usize = 998;
/// Bytes of a header line kept for parsing; the rest of a longer line cannot
/// change which field it is, and a value is cut at [`MAX_VALUE`] anyway.
pub const HEADER_LINE_KEEP: usize = 1000;

/// The fields kept, with their canonical spelling.
pub const WANTED: [&str; 5] = ["From", "To", "Subject", "Date", "Message-ID"];

/// The header section being read.
#[derive(Clone, Debug)]
pub struct Headers {
    /// Still in the header section (before the first empty line).
    pub open: bool,
    /// The first [`HEADER_LINE_KEEP`] bytes of the current line.
    pub line: Vec<u8>,
    /// The kept field that a continuation line would extend.
    current: Option<usize>,
    /// The fields kept: (canonical name, raw value).
    pub fields: Vec<(String, Vec<u8>)>,
}

impl Default for Headers {
    fn default() -> Self {
        Headers {
            open: true,
            line: Vec::new(),
            current: None,
            fields: Vec::new(),
        }
    }
}

fn trim_wsp(v: &[u8]) -> &[u8] {
    let n = v.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    v.get(n..).unwrap_or(&[])
}

/// A field's name: the bytes before the colon, trailing WSP removed.
fn field_name(before_colon: &[u8]) -> &[u8] {
    let trailing = before_colon
        .iter()
        .rev()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    before_colon
        .get(..before_colon.len() - trailing)
        .unwrap_or(&[])
}

impl Headers {
    /// One byte of the current strict line.
    pub fn push(&mut self, b: u8) {
        if self.open && self.line.len() < HEADER_LINE_KEEP {
            self.line.push(b);
        }
    }

    /// The current line ended with CR LF: `len` octets on the wire, CR LF
    /// included, `stuffed` if it began with `..` (RFC 5321 §4.5.2).
    pub fn line_ended(&mut self, len: u64, stuffed: bool) {
        if !self.open {
            return;
        }
        let mut line = std::mem::take(&mut self.line);
        // Drop the CR LF if it was kept (a line over the keep limit lost it).
        if line.len() as u64 == len {
            line.pop();
        }
        if line.len() as u64 + 1 == len {
            line.pop();
        }
        let text: &[u8] = if stuffed {
            line.get(1..).unwrap_or(&[])
        } else {
            &line
        };
        match text.first() {
            None => {
                self.open = false;
                self.current = None;
            }
            Some(b' ' | b'\t') => self.continuation(text),
            Some(_) => self.field(text),
        }
        if self.open {
            line.clear();
            self.line = line;
        }
    }

    /// RFC 5322 §2.2.3: unfolding removes the CRLF, the WSP stays.
    fn continuation(&mut self, text: &[u8]) {
        if let Some((_, value)) = self.current.and_then(|i| self.fields.get_mut(i)) {
            let more = if value.is_empty() {
                trim_wsp(text)
            } else {
                text
            };
            let room = MAX_VALUE.saturating_sub(value.len());
            value.extend_from_slice(more.get(..room).unwrap_or(more));
        }
    }

    /// A line that starts a field (or the body, without the empty line).
    fn field(&mut self, text: &[u8]) {
        self.current = None;
        let colon = text.iter().position(|&c| c == b':');
        let split = colon.and_then(|c| text.split_at_checked(c));
        match split {
            Some((before, colon_and_value)) => {
                let name = field_name(before);
                if name.is_empty() || !name.iter().all(|&b| (33..=126).contains(&b)) {
                    // Neither a field nor a continuation: the body began
                    // without the empty line, so stop looking for fields.
                    self.open = false;
                    return;
                }
                let wanted = WANTED
                    .iter()
                    .find(|w| w.as_bytes().eq_ignore_ascii_case(name));
                if let Some(&w) = wanted {
                    if !self.fields.iter().any(|(n, _)| n == w) {
                        let v = trim_wsp(colon_and_value.get(1..).unwrap_or(&[]));
                        self.fields
                            .push((w.to_string(), v.get(..MAX_VALUE).unwrap_or(v).to_vec()));
                        self.current = Some(self.fields.len() - 1);
                    }
                }
            }
            None => self.open = false,
        }
    }
}
