//! `--netns`: the scenario's two ends in two network namespaces joined by a
//! veth pair, so its segments cross an Ethernet link with real MAC addresses,
//! a 1500-byte MTU and the kernel's own segmentation, instead of loopback.
//!
//! The namespaces and the veth pair are made with iproute2's `ip` (root, or
//! CAP_NET_ADMIN + CAP_SYS_ADMIN) and removed when the [`NetnsPair`] is
//! dropped; deleting a namespace deletes its end of the veth, and with it the
//! other end. A socket belongs to the namespace of the thread that created it,
//! so [`enter`] runs a closure on a short-lived thread moved into a namespace:
//! the sockets and the capture socket it opens stay there, and the caller's
//! thread never changes namespace.

use std::fs::File;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;
use std::process::Command;

/// The client's and the server's address on the veth link. Each namespace is
/// new and private, so fixed addresses cannot clash with the host's.
pub const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(10, 25, 0, 1);
pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(10, 25, 0, 2);

/// Why the namespaces could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    #[error(
        "`ip` (iproute2) was not found: --netns builds the namespaces and the veth pair with it; \
         install it (apt-get install iproute2) or run without --netns"
    )]
    NoIp,
    #[error(
        "`{command}` failed: {stderr}. --netns needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) to make \
         network namespaces; run as root, or without --netns to use loopback"
    )]
    Ip { command: String, stderr: String },
    #[error("entering network namespace {name}: {source}")]
    Enter { name: String, source: io::Error },
}

/// Two network namespaces, `client` and `server`, joined by a veth pair.
pub struct NetnsPair {
    names: [String; 2],
    /// The client's end of the veth (where the lab captures).
    pub client_if: String,
    client: File,
    server: File,
    /// Last, so the namespaces go after the files that hold them.
    _made: Removal,
}

/// Named namespaces to delete on drop.
struct Removal(Vec<String>);

fn ip(args: &[&str]) -> Result<(), NetnsError> {
    let out = Command::new("ip").args(args).output().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            NetnsError::NoIp
        } else {
            NetnsError::Ip {
                command: format!("ip {}", args.join(" ")),
                stderr: e.to_string(),
            }
        }
    })?;
    if out.status.success() {
        return Ok(());
    }
    Err(NetnsError::Ip {
        command: format!("ip {}", args.join(" ")),
        stderr: crate::text::escape_str(String::from_utf8_lossy(&out.stderr).trim()),
    })
}

impl NetnsPair {
    /// Makes the namespaces `sockscope-c-PID` and `sockscope-s-PID`, a veth
    /// pair between them, and brings up addresses [`CLIENT_IP`] and
    /// [`SERVER_IP`] (/24) and each namespace's loopback. Everything made is
    /// removed on drop, or at once if a step fails.
    pub fn create() -> Result<NetnsPair, NetnsError> {
        let pid = std::process::id();
        let names = [format!("sockscope-c-{pid}"), format!("sockscope-s-{pid}")];
        // Interface names are at most 15 bytes (IFNAMSIZ − 1): the pid in hex
        // fits whatever pid_max is.
        let ifs = [format!("ssc{pid:x}"), format!("sss{pid:x}")];
        // Leftovers of an earlier run with the same pid that was killed
        // before it could clean up (pids repeat, in containers especially).
        for name in &names {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
        let _ = Command::new("ip").args(["link", "del", &ifs[0]]).output();
        // Whatever is made is removed again if a later step fails.
        let mut made = Removal(Vec::new());
        for name in &names {
            ip(&["netns", "add", name])?;
            made.0.push(name.clone());
        }
        ip(&[
            "link", "add", &ifs[0], "type", "veth", "peer", "name", &ifs[1],
        ])?;
        for (k, addr) in [(0, CLIENT_IP), (1, SERVER_IP)] {
            let (ns, dev) = (&names[k], &ifs[k]);
            if let Err(e) = ip(&["link", "set", dev, "netns", ns]) {
                // The veth is still in our namespace: remove it by hand.
                let _ = ip(&["link", "del", &ifs[0]]);
                return Err(e);
            }
            let cidr = format!("{addr}/24");
            ip(&["-n", ns, "addr", "add", &cidr, "dev", dev])?;
            ip(&["-n", ns, "link", "set", dev, "up"])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        let open = |name: &str| {
            File::open(format!("/run/netns/{name}")).map_err(|source| NetnsError::Enter {
                name: name.to_string(),
                source,
            })
        };
        Ok(NetnsPair {
            client: open(&names[0])?,
            server: open(&names[1])?,
            client_if: ifs[0].clone(),
            names,
            _made: made,
        })
    }

    /// Runs `f` inside the client's namespace.
    pub fn in_client<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, NetnsError> {
        enter(&self.client, &self.names[0], f)
    }

    /// Runs `f` inside the server's namespace.
    pub fn in_server<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, NetnsError> {
        enter(&self.server, &self.names[1], f)
    }

    /// The name of the client's (`server == false`) or the server's
    /// namespace, for `ip netns exec`.
    pub fn name(&self, server: bool) -> &str {
        &self.names[usize::from(server)]
    }

    pub fn server_ip(&self) -> IpAddr {
        IpAddr::V4(SERVER_IP)
    }
}

impl Drop for Removal {
    fn drop(&mut self) {
        for name in &self.0 {
            // Best effort: a namespace that was never made is not an error.
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}

/// Runs `f` on a new thread that first joins the namespace `ns`.
fn enter<T: Send>(ns: &File, name: &str, f: impl FnOnce() -> T + Send) -> Result<T, NetnsError> {
    let fd = ns.as_raw_fd();
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                // SAFETY: setns(2) takes a file descriptor and a flag and
                // touches no memory of ours; `fd` stays open for the call
                // because `ns` is borrowed for the whole scope. It moves only
                // this short-lived thread, which ends with the scope.
                let rc = unsafe { libc::setns(fd, libc::CLONE_NEWNET) };
                if rc != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(f())
            })
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the namespace thread panicked")))
    })
    .map_err(|source| NetnsError::Enter {
        name: name.to_string(),
        source,
    })
}
