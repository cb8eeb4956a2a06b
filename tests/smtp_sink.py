#!/usr/bin/env python3
"""A tiny SMTP server for the integration tests: every message it receives is written as
DIR/<n>.eml (written to a temporary name first, then renamed, so readers never see half a file).
A recipient whose address starts with "reject-" is refused as an unknown mailbox.

    python3 tests/smtp_sink.py --port 2525 --dir /tmp/mail

Needs aiosmtpd (pip install aiosmtpd==1.4.6). Stops on SIGTERM/SIGINT.
"""
import argparse
import asyncio
import itertools
import os
import signal

from aiosmtpd.controller import Controller


class DirHandler:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # As Postfix answers an unknown mailbox, quoting the address.
        if address.startswith("reject-"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.counter)
        tmp = os.path.join(self.directory, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode())
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, os.path.join(self.directory, f"{n:06}.eml"))
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    controller = Controller(DirHandler(a.dir), hostname="127.0.0.1", port=a.port)
    controller.start()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
