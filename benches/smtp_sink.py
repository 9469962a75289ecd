#!/usr/bin/env python3
"""A loopback SMTP sink for bench/run: accepts every message and discards it.

Usage: smtp_sink.py PORT_FILE
Listens on 127.0.0.1 on a free port, writes the port to PORT_FILE once it is
listening, and serves until killed.
"""
import asyncio
import sys

from aiosmtpd.smtp import SMTP


class Discard:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: discarded"


async def main(port_file):
    loop = asyncio.get_running_loop()
    # A fixed hostname: the default looks up the FQDN for every connection.
    server = await loop.create_server(
        lambda: SMTP(Discard(), hostname="localhost", ident="herald-bench-sink"),
        host="127.0.0.1",
        port=0,
    )
    port = server.sockets[0].getsockname()[1]
    with open(port_file, "w") as f:
        f.write(f"{port}\n")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
