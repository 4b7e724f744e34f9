"""Raw-socket exchanges with a live server, each bounded in time."""

from __future__ import annotations

import contextlib
import socket
import time

import orjson


def exchange(port: int, data: bytes, *, wait: float = 0.0, limit: float = 5.0) -> bytes:
    """Send `data`, optionally wait, then read until the server closes (or `limit` passes)."""
    deadline = time.monotonic() + limit
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as sock:
        # The server may answer and close before taking all of it.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        if wait:
            time.sleep(wait)
        chunks = []
        while time.monotonic() < deadline:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def closed_after(port: int, data: bytes, *, limit: float = 5.0) -> tuple[bytes, bool]:
    """The answer to `data` and whether the server closed the connection after it."""
    deadline = time.monotonic() + limit
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as sock:
        sock.sendall(data)
        chunks: list[bytes] = []
        while time.monotonic() < deadline:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return b"".join(chunks), False
            except ConnectionResetError:
                return b"".join(chunks), True
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)
        return b"".join(chunks), False


def parse(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) of one HTTP/1.1 answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def json_error(answer: bytes) -> tuple[int, str, dict[str, str]]:
    """(status, the Error text, headers) of a JSON error answer; fails on anything else."""
    status, headers, body = parse(answer)
    assert headers["content-type"] == "application/json; charset=utf-8", headers
    length = int(headers["content-length"])
    error = orjson.loads(body[:length])
    assert set(error) >= {"Error"}, error
    return status, str(error["Error"]), headers
