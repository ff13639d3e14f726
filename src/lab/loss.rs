//! Loss on purpose: one segment dropped by a netfilter rule, so the `loss`
//! scenario shows what real kernels do when a segment goes missing
//! (retransmission, RFC 6298 §5; duplicate and selective ACKs, RFC 5681 §3.2,
//! RFC 2018) instead of a simulation of it.
//!
//! A rule sits in the INPUT chain of the receiving end's namespace (the host
//! on loopback; with `--netns`, the receiver's own namespace), so the capture,
//! taken where the segment leaves, still sees the segment that was lost: as a
//! capture next to the sender would. `-m limit --limit 1/hour --limit-burst 1`
//! makes the rule match one segment only; the retransmission passes. The rule
//! is deleted when the [`DropOnce`] is dropped (docs/lab.md, "Loss").

use std::io;
use std::process::Command;

use super::trace::Trace;

/// The iptables front ends tried in turn: the distribution's default, then
/// the legacy one for kernels without nf_tables.
const IPTABLES: [&str; 2] = ["iptables", "iptables-legacy"];

/// A one-shot DROP rule, removed on drop.
pub struct DropOnce {
    namespace: Option<String>,
    binary: &'static str,
    rule: Vec<String>,
}

/// Which segments a rule drops: those the server receives, or the client.
#[derive(Clone, Copy, Debug)]
pub enum Toward {
    Server,
    Client,
}

impl DropOnce {
    /// Drops the next TCP segment `toward` that end whose destination port
    /// is `port` and that matches `matches` (iptables match options).
    pub fn insert(
        trace: &Trace,
        toward: Toward,
        port: u16,
        matches: &[&str],
    ) -> io::Result<DropOnce> {
        let mut rule: Vec<String> = ["INPUT", "-p", "tcp", "--dport"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        rule.push(port.to_string());
        rule.extend(matches.iter().map(|s| s.to_string()));
        rule.extend(
            [
                "-m",
                "limit",
                "--limit",
                "1/hour",
                "--limit-burst",
                "1",
                "-j",
                "DROP",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        let namespace = trace
            .namespace(matches!(toward, Toward::Server))
            .map(str::to_string);
        let mut failures = Vec::new();
        for binary in IPTABLES {
            match iptables(namespace.as_deref(), binary, "-I", &rule) {
                Ok(()) => {
                    return Ok(DropOnce {
                        namespace,
                        binary,
                        rule,
                    })
                }
                Err(e) => failures.push(format!("{binary}: {e}")),
            }
        }
        // Unsupported, so that callers can tell "this machine cannot lose a
        // segment on purpose" from a scenario that went wrong.
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!(
                "the loss scenario drops one segment with an iptables rule, and none could be inserted ({}); \
                 install iptables (apt-get install iptables) and run as root (CAP_NET_ADMIN)",
                failures.join("; ")
            ),
        ))
    }
}

/// Runs the iptables front end `binary` with `action` (`-I` or `-D`) and
/// `rule`, in `namespace` if given.
fn iptables(
    namespace: Option<&str>,
    binary: &str,
    action: &str,
    rule: &[String],
) -> io::Result<()> {
    let mut command = match namespace {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, binary]);
            c
        }
        None => Command::new(binary),
    };
    // `-w`: wait for the xtables lock rather than fail when another
    // program changes the rules at the same moment.
    let out = command.arg("-w").arg(action).args(rule).output()?;
    if out.status.success() {
        return Ok(());
    }
    Err(io::Error::other(crate::text::escape_str(
        String::from_utf8_lossy(&out.stderr).trim(),
    )))
}

impl Drop for DropOnce {
    fn drop(&mut self) {
        // Best effort: a rule left behind matches nothing once its
        // ephemeral port is gone, and its burst of one is spent.
        let _ = iptables(self.namespace.as_deref(), self.binary, "-D", &self.rule);
    }
}
