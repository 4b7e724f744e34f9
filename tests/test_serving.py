"""How `tvdbd serve` runs uvicorn (tvdbd.serving): asyncio's event loop, and sockets on which
that loop turns Nagle's algorithm off (docs/performance.md, issue 20)."""

from __future__ import annotations

import asyncio
import socket

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
