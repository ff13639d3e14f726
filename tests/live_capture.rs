//! Live capture on this machine's loopback, for real: a TCP exchange made
//! here is captured by sockscope and must come out whole and once (the three
//! pitfalls the capture module names: cut frames, missing timestamps, the
//! doubled loopback copy). Built with `--features pcap` the same test runs
//! through libpcap with a BPF filter. Without the privilege to capture, the
//! test says so and checks only the error's advice.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use sockscope::capture::live::{interfaces, LiveCapture, LiveError};
use sockscope::capture::{LinkType, Timestamp};
use sockscope::wire::{self, Transport};

#[test]
fn interfaces_include_an_up_loopback() {
    let list = interfaces();
    assert!(
        list.iter().any(|i| i.loopback && i.up && i.name == "lo"),
        "{list:#?}"
    );
}

#[test]
fn an_unknown_interface_names_the_real_ones() {
    match LiveCapture::open("no-such-nic0") {
        Err(e @ LiveError::UnknownInterface { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("no-such-nic0") && text.contains("lo"),
                "{text}"
            );
        }
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("opened an interface that does not exist"),
    }
}

#[test]
fn loopback_frames_arrive_whole_once_and_stamped() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    #[cfg(feature = "pcap")]
    let opened = LiveCapture::open_filtered("lo", Some(&format!("tcp port {port}")));
    #[cfg(not(feature = "pcap"))]
    let opened = LiveCapture::open("lo");
    let mut cap = match opened {
        Ok(c) => c,
        Err(LiveError::Permission(why)) => {
            let advice = sockscope::capture::live::privilege_paragraph(&why);
            assert!(
                advice.contains("setcap cap_net_raw,cap_net_admin+eip"),
                "{advice}"
            );
            println!("cannot capture here ({why}): the loopback capture was not checked");
            return;
        }
        Err(e) => panic!("opening lo: {e}"),
    };
    // 10,000 bytes in one write: a frame far larger than pnet's default
    // 4,096-byte read buffer, which would cut it silently.
    let payload = vec![b'z'; 10_000];
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut got = Vec::new();
        s.read_to_end(&mut got).expect("read");
        got.len()
    });
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.write_all(&payload).expect("write");
    drop(c);
    assert_eq!(server.join().expect("server"), payload.len());
    let mut frames: Vec<(Timestamp, Vec<u8>)> = Vec::new();
    let until = Instant::now() + Duration::from_millis(500);
    while Instant::now() < until {
        if let Some((t, data)) = cap.next_frame().expect("capture") {
            frames.push((t, data.to_vec()));
        }
    }
    let link = cap.link_type();
    assert_eq!(
        link,
        LinkType::ETHERNET,
        "Linux loopback frames carry Ethernet headers"
    );
    let mut syns = 0;
    let mut carried = 0usize;
    let mut last = Timestamp(0);
    for (t, data) in &frames {
        let packet = wire::decode(link, data);
        let Transport::Tcp(seg) = packet.transport else {
            continue;
        };
        if seg.src_port != port && seg.dst_port != port {
            continue;
        }
        assert!(*t >= last, "timestamps go forward");
        last = *t;
        if seg.flags.syn() && !seg.flags.ack() {
            syns += 1;
        }
        carried += seg.payload.len();
    }
    assert_eq!(
        syns, 1,
        "the SYN once: the outgoing loopback copy is dropped"
    );
    assert_eq!(carried, payload.len(), "every byte once, no frame cut");
}

/// A frame's time is when the kernel saw it, not when the reader got round
/// to it: a datagram sent, then read 300 ms later, still carries the time it
/// was sent (within the 100 ms the check allows for a slow machine), so a
/// recorded call can never overtake the segment it caused.
#[test]
fn a_frame_read_late_keeps_the_time_the_kernel_saw_it() {
    let mut cap = match LiveCapture::open("lo") {
        Ok(c) => c,
        Err(LiveError::Permission(why)) => {
            println!("cannot capture here ({why}): frame timestamps were not checked");
            return;
        }
        Err(e) => panic!("opening lo: {e}"),
    };
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let tx = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let marker = b"sockscope timestamp probe";
    let sent = sockscope::capture::live::now();
    tx.send_to(marker, rx.local_addr().expect("addr"))
        .expect("send");
    std::thread::sleep(Duration::from_millis(300));
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let Some((t, data)) = cap.next_frame().expect("capture") else {
            continue;
        };
        if !data.windows(marker.len()).any(|w| w == marker) {
            continue;
        }
        let late_ms = (t.0 - sent.0) / 1_000_000;
        assert!(
            (-100..100).contains(&late_ms),
            "the probe is stamped {late_ms} ms after it was sent: stamped on receipt, not by the kernel"
        );
        return;
    }
    panic!("the probe datagram was never captured");
}
