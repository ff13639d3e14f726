//! Streaming reader of pcap and pcapng files, detected by content, gzip or not.
//!
//! pcap-parser does the block parsing; this file owns what a capture *means*:
//! frame numbering across pcapng sections, per-interface link types and timestamp
//! resolutions, obsolete packet blocks, comments, file offsets, and errors that
//! say where reading stopped. The buffer is bounded: a record claiming more than
//! [`MAX_RECORD`] bytes is reported as corrupt instead of being allocated.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};

use super::error::{CaptureError, CaptureErrorKind};
use super::frame::{Frame, FrameMeta, LinkType, Timestamp};

/// Initial read buffer: enough for several full-size frames.
const INITIAL_BUFFER: usize = 256 * 1024;
/// The largest record (pcap record or pcapng block) we accept. Real frames are at
/// most 256 KiB (tcpdump's maximum snap length); pcapng blocks with many options
/// stay far below this. Anything larger is a corrupt or hostile length field.
pub const MAX_RECORD: usize = 16 * 1024 * 1024;

/// pcapng Obsolete Packet Block type, which pcap-parser leaves unparsed.
const OPB_TYPE: u32 = 0x0000_0002;
/// pcapng option code of `opt_comment`.
const OPT_COMMENT: u16 = 1;

/// Which container the input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureFormat {
    Pcap {
        nanosecond: bool,
        modified: bool,
        big_endian: bool,
    },
    Pcapng,
}

#[derive(Clone, Copy, Debug)]
struct Interface {
    link_type: LinkType,
    snaplen: u32,
    /// Timestamp ticks per second (if_tsresol).
    units_per_sec: u64,
    /// if_tsoffset: seconds to add to every timestamp.
    offset_secs: i64,
}

/// Reads frames one at a time. See the module documentation.
pub struct CaptureReader {
    inner: Box<dyn PcapReaderIterator + Send>,
    st: State,
}

/// Everything but the block parser, so blocks borrowed from the parser can update it.
struct State {
    path: String,
    gzip: bool,
    format: CaptureFormat,
    /// Bytes consumed from the (decompressed) input so far.
    consumed: u64,
    /// Number of the next frame (1-based).
    next_number: u64,
    /// Legacy pcap: the single link type and timestamp units.
    legacy: Option<(LinkType, u64)>,
    section_big_endian: bool,
    interfaces: Vec<Interface>,
    /// Interfaces of earlier sections, so ids stay unique across the file.
    section_base: u32,
    buffer_size: usize,
    buf: Vec<u8>,
    last_time: Timestamp,
    done: bool,
}

