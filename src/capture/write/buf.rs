//! The bytes of one record or block, with integers in the file's byte order.

use std::io;

use super::{invalid, OPT_COMMENT, OPT_ENDOFOPT};

/// A byte buffer that writes integers in one byte order.
pub(super) struct Buf {
    pub(super) bytes: Vec<u8>,
    big_endian: bool,
}

impl Buf {
    pub(super) fn new(big_endian: bool) -> Self {
        Self {
            bytes: Vec::new(),
            big_endian,
        }
    }

    /// One integer, given in both byte orders: the buffer's is kept.
    fn int<const N: usize>(&mut self, little: [u8; N], big: [u8; N]) {
        let b = if self.big_endian { big } else { little };
        self.bytes.extend_from_slice(&b);
    }

    pub(super) fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }

    pub(super) fn u16(&mut self, v: u16) {
        self.int(v.to_le_bytes(), v.to_be_bytes());
    }

    pub(super) fn u32(&mut self, v: u32) {
        self.int(v.to_le_bytes(), v.to_be_bytes());
    }

    pub(super) fn u64(&mut self, v: u64) {
        self.int(v.to_le_bytes(), v.to_be_bytes());
    }

    pub(super) fn raw(&mut self, data: &[u8]) {
        self.bytes.extend_from_slice(data);
    }

    /// Zero bytes up to the next multiple of 4.
    pub(super) fn pad32(&mut self) {
        let padded = self.bytes.len().next_multiple_of(4);
        self.bytes.resize(padded, 0);
    }

    /// A pcapng option: code, length, value padded to 32 bits.
    pub(super) fn option(&mut self, code: u16, value: &[u8]) -> io::Result<()> {
        let len = u16::try_from(value.len()).map_err(|_| invalid("pcapng option too long"))?;
        self.u16(code);
        self.u16(len);
        self.raw(value);
        self.pad32();
        Ok(())
    }

    pub(super) fn end_of_options(&mut self) {
        self.u16(OPT_ENDOFOPT);
        self.u16(0);
    }

    /// `opt_comment` then `opt_endofopt` when there is a comment; nothing otherwise.
    /// One opt_comment per line (the option may repeat, and readers join
    /// them with newlines), so many lines stay under the 65,535-octet limit
    /// of one option.
    pub(super) fn comment_options(&mut self, comment: Option<&str>) -> io::Result<()> {
        if let Some(text) = comment {
            for line in text.split('\n') {
                self.option(OPT_COMMENT, line.as_bytes())?;
            }
            self.end_of_options();
        }
        Ok(())
    }
}
