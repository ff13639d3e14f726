#!/usr/bin/env python3
"""Stop-gap maker of captures/ccnotes.pcapng until `sockscope lab` exists.

Real sockets on loopback re-enact seed 001 (ccNotes): the server writes its
220 greeting with two send() calls, TCP_NODELAY and a 200 ms pause, so the
greeting leaves in two segments; the client reads once per command (the bug),
answers the first fragment with HELO and stays one reply behind to the end.

Run as root (port 25), while dumpcap writes the capture:
    dumpcap -q -i lo -f 'tcp port 25' -w captures/ccnotes.pcapng &
    python3 captures/tools/ccnotes.py; sleep 1; kill -INT %1
"""
import socket
import threading
import time

HOST, PORT = "127.0.0.1", 25


def server(ready):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((HOST, PORT))
    ls.listen(1)
    ready.set()
    conn, _ = ls.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(b"220 smtp.tele.fi ")
    time.sleep(0.2)
    conn.sendall(b"ESMTP ZMailer ready\r\n")
    buf = b""
    replies = {
        b"HELO": b"250 smtp.tele.fi Hello smtpgate.Customer\r\n",
        b"MAIL": b"250 2.1.0 Sender ok\r\n",
        b"RCPT": b"250 2.1.5 Recipient ok\r\n",
        b"QUIT": b"221 2.0.0 smtp.tele.fi closing connection\r\n",
    }
    while True:
        data = conn.recv(4096)
        if not data:
            break
        buf += data
        while b"\r\n" in buf:  # one correct reader: a line ends at CRLF
            line, buf = buf.split(b"\r\n", 1)
            verb = line.split(b" ", 1)[0].upper()
            conn.sendall(replies.get(verb, b"500 5.5.1 Command unrecognized\r\n"))
            if verb == b"QUIT":
                time.sleep(0.05)
                conn.close()
                ls.close()
                return


def naive_client():
    s = socket.create_connection((HOST, PORT))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # The bug: one recv() is taken as one whole reply.
    for cmd in [b"HELO smtpgate.Customer\r\n", b"MAIL FROM:<notes@customer.example>\r\n",
                b"RCPT TO:<user@tele.fi>\r\n", b"QUIT\r\n"]:
        reply = s.recv(4096)
        print("client read:", reply)
        time.sleep(0.05)
        s.sendall(cmd)
    while True:
        reply = s.recv(4096)
        print("client read:", reply)
        if not reply:
            break
    s.close()


ready = threading.Event()
t = threading.Thread(target=server, args=(ready,))
t.start()
ready.wait()
naive_client()
t.join()
