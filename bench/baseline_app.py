"""The baseline: a minimal ASGI app answering with fixed bytes per path, no auth.

Run under the same server (uvicorn) as tvdbd, so a ratio against it shows what tvdbd's own
work (token check, queries, encoding) costs. BASELINE_BODY_DIR holds one file per route;
`GET /<name>` answers with the bytes of `<name>` (the same URLs nginx serves as files).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BODIES = {
    f"/{path.name}": (
        path.read_bytes(),
        [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(path.stat().st_size).encode()),
        ],
    )
    for path in Path(os.environ["BASELINE_BODY_DIR"]).iterdir()
}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body, headers = BODIES.get(scope["path"], (b"", [(b"content-length", b"0")]))
    status = 200 if body else 404
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
