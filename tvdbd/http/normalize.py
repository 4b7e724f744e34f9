"""ASGI middleware that must run before routing: the path as TVDB clients mean it, and the
shape (3.0.0 or v2.2) a request gets."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from tvdbd.errors import BadRequest
from tvdbd.http.answers import send_api_error
from tvdbd.http.text import request_text_problem
from tvdbd.records.render import V2, V3

_SLASHES = re.compile(r"/{2,}")
# `v2`, `v2.1.1`, `v2.2.0+json`...; not `v20` or `v3.0.0`.
_V2_MEDIA = re.compile(r"application/vnd\.thetvdb\.v2(\.[0-9a-z.-]*)?(\+json)?")


def negotiate_shape(accept: str | None) -> str:
    """`Accept: application/vnd.thetvdb.v2[.x.y]` asks for the v2.2 shapes; anything else 3.0.0.

    Used only with the `accept_version_negotiation` setting on: by default every request gets
    3.0.0, as the real API's last years did (real clients send `...v2.1.1` and read 3.0.0
    fields; see contract Part 1 §2).
    """
    if accept:
        for part in accept.split(","):
            media = part.split(";", 1)[0].strip().lower()
            if _V2_MEDIA.fullmatch(media):
                return V2
    return V3


class WireNormalizer:
    """Refuses NUL and other invalid characters in the path and query (tvdbd.http.text),
    collapses repeated slashes (tvdbAPI requests `/series//{id}`) and picks the shape:
    3.0.0, or with ``negotiate`` (the `accept_version_negotiation` setting) what Accept asks."""

    def __init__(self, app: ASGIApp, negotiate: bool = False, max_age: int = 0):
        self.app = app
        self.negotiate = negotiate
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = request_text_problem(scope.get("raw_path") or b"", scope["query_string"])
            if problem is not None:
                await send_api_error(send, BadRequest(problem), self.max_age)
                return
            path = scope["path"]
            if "//" in path:
                scope = dict(scope)
                scope["path"] = _SLASHES.sub("/", path)
                scope["raw_path"] = scope["path"].encode()
            scope["tvdbd.shape"] = negotiate_shape(_accept(scope)) if self.negotiate else V3
        await self.app(scope, receive, send)


def _accept(scope: Scope) -> str | None:
    """The first Accept header (the response cache reads the same one)."""
    for name, value in scope["headers"]:
        if name == b"accept":
            return str(value.decode("latin-1"))
    return None
