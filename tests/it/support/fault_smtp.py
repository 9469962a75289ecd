#!/usr/bin/env python3
"""An SMTP server that misbehaves on purpose, for herald's delivery tests.

    python3 tests/it/support/fault_smtp.py --maildir DIR --mode MODE [--times N] [--delay S]
                                        [--greet-delay S] [--tls CERT KEY] [--limit N]
                                        [--echo-in WHERE]

Binds 127.0.0.1 on a free port, prints one line "READY <port>", then serves until
its standard input closes or it is killed. Plain SMTP, with STARTTLS when --tls is
given and AUTH PLAIN/LOGIN in the echo modes: the faults are what it is for;
tests/it/support/smtp_server.py (aiosmtpd) covers well-behaved serving.

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
  starttls-inject (needs --tls) answer STARTTLS with 220 and, in the same write,
                  forged replies to everything that follows (EHLO, MAIL, RCPT, DATA
                  and a 250 to the data), as someone on the path would; then do the
                  TLS handshake for real, and over TLS refuse the message with 554
  starttls        (needs --tls) offer STARTTLS and behave, over TLS
  echo-auth       offer AUTH PLAIN LOGIN and quote the client's AUTH exchange back
                  in a reply: --echo-in auth (535 to AUTH), mail (550 to MAIL),
                  421 (421 to MAIL, then hang up) or data (250 to the data, stored)
  controls        a greeting with escape sequences, BEL, backspace and a lone CR,
                  and the same in a 554 to the data (stores nothing)
  controls-greeting  greet with a 421 full of such bytes, and hang up
  early-reply     answer DATA with 354 and, at once, a forged 250 before any data
  tls-trickle     (needs --tls) implicit TLS whose handshake the server writes one
                  byte every --delay seconds
  endless-reply   answer EHLO with one continuation line every --delay seconds,
                  never ending the reply (as trickle)
  rcpt-limit      answer 452 to every RCPT past the --limit'th of a transaction
  size-limit      advertise SIZE --limit, and answer 552 to a larger message
  quit-hang       behave, but never answer QUIT; its arrival makes DIR/quit-seen

--tempfail-data N answers 451 to the N-th message data this server receives (in any
mode), storing nothing. Each stored message's envelope recipients go to NNNN.rcpt,
one per line.
"""
import argparse
import asyncio
import os
import socket
import ssl
import struct
import sys
import threading

MODES = ["ok", "reply-late", "drop-after-data", "drop-mid-data", "never-greet",
         "trickle", "tempfail", "reject", "mail-tempfail", "odd-final", "data-250",
         "starttls-inject", "starttls", "echo-auth", "controls", "controls-greeting",
         "early-reply", "endless-reply", "rcpt-limit", "size-limit", "tls-trickle", "quit-hang"]

# What a forger on the path writes after the 220 to STARTTLS: an answer to every
# command the client will send before and with the message.
FORGED = (b"250-forged.example hello\r\n250 8BITMIME\r\n"   # EHLO over "TLS"
          b"250 2.1.0 forged sender ok\r\n"                   # MAIL
          b"250 2.1.5 forged recipient ok\r\n"                # RCPT
          b"354 forged go ahead\r\n"                          # DATA
          b"250 2.0.0 forged: queued\r\n")                    # the data


