//! The NIC pane's fields explained, for the values of the frame at the
//! cursor.

use super::Explanation;
use crate::tcp::SegmentRecord;
use crate::ui::data::nic_rows::NicRow;
use crate::ui::data::Data;
use crate::wire::TcpFlags;

/// What a service's well-known port is.
fn service(port: u16) -> Option<&'static str> {
    Some(match port {
        25 => "SMTP, mail from server to server (RFC 5321 §4.5.4)",
        587 => "mail submission (RFC 6409)",
        465 => "mail submission over TLS (RFC 8314)",
        110 => "POP3 (RFC 1939)",
        995 => "POP3 over TLS (RFC 8314)",
        143 => "IMAP",
        _ => return None,
    })
}

/// The explanation of NIC row `r` of segment `seg`.
pub fn explain(d: &Data, seg: &SegmentRecord, r: &NicRow, rows: &[NicRow]) -> Explanation {
    let v = r.value.as_str();
    match r.key {
        "frame" => Explanation::new(format!("frame {v}"), None).say(
            "The frame's place in the capture file, counted from 1. Wireshark and tshark number frames \
             the same way, so the same number finds it there (`frame.number`).",
        ),
        "time" => Explanation::new("the frame's time", None)
            .say(format!("{v}: when the capture point saw this frame, as the capture file recorded it."))
            .say(
                "It is the capture point's clock, not either program's: a segment seen leaving the \
                 client reaches the server a little later (on loopback, microseconds).",
            ),
        "length" => Explanation::new("the frame's length", None).say(format!(
            "{v}{}. A capture may keep only the first bytes of each frame (its snap length); what is \
             not kept can never be shown, and sockscope says so where it matters.",
            r.extra.as_ref().map(|e| format!(", {e}")).unwrap_or_default()
        )),
        "interface" => interface(v),
        "mac" => mac(v),
        "link" => Explanation::new("the link-layer header", None).say(format!(
            "{v}: what the capture put before the IP packet. Loopback and \"cooked\" captures record a \
             small header of their own instead of Ethernet's."
        )),
        "ip" => ip(r),
        "ttl" => ttl(v, r.label == "hops"),
        "ip_id" => Explanation::new(format!("IP identification {v}"), Some("RFC 791 §3.1; RFC 6864"))
            .say(
                "A number the sender gives each datagram so that the pieces of a fragmented one can be put \
                 back together. TCP asks that its packets not be fragmented (the DF bit), so here the \
                 number only identifies the packet; Linux counts it up per connection.",
            ),
        "ports" => ports(d, seg),
        "flags" => flags(seg),
        "seq" => seq(seg, r),
        "ack" => ack(seg),
        "window" => window(seg, r),
        "header" => Explanation::new(format!("TCP header {v}"), Some("RFC 9293 §3.1")).say(
            "The data offset: how long the TCP header is — 20 bytes, plus the options. The payload starts \
             after it.",
        ),
        "checksum" => checksum(v, rows),
        "mss" => Explanation::new(format!("MSS {v}"), Some("RFC 9293 §3.7.1; RFC 6691")).say(format!(
            "Maximum Segment Size: the largest payload the sender of this SYN wants to receive in one \
             segment. {}",
            if v.starts_with("1460") {
                "1460 is what a 1500-byte Ethernet MTU leaves after 20 B of IP and 20 B of TCP header (the \
                 lab asks for it on loopback so that segments look like a LAN's)."
            } else {
                "It is what the sender's link allows after the IP and TCP headers."
            }
        )),
        "window_scale" => Explanation::new(format!("window scale {v}"), Some("RFC 7323 §2")).say(
            "The window field has 16 bits, at most 65,535 bytes — too small for fast networks. In its SYN \
             each side says by how many bits it will shift its window field from now on (the ladder \
             writes it as WS=1024 for a shift of 10). Scaling applies only if both SYNs carry the option, \
             and only after the handshake: a SYN's own window is never scaled.",
        ),
        "sack" => Explanation::new(format!("SACK {v}"), Some("RFC 2018")).say(
            "Selective acknowledgments. \"Permitted\" in a SYN says the sender understands SACK blocks: a \
             receiver that holds bytes beyond a hole can list them, so the sender resends only what is \
             missing instead of everything after the hole.",
        ),
        "timestamps" => Explanation::new(format!("timestamps {v}"), Some("RFC 7323 §3")).say(
            "TSval is the sender's clock, TSecr echoes the latest value it received from its peer. They let \
             each side measure the round trip, and let a receiver reject very old segments once sequence \
             numbers wrap (PAWS).",
        ),
        "options" => Explanation::new("TCP options", Some("RFC 9293 §3.1")).say(
            "Options that follow the fixed 20 bytes of the header. These could not be decoded whole: a \
             malformed option ends the list.",
        ),
        "payload" => payload(seg),
        _ => Explanation::new(r.label, None).say(v.to_string()),
    }
}

