"""Answers made at the HTTP layer, before or around the routes: TheTVDB's headers and the
`{"Error": ...}` body as raw ASGI messages (rate and body limits refuse this way)."""

from __future__ import annotations

import orjson
from starlette.types import Send

from tvdbd.errors import ApiError
from tvdbd.http.conditional import strong_etag
from tvdbd.records.render import V3

CONTENT_TYPE = "application/json; charset=utf-8"


def wire_headers(shape: str, max_age: int) -> dict[str, str]:
    return {
        "content-type": CONTENT_TYPE,
        "cache-control": f"private, max-age={max_age}",
        "x-thetvdb-api-version": shape,
        "vary": "Accept-Language",
    }


async def send_api_error(send: Send, exc: ApiError, max_age: int) -> None:
    """The same answer as the handler gives, for refusals made before the app runs (rate
    limits, body limits), as raw ASGI messages."""
    body = orjson.dumps({"Error": exc.message})
    headers = {**wire_headers(V3, max_age), "etag": strong_etag(body), **exc.headers}
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": exc.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