impl CaptureReader {
    /// Opens a file, or standard input when `path` is `-`.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let name = path.display().to_string();
        if name == "-" {
            return Self::from_reader(name, io::stdin());
        }
        let file = File::open(path).map_err(|e| CaptureError {
            path: name.clone(),
            frame: 0,
            offset: 0,
            kind: CaptureErrorKind::Io(e),
        })?;
        Self::from_reader(name, file)
    }

    /// Reads a capture from any byte source; `name` is used in messages.
    pub fn from_reader(
        name: impl Into<String>,
        input: impl Read + Send + 'static,
    ) -> Result<Self, CaptureError> {
        let path = name.into();
        let fail = |kind| CaptureError {
            path: path.clone(),
            frame: 0,
            offset: 0,
            kind,
        };
        let mut buffered = BufReader::new(input);
        let head = buffered.fill_buf().map_err(|e| fail(e.into()))?;
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        let mut source: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::new(MultiGzDecoder::new(buffered)))
        } else {
            Box::new(buffered)
        };
        let head = source.fill_buf().map_err(|e| fail(e.into()))?;
        if head.is_empty() {
            return Err(fail(CaptureErrorKind::Empty));
        }
        let magic = head
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ");
        let inner = pcap_parser::create_reader(INITIAL_BUFFER, source).map_err(|e| match e {
            PcapError::Eof => fail(CaptureErrorKind::Empty),
            PcapError::ReadError => fail(CaptureErrorKind::Io(io::Error::other("read failed"))),
            PcapError::Incomplete(_) | PcapError::UnexpectedEof => {
                fail(CaptureErrorKind::Truncated)
            }
            _ => fail(CaptureErrorKind::NotACapture {
                magic: magic.clone(),
            }),
        })?;
        Ok(Self {
            inner,
            st: State {
                path,
                gzip,
                format: CaptureFormat::Pcapng,
                consumed: 0,
                next_number: 1,
                legacy: None,
                section_big_endian: false,
                interfaces: Vec::new(),
                section_base: 0,
                buffer_size: INITIAL_BUFFER,
                buf: Vec::new(),
                last_time: Timestamp::default(),
                done: false,
            },
        })
    }

    /// The name given when opening.
    pub fn path(&self) -> &str {
        &self.st.path
    }

    /// Whether the input was gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        self.st.gzip
    }

    /// The container format (known once the first block was read).
    pub fn format(&self) -> CaptureFormat {
        self.st.format
    }

    /// The next frame, `Ok(None)` at the end of the input. After an error the
    /// reader is finished and returns `Ok(None)`.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.st.done {
            return Ok(None);
        }
        match self.read_next() {
            Ok(Some(meta)) => Ok(Some(Frame {
                meta,
                data: &self.st.buf,
            })),
            Ok(None) => {
                self.st.done = true;
                Ok(None)
            }
            Err(e) => {
                self.st.done = true;
                Err(e)
            }
        }
    }

    fn read_next(&mut self) -> Result<Option<FrameMeta>, CaptureError> {
        loop {
            let step = match self.inner.next() {
                Ok((len, block)) => Ok((len, self.st.interpret(block)?)),
                Err(PcapError::Eof) => return Ok(None),
                Err(PcapError::Incomplete(_)) => Err(Refill::More),
                Err(PcapError::BufferTooSmall) => Err(Refill::Grow),
                Err(PcapError::UnexpectedEof) => {
                    return Err(self.st.error(CaptureErrorKind::Truncated));
                }
                Err(PcapError::ReadError) => {
                    return Err(self.st.error(CaptureErrorKind::Io(io::Error::other(
                        "read failed (for a gzipped capture: the compressed data is corrupt)",
                    ))));
                }
                Err(PcapError::HeaderNotRecognized) => {
                    return Err(self.st.error(CaptureErrorKind::Malformed {
                        what: "header".into(),
                    }));
                }
                Err(PcapError::NomError(_, kind)) | Err(PcapError::OwnedNomError(_, kind)) => {
                    let what = match self.st.format {
                        CaptureFormat::Pcapng => "pcapng block",
                        CaptureFormat::Pcap { .. } => "pcap record",
                    };
                    return Err(self.st.error(CaptureErrorKind::Malformed {
                        what: format!("{what} ({kind:?})"),
                    }));
                }
            };
            match step {
                Ok((len, frame)) => {
                    self.inner.consume(len);
                    self.st.consumed += len as u64;
                    if let Some(meta) = frame {
                        self.st.next_number += 1;
                        return Ok(Some(meta));
                    }
                }
                Err(Refill::More) => {
                    if self.inner.refill().is_err() {
                        return Err(self.st.error(CaptureErrorKind::Io(io::Error::other(
                            "read failed (for a gzipped capture: the compressed data is corrupt)",
                        ))));
                    }
                }
                Err(Refill::Grow) => self.grow()?,
            }
        }
    }

    /// The buffer could not hold the next record: grow it if the record's declared
    /// length is sane, otherwise report the file as corrupt.
    fn grow(&mut self) -> Result<(), CaptureError> {
        let declared = self.declared_length();
        if declared as usize > MAX_RECORD || self.st.buffer_size >= MAX_RECORD {
            return Err(self.st.error(CaptureErrorKind::Oversized {
                declared,
                limit: MAX_RECORD,
            }));
        }
        self.st.buffer_size = (declared as usize + 4096)
            .max(self.st.buffer_size * 2)
            .min(MAX_RECORD + 4096);
        self.inner.grow(self.st.buffer_size);
        if self.inner.refill().is_err() {
            return Err(self
                .st
                .error(CaptureErrorKind::Io(io::Error::other("read failed"))));
        }
        Ok(())
    }

    /// The length the next record claims, read from its header in the buffer.
    fn declared_length(&self) -> u64 {
        let data = self.inner.data();
        let (at, big) = match self.st.format {
            // pcap record header: ts_sec, ts_frac, caplen, origlen; caplen (+16 header).
            CaptureFormat::Pcap { big_endian, .. } => (8, big_endian),
            // pcapng block header: type, total length.
            CaptureFormat::Pcapng => (4, self.st.section_big_endian),
        };
        let Some(bytes) = data.get(at..at + 4) else {
            return u64::MAX;
        };
        let raw = [bytes[0], bytes[1], bytes[2], bytes[3]];
        u64::from(if big {
            u32::from_be_bytes(raw)
        } else {
            u32::from_le_bytes(raw)
        })
    }
}

