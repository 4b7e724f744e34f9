"""The protocol edge: whatever reaches the socket gets a JSON answer with the right status,
and the connection closes where HTTP requires it (raw sockets against a live server)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.http.rawsocket import closed_after, exchange, json_error, parse
from tests.support import Databases, LiveServer


def _refused(server: LiveServer, data: bytes) -> tuple[int, str]:
    answer, closed = closed_after(server.port, data)
    status, error, headers = json_error(answer)
    assert headers["connection"] == "close"
    assert closed, "the connection stays open after a request that could not be framed"
    return status, error


@pytest.mark.parametrize(
    ("request_bytes", "reason"),
    [
        (b"HELLO\r\n\r\n", "Invalid method"),
        (b"GET /languages HTTP/1.1\r\nHost x\r\n\r\n", "Invalid header token"),
        (b"GET /lang\x00uages HTTP/1.1\r\nHost: x\r\n\r\n", "Invalid char in url"),
        (b"GET /languages HTTP/1.1\r\nAccept-Language: e\x00n\r\n\r\n", "header value char"),
        (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "Content-Length"),
        (
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n",
            "Transfer-Encoding can't be present with Content-Length",
        ),
        (
            b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "chunk size",
        ),
    ],
    ids=[
        "garbage-line",
        "header-without-colon",
        "nul-in-path",
        "nul-in-header-value",
        "content-length-abc",
        "length-and-chunked",
        "bad-chunk-size",
    ],
)
def test_a_malformed_request_is_400_json_and_the_connection_closes(
    demo_server: LiveServer, request_bytes: bytes, reason: str
) -> None:
    status, error = _refused(demo_server, request_bytes)
    assert status == 400
    assert error.startswith("Malformed request") and reason in error


def test_the_http2_preface_is_505_json(demo_server: LiveServer) -> None:
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    assert _refused(demo_server, preface) == (505, "HTTP/2 is not supported; use HTTP/1.1")


def test_a_url_over_the_limit_is_414_json(demo_server: LiveServer) -> None:
    request = b"GET /search/series?name=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert _refused(demo_server, request) == (414, "Request URL too long")


def test_headers_over_the_limit_are_431_json(demo_server: LiveServer) -> None:
    many = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"v" * 100) for n in range(200))
    request = b"GET /languages HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"
    assert _refused(demo_server, request) == (431, "Request headers too large")


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_one_huge_header_is_refused_without_reading_it_whole(demo_server: LiveServer) -> None:
    before = _rss_kib(demo_server.process.pid)
    sent = 0
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", demo_server.port), timeout=5) as sock:
        sock.sendall(b"GET /languages HTTP/1.1\r\nHost: x\r\nX-Huge: ")
        block = b"h" * 65536
        try:
            while sent < 48 * 1024 * 1024 and time.monotonic() - started < 10:
                sock.sendall(block)
                sent += len(block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(2)
        try:
            answer = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            answer = b""
    assert sent < 8 * 1024 * 1024, "the server kept reading the header"
    if answer:  # the answer may be lost to the reset of the unread data in flight
        assert json_error(answer)[:2] == (431, "Request headers too large")
    assert _rss_kib(demo_server.process.pid) - before < 16 * 1024


def test_a_websocket_upgrade_is_not_negotiated_and_gets_json(demo_server: LiveServer) -> None:
    upgrade = (
        b"GET /series/76156 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    answer, closed = closed_after(demo_server.port, upgrade)
    status, error, headers = json_error(answer)
    assert (status, error) == (401, "Not authorized")  # the plain request: it has no token
    assert "upgrade" not in headers and closed
    nowhere = upgrade.replace(b"/series/76156", b"/ws")
    assert json_error(exchange(demo_server.port, nowhere))[:2] == (404, "Resource not found")


def test_a_good_request_on_the_same_server_still_keeps_its_connection(
    demo_server: LiveServer,
) -> None:
    request = b"GET /languages HTTP/1.1\r\nHost: x\r\n\r\n"
    answer, closed = closed_after(demo_server.port, request, limit=1.0)
    assert parse(answer)[0] == 401 and not closed


@pytest.fixture
def small_heads(databases: Databases, tmp_path: Path) -> Iterator[LiveServer]:
    url, engine = databases.new_engine("sqlite")
    engine.dispose()
    server = LiveServer(url, tmp_path / "small", TVDBD_MAX_HEADER_BYTES="2048",
                        TVDBD_MAX_URL_BYTES="1024")  # fmt: skip
    yield server
    server.stop()


def test_the_head_and_url_limits_are_settings(small_heads: LiveServer) -> None:
    header = b"GET /languages HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 3000 + b"\r\n\r\n"
    assert _refused(small_heads, header) == (431, "Request headers too large")
    url = b"GET /languages?x=" + b"u" * 1100 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert _refused(small_heads, url) == (414, "Request URL too long")
    fits = httpx.get(f"{small_heads.base_url}/languages", headers={"X-Small": "s" * 1000})
    assert fits.status_code == 401


def test_a_head_limit_below_1024_fails_at_start_naming_the_setting() -> None:
    from tvdbd.errors import ConfigError
    from tvdbd.settings import Settings

    with pytest.raises(ConfigError, match="'max_header_bytes' has value 100"):
        Settings.from_env({"TVDBD_MAX_HEADER_BYTES": "100"})
    assert Settings.from_env({}).max_header_bytes == 16384


def test_refusals_at_the_edge_leave_no_warning_in_the_log(demo_server: LiveServer) -> None:
    before = demo_server.log_path.read_text()
    for _ in range(5):
        exchange(demo_server.port, b"HELLO\r\n\r\n")
    time.sleep(0.2)
    added = demo_server.log_path.read_text()[len(before) :]
    assert "Invalid HTTP request" not in added and "Traceback" not in added, added
    assert os.path.getsize(demo_server.log_path) - len(before) < 200