fn interface(v: &str) -> Explanation {
    let mut e = Explanation::new(format!("interface {v}"), None).say(
        "Which network interface the frame was captured on: pcapng files describe each one (its name, \
         its link type, its clock's resolution) and tie every frame to one.",
    );
    if v.contains("\"lo\"") {
        e = e.say(
            "\"lo\" is Linux's loopback interface: both programs run on this machine and the frames never \
             reach a wire. (`sockscope lab NAME --netns` runs the same scenario across a virtual Ethernet \
             link instead.)",
        );
    }
    e
}

fn mac(v: &str) -> Explanation {
    let mut e = Explanation::new(format!("MAC address {v}"), Some("IEEE 802.3 §3.1.1")).say(
        "Ethernet addresses: the destination first, then the source, 6 bytes each. They name the two \
         network cards on one link; a router replaces them at every hop, while the IP addresses stay.",
    );
    if v == "00:00:00:00:00:00" {
        e = e.say(
            "Here it is all zeros: Linux's loopback interface wraps every packet in an Ethernet header but \
             has no hardware, so there is no address to put in it.",
        );
    }
    e
}

fn ip(r: &crate::ui::data::nic_rows::NicRow) -> Explanation {
    Explanation::new(format!("IP {}: {}", r.label, r.value), Some("RFC 791 §3.1; RFC 8200 §3")).say(
        "The IP header says which host sent the packet and to which. With the two TCP ports, these two \
         addresses are the 4-tuple by which each kernel finds the connection a segment belongs to (as \
         \"Re TCP Ports -- and the little guy listening\" puts it, the kernel \"determines it's part of \
         the fetchmail connection (looking at the addresses, ports, and sequence number)\").",
    )
}

fn ttl(v: &str, v6: bool) -> Explanation {
    let n: u32 = v.parse().unwrap_or(0);
    let why = match n {
        64 => "64 is where Linux starts, so this packet crossed no router — as expected on loopback or one \
               Ethernet link."
            .to_string(),
        128 => "128 is where Windows starts: no router on the way.".to_string(),
        255 => "255 is where some routers and BSDs start: no router on the way.".to_string(),
        n if n < 64 => format!("If it started at Linux's 64, it crossed {} router(s).", 64 - n),
        n if n < 128 => format!("If it started at Windows' 128, it crossed {} router(s).", 128 - n),
        _ => "Each router on the way took one off.".to_string(),
    };
    let name = if v6 {
        "hop limit"
    } else {
        "TTL (time to live)"
    };
    Explanation::new(format!("{name} {v}"), Some(if v6 { "RFC 8200 §3" } else { "RFC 791 §3.1" }))
        .say(
            "Every router on the way subtracts one, and a packet whose count reaches zero is dropped, so a \
             routing loop cannot keep a packet alive forever.",
        )
        .say(why)
}

fn ports(d: &Data, seg: &SegmentRecord) -> Explanation {
    let Some(c) = d.timeline.connection(seg.conn) else {
        return Explanation::new("ports", Some("RFC 9293 §3.1"));
    };
    let sp = c.server.port();
    let what = service(sp).map_or_else(
        || format!("Port {sp} is the one the server listens on (a lab scenario picks a free one)."),
        |s| format!("Port {sp} is {s}: the server listens there."),
    );
    Explanation::new(format!("ports {} → {}", c.client.port(), sp), Some("RFC 9293 §3.1; RFC 6335 §6"))
        .say(what)
        .say(format!(
            "Port {} is an ephemeral port the client's kernel chose for this one connection when it called \
             connect(). The two ports and the two addresses name the connection.",
            c.client.port()
        ))
}

fn flags(seg: &SegmentRecord) -> Explanation {
    let f = seg.flags;
    let mut e = Explanation::new(format!("flags {f}"), Some("RFC 9293 §3.1, §3.5, §3.6"));
    let each = [
        (f.syn(), "SYN (synchronise): opens a connection and carries the sender's initial sequence number (§3.5)."),
        (f.ack(), "ACK: the acknowledgment number is valid — every segment after the first SYN has it."),
        (f.psh(), "PSH (push): deliver the data to the application now; Linux sets it on the last segment of each write() (§3.9.1.2)."),
        (f.fin(), "FIN: the sender will send no more data; it closed or shut down its side (§3.6)."),
        (f.rst(), "RST (reset): abort the connection at once; unread data is thrown away (§3.5.2)."),
        (f.has(TcpFlags::URG), "URG: the urgent pointer is valid (almost never used, RFC 6093)."),
        (f.has(TcpFlags::ECE), "ECE: ECN echo, the path signalled congestion (RFC 3168)."),
        (f.has(TcpFlags::CWR), "CWR: the sender reduced its congestion window (RFC 3168)."),
    ];
    for (set, text) in each {
        if set {
            e = e.say(text);
        }
    }
    e
}

