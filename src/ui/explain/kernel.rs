//! The kernel pane's rows explained, with both endpoints' values at the
//! cursor.

use super::Explanation;
use crate::tcp::{EndpointKernel, KernelAt, TcpState};

/// What a state means (RFC 9293 §3.3.2).
fn state_meaning(s: TcpState) -> &'static str {
    match s {
        TcpState::Closed => "no connection (yet, or any more)",
        TcpState::Listen => "a server socket waiting for a SYN; accept() takes connections from it",
        TcpState::SynSent => "it sent its SYN and waits for the SYN/ACK; connect() is blocked",
        TcpState::SynReceived => "it answered a SYN with SYN/ACK and waits for the last ACK of the handshake",
        TcpState::Established => "the connection is open: data can flow both ways",
        TcpState::FinWait1 => "its application closed; its FIN is sent and not yet acknowledged",
        TcpState::FinWait2 => "its FIN was acknowledged; it waits for the peer's FIN",
        TcpState::CloseWait => "the peer closed its side; its own application has not closed yet",
        TcpState::Closing => "both sides sent a FIN at the same time; it waits for the ACK of its own",
        TcpState::LastAck => "it closed after the peer; it waits for the ACK of its FIN",
        TcpState::TimeWait => {
            "it closed first, and waits twice the maximum segment lifetime so that late segments of this \
             connection die out before the same ports are used again (§3.6)"
        }
    }
}

/// The explanation of kernel pane row `row` (as `panes::kernel::ROWS`).
pub fn explain(row: usize, k: &KernelAt) -> Explanation {
    let both = |f: &dyn Fn(&EndpointKernel) -> String| {
        format!("client: {} · server: {}", f(&k.client), f(&k.server))
    };
    let num = |v: Option<u64>| v.map_or("—".to_string(), |v| v.to_string());
    let e = match row {
        0 => Explanation::new("state", Some("RFC 9293 §3.3.2"))
            .say(both(&|e| e.state.name().to_string()))
            .say(format!("The client: {}.", state_meaning(k.client.state)))
            .say(format!("The server: {}.", state_meaning(k.server.state))),
        1 => Explanation::new("SND.UNA", Some("RFC 9293 §3.3.1"))
            .say(both(&|e| num(e.snd_una)))
            .say("Send unacknowledged: the oldest byte it has sent that the peer has not acknowledged yet. Everything before it has arrived for sure."),
        2 => Explanation::new("SND.NXT", Some("RFC 9293 §3.3.1"))
            .say(both(&|e| num(e.snd_nxt)))
            .say("Send next: the number its next new byte will carry (a SYN and a FIN each take one number too)."),
        3 => Explanation::new("bytes in flight", Some("RFC 9293 §3.3.1"))
            .say(both(&|e| e.in_flight().map_or("—".into(), |v| format!("{v} B"))))
            .say("SND.NXT − SND.UNA: bytes sent and not yet acknowledged. They wait in its send buffer in case they must be sent again."),
        4 => Explanation::new("RCV.NXT", Some("RFC 9293 §3.3.1, §3.10.7.4"))
            .say(both(&|e| num(e.rcv_nxt)))
            .say("Receive next: the next byte it expects from the peer. Its next ACK carries this number. sockscope counts the in-order bytes the capture saw going to it inside the window it advertised; a zero-window ACK below them says a full buffer dropped them."),
        5 => Explanation::new("window", Some("RFC 9293 §3.8.6; RFC 7323 §2.3"))
            .say(both(&|e| e.window.map_or("—".into(), |v| format!("{v} B"))))
            .say("The receive window it advertised last, after scaling: how much more the peer may send it. It shrinks as unread bytes fill its buffer and grows when the application reads."),
        6 => Explanation::new("unread", Some("RFC 9293 §3.10.7.4"))
            .say(both(&|e| format!("{} B", e.unread())))
            .say("Bytes received in order that the application has not read() yet: they wait in the kernel's receive buffer (\"a buffer space that holds stuff (probably per connection)\", as \"Re TCP Ports -- and the little guy listening\" guesses — and it is).")
            .say(if k.client.reads_observed {
                "The reads are the ones the lab recorded: this is what the programs really had not read."
            } else {
                "Without recorded calls sockscope assumes the application reads at each wake-up, so it is a lower bound."
            }),
        _ => Explanation::new("retransmissions", Some("RFC 6298; RFC 9293 §3.8.1"))
            .say(both(&|e| e.retransmissions.to_string()))
            .say("Segments it sent again because their acknowledgment did not come in time (or three duplicate ACKs said one was lost)."),
    };
    e.say("All of this is inferred from the segments seen at the capture point: sockscope did not ask the kernels. A segment seen leaving one host may not have reached the other yet.")
}
