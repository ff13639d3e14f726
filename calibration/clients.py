#!/usr/bin/env python3
"""Python clients for the calibration corpus (see calibration/README.md).

Every case but `pregreet` is the standard library's own client (smtplib,
poplib) used the way an ordinary program uses it: these are the "real,
unmodified programs". `pregreet` is a deliberately impatient raw-socket client
that sends EHLO before the greeting has ended, which is what a spam bot does
and what Postfix postscreen's pregreet test is built to catch (RFC 5321 §3.1,
§4.3.1: the client waits for the whole greeting).

Usage: clients.py CASE HOST PORT [MESSAGE-FILE]
"""

import email
import email.policy
import poplib
import smtplib
import socket
import ssl
import sys

HELO = "client.calib.test"
SENDER = "tester@calib.test"
RCPT = "alice@calib.test"
POP_USER = "pia"
POP_PASS = "pia-secret"


def read(path):
    # As text: smtplib turns a str message's line ends into CRLF (RFC 5321
    # §2.3.8); bytes it sends as they are (see smtplib_bare_lf).
    with open(path, encoding="ascii") as f:
        return f.read()


def smtplib_sendmail(host, port, msg):
    with smtplib.SMTP(host, port, local_hostname=HELO, timeout=30) as s:
        s.sendmail(SENDER, [RCPT], read(msg))


def smtplib_bare_lf(host, port, msg):
    # The same call with the file's bytes: smtplib sends bytes unchanged, so
    # a file with Unix line ends goes out with bare LFs (RFC 5321 §2.3.8
    # forbids them; lenient servers such as Postfix 3.7 accept them).
    with open(msg, "rb") as f:
        data = f.read()
    with smtplib.SMTP(host, port, local_hostname=HELO, timeout=30) as s:
        s.sendmail(SENDER, [RCPT], data)


def smtplib_send_message(host, port, msg):
    parsed = email.message_from_string(read(msg), policy=email.policy.SMTP)
    with smtplib.SMTP(host, port, local_hostname=HELO, timeout=30) as s:
        s.send_message(parsed)


def smtplib_starttls_unused(host, port, msg):
    # The server offers STARTTLS; this program looks and goes on in plaintext,
    # as smtplib does unless the program calls starttls() (RFC 3207 §4: the
    # client decides; TLS is not required unless policy says so).
    with smtplib.SMTP(host, port, local_hostname=HELO, timeout=30) as s:
        s.ehlo()
        print("server offers STARTTLS:", s.has_extn("starttls"))
        s.sendmail(SENDER, [RCPT], read(msg))


def smtplib_no_quit(host, port, msg):
    # A program that delivers its message and then closes the socket without
    # QUIT (smtplib's close() instead of quit()).
    s = smtplib.SMTP(host, port, local_hostname=HELO, timeout=30)
    s.sendmail(SENDER, [RCPT], read(msg))
    s.close()


def pop_session(p):
    p.user(POP_USER)
    p.pass_(POP_PASS)
    pop_transaction(p)


def pop_transaction(p):
    print("STAT", p.stat())
    print("LIST", p.list()[1])
    for n in (1, 2):
        resp, lines, octets = p.retr(n)
        print("RETR", n, resp, octets)
    p.dele(1)
    p.quit()


def poplib_user(host, port, _msg):
    pop_session(poplib.POP3(host, port, timeout=30))


def poplib_stls(host, port, _msg):
    # The calibration server's certificate is self-signed: no verification.
    # stls() itself asks CAPA whether STLS is offered (RFC 2595 §4).
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    p = poplib.POP3(host, port, timeout=30)
    p.stls(context=ctx)
    pop_session(p)


def poplib_apop(host, port, _msg):
    # APOP (RFC 1939 §7): the password never crosses the wire, only
    # MD5(timestamp + secret) against the greeting's <timestamp>.
    p = poplib.POP3(host, port, timeout=30)
    p.apop(POP_USER, POP_PASS)
    pop_transaction(p)


class Replies:
    """SMTP replies from a socket, one reader (RFC 5321 §4.2.1): a reply ends
    at the line with a space after its code. A line whose code differs from
    the reply's first line starts a new reply instead: postscreen never ends
    its `220-` teaser when the client talked first, and answers the early
    EHLO with `250-` lines."""

    def __init__(self, sock):
        self.f = sock.makefile("rb")
        self.pending = None

    def next(self):
        lines = []
        while True:
            line = self.pending or self.f.readline()
            self.pending = None
            if not line:
                break
            if lines and line[:3] != lines[0][:3]:
                self.pending = line
                break
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                break
        print(b"".join(lines).decode(errors="replace"), end="")
        return lines


def pregreet(host, port, _msg):
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(b"EHLO " + HELO.encode() + b"\r\n")
        replies = Replies(s)
        replies.next()  # the greeting (postscreen: its 220- teaser)
        replies.next()  # the answer to the early EHLO
        for cmd in (b"MAIL FROM:<" + SENDER.encode() + b">",
                    b"RCPT TO:<" + RCPT.encode() + b">", b"QUIT"):
            s.sendall(cmd + b"\r\n")
            replies.next()


CASES = {
    "smtplib-sendmail": smtplib_sendmail,
    "smtplib-bare-lf": smtplib_bare_lf,
    "smtplib-send-message": smtplib_send_message,
    "smtplib-starttls-unused": smtplib_starttls_unused,
    "smtplib-no-quit": smtplib_no_quit,
    "poplib-user": poplib_user,
    "poplib-stls": poplib_stls,
    "poplib-apop": poplib_apop,
    "pregreet": pregreet,
}


def main(argv):
    if len(argv) < 4 or argv[1] not in CASES:
        sys.exit("usage: clients.py {%s} HOST PORT [MESSAGE]" % ",".join(CASES))
    CASES[argv[1]](argv[2], int(argv[3]), argv[4] if len(argv) > 4 else None)


if __name__ == "__main__":
    main(sys.argv)
