"""ASGI middleware that must run before routing."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from tvdbd.api.context import negotiate_shape
from tvdbd.records.render import V3

_SLASHES = re.compile(r"/{2,}")


class WireNormalizer:
    """Collapses repeated slashes (tvdbAPI requests `/series//{id}`) and picks the shape:
    3.0.0, or with ``negotiate`` (the `accept_version_negotiation` setting) what Accept asks."""

    def __init__(self, app: ASGIApp, negotiate: bool = False):
        self.app = app
        self.negotiate = negotiate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
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