fn seq(seg: &SegmentRecord, r: &NicRow) -> Explanation {
    let mut e = Explanation::new(format!("sequence number {}", seg.seq), Some("RFC 9293 §3.4")).say(format!(
        "Every byte a side sends is numbered, from a random initial sequence number (ISN) chosen at its \
         SYN. This is the number of this segment's first byte. Like Wireshark, sockscope shows it relative \
         to the ISN, so the first data byte is 1; on the wire it is {}.",
        r.extra.as_deref().unwrap_or("").trim_start_matches("raw ")
    ));
    if seg.len > 0 {
        e = e.say(format!(
            "This segment carries bytes {}–{} of the {}'s stream.",
            seg.seq,
            u64::from(seg.seq) + u64::from(seg.len) - 1,
            seg.dir.sender()
        ));
    }
    e
}

fn ack(seg: &SegmentRecord) -> Explanation {
    let peer = seg.dir.receiver();
    Explanation::new(format!("acknowledgment number {}", seg.ack), Some("RFC 9293 §3.3.1, §3.4"))
        .say(format!(
            "The next byte the {} expects from the {peer}: its RCV.NXT when it sent this segment. It says \
             \"I have everything before {}\".",
            seg.dir.sender(),
            seg.ack
        ))
        .say(if seg.ack <= 1 {
            format!("Here only the {peer}'s SYN (which takes number 0) has been received: no data yet.")
        } else {
            format!(
                "Here the {} had received the {peer}'s bytes 1–{}. That is how sockscope proves what a client \
                 had received when it sent a command: by the ACK the command's own segment carries.",
                seg.dir.sender(),
                seg.ack - 1
            )
        })
}

fn window(seg: &SegmentRecord, r: &NicRow) -> Explanation {
    let mut e = Explanation::new(format!("window {}", r.value), Some("RFC 9293 §3.8.6; RFC 7323 §2.2")).say(
        format!(
            "The receive window: how many more bytes the {} can take beyond its acknowledgment — the free \
             room in its receive buffer. The peer must not send past it.",
            seg.dir.sender()
        ),
    );
    if let Some(extra) = &r.extra {
        e = e.say(format!(
            "The field holds {}, but the handshake agreed on window scaling, so it counts in larger units: \
             {} {extra}.",
            r.value, r.value
        ));
    }
    if seg.window_scaled == 0 {
        e = e.say(
            "A window of 0: its buffer is full because its application is not reading. The peer must stop \
             and send only small probes until the window opens again (RFC 9293 §3.8.6.1).",
        );
    }
    e
}

fn checksum(v: &str, rows: &[NicRow]) -> Explanation {
    let mut e = Explanation::new(format!("checksum {v}"), Some("RFC 9293 §3.1")).say(
        "It covers the TCP header, the payload and a pseudo-header of the two IP addresses, so a receiver \
         can tell a damaged segment.",
    );
    let loopback = rows
        .iter()
        .any(|r| r.key == "interface" && r.value.contains("\"lo\""));
    if loopback {
        e = e.say(
            "On loopback Linux does not fill it in — like a network card with checksum offload, which fills \
             it in as the frame leaves — and the receiving kernel does not check it there. Wireshark flags \
             it as wrong only if you turn its checksum validation on.",
        );
    }
    e
}

fn payload(seg: &SegmentRecord) -> Explanation {
    let e = Explanation::new(format!("payload {} B", seg.len), Some("RFC 9293 §3.9.1.2"));
    if seg.len == 0 {
        return e.say(
            "No payload: the segment carries only control information — an acknowledgment, a window, a SYN \
             or a FIN. Its kernel sent it by itself; no application wrote anything for it.",
        );
    }
    e.say(format!(
        "{} bytes the {}'s application handed to its socket with write(): \"{}\". TCP may cut what one \
         write() handed over into several segments, or put several writes in one — the bytes, not the \
         segments, are what the other side reads.",
        seg.len,
        seg.dir.sender(),
        crate::text::preview_prefix(&seg.preview, u64::from(seg.len), 40)
    ))
}
