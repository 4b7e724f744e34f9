"""One deadline for a whole request body, client disconnects as one debug line, and an
access log that never holds a secret-looking query parameter."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.http.rawsocket import closed_after, json_error
from tests.support import Databases, LiveServer


@pytest.fixture(scope="module")
def strict(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url, engine = databases.new_engine("sqlite")
    engine.dispose()
    server = LiveServer(url, tmp_path_factory.mktemp("strict"),
                        TVDBD_REQUEST_BODY_TIMEOUT_SECONDS="2", TVDBD_ACCESS_LOG="on")  # fmt: skip
    yield server
    server.stop()


def test_a_body_trickled_byte_by_byte_gets_408_at_the_deadline_for_the_whole_body(
    strict: LiveServer,
) -> None:
    body = b'{"apikey": "abcdefghijklmnop"}'  # 31 bytes
    head = (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))  # fmt: skip
    started = time.monotonic()
    answer = b""
    with socket.create_connection(("127.0.0.1", strict.port), timeout=10) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        for byte in body:  # a byte every 0.4 s: each arrives well within any per-chunk wait
            try:
                sock.sendall(bytes([byte]))
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.4)
            try:
                answer += sock.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                break
            if answer:
                break
    elapsed = time.monotonic() - started
    status, error, headers = json_error(answer)
    assert (status, error) == (408, "Request timeout")
    assert headers["connection"] == "close"
    assert 1.9 < elapsed < 4, elapsed  # the 2 s deadline, not 31 x 0.4 s


def test_a_client_that_announces_a_body_and_leaves_is_one_debug_line(strict: LiveServer) -> None:
    before = strict.log_path.stat().st_size
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", strict.port), timeout=5) as sock:
            sock.sendall(b'POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"a')
            time.sleep(0.1)
    time.sleep(0.5)
    with strict.log_path.open("rb") as log:
        log.seek(before)
        added = log.read().decode()
    assert "Traceback" not in added and "ClientDisconnect" not in added, added
    # The access log's line per request is all there is (debug lines are not on at warning).
    assert len([line for line in added.splitlines() if not line.startswith("{")]) == 0, added


@pytest.mark.parametrize(
    "name",
    ["apikey", "api_key", "APIKEY", "userkey", "user_key", "userKey", "token", "access_token",
     "refresh_token", "client_secret", "pin", "PIN", "password", "new_password", "key"],
)  # fmt: skip
def test_the_access_log_masks_every_parameter_named_like_a_secret(
    strict: LiveServer, name: str
) -> None:
    httpx.get(f"{strict.base_url}/languages", params={name: "HUSH-1234", "name": "scrubs"})
    time.sleep(0.3)
    log = strict.log_path.read_text()
    assert "HUSH-1234" not in log
    line = [json.loads(x) for x in log.splitlines() if x.startswith("{")][-1]
    assert line["query"] == f"{name}=%2A%2A%2A&name=scrubs"


def test_a_refused_body_closes_the_connection_and_the_server_goes_on(strict: LiveServer) -> None:
    head = b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n"
    answer, closed = closed_after(strict.port, head)
    assert closed
    status, error, headers = json_error(answer)
    assert (status, error, headers["connection"]) == (413, "Request body too large", "close")
    assert httpx.get(f"{strict.base_url}/health").status_code == 200
