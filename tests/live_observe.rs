//! `sockscope live --observe-local`, for real: the binary captures
//! loopback while this test talks TCP on a port of its own and leaves a
//! command unread for half a second; the kernel's own account of the
//! sockets (INET_DIAG) must come back in the written capture, placed on the
//! connection, with the server's receive queue holding exactly the unread
//! command. Without the privilege to capture, the test says so.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use sockscope::socket::Endpoint;
use sockscope::timeline::analyze_file;

#[test]
fn a_local_programs_unread_bytes_are_observed_in_its_kernel() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("observed.pcapng");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut live = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["live", "-i", "lo", "--port", &port.to_string()])
        .args(["--observe-local", "--json", "--write"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Let the capture start (or fail for lack of privilege).
    std::thread::sleep(Duration::from_millis(800));
    if let Some(status) = live.try_wait().expect("wait") {
        let mut err = String::new();
        if let Some(mut e) = live.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        assert!(err.contains("CAP_NET_RAW"), "live failed: {status} {err}");
        println!("cannot capture here: --observe-local was not checked ({err})");
        return;
    }
    let mut client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let (mut server, _) = listener.accept().expect("accept");
    let mut buf = [0u8; 64];
    server.write_all(b"220 ready\r\n").expect("greet");
    let _ = client.read(&mut buf).expect("greeting");
    client.write_all(b"EHLO observed\r\n").expect("ehlo");
    // The server program does not read: the 15 bytes wait in its kernel.
    std::thread::sleep(Duration::from_millis(500));
    let _ = server.read(&mut buf).expect("ehlo arrives");
    server.write_all(b"250 ok\r\n").expect("reply");
    let _ = client.read(&mut buf).expect("reply");
    drop(client);
    drop(server);
    std::thread::sleep(Duration::from_millis(300));
    // SIGINT ends a capture and writes the report.
    let pid = live.id().to_string();
    let _ = Command::new("kill").args(["-INT", &pid]).status();
    let status = live.wait().expect("live ends");
    assert!(status.success(), "live ended with {status}");

    let t = analyze_file(&out, &mut ()).expect("the capture reads back");
    assert_eq!(t.connections.len(), 1, "one connection captured");
    let server_unread: Vec<u64> = t
        .kernel
        .iter()
        .filter(|p| p.conn == 1 && p.sample.side == Endpoint::Server)
        .filter_map(|p| p.sample.inq)
        .collect();
    assert!(
        server_unread.contains(&15),
        "the server's kernel held the 15 unread bytes: {:?}",
        t.kernel
    );
    assert!(
        t.kernel
            .iter()
            .any(|p| p.sample.side == Endpoint::Client && p.sample.state == "ESTABLISHED"),
        "the client's socket is observed too: {:?}",
        t.kernel
    );
}