impl State {
    fn error(&self, kind: CaptureErrorKind) -> CaptureError {
        CaptureError {
            path: self.path.clone(),
            frame: self.next_number,
            offset: self.consumed,
            kind,
        }
    }

    /// Turns one parsed block into reader state or a frame (copied into `self.buf`).
    fn interpret(&mut self, block: PcapBlockOwned<'_>) -> Result<Option<FrameMeta>, CaptureError> {
        let offset = self.consumed;
        let number = self.next_number;
        match block {
            PcapBlockOwned::LegacyHeader(header) => {
                let nanosecond = header.is_nanosecond_precision();
                self.format = CaptureFormat::Pcap {
                    nanosecond,
                    modified: header.is_modified_format(),
                    big_endian: header.is_bigendian(),
                };
                let units = if nanosecond { 1_000_000_000 } else { 1_000_000 };
                self.legacy = Some((LinkType(header.network.0 as u32), units));
                Ok(None)
            }
            PcapBlockOwned::Legacy(record) => {
                let (link_type, units) = self.legacy.unwrap_or((LinkType::ETHERNET, 1_000_000));
                let time = Timestamp::from_parts(
                    i64::from(record.ts_sec),
                    u64::from(record.ts_usec),
                    units,
                );
                Ok(Some(self.frame(
                    FrameMeta {
                        number,
                        time,
                        link_type,
                        cap_len: record.data.len() as u32,
                        orig_len: record.origlen,
                        interface: 0,
                        offset,
                        comment: None,
                    },
                    record.data,
                )))
            }
            PcapBlockOwned::NG(block) => self.interpret_ng(block, number, offset),
        }
    }

    fn interpret_ng(
        &mut self,
        block: Block<'_>,
        number: u64,
        offset: u64,
    ) -> Result<Option<FrameMeta>, CaptureError> {
        match block {
            Block::SectionHeader(shb) => {
                self.format = CaptureFormat::Pcapng;
                self.section_base += self.interfaces.len() as u32;
                self.interfaces.clear();
                self.section_big_endian = shb.big_endian();
                Ok(None)
            }
            Block::InterfaceDescription(idb) => {
                self.interfaces.push(Interface {
                    link_type: LinkType(idb.linktype.0 as u32),
                    snaplen: idb.snaplen,
                    units_per_sec: units_per_sec(idb.if_tsresol),
                    offset_secs: idb.if_tsoffset,
                });
                Ok(None)
            }
            Block::EnhancedPacket(epb) => {
                let iface = self.interface(epb.if_id)?;
                let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let time = ticks_to_time(ticks, iface);
                let comment = comments(
                    epb.options
                        .iter()
                        .filter(|o| o.code.0 == OPT_COMMENT)
                        .map(|o| &o.value[..usize::from(o.len).min(o.value.len())]),
                );
                let data = &epb.data[..(epb.caplen as usize).min(epb.data.len())];
                Ok(Some(self.frame(
                    FrameMeta {
                        number,
                        time,
                        link_type: iface.link_type,
                        cap_len: data.len() as u32,
                        orig_len: epb.origlen,
                        interface: self.section_base + epb.if_id,
                        offset,
                        comment,
                    },
                    data,
                )))
            }
            Block::SimplePacket(spb) => {
                // RFC-draft §4.4: an SPB belongs to interface 0 and has no timestamp;
                // we give it the previous frame's time so the timeline stays ordered.
                let iface = self.interface(0)?;
                let mut len = spb.data.len().min(spb.origlen as usize);
                if iface.snaplen > 0 {
                    len = len.min(iface.snaplen as usize);
                }
                let time = self.last_time;
                Ok(Some(self.frame(
                    FrameMeta {
                        number,
                        time,
                        link_type: iface.link_type,
                        cap_len: len as u32,
                        orig_len: spb.origlen,
                        interface: self.section_base,
                        offset,
                        comment: None,
                    },
                    &spb.data[..len],
                )))
            }
            Block::Unknown(unknown) if unknown.block_type == OPB_TYPE => {
                self.obsolete_packet(unknown.data, number, offset)
            }
            _ => Ok(None),
        }
    }