class Server:
    def __init__(self, args):
        self.args = args
        self.connections = 0
        self.stored = 0
        self.data_seen = 0

    def mode_for_next_connection(self):
        self.connections += 1
        if self.args.times is None or self.connections <= self.args.times:
            return self.args.mode
        return "ok"

    def store(self, data, rcpts=()):
        self.stored += 1
        for suffix, content in (("rcpt", "".join(r + "\n" for r in rcpts).encode()),
                                ("eml", data)):
            name = os.path.join(self.args.maildir, f"{self.stored:04d}.{suffix}")
            tmp = os.path.join(self.args.maildir, f".{self.stored:04d}.{suffix}.tmp")
            with open(tmp, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, name)

    async def handle(self, reader, writer):
        mode = self.mode_for_next_connection()
        try:
            if mode == "tls-trickle":
                await self.trickle_handshake(reader, writer)
                return
            await self.converse(mode, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
            pass
        finally:
            writer.close()

    async def trickle_handshake(self, reader, writer):
        """A real TLS handshake whose every byte from the server comes --delay apart."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.args.tls[0], self.args.tls[1])
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_side=True)
        while True:
            data = await reader.read(65536)
            if not data:
                return
            incoming.write(data)
            try:
                tls.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                done = False
            pending = outgoing.read()
            for i in range(len(pending)):
                writer.write(pending[i:i + 1])
                await writer.drain()
                await asyncio.sleep(self.args.delay)
            if done:
                await reader.read()
                return

    async def converse(self, mode, reader, writer):
        delay = self.args.delay
        encrypted = False
        auth_line = ""
        accepted = []

        async def say(line):
            writer.write(line.encode("latin-1") + b"\r\n")
            await writer.drain()

        if mode == "never-greet":
            await reader.read()  # until the client gives up
            return
        await asyncio.sleep(self.args.greet_delay)
        if mode == "controls-greeting":
            await say("421 localhost \x1b[2J\x1b]0;owned\x07 busy\x08\x08\rOVERWRITTEN")
            return
        if mode == "controls":
            await say("220 localhost \x1b[2J\x1b]0;owned\x07 hello\x08\x08\rOVERWRITTEN")
        else:
            await say("220 localhost fault-injecting SMTP server")
        recipients = 0
        while True:
            line = await reader.readline()
            if not line:
                return
            text = line.decode("latin-1").strip()
            verb = text.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                if mode in ("trickle", "endless-reply"):
                    while True:
                        await say("250-localhost says hello, slowly")
                        await asyncio.sleep(delay)
                await say("250-localhost")
                if self.args.tls and not encrypted and mode.startswith("starttls"):
                    await say("250-STARTTLS")
                if mode == "echo-auth":
                    await say(f"250-AUTH {self.args.mechanisms}")
                if mode == "size-limit":
                    await say(f"250-SIZE {self.args.limit}")
                await say("250-8BITMIME")
                await say("250 SMTPUTF8")
            elif verb == "STARTTLS" and self.args.tls and not encrypted:
                if mode == "starttls-inject":
                    writer.write(b"220 2.0.0 Ready to start TLS\r\n" + FORGED)
                    await writer.drain()
                else:
                    await say("220 2.0.0 Ready to start TLS")
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(self.args.tls[0], self.args.tls[1])
                await writer.start_tls(context)
                encrypted = True
            elif verb == "AUTH" and mode == "echo-auth":
                auth_line = text
                parts = text.split()
                if len(parts) == 2 and parts[1].upper() == "LOGIN":
                    await say("334 VXNlcm5hbWU6")
                    user = (await reader.readline()).decode("latin-1").strip()
                    await say("334 UGFzc3dvcmQ6")
                    password = (await reader.readline()).decode("latin-1").strip()
                    auth_line = f"{text} {user} {password}"
                if self.args.echo_in == "auth":
                    await say(f"535 5.7.8 Authentication failed: {auth_line}")
                elif self.args.echo_in == "auth-split":
                    # The echo broken over continuation lines of 16 characters.
                    pieces = [auth_line[i:i + 16] for i in range(0, len(auth_line), 16)]
                    for piece in pieces[:-1]:
                        await say(f"535-5.7.8 {piece}")
                    await say(f"535 5.7.8 {pieces[-1]}")
                else:
                    await say("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                recipients = 0
                accepted = []
                if mode == "mail-tempfail":
                    await say("451 4.3.0 Try again later")
                elif mode == "echo-auth" and self.args.echo_in == "mail":
                    await say(f"550 5.7.1 Not allowed for {auth_line}")
                elif mode == "echo-auth" and self.args.echo_in == "421":
                    await say(f"421 4.7.0 Closing, you said {auth_line}")
                    return
                else:
                    await say("250 2.1.0 OK")
            elif verb == "RCPT":
                recipients += 1
                if mode == "rcpt-limit" and recipients > self.args.limit:
                    await say("452 4.5.3 Too many recipients")
                else:
                    accepted.append(text.split(":", 1)[-1].strip().strip("<>"))
                    await say("250 2.1.5 OK")
            elif verb == "DATA":
                if mode == "data-250":
                    await say("250 2.0.0 OK")
                    continue
                await say("354 End data with <CR><LF>.<CR><LF>")
                if mode == "early-reply":
                    await say("250 2.0.0 forged early answer")
                data = await self.read_data(mode, reader, writer)
                if data is None:
                    return
                self.data_seen += 1
                if self.data_seen == self.args.tempfail_data:
                    await say("451 4.3.0 Temporary failure of this one")
                    continue
                if mode == "odd-final":
                    await say("221 2.0.0 Bye")
                    continue
                if mode in ("tempfail", "reject", "starttls-inject", "controls"):
                    code = {
                        "tempfail": "451 4.3.0 Temporary failure",
                        "reject": "554 5.7.1 Rejected for testing",
                        "starttls-inject": "554 5.7.1 Refused by the genuine server",
                        "controls": "554 5.7.1 no \x1b[31mway\x1b[0m\x07\x08\rREWRITTEN",
                    }[mode]
                    await say(code)
                    continue
                if mode == "size-limit" and len(data) > self.args.limit:
                    await say("552 5.3.4 Message too big for system")
                    continue
                self.store(data, accepted)
                if mode == "drop-after-data":
                    reset(writer)
                    return
                if mode == "reply-late":
                    await asyncio.sleep(delay)
                if mode == "echo-auth" and self.args.echo_in == "data":
                    await say(f"250 2.0.0 OK queued for {auth_line}")
                else:
                    await say(f"250 2.0.0 OK queued as {self.stored:04d}")
            elif verb == "RSET" or verb == "NOOP":
                recipients = 0
                await say("250 2.0.0 OK")
            elif verb == "QUIT":
                if mode == "quit-hang":
                    open(os.path.join(self.args.maildir, "quit-seen"), "w").close()
                    await asyncio.sleep(3600)
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
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), default=None,
                   help="certificate and key for STARTTLS (starttls modes)")
    p.add_argument("--limit", type=int, default=2,
                   help="recipients per transaction (rcpt-limit), bytes (size-limit)")
    p.add_argument("--echo-in", choices=["auth", "auth-split", "mail", "421", "data"],
                   default="auth",
                   help="where echo-auth quotes the client's AUTH exchange")
    p.add_argument("--mechanisms", default="PLAIN LOGIN",
                   help="the AUTH mechanisms echo-auth offers")
    p.add_argument("--tempfail-data", type=int, default=0,
                   help="answer 451 to the N-th message data (0: never)")
    args = p.parse_args()
    os.makedirs(args.maildir, exist_ok=True)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
