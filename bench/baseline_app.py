"""The baseline: a minimal ASGI app that answers every request with the same bytes, no auth.

Run under the same server (uvicorn) as tvdbd, so a ratio against it shows what tvdbd's own
work (token check, queries, encoding) costs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BODY = Path(os.environ["BASELINE_BODY_FILE"]).read_bytes()
HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
