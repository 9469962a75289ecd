#!/usr/bin/env python3
"""An SMTP server that misbehaves on purpose, for herald's delivery tests.

    python3 tests/support/fault_smtp.py --maildir DIR --mode MODE [--times N] [--delay S]
                                        [--greet-delay S]

Binds 127.0.0.1 on a free port, prints one line "READY <port>", then serves until
its standard input closes or it is killed. Plain SMTP only (no TLS, no AUTH): the
faults are what it is for; tests/support/smtp_server.py (aiosmtpd) covers the rest.

A message the server *has* (what would reach the list) is stored atomically as
DIR/NNNN.eml the moment its end-of-data marker arrives, whatever the server then
answers, so a test counts copies by counting *.eml files.

--greet-delay waits that many seconds before every greeting, whatever the mode.

Modes, applied to the first N connections (--times, default: all of them); after
those the server behaves:
  ok              answer everything at once
  reply-late      store the message, wait --delay seconds, then answer 250
  drop-after-data store the message, then reset the connection without answering
  drop-mid-data   reset the connection halfway through the message data; store nothing
  never-greet     accept the connection and never say a word
  trickle         answer EHLO with one continuation line every --delay seconds, forever
  tempfail        answer the end of the data with 451 (stores nothing)
  reject          answer the end of the data with 554 (stores nothing)
  mail-tempfail   answer MAIL FROM with 451
  odd-final       answer the end of the data with 221, a reply that neither accepts
                  nor refuses (stores nothing)
  data-250        answer DATA with 250 instead of 354
"""
import argparse
import asyncio
import os
import socket
import struct
import sys
import threading

MODES = ["ok", "reply-late", "drop-after-data", "drop-mid-data", "never-greet",
         "trickle", "tempfail", "reject", "mail-tempfail", "odd-final", "data-250"]


class Server:
    def __init__(self, args):
        self.args = args
        self.connections = 0
        self.stored = 0

    def mode_for_next_connection(self):
        self.connections += 1
        if self.args.times is None or self.connections <= self.args.times:
            return self.args.mode
        return "ok"

    def store(self, data):
        self.stored += 1
        name = os.path.join(self.args.maildir, f"{self.stored:04d}.eml")
        tmp = os.path.join(self.args.maildir, f".{self.stored:04d}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, name)

    async def handle(self, reader, writer):
        mode = self.mode_for_next_connection()
        try:
            await self.converse(mode, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def converse(self, mode, reader, writer):
        delay = self.args.delay

        async def say(line):
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        if mode == "never-greet":
            await reader.read()  # until the client gives up
            return
        await asyncio.sleep(self.args.greet_delay)
        await say("220 localhost fault-injecting SMTP server")
        while True:
            line = await reader.readline()
            if not line:
                return
            verb = line.decode("latin-1").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                if mode == "trickle":
                    while True:
                        await say("250-localhost says hello, slowly")
                        await asyncio.sleep(delay)
                await say("250-localhost")
                await say("250-8BITMIME")
                await say("250 SMTPUTF8")
            elif verb == "MAIL":
                if mode == "mail-tempfail":
                    await say("451 4.3.0 Try again later")
                else:
                    await say("250 2.1.0 OK")
            elif verb == "RCPT":
                await say("250 2.1.5 OK")
            elif verb == "DATA":
                if mode == "data-250":
                    await say("250 2.0.0 OK")
                    continue
                await say("354 End data with <CR><LF>.<CR><LF>")
                data = await self.read_data(mode, reader, writer)
                if data is None:
                    return
                if mode == "odd-final":
                    await say("221 2.0.0 Bye")
                    continue
                if mode in ("tempfail", "reject"):
                    code = "451 4.3.0 Temporary failure" if mode == "tempfail" \
                        else "554 5.7.1 Rejected for testing"
                    await say(code)
                    continue
                self.store(data)
                if mode == "drop-after-data":
                    reset(writer)
                    return
                if mode == "reply-late":
                    await asyncio.sleep(delay)
                await say(f"250 2.0.0 OK queued as {self.stored:04d}")
            elif verb == "RSET" or verb == "NOOP":
                await say("250 2.0.0 OK")
            elif verb == "QUIT":
                await say("221 2.0.0 Bye")
                return
            else:
                await say("502 5.5.2 Command not recognised")

    async def read_data(self, mode, reader, writer):
        lines = []
        while True:
            line = await reader.readline()
            if not line:
                return None
            if line == b".\r\n":
                return b"".join(lines)
            if line.startswith(b"."):
                line = line[1:]
            lines.append(line)
            if mode == "drop-mid-data" and len(lines) == 10:
                reset(writer)
                return None


def reset(writer):
    """Closes the connection with a TCP reset: no goodbye, no answer."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def serve(args):
    server = Server(args)
    listener = await asyncio.start_server(server.handle, host="127.0.0.1", port=args.port)
    print(f"READY {listener.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def wait_for_stdin_eof():
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stdin_eof, daemon=True).start()
    await stop.wait()
    listener.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--maildir", required=True)
    p.add_argument("--mode", choices=MODES, default="ok")
    p.add_argument("--times", type=int, default=None,
                   help="misbehave on the first N connections only (default: all)")
    p.add_argument("--delay", type=float, default=1.0,
                   help="seconds, for reply-late and trickle")
    p.add_argument("--greet-delay", type=float, default=0.0,
                   help="seconds before every greeting")
    args = p.parse_args()
    os.makedirs(args.maildir, exist_ok=True)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
