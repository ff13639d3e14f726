//! Wireshark's relative sequence numbers and the scaled window: where each
//! direction's sequence space starts (its ISN, from its SYN or implied by what
//! the capture shows first), one segment's numbers unwrapped against it
//! (RFC 9293 §3.4), and its window shifted as RFC 7323 §2.3 says.

use super::seq;
use crate::wire::TcpSegment;

/// Where one direction's sequence space starts, and what its SYN negotiated.
#[derive(Debug, Default)]
pub(super) struct Origin {
    /// Raw sequence number that is relative 0 (the ISN).
    pub base: Option<u32>,
    pub syn_seen: bool,
    pub window_scale: Option<u8>,
}

/// One segment's numbers, relative to each side's ISN.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rel {
    /// The sender's ISN and the receiver's, as far as known.
    pub base: u32,
    pub peer_base: u32,
    /// Relative sequence number, unwrapped to 64 bits.
    pub seq: i64,
    /// Relative acknowledgement number; 0 without ACK.
    pub ack: i64,
    /// Payload length on the wire.
    pub len: i64,
    /// One past the sequence space the segment occupies (SYN and FIN count).
    pub end: i64,
    /// The advertised window after scaling.
    pub win: u64,
    /// The window scale shift applied to `win` (RFC 7323 §2.3); 0 when none
    /// or unknown. A scaled window moves in steps of `1 << win_shift`.
    pub win_shift: u8,
}

impl Rel {
    /// Stream offset of the segment's first payload byte (0 is the first byte
    /// after the SYN; negative for bytes before the ISN + 1).
    pub fn stream_start(&self, syn: bool) -> i64 {
        self.seq + i64::from(syn) - 1
    }
}

/// Numbers for the unit tests of the steps that use them.
#[cfg(test)]
impl Rel {
    /// `seg`'s numbers as if its relative sequence and acknowledgement
    /// numbers were `seq` and `ack`, its window unscaled.
    pub fn test(seg: &TcpSegment, seq: i64, ack: i64) -> Rel {
        Rel {
            base: 0,
            peer_base: 0,
            seq,
            ack,
            len: i64::from(seg.payload_len),
            end: seq + i64::from(seg.seq_len()),
            win: u64::from(seg.window),
            win_shift: 0,
        }
    }
}

/// Whether both SYNs were seen, so each side's window scale is known.
pub(super) fn scale_known(fwd: &Origin, rev: &Origin) -> bool {
    fwd.syn_seen && rev.syn_seen
}

/// Learns the ISNs `seg` shows, then relates its numbers to them. `next_seq`
/// is the sender's highest sequence number so far (Wireshark's nextseq) and
/// `ack_near` an acknowledgement number already known to be close: both pick
/// the representative of a 32-bit number nearest to them.
pub(super) fn relate(
    fwd: &mut Origin,
    rev: &mut Origin,
    seg: &TcpSegment,
    next_seq: Option<i64>,
    ack_near: Option<i64>,
) -> Rel {
    let f = seg.flags;
    if f.syn() && !fwd.syn_seen {
        fwd.syn_seen = true;
        fwd.base = Some(seg.seq);
        fwd.window_scale = seg.options.window_scale;
    }
    if fwd.base.is_none() {
        // No SYN seen: the first byte we see is relative 1, as in Wireshark.
        fwd.base = Some(seg.seq.wrapping_sub(1));
    }
    if f.ack() && rev.base.is_none() {
        rev.base = Some(seg.ack.wrapping_sub(1));
    }
    let base = fwd.base.unwrap_or(0);
    let peer_base = rev.base.unwrap_or(0);
    let rel_seq = seq::unwrap(seg.seq, base, next_seq.unwrap_or(i64::from(!f.syn())));
    let rel_ack = if f.ack() {
        seq::unwrap(seg.ack, peer_base, ack_near.unwrap_or(1))
    } else {
        0
    };
    let shift = if !f.syn() && scale_known(fwd, rev) {
        // RFC 7323 §2.3: the shift applies only when both SYNs carried the option.
        match (fwd.window_scale, rev.window_scale) {
            (Some(s), Some(_)) => s.min(14),
            _ => 0,
        }
    } else {
        0
    };
    Rel {
        base,
        peer_base,
        seq: rel_seq,
        ack: rel_ack,
        len: i64::from(seg.payload_len),
        end: rel_seq + i64::from(seg.seq_len()),
        win: u64::from(seg.window) << shift,
        win_shift: shift,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::TcpFlags;

    #[test]
    fn without_a_syn_the_first_byte_is_relative_one() {
        let (mut fwd, mut rev) = (Origin::default(), Origin::default());
        let seg = TcpSegment::test(TcpFlags::ACK, 1000, 5000, b"abc");
        let rel = relate(&mut fwd, &mut rev, &seg, None, None);
        assert_eq!((rel.seq, rel.ack, rel.end), (1, 1, 4));
        assert_eq!((fwd.base, rev.base), (Some(999), Some(4999)));
        assert_eq!(rel.stream_start(false), 0);
    }

    /// The client's and the server's origins after a SYN with window scale
    /// 7 and a SYN/ACK with `server_scale`.
    fn handshake(server_scale: Option<u8>) -> (Origin, Origin) {
        let (mut c, mut s) = (Origin::default(), Origin::default());
        let mut syn = TcpSegment::test(TcpFlags::SYN, 10, 0, b"");
        syn.options.window_scale = Some(7);
        relate(&mut c, &mut s, &syn, None, None);
        let mut syn_ack = TcpSegment::test(TcpFlags::SYN | TcpFlags::ACK, 90, 11, b"");
        syn_ack.options.window_scale = server_scale;
        relate(&mut s, &mut c, &syn_ack, None, Some(1));
        (c, s)
    }

    #[test]
    fn the_window_scales_only_when_both_syns_carried_the_option() {
        let ack = TcpSegment::test(TcpFlags::ACK, 11, 91, b"");
        let (mut c, mut s) = handshake(None);
        assert!(scale_known(&c, &s));
        assert_eq!(relate(&mut c, &mut s, &ack, Some(1), Some(1)).win, 65535);
        // With both, the client's segments use the client's shift.
        let (mut c, mut s) = handshake(Some(2));
        assert_eq!(
            relate(&mut c, &mut s, &ack, Some(1), Some(1)).win,
            65535 << 7
        );
    }
}
