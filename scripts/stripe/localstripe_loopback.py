"""Runs localstripe (PyPI, GPL-3.0-or-later) for datacard's interop tests.

Same application as the `localstripe` command, with three differences that a test
harness needs:

- it binds 127.0.0.1 only (the command binds every interface, `::`);
- it takes `--port 0` and prints `listening on 127.0.0.1:<port>` once it accepts
  connections, so that parallel tests never race for a port;
- it keeps its state in memory only: the command pickles the whole store to a fixed
  `/tmp/localstripe.pickle` after every change, which parallel instances would share.
  The state starts empty, as with `--from-scratch`.

Usage: python localstripe_loopback.py [--port N]
"""

import argparse
import asyncio
import logging
import socket
import sys

from aiohttp import web
from localstripe import resources, server


async def serve(sock):
    # Requests and webhook deliveries, on stderr (localstripe logs both here).
    log = logging.getLogger("aiohttp.access")
    log.setLevel(logging.INFO)
    log.addHandler(logging.StreamHandler())
    runner = web.AppRunner(server.app, access_log=log)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    host, port = sock.getsockname()[:2]
    print(f"listening on {host}:{port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    resources.Store.dump_to_disk = lambda self: None

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    try:
        asyncio.run(serve(sock))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
