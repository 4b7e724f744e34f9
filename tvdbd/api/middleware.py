"""ASGI middleware that must run before routing."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from tvdbd.api.context import negotiate_shape

_SLASHES = re.compile(r"/{2,}")


class WireNormalizer:
    """Collapses repeated slashes (tvdbAPI requests `/series//{id}`) and picks the shape."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if "//" in path:
                scope = dict(scope)
                scope["path"] = _SLASHES.sub("/", path)
                scope["raw_path"] = scope["path"].encode()
            accept = None
            for name, value in scope["headers"]:
                if name == b"accept":
                    accept = value.decode("latin-1")
                    break
            scope["tvdbd.shape"] = negotiate_shape(accept)
        await self.app(scope, receive, send)
