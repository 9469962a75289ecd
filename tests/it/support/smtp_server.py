#!/usr/bin/env python3
"""A real SMTP server for herald's integration tests (aiosmtpd).

    python3 tests/it/support/smtp_server.py --port 0 --maildir DIR [options]

Binds 127.0.0.1, prints one line "READY <port>" once listening, then serves
until it is killed or its standard input closes. Each accepted message is
stored atomically as DIR/NNNN.eml (the DATA bytes as received, after
dot-unstuffing) and then DIR/NNNN.json (envelope, AUTH user, TLS flag); a
reader that only looks at *.json files never sees a half-written message.
Counters (--fail-first, --drop-during-data) span all connections of one process.

With --deliver ARGV (a JSON list, repeatable), the server plays a list that
delivers to its archive: each accepted message is piped to each command, before
the 250 or, with --deliver-delay SECONDS, that long after it. --deliver-dropped
also delivers a message whose connection --drop-during-data resets: the list got
it, and the answer was lost.

Needs: pip install aiosmtpd
"""
import argparse
import asyncio
import json
import logging
import os
import socket
import ssl
import struct
import sys
import threading
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    sys.stderr.write("smtp_server.py: the Python package aiosmtpd is missing; "
                     "run: pip install aiosmtpd\n")
    sys.exit(3)


class Handler:
    def __init__(self, args):
        self.maildir = args.maildir
        self.fail_left = args.fail_first
        self.fail_code = args.fail_code
        self.reject = args.reject
        self.drops_left = args.drop_during_data
        self.stored = 0
        self.deliveries = [json.loads(argv) for argv in args.deliver]
        self.delay = args.deliver_delay
        self.deliver_dropped = args.deliver_dropped
        self.pending = set()

    async def deliver(self, data):
        for argv in self.deliveries:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await process.communicate(data)
            if process.returncode != 0:
                logging.warning("delivery %s exited %s: %s %s", argv[0], process.returncode,
                                out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    async def deliver_later(self, data):
        await asyncio.sleep(self.delay)
        await self.deliver(data)

    async def handle_DATA(self, server, session, envelope):
        if self.drops_left > 0:
            # The whole message has arrived; vanish without a reply. Linger 0
            # makes the close a TCP reset.
            self.drops_left -= 1
            if self.deliver_dropped:
                await self.deliver(envelope.original_content)
            sock = server.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            server.transport.abort()
            await asyncio.Future()  # cancelled by connection_lost: no reply is sent
        if self.fail_left > 0:
            self.fail_left -= 1
            code = self.fail_code
            return f"{code} {code // 100}.3.0 Temporary failure for testing"
        if self.reject:
            return f"{self.reject} {self.reject // 100}.7.1 Message rejected for testing"
        self.stored += 1
        name = f"{self.stored:04d}"
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "auth_user": session.auth_data.login.decode("utf-8", "replace")
            if session.authenticated and isinstance(session.auth_data, LoginPassword) else None,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        }
        write_atomic(os.path.join(self.maildir, name + ".eml"), envelope.original_content)
        write_atomic(os.path.join(self.maildir, name + ".json"),
                     json.dumps(meta, indent=2).encode("utf-8"))
        if self.deliveries and self.delay > 0:
            task = asyncio.get_running_loop().create_task(
                self.deliver_later(envelope.original_content))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)
        elif self.deliveries:
            await self.deliver(envelope.original_content)
        return f"250 2.0.0 OK queued as {name}"


def write_atomic(path, data):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def tls_context(cert, key):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--maildir", required=True)
    tls = p.add_mutually_exclusive_group()
    tls.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    tls.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--require-tls", action="store_true",
                   help="with --starttls: refuse MAIL (530) before STARTTLS")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require AUTH PLAIN/LOGIN; wrong credentials get 535")
    p.add_argument("--fail-first", type=int, default=0, metavar="N",
                   help="answer the end of the first N DATA commands with --fail-code")
    p.add_argument("--fail-code", type=int, default=451)
    p.add_argument("--reject", type=int, metavar="CODE",
                   help="reject every message at the end of DATA with CODE")
    p.add_argument("--drop-during-data", type=int, default=0, metavar="N",
                   help="for the first N messages, reset the connection at the end of "
                        "DATA without replying")
    p.add_argument("--deliver", action="append", default=[], metavar="JSON_ARGV",
                   help="pipe each accepted message to this command (a JSON list)")
    p.add_argument("--deliver-delay", type=float, default=0.0, metavar="SECONDS",
                   help="deliver this long after the 250 instead of before it")
    p.add_argument("--deliver-dropped", action="store_true",
                   help="also deliver a message whose connection --drop-during-data resets")
    return p.parse_args()


async def serve(args):
    loop = asyncio.get_running_loop()
    handler = Handler(args)
    smtp_kwargs = dict(hostname="localhost", ident="herald test SMTP server",
                       enable_SMTPUTF8=True, auth_require_tls=False, loop=loop)
    if args.starttls:
        smtp_kwargs.update(tls_context=tls_context(*args.starttls),
                           require_starttls=args.require_tls)
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login == user.encode() and auth_data.password == password.encode())
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        smtp_kwargs.update(auth_required=True, authenticator=authenticator)
    else:
        smtp_kwargs.update(auth_exclude_mechanism=["PLAIN", "LOGIN"])  # advertise no AUTH

    implicit = tls_context(*args.implicit_tls) if args.implicit_tls else None
    server = await loop.create_server(lambda: SMTP(handler, **smtp_kwargs),
                                      host="127.0.0.1", port=args.port, ssl=implicit)
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)

    stop = asyncio.Event()

    def wait_for_stdin_eof():
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stdin_eof, daemon=True).start()
    await stop.wait()
    server.close()


def main():
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    # AUTH without TLS is deliberate here (loopback tests); silence the warnings.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").addFilter(
        lambda record: "auth_require_tls == False" not in record.getMessage())
    args = parse_args()
    os.makedirs(args.maildir, exist_ok=True)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
