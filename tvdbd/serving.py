"""How `tvdbd serve` runs uvicorn: our protocol edge (tvdbd.http.protocol), graceful
shutdown, and the multiprocess folder Prometheus needs with several workers."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import ssl
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from tvdbd.errors import ConfigError, ListenError, TlsError
from tvdbd.http.protocol import DeadlineHttpProtocol

HEAD_TIMEOUT_ENV = "TVDBD_REQUEST_HEAD_TIMEOUT_SECONDS"
_log = logging.getLogger("tvdbd.serving")
TLS_CLOSE_SECONDS = 2.0
# OpenSSL's reasons for refusing a certificate and key, in words.
_SSL_REASONS = {
    "PEM lib": "they are not a PEM certificate and an unencrypted PEM key",
    "KEY_VALUES_MISMATCH": "the key does not belong to the certificate",
}
# Workers are spawned, as uvicorn's are; sockets travel to them pickled.
multiprocessing.allow_connection_pickling()
_spawn = multiprocessing.get_context("spawn")


def prometheus_folder(data_dir: Path) -> str:
    """A fresh folder for prometheus_client's multiprocess mode (values of every worker)."""
    folder = data_dir / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return str(folder)


def uvicorn_options(settings: Any) -> dict[str, Any]:
    return {
        "http": DeadlineHttpProtocol,
        # No WebSocket endpoint: upgrades are answered as plain HTTP (tvdbd.http.protocol).
        "ws": "none",
        # asyncio's own event loop, not uvloop: with handlers running inline (a cache-off
        # search is ~1 ms of CPU) and more connections than the worker keeps up with, uvloop
        # served some connections again and again while others waited: p99 1.4 s where p50
        # was 70 ms (a 30-line app burning 1 ms per request shows the same). asyncio's loop
        # takes them in turn: p99 0.14 s, the same throughput; warm answers 0-15 % slower
        # (docs/performance.md).
        "loop": "asyncio",
        # In-flight requests may finish this long after SIGTERM; new connections are refused.
        "timeout_graceful_shutdown": settings.graceful_shutdown_seconds or None,
    }


# Listeners: `serve --tls` and `serve --drop-in` (HTTPS and plain HTTP at once, each with
# its own TLS context or none, on every worker). uvicorn's own server gives all its sockets
# one `config.ssl`, so the sockets are bound here and ListenersServer starts them itself.


@dataclass(frozen=True)
class Listener:
    """An address the server answers on: plain HTTP, or HTTPS with a certificate and key."""

    host: str
    port: int
    certfile: Path | None = None
    keyfile: Path | None = None

    @property
    def tls(self) -> bool:
        return self.certfile is not None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext | None:
        """The server side TLS context (TLS 1.2 and up, Python's default ciphers), or None."""
        if self.certfile is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(self.certfile, self.keyfile)
        except ssl.SSLError as exc:
            text = f"{exc.reason} {exc}"
            reason = next((why for key, why in _SSL_REASONS.items() if key in text), str(exc))
            raise TlsError(
                f"Cannot serve HTTPS with the certificate {self.certfile} and the key "
                f"{self.keyfile}: {reason}."
            ) from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise TlsError(
                f"Cannot serve HTTPS with the certificate {self.certfile} and the key "
                f"{self.keyfile}: {reason}."
            ) from None
        return context


def listeners_for(
    settings: Any, *, host: str | None, port: int | None, tls: bool, drop_in: bool
) -> list[Listener]:
    """What `tvdbd serve` listens on: one plain or HTTPS listener at --host:--port (8000), or
    with --drop-in HTTPS on https_port (443) and plain HTTP on http_port (80, 0: none)."""
    from tvdbd.tls.authority import TlsFiles

    address = host or settings.listen_address
    files = TlsFiles.in_data_dir(settings.data_dir)
    cert = settings.tls_cert_file or files.server_cert
    key = settings.tls_key_file or files.server_key
    if drop_in:
        if port is not None:
            raise ConfigError(
                "--port does not go with --drop-in: use --https-port and --http-port "
                "(TVDBD_HTTPS_PORT, TVDBD_HTTP_PORT)."
            )
        if settings.https_port == settings.http_port:
            raise ConfigError(
                f"--https-port and --http-port are both {settings.https_port}: HTTPS and plain "
                "HTTP need a port each (--http-port 0 for no plain HTTP)."
            )
        found = [Listener(address, settings.https_port, cert, key)]
        if settings.http_port:
            found.append(Listener(address, settings.http_port))
        return found
    if tls or settings.tls_cert_file is not None:
        return [Listener(address, port or 8000, cert, key)]
    return [Listener(address, port or 8000)]


def bind(listeners: list[Listener]) -> list[socket.socket]:
    """A bound socket for each listener (in this process, so that every worker shares them);
    a ListenError that says why when one cannot be bound."""
    sockets: list[socket.socket] = []
    try:
        for listener in listeners:
            sockets.append(_bind(listener))
    except ListenError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _bind(listener: Listener) -> socket.socket:
    family = socket.AF_INET6 if ":" in listener.host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio's own event loop turns Nagle's algorithm off only on
    # sockets that say they are TCP. Without it, an answer written as head then body waited
    # for the client's delayed ACK: 40 ms per request, 1,400 req/s at 64 connections
    # (uvloop sets TCP_NODELAY whatever the socket says).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((listener.host, listener.port))
    except OSError as exc:
        sock.close()
        raise ListenError(_why_not(listener, exc)) from None
    sock.set_inheritable(True)
    return sock


