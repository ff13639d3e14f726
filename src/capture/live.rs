//! Capturing frames from a network interface as they arrive: Linux AF_PACKET
//! through `pnet_datalink` (no C library), or libpcap behind the `pcap`
//! feature ([`super::libpcap`]).
//!
//! Three pitfalls of AF_PACKET through pnet, each measured here and handled:
//!
//! * pnet's default read buffer is 4096 bytes, and `recvfrom` silently cuts a
//!   longer frame to it; we read with [`READ_BUFFER`] (256 KiB, more than the
//!   64 KiB a loopback frame can reach) and keep the original length.
//! * pnet hands frames over without their timestamp. The kernel keeps the
//!   one of the last frame read on the socket, and `ioctl(SIOCGSTAMPNS)`
//!   returns it: each frame gets the time the kernel saw it (the host's
//!   real-time clock, which the lab's calls share), not the later time the
//!   reader got round to it, so a call or a kernel sample is never placed
//!   before the segment it followed (docs/lab.md). Where the ioctl fails,
//!   the frame is stamped on receipt.
//! * On a loopback interface every frame is seen twice, once leaving and once
//!   arriving. A classic BPF filter attached to the socket (`SKF_AD_PKTTYPE`)
//!   drops the outgoing copy in the kernel — only on loopback: on a real NIC
//!   the outgoing frames are the host's own traffic and are kept.

use std::io;
use std::os::fd::{AsRawFd, IntoRawFd, RawFd};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{LinkType, Timestamp};

/// Bytes read per frame: larger than any frame AF_PACKET delivers here (a
/// loopback frame is at most 65,536 + 14 bytes, GSO aside).
pub const READ_BUFFER: usize = 256 * 1024;

/// How long [`LiveCapture::next_frame`] waits before it returns `None`, so a
/// caller can check whether to stop.
pub const POLL: Duration = Duration::from_millis(50);

/// A network interface as `sockscope interfaces` lists it.
#[derive(Clone, Debug)]
pub struct Interface {
    pub name: String,
    pub mac: Option<String>,
    pub addresses: Vec<String>,
    pub up: bool,
    pub loopback: bool,
    pub mtu: Option<u32>,
}

/// Why a live capture could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no interface named \"{name}\"; this machine has: {}", .known.join(", "))]
    UnknownInterface { name: String, known: Vec<String> },
    #[error("{}", privilege_paragraph(.0))]
    Permission(String),
    #[error("capturing on {name}: {source}")]
    Io { name: String, source: io::Error },
}

/// The one clear paragraph for a capture refused for lack of privilege, with
/// the exact fixes (the lab and `live` both print it).
pub fn privilege_paragraph(what: &str) -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "target/release/sockscope".to_string());
    format!(
        "sockscope may not capture packets here ({what}). Capturing needs the CAP_NET_RAW capability. Either run it \
         as root (sudo {exe} ...), or give the binary the capabilities once: \
         sudo setcap cap_net_raw,cap_net_admin+eip {exe}. The lab can also run without capturing: add --no-capture \
         to see the observed calls and the dialogue without the segments."
    )
}

/// The interfaces of this machine, sorted by name.
pub fn interfaces() -> Vec<Interface> {
    let mut list: Vec<Interface> = pnet_datalink::interfaces()
        .into_iter()
        .map(|i| Interface {
            mac: i.mac.filter(|m| !m.is_zero()).map(|m| m.to_string()),
            addresses: i.ips.iter().map(|n| n.to_string()).collect(),
            up: i.is_up(),
            loopback: i.is_loopback(),
            mtu: std::fs::read_to_string(format!("/sys/class/net/{}/mtu", i.name))
                .ok()
                .and_then(|s| s.trim().parse().ok()),
            name: i.name,
        })
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    list
}

/// Where frames come from.
enum Rx {
    Pnet(Box<dyn pnet_datalink::DataLinkReceiver>),
    #[cfg(feature = "pcap")]
    Pcap(super::libpcap::PcapRx),
}

/// A capture running on one interface.
pub struct LiveCapture {
    rx: Rx,
    /// The AF_PACKET socket pnet reads (pnet owns and closes it), asked for
    /// each frame's kernel timestamp.
    stamp_fd: Option<RawFd>,
    name: String,
    loopback: bool,
    link: LinkType,
}

impl LiveCapture {
    /// Opens `name` for capture (all frames, both directions): through
    /// libpcap when built with the `pcap` feature, else through AF_PACKET.
    pub fn open(name: &str) -> Result<Self, LiveError> {
        Self::open_filtered(name, None)
    }

    /// As [`LiveCapture::open`], with a BPF filter in tcpdump's syntax
    /// (`pcap` feature only; without it a filter is refused).
    pub fn open_filtered(name: &str, filter: Option<&str>) -> Result<Self, LiveError> {
        #[cfg(feature = "pcap")]
        {
            let known = pnet_datalink::interfaces();
            let Some(iface) = known.iter().find(|i| i.name == name) else {
                return Err(LiveError::UnknownInterface {
                    name: crate::text::escape_str(name),
                    known: known.iter().map(|i| i.name.clone()).collect(),
                });
            };
            let rx = super::libpcap::PcapRx::open(name, filter)?;
            Ok(LiveCapture {
                link: rx.link,
                rx: Rx::Pcap(rx),
                stamp_fd: None,
                name: name.to_string(),
                loopback: iface.is_loopback(),
            })
        }
        #[cfg(not(feature = "pcap"))]
        {
            if filter.is_some() {
                return Err(LiveError::Io {
                    name: name.to_string(),
                    source: io::Error::other(
                        "capture filters need the pcap feature (cargo build --release --features pcap)",
                    ),
                });
            }
            Self::open_pnet(name)
        }
    }

