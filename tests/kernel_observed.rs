//! What the lab's real kernel said (TCP_INFO and the queue ioctls, sampled
//! around every recorded call, docs/lab.md) survives the pcapng and comes
//! back as kernel records of the right connection, and its numbers hold
//! together. Needs capture rights (root, or `setcap cap_net_raw,cap_net_admin+ep`
//! on the test binary); without them the test says so and checks nothing.

use sockscope::capture::live::LiveError;
use sockscope::lab::{self, LabError, SCENARIOS};
use sockscope::timeline::analyze_file;

#[test]
fn every_scenarios_kernel_samples_read_back_and_agree_with_themselves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut waiting_seen = false;
    for s in SCENARIOS {
        let out = dir.path().join(format!("{}.pcapng", s.name));
        let run = match lab::run(s.name, true, Some(&out)) {
            Err(LabError::Capture(LiveError::Permission(why))) => {
                println!(
                    "SKIPPED kernel_observed: cannot capture ({why}); run as root or give the test \
                     binary cap_net_raw,cap_net_admin"
                );
                return;
            }
            other => other.unwrap_or_else(|e| panic!("lab {}: {e}", s.name)),
        };
        assert!(!run.samples.is_empty(), "lab {}: no kernel samples", s.name);
        let (path, _) = run.written.as_ref().expect("captured");
        let t = analyze_file(path, &mut ()).expect("reads back");
        // Every sample of a connected socket comes back, once, on its
        // connection (listener samples repeat per connection on the port).
        let connected = run.samples.iter().filter(|k| k.state != "LISTEN").count();
        let back = t
            .kernel
            .iter()
            .filter(|k| k.sample.state != "LISTEN")
            .count();
        assert_eq!(
            back, connected,
            "lab {}: samples lost or duplicated",
            s.name
        );
        for k in &t.kernel {
            assert!(
                t.connection(k.conn).is_some(),
                "lab {}: orphan sample",
                s.name
            );
            let smp = &k.sample;
            if let (Some(out), Some(unsent)) = (smp.outq, smp.unsent) {
                assert!(
                    unsent <= out,
                    "lab {} {}: unsent > SIOCOUTQ",
                    s.name,
                    smp.at
                );
            }
            if smp.at == "after connect" || smp.at == "after accept" && smp.state != "LISTEN" {
                assert_ne!(
                    smp.state, "SYN-SENT",
                    "lab {}: connect() returned early",
                    s.name
                );
            }
            waiting_seen |= smp.inq.is_some_and(|n| n > 0);
        }
    }
    assert!(
        waiting_seen,
        "no scenario ever had unread bytes in a receive queue"
    );
}
