"""How `tvdbd serve` runs uvicorn (tvdbd.serving): asyncio's event loop, and sockets on which
that loop turns Nagle's algorithm off (docs/performance.md, issue 20)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from pathlib import Path

import psutil

from tests.support import Databases, LiveServer
from tvdbd import serving
from tvdbd.settings import Settings


def test_tvdbd_serve_runs_on_asyncios_own_event_loop() -> None:
    assert serving.uvicorn_options(Settings(read_through="off"))["loop"] == "asyncio"


def test_connections_on_the_sockets_tvdbd_binds_have_nagle_off() -> None:
    """An answer is written as head then body: with Nagle on, the body waited for the
    client's delayed ACK (40 ms a request)."""
    (sock,) = serving.bind([serving.Listener("127.0.0.1", 0)])
    port = sock.getsockname()[1]

    async def accepted_nodelay() -> int:
        loop = asyncio.get_running_loop()
        accepted: asyncio.Future[socket.socket] = loop.create_future()

        class Accepting(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                accepted.set_result(transport.get_extra_info("socket"))

        server = await loop.create_server(Accepting, sock=sock)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            served = await asyncio.wait_for(accepted, 5)
            nodelay = served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            writer.close()
            return nodelay
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(accepted_nodelay())  # asyncio's own loop, as tvdbd serve runs


def test_two_workers_each_take_a_share_of_new_connections(
    databases: Databases, tmp_path: Path
) -> None:
    """With one shared listening socket the worker that waited last took nearly every new
    connection; with a socket of its own each (SO_REUSEPORT) the kernel spreads them."""
    url, _ = databases.new_engine("sqlite")
    server = LiveServer(url, tmp_path / "two", workers=2)
    held: list[socket.socket] = []
    try:
        # The server answers once one worker serves; wait for the other to listen too.
        deadline = time.monotonic() + 60
        while len(_on_port(server, psutil.CONN_LISTEN)) < 2:
            assert time.monotonic() < deadline, "the second worker never listened"
            time.sleep(0.2)
        for _ in range(40):
            conn = socket.create_connection(("127.0.0.1", server.port))
            conn.sendall(b"GET /languages HTTP/1.1\r\nHost: x\r\n\r\n")
            assert conn.recv(65536).startswith(b"HTTP/1.1 ")  # accepted and answered
            held.append(conn)
        served = _on_port(server, psutil.CONN_ESTABLISHED)
        shares = sorted(n for n in served.values() if n)
        assert len(shares) == 2 and sum(shares) == 40, served
        assert shares[0] >= 8, served  # an even split; 40 coin flips give fewer than 8 < 1e-4
    finally:
        for conn in held:
            conn.close()
        server.stop()


def _on_port(server: LiveServer, status: str) -> dict[int, int]:
    """Per worker process holding any, its sockets on the server's port in ``status``."""
    found = {}
    for worker in psutil.Process(server.process.pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            count = sum(1 for c in worker.net_connections("tcp")
                        if c.status == status and c.laddr.port == server.port)  # fmt: skip
            if count:
                found[worker.pid] = count
    return found