    /// Opens `name` through AF_PACKET (pnet).
    pub fn open_pnet(name: &str) -> Result<Self, LiveError> {
        let all = pnet_datalink::interfaces();
        let Some(iface) = all.iter().find(|i| i.name == name) else {
            return Err(LiveError::UnknownInterface {
                name: crate::text::escape_str(name),
                known: all.iter().map(|i| i.name.clone()).collect(),
            });
        };
        let io_err = |source: io::Error| {
            if source.kind() == io::ErrorKind::PermissionDenied {
                LiveError::Permission(format!("opening a packet socket on {name}: {source}"))
            } else {
                LiveError::Io {
                    name: name.to_string(),
                    source,
                }
            }
        };
        let loopback = iface.is_loopback();
        let socket = packet_socket(loopback).map_err(io_err)?;
        let stamp_fd = socket.as_raw_fd();
        // The first ask turns the socket's timestamps on (it answers ENOENT:
        // nothing read yet), so every frame read from now on carries one.
        let _ = kernel_stamp(stamp_fd);
        let config = pnet_datalink::Config {
            read_buffer_size: READ_BUFFER,
            read_timeout: Some(POLL),
            promiscuous: !loopback,
            // pnet takes the descriptor over and closes it when dropped.
            socket_fd: Some(socket.into_raw_fd()),
            ..pnet_datalink::Config::default()
        };
        match pnet_datalink::channel(iface, config).map_err(io_err)? {
            pnet_datalink::Channel::Ethernet(_tx, rx) => Ok(LiveCapture {
                rx: Rx::Pnet(rx),
                stamp_fd: Some(stamp_fd),
                name: name.to_string(),
                loopback,
                link: LinkType::ETHERNET,
            }),
            _ => Err(LiveError::Io {
                name: name.to_string(),
                source: io::Error::other("not an Ethernet-like channel"),
            }),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// Frames from Linux AF_PACKET carry an Ethernet header (zero MACs on
    /// loopback); libpcap says which link type the interface has.
    pub fn link_type(&self) -> LinkType {
        self.link
    }

    /// The next frame with the kernel's timestamp (stamped on receipt if
    /// the kernel gave none); `None` when [`POLL`] passed with nothing.
    pub fn next_frame(&mut self) -> Result<Option<(Timestamp, &[u8])>, LiveError> {
        let stamp_fd = self.stamp_fd;
        match &mut self.rx {
            #[cfg(feature = "pcap")]
            Rx::Pcap(rx) => rx.next_frame(&self.name),
            Rx::Pnet(rx) => match rx.next() {
                Ok(frame) => {
                    let t = stamp_fd.and_then(kernel_stamp).unwrap_or_else(now);
                    Ok(Some((t, frame)))
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut
                            | io::ErrorKind::WouldBlock
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    Ok(None)
                }
                Err(source) => Err(LiveError::Io {
                    name: self.name.clone(),
                    source,
                }),
            },
        }
    }
}

/// The host's clock as a capture timestamp.
pub fn now() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// `SIOCGSTAMPNS` (linux/sockios.h; `SIOCGSTAMPNS_OLD`, which is the one
/// with a 64-bit `struct timespec` where `long` is 64 bits).
#[cfg(target_pointer_width = "64")]
const SIOCGSTAMPNS: libc::c_ulong = 0x8907;

/// The kernel's timestamp of the last frame read from `fd` (socket(7),
/// SIOCGSTAMP), None if it has none.
#[cfg(target_pointer_width = "64")]
fn kernel_stamp(fd: RawFd) -> Option<Timestamp> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: SIOCGSTAMPNS writes one `struct timespec` through the pointer,
    // which points at `ts`, alive and of that type for the whole call; `fd`
    // is the packet socket pnet reads, open as long as the capture is.
    let rc = unsafe { libc::ioctl(fd, SIOCGSTAMPNS as _, &mut ts as *mut libc::timespec) };
    if rc != 0 || (ts.tv_sec == 0 && ts.tv_nsec == 0) {
        return None;
    }
    let nanos = ts
        .tv_sec
        .checked_mul(1_000_000_000)?
        .checked_add(ts.tv_nsec)?;
    Some(Timestamp(nanos))
}

/// Elsewhere the ioctl's number differs: frames are stamped on receipt.
#[cfg(not(target_pointer_width = "64"))]
fn kernel_stamp(_fd: RawFd) -> Option<Timestamp> {
    None
}

/// An AF_PACKET socket for every protocol; on loopback with a filter that
/// drops the outgoing copy of each frame.
fn packet_socket(loopback: bool) -> io::Result<socket2::Socket> {
    let all = i32::from((libc::ETH_P_ALL as u16).to_be());
    let socket = socket2::Socket::new(
        socket2::Domain::PACKET,
        socket2::Type::RAW,
        Some(socket2::Protocol::from(all)),
    )?;
    if loopback {
        socket.attach_filter(&drop_outgoing())?;
    }
    Ok(socket)
}

/// Classic BPF (filter.txt in the kernel docs): load the packet type from the
/// ancillary area, drop `PACKET_OUTGOING`, accept everything else whole.
fn drop_outgoing() -> [libc::sock_filter; 4] {
    const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    const SKF_AD_PKTTYPE: u32 = 0xffff_f000 + 4; // SKF_AD_OFF + SKF_AD_PKTTYPE
    const PACKET_OUTGOING: u32 = 4;
    let op = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
    [
        op(LD_W_ABS, 0, 0, SKF_AD_PKTTYPE),
        op(JEQ_K, 0, 1, PACKET_OUTGOING),
        op(RET_K, 0, 0, 0),
        op(RET_K, 0, 0, 0x0004_0000),
    ]
}
