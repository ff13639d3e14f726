//! The TCP connection states of RFC 9293 §3.3.2, for one endpoint, inferred from
//! what passes the capture point. The transitions follow the state diagram
//! (RFC 9293 Figure 5); a capture cannot see the instant the endpoint itself
//! changed state, so each change is dated by the segment that causes it.

use std::fmt;

use serde::Serialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum TcpState {
    #[default]
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

impl TcpState {
    /// The RFC's name.
    pub fn name(self) -> &'static str {
        match self {
            TcpState::Closed => "CLOSED",
            TcpState::Listen => "LISTEN",
            TcpState::SynSent => "SYN-SENT",
            TcpState::SynReceived => "SYN-RECEIVED",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait1 => "FIN-WAIT-1",
            TcpState::FinWait2 => "FIN-WAIT-2",
            TcpState::CloseWait => "CLOSE-WAIT",
            TcpState::Closing => "CLOSING",
            TcpState::LastAck => "LAST-ACK",
            TcpState::TimeWait => "TIME-WAIT",
        }
    }

    /// The endpoint has sent its FIN (or is gone).
    pub fn has_closed_send_side(self) -> bool {
        matches!(
            self,
            TcpState::FinWait1
                | TcpState::FinWait2
                | TcpState::Closing
                | TcpState::LastAck
                | TcpState::TimeWait
        )
    }

    /// This endpoint sent a FIN.
    pub fn on_send_fin(self) -> Self {
        match self {
            TcpState::Established | TcpState::SynReceived => TcpState::FinWait1,
            TcpState::CloseWait => TcpState::LastAck,
            other => other,
        }
    }

    /// This endpoint received the peer's FIN.
    pub fn on_receive_fin(self) -> Self {
        match self {
            TcpState::Established | TcpState::SynReceived => TcpState::CloseWait,
            TcpState::FinWait1 => TcpState::Closing,
            TcpState::FinWait2 => TcpState::TimeWait,
            other => other,
        }
    }

    /// The peer acknowledged this endpoint's FIN.
    pub fn on_fin_acked(self) -> Self {
        match self {
            TcpState::FinWait1 => TcpState::FinWait2,
            TcpState::Closing => TcpState::TimeWait,
            TcpState::LastAck => TcpState::Closed,
            other => other,
        }
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::TcpState::*;

    #[test]
    fn active_close_walks_the_diagram() {
        let s = Established.on_send_fin();
        assert_eq!(s, FinWait1);
        let s = s.on_fin_acked();
        assert_eq!(s, FinWait2);
        assert_eq!(s.on_receive_fin(), TimeWait);
        // Simultaneous close: FIN-WAIT-1 receives a FIN, then its FIN is acked.
        assert_eq!(FinWait1.on_receive_fin().on_fin_acked(), TimeWait);
        // Passive close.
        assert_eq!(
            Established.on_receive_fin().on_send_fin().on_fin_acked(),
            Closed
        );
    }
}
