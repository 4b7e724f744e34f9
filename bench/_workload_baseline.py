"""The baseline of bench/workload.py: a minimal ASGI app answering each request with the
bytes tvdbd answered it with (status, headers, body), looked up by the request's
X-Workload-Key header in a dict loaded at start from the file WORKLOAD_ANSWERS names.

Run under the same server (uvicorn) with the same workers as tvdbd, so a ratio against it
shows what tvdbd's own work costs on the same request sequence.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

_KEY = b"x-workload-key"
_MISSING = (404, [(b"content-type", b"application/json"), (b"content-length", b"2")], b"{}")


def _load() -> dict[bytes, tuple[int, list[tuple[bytes, bytes]], bytes]]:
    recorded = pickle.loads(Path(os.environ["WORKLOAD_ANSWERS"]).read_bytes())
    return {
        key.encode(): (status, [*headers, (b"content-length", str(len(body)).encode())], body)
        for key, (status, headers, body) in recorded.items()
    }


ANSWERS = _load()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] in ("POST", "PUT", "DELETE"):  # read the body, as tvdbd does
        message = await receive()
        while message.get("more_body"):
            message = await receive()
    key = next((value for name, value in scope["headers"] if name == _KEY), b"")
    status, headers, body = ANSWERS.get(key, _MISSING)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
