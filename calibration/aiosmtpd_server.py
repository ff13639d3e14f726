#!/usr/bin/env python3
"""aiosmtpd, unmodified, as a sink on a fixed address for the calibration corpus.

It is started this way rather than with `python3 -m aiosmtpd` only to fix the
host name in its greeting (the default is the machine's FQDN) so that captures
made on different machines read the same. It accepts every message and keeps
none. It offers no STARTTLS and no AUTH (no TLS context is given).

Usage: aiosmtpd_server.py HOST PORT
"""

import signal
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink


def main(argv):
    host, port = argv[1], int(argv[2])
    controller = Controller(Sink(), hostname=host, port=port,
                            server_hostname="aiosmtpd.calib.test")
    controller.start()
    print("aiosmtpd listening on %s:%d" % (host, port), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main(sys.argv)
