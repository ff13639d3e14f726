//! TCP header facts sockscope uses: flags, options (RFC 9293 §3.1, RFC 7323,
//! RFC 2018) and the segment's payload, captured and on the wire.

use std::fmt;

use etherparse::{TcpOptionElement, TcpSlice};

/// The TCP control bits, as in the header (RFC 9293 §3.1; NS from RFC 3540).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const NS: u16 = 0x100;

    /// Names in Wireshark's order (lowest bit first), e.g. `PSH,ACK`.
    const NAMES: [(u16, &'static str); 9] = [
        (Self::FIN, "FIN"),
        (Self::SYN, "SYN"),
        (Self::RST, "RST"),
        (Self::PSH, "PSH"),
        (Self::ACK, "ACK"),
        (Self::URG, "URG"),
        (Self::ECE, "ECE"),
        (Self::CWR, "CWR"),
        (Self::NS, "NS"),
    ];

    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
    pub fn syn(self) -> bool {
        self.has(Self::SYN)
    }
    pub fn ack(self) -> bool {
        self.has(Self::ACK)
    }
    pub fn fin(self) -> bool {
        self.has(Self::FIN)
    }
    pub fn rst(self) -> bool {
        self.has(Self::RST)
    }
    pub fn psh(self) -> bool {
        self.has(Self::PSH)
    }
}

impl fmt::Display for TcpFlags {
    /// `SYN,ACK`; `<none>` when no bit is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (bit, name) in Self::NAMES {
            if self.has(bit) {
                if !first {
                    f.write_str(",")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("<none>")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The TCP options sockscope interprets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    pub mss: Option<u16>,
    /// Window scale shift count (RFC 7323 §2); values above 14 are kept as sent.
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    /// SACK blocks (left, right), raw sequence numbers (RFC 2018).
    pub sack: Vec<(u32, u32)>,
    /// (TSval, TSecr) (RFC 7323 §3).
    pub timestamp: Option<(u32, u32)>,
    /// Set when the option list could not be read to its end.
    pub malformed: bool,
}

impl TcpOptions {
    /// The options a SYN negotiates, as the ladder and the text report show
    /// them: `MSS=1460`, `WS=128` (the factor, 2 to the shift count, RFC
    /// 7323 §2.3, a shift over 14 read as 14), `SACK_PERM` (RFC 2018 §2).
    pub fn syn_summary(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(m) = self.mss {
            parts.push(format!("MSS={m}"));
        }
        if let Some(w) = self.window_scale {
            parts.push(format!("WS={}", 1u64 << w.min(14)));
        }
        if self.sack_permitted {
            parts.push("SACK_PERM".to_string());
        }
        parts
    }
}

/// A decoded TCP segment, borrowing the frame.
#[derive(Clone, Debug)]
pub struct TcpSegment<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub urgent: u16,
    pub checksum: u16,
    /// Header length in bytes (data offset × 4).
    pub header_len: u8,
    pub options: TcpOptions,
    /// Payload bytes present in the capture.
    pub payload: &'a [u8],
    /// Payload length on the wire, from the IP length fields. Larger than
    /// `payload.len()` when the snap length cut the frame.
    pub payload_len: u32,
}

impl<'a> TcpSegment<'a> {
    /// `ip_payload_len`: the TCP header plus data length the IP header declares
    /// (None when IP gave no length, e.g. a TSO capture with total length 0).
    pub(crate) fn from_slice(tcp: &TcpSlice<'a>, ip_payload_len: Option<usize>) -> Self {
        let header_len = usize::from(tcp.data_offset()) * 4;
        let payload = tcp.payload();
        let payload_len = match ip_payload_len {
            Some(n) => n.saturating_sub(header_len).max(payload.len()),
            None => payload.len(),
        };
        let mut options = TcpOptions::default();
        for opt in tcp.options_iterator() {
            match opt {
                Ok(TcpOptionElement::MaximumSegmentSize(m)) => options.mss = Some(m),
                Ok(TcpOptionElement::WindowScale(s)) => options.window_scale = Some(s),
                Ok(TcpOptionElement::SelectiveAcknowledgementPermitted) => {
                    options.sack_permitted = true
                }
                Ok(TcpOptionElement::SelectiveAcknowledgement(first, rest)) => {
                    options.sack.push(first);
                    options.sack.extend(rest.iter().flatten());
                }
                Ok(TcpOptionElement::Timestamp(v, e)) => options.timestamp = Some((v, e)),
                Ok(TcpOptionElement::Noop) => {}
                Err(_) => {
                    options.malformed = true;
                    break;
                }
            }
        }
        let mut flags = 0u16;
        for (set, bit) in [
            (tcp.fin(), TcpFlags::FIN),
            (tcp.syn(), TcpFlags::SYN),
            (tcp.rst(), TcpFlags::RST),
            (tcp.psh(), TcpFlags::PSH),
            (tcp.ack(), TcpFlags::ACK),
            (tcp.urg(), TcpFlags::URG),
            (tcp.ece(), TcpFlags::ECE),
            (tcp.cwr(), TcpFlags::CWR),
            (tcp.ns(), TcpFlags::NS),
        ] {
            if set {
                flags |= bit;
            }
        }
        TcpSegment {
            src_port: tcp.source_port(),
            dst_port: tcp.destination_port(),
            seq: tcp.sequence_number(),
            ack: tcp.acknowledgment_number(),
            flags: TcpFlags(flags),
            window: tcp.window_size(),
            urgent: tcp.urgent_pointer(),
            checksum: tcp.checksum(),
            header_len: header_len as u8,
            options,
            payload,
            payload_len: payload_len.min(u32::MAX as usize) as u32,
        }
    }

    /// Sequence space the segment occupies: payload, plus one each for SYN and FIN
    /// (RFC 9293 §3.4).
    pub fn seq_len(&self) -> u32 {
        self.payload_len + u32::from(self.flags.syn()) + u32::from(self.flags.fin())
    }

    /// True when the snap length cut some of the payload.
    pub fn is_cut(&self) -> bool {
        (self.payload.len() as u32) < self.payload_len
    }
}

/// Segments for the unit tests of the layers above.
#[cfg(test)]
impl<'a> TcpSegment<'a> {
    /// A segment with these control bits, numbers and payload (all captured),
    /// a 65535-byte window and no options.
    pub(crate) fn test(flags: u16, seq: u32, ack: u32, payload: &'a [u8]) -> Self {
        TcpSegment {
            src_port: 40000,
            dst_port: 25,
            seq,
            ack,
            flags: TcpFlags(flags),
            window: 65535,
            urgent: 0,
            checksum: 0,
            header_len: 20,
            options: TcpOptions::default(),
            payload,
            payload_len: payload.len() as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_in_wireshark_order() {
        assert_eq!(
            TcpFlags(TcpFlags::PSH | TcpFlags::ACK).to_string(),
            "PSH,ACK"
        );
        assert_eq!(
            TcpFlags(TcpFlags::SYN | TcpFlags::ACK).to_string(),
            "SYN,ACK"
        );
        assert_eq!(
            TcpFlags(TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK).to_string(),
            "FIN,PSH,ACK"
        );
        assert_eq!(TcpFlags(0).to_string(), "<none>");
    }
}