    /// Obsolete Packet Block (pcapng draft, appendix A): like an EPB with a 16-bit
    /// interface id and a drops counter. pcap-parser hands it to us unparsed.
    fn obsolete_packet(
        &mut self,
        body: &[u8],
        number: u64,
        offset: u64,
    ) -> Result<Option<FrameMeta>, CaptureError> {
        let big = self.section_big_endian;
        let u16_at = |at: usize| {
            body.get(at..at + 2).map(|b| {
                if big {
                    u16::from_be_bytes([b[0], b[1]])
                } else {
                    u16::from_le_bytes([b[0], b[1]])
                }
            })
        };
        let u32_at = |at: usize| {
            body.get(at..at + 4).map(|b| {
                let raw = [b[0], b[1], b[2], b[3]];
                if big {
                    u32::from_be_bytes(raw)
                } else {
                    u32::from_le_bytes(raw)
                }
            })
        };
        let malformed = || CaptureErrorKind::Malformed {
            what: "obsolete packet block".into(),
        };
        let (Some(if_id), Some(ts_high), Some(ts_low), Some(cap_len), Some(orig_len)) =
            (u16_at(0), u32_at(4), u32_at(8), u32_at(12), u32_at(16))
        else {
            return Err(self.error(malformed()));
        };
        let Some(data) = body.get(20..20usize.saturating_add(cap_len as usize)) else {
            return Err(self.error(malformed()));
        };
        let iface = self.interface(u32::from(if_id))?;
        let ticks = (u64::from(ts_high) << 32) | u64::from(ts_low);
        let mut options = Vec::new();
        let mut at = 20 + data.len().next_multiple_of(4);
        while let (Some(code), Some(len)) = (u16_at(at), u16_at(at + 2)) {
            if code == 0 {
                break;
            }
            let Some(value) = body.get(at + 4..at + 4 + usize::from(len)) else {
                break;
            };
            if code == OPT_COMMENT {
                options.push(value);
            }
            at += 4 + usize::from(len).next_multiple_of(4);
        }
        let meta = FrameMeta {
            number,
            time: ticks_to_time(ticks, iface),
            link_type: iface.link_type,
            cap_len: data.len() as u32,
            orig_len,
            interface: self.section_base + u32::from(if_id),
            offset,
            comment: comments(options.into_iter()),
        };
        Ok(Some(self.frame(meta, data)))
    }

    fn interface(&self, id: u32) -> Result<Interface, CaptureError> {
        self.interfaces.get(id as usize).copied().ok_or_else(|| {
            self.error(CaptureErrorKind::UnknownInterface {
                id,
                count: self.interfaces.len(),
            })
        })
    }

    fn frame(&mut self, meta: FrameMeta, data: &[u8]) -> FrameMeta {
        self.buf.clear();
        self.buf.extend_from_slice(data);
        self.last_time = meta.time;
        meta
    }
}

enum Refill {
    More,
    Grow,
}

/// if_tsresol: high bit clear = 10^-n seconds, set = 2^-n seconds. Default µs.
/// Hostile exponents are clamped to what a u64 can count.
fn units_per_sec(tsresol: u8) -> u64 {
    let exp = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 != 0 {
        1u64 << exp.min(63)
    } else {
        10u64.pow(exp.min(19))
    }
}

fn ticks_to_time(ticks: u64, iface: Interface) -> Timestamp {
    let t = Timestamp::from_ticks(ticks, iface.units_per_sec);
    Timestamp(t.0.saturating_add(iface.offset_secs.saturating_mul(1_000_000_000)))
}

fn comments<'a>(values: impl Iterator<Item = &'a [u8]>) -> Option<String> {
    let joined = values
        .map(|v| {
            String::from_utf8_lossy(v)
                .trim_end_matches('\0')
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n");
    (!joined.is_empty()).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions() {
        assert_eq!(units_per_sec(6), 1_000_000);
        assert_eq!(units_per_sec(9), 1_000_000_000);
        assert_eq!(units_per_sec(0x80 | 10), 1024);
        assert_eq!(units_per_sec(0x7f), 10u64.pow(19));
    }

    #[test]
    fn not_a_capture_names_the_magic() {
        let err = CaptureReader::from_reader("x.txt", &b"hello world"[..])
            .err()
            .expect("must fail");
        let text = err.to_string();
        assert!(text.contains("x.txt"), "{text}");
        assert!(text.contains("68 65 6c 6c"), "{text}");
    }

    #[test]
    fn empty_input() {
        let err = CaptureReader::from_reader("e", &b""[..])
            .err()
            .expect("must fail");
        assert!(matches!(err.kind, CaptureErrorKind::Empty));
    }
}
