//! pcapng files: sections, interfaces with any `if_tsresol`, Enhanced,
//! Simple and Obsolete Packet Blocks, comments.

use std::io::{self, Write};

use super::buf::Buf;
use super::{
    invalid, len_u32, ticks, DEFAULT_TSRESOL, EPB_TYPE, IDB_TYPE, IF_NAME, IF_TSRESOL, OPB_TYPE,
    SHB_TYPE, SHB_USERAPPL, SPB_TYPE, USER_APPL,
};
use crate::capture::frame::{LinkType, Timestamp};

/// pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html).
pub struct PcapngWriter<W: Write> {
    out: W,
    big_endian: bool,
    /// `if_tsresol` of each interface of the current section, by id.
    interfaces: Vec<u8>,
}

impl<W: Write> PcapngWriter<W> {
    /// Writes a Section Header Block (byte order magic 1A2B3C4D in the chosen order,
    /// version 1.0, section length -1) with an shb_userappl option "sockscope".
    pub fn new(out: W, big_endian: bool) -> io::Result<Self> {
        let mut writer = Self {
            out,
            big_endian,
            interfaces: Vec::new(),
        };
        writer.new_section()?;
        Ok(writer)
    }

    /// Starts a new section (another SHB); interface ids restart at 0 in it.
    pub fn new_section(&mut self) -> io::Result<()> {
        let mut body = self.buf();
        body.u32(0x1A2B_3C4D);
        body.u16(1); // major
        body.u16(0); // minor
        body.u64(u64::MAX); // section length -1: not given
        body.option(SHB_USERAPPL, USER_APPL.as_bytes())?;
        body.end_of_options();
        self.block(SHB_TYPE, body)?;
        self.interfaces.clear();
        Ok(())
    }

    /// Writes an Interface Description Block; returns its id within the section.
    /// `tsresol`: None = no if_tsresol option (default 10^-6); Some(9) = ns; a value
    /// with the high bit set means a power of two (as the spec says). Options if_name (2)
    /// and if_tsresol (9) when given, then opt_endofopt.
    ///
    /// Any `tsresol` byte is written as given; packet timestamps for a resolution too
    /// fine for 64 bits saturate.
    pub fn add_interface(
        &mut self,
        link: LinkType,
        snaplen: u32,
        name: Option<&str>,
        tsresol: Option<u8>,
    ) -> io::Result<u32> {
        let id = len_u32(self.interfaces.len(), "too many interfaces")?;
        let link16 =
            u16::try_from(link.0).map_err(|_| invalid("link type does not fit in pcapng"))?;
        let mut body = self.buf();
        body.u16(link16);
        body.u16(0); // reserved
        body.u32(snaplen);
        if name.is_some() || tsresol.is_some() {
            if let Some(name) = name {
                body.option(IF_NAME, name.as_bytes())?;
            }
            if let Some(resol) = tsresol {
                body.option(IF_TSRESOL, &[resol])?;
            }
            body.end_of_options();
        }
        self.block(IDB_TYPE, body)?;
        self.interfaces.push(tsresol.unwrap_or(DEFAULT_TSRESOL));
        Ok(id)
    }

    /// Enhanced Packet Block; timestamp expressed in that interface's resolution;
    /// `comment` as opt_comment (code 1) if Some.
    ///
    /// An interface id not declared in this section is written as given, with the
    /// timestamp in the default resolution (µs).
    pub fn write_epb(
        &mut self,
        interface: u32,
        time: Timestamp,
        data: &[u8],
        orig_len: u32,
        comment: Option<&str>,
    ) -> io::Result<()> {
        let caplen = len_u32(data.len(), "packet too long")?;
        let ts = ticks(time, self.resolution(interface));
        let mut body = self.buf();
        body.u32(interface);
        body.u32((ts >> 32) as u32);
        body.u32(ts as u32);
        body.u32(caplen);
        body.u32(orig_len);
        body.raw(data);
        body.pad32();
        body.comment_options(comment)?;
        self.block(EPB_TYPE, body)
    }

    /// Simple Packet Block (no timestamp, interface 0).
    pub fn write_spb(&mut self, data: &[u8], orig_len: u32) -> io::Result<()> {
        let mut body = self.buf();
        body.u32(orig_len);
        body.raw(data);
        body.pad32();
        self.block(SPB_TYPE, body)
    }

    /// Obsolete Packet Block (type 2): interface_id u16, drops_count u16, ts high/low,
    /// caplen, len, data, options (opt_comment if Some).
    ///
    /// drops_count is written as 0; an interface id above 65535 is refused.
    pub fn write_opb(
        &mut self,
        interface: u32,
        time: Timestamp,
        data: &[u8],
        orig_len: u32,
        comment: Option<&str>,
    ) -> io::Result<()> {
        let if16 =
            u16::try_from(interface).map_err(|_| invalid("interface id does not fit in OPB"))?;
        let caplen = len_u32(data.len(), "packet too long")?;
        let ts = ticks(time, self.resolution(interface));
        let mut body = self.buf();
        body.u16(if16);
        body.u16(0); // drops_count
        body.u32((ts >> 32) as u32);
        body.u32(ts as u32);
        body.u32(caplen);
        body.u32(orig_len);
        body.raw(data);
        body.pad32();
        body.comment_options(comment)?;
        self.block(OPB_TYPE, body)
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn buf(&self) -> Buf {
        Buf::new(self.big_endian)
    }

    fn resolution(&self, interface: u32) -> u8 {
        usize::try_from(interface)
            .ok()
            .and_then(|i| self.interfaces.get(i).copied())
            .unwrap_or(DEFAULT_TSRESOL)
    }

    /// Writes type, total length, the (already padded) body, total length.
    fn block(&mut self, block_type: u32, body: Buf) -> io::Result<()> {
        let total = body
            .bytes
            .len()
            .checked_add(12)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| invalid("pcapng block too long"))?;
        let mut b = self.buf();
        b.u32(block_type);
        b.u32(total);
        b.raw(&body.bytes);
        b.u32(total);
        self.out.write_all(&b.bytes)
    }
}