def _why_not(listener: Listener, exc: OSError) -> str:
    where = f"Cannot listen on {listener.host} port {listener.port}"
    if exc.errno == errno.EADDRINUSE:
        holder = _holder(listener.port)
        return (
            f"{where}: the port is in use by {holder or 'another program'}. Stop it, or "
            "choose another port (--port, or --https-port / --http-port with --drop-in)."
        )
    if exc.errno == errno.EACCES and listener.port < 1024:
        python = os.path.realpath(sys.executable)
        return (
            f"{where}: ports below 1024 need privileges. Run as root, or give Python the "
            f"capability once (sudo setcap cap_net_bind_service=+ep {python}), or listen "
            "on high ports (--https-port 8443 --http-port 8080) and forward 443 and 80 there."
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{where}: {listener.host} is not an address of this machine."
    return f"{where}: {exc.strerror or exc}."


def _holder(port: int) -> str | None:
    """Which process listens on `port`, when the system tells us (root sees every one)."""
    import psutil

    try:
        for conn in psutil.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                if conn.pid is None:
                    return None
                return f"{psutil.Process(conn.pid).name()} (pid {conn.pid})"
    except (psutil.Error, OSError):
        return None
    return None


class ListenersServer(uvicorn.Server):
    """A uvicorn server for several listeners: one app, one lifespan, one graceful shutdown,
    and each socket served with its own listener's TLS context (or none)."""

    def __init__(self, config: uvicorn.Config, listeners: list[Listener], ready: Any = None):
        super().__init__(config)
        self.listeners = listeners
        self.ready = ready  # an Event set once every socket serves (see Workers)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn runs the lifespan and starts no socket of its own (an empty list) ...
        await super().startup(sockets=[])
        self.started = False
        config, loop = self.config, asyncio.get_running_loop()

        def protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )

        # ... then each socket starts with its listener's TLS context.
        for listener, sock in zip(self.listeners, sockets or [], strict=True):
            tls: dict[str, Any] = {}
            if listener.tls:
                # Closing a TLS connection waits for the client's close_notify, 30 s by
                # default: an idle keep-alive client would hold every shutdown that long.
                tls = {"ssl": listener.ssl_context(), "ssl_shutdown_timeout": TLS_CLOSE_SECONDS}
            self.servers.append(
                await loop.create_server(protocol, sock=sock, backlog=config.backlog, **tls)
            )
        self.started = True
        if self.ready is not None:
            self.ready.set()


def serve_listeners(
    listeners: list[Listener], sockets: list[socket.socket], workers: int, **options: Any
) -> int:
    """Run the app on the bound sockets in this process, or in `workers` processes; the exit
    status (non-zero when workers could not start)."""
    config = uvicorn.Config("tvdbd.app:app_from_env", factory=True, **options)
    if workers <= 1:
        ListenersServer(config, listeners).run(sockets)
        return 0
    return Workers(config, listeners, sockets, workers).run()


def _worker(
    config: uvicorn.Config, listeners: list[Listener], sockets: list[socket.socket], ready: Any
) -> None:
    config.configure_logging()
    with contextlib.suppress(KeyboardInterrupt):
        ListenersServer(config, listeners, ready).run(sockets)


class Workers:
    """Worker processes on shared sockets: one that dies is replaced (one that dies before it
    served stops them all: it would only die again); SIGINT or SIGTERM stops them with
    SIGTERM, so each finishes its requests in flight."""

    def __init__(
        self,
        config: uvicorn.Config,
        listeners: list[Listener],
        sockets: list[socket.socket],
        count: int,
    ):
        self.config, self.listeners, self.sockets, self.count = config, listeners, sockets, count
        self.stop = threading.Event()
        self.status = 0

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stop.set())
        try:
            # Each worker slot its own sockets; a replaced worker takes over its slot's.
            slots = per_worker_sockets(self.sockets, self.count)
        except OSError as exc:
            _log.error("Could not bind the workers' sockets: %s", exc)
            return 1
        processes = [self._start(slots[index]) for index in range(self.count)]
        while not self.stop.wait(0.5):
            for index, (process, ready) in enumerate(processes):
                if process.is_alive():
                    continue
                if not ready.is_set():
                    _log.error("Worker %s exited at start (status %s).", process.pid,
                               process.exitcode)  # fmt: skip
                    self.status = 1
                    self.stop.set()
                    break
                _log.warning("Worker %s died (status %s); starting another.", process.pid,
                             process.exitcode)  # fmt: skip
                processes[index] = self._start(slots[index])
        for process, _ in processes:
            if process.is_alive():
                process.terminate()
        for process, _ in processes:
            process.join()
        return self.status

    def _start(self, sockets: list[socket.socket]) -> tuple[Any, Any]:
        ready = _spawn.Event()
        process = _spawn.Process(
            target=_worker,
            args=(self.config, self.listeners, sockets, ready),
            name="tvdbd-worker",
        )
        process.start()
        return process, ready


def per_worker_sockets(sockets: list[socket.socket], count: int) -> list[list[socket.socket]]:
    """For each of ``count`` workers, its own socket on each address of ``sockets``.

    Workers sharing one listening socket do not share its connections: the worker that
    waited last takes most of them (81 % and 0 % of a mixed workload's connections on two
    workers, bench/README.md). With SO_REUSEPORT each worker listens on a socket of its own
    on the same address and the kernel spreads new connections over them by their
    addresses' hash. ``sockets`` were bound plainly first, which refused a port any other
    program (another tvdbd included) holds; each is then replaced by ``count`` sockets on
    its address. Where SO_REUSEPORT is missing every worker shares ``sockets`` as before.
    """
    if count <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        return [sockets] * count
    slots: list[list[socket.socket]] = [[] for _ in range(count)]
    for sock in sockets:
        address = sock.getsockname()
        family = sock.family
        sock.close()
        for slot in slots:
            sibling = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sibling.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sibling.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sibling.bind(address)
            sibling.set_inheritable(True)
            slot.append(sibling)
    return slots
