"""create_app(settings): the routes, middleware and the one error handler."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send

from tvdbd.api.conditional import series_last_updated
from tvdbd.api.envelope import api_error_handler, send_api_error, unexpected_error_handler
from tvdbd.api.http_cache import HttpCache
from tvdbd.api.limits import BodyLimits, LoginGuard, RequestRates, too_many
from tvdbd.api.middleware import WireNormalizer
from tvdbd.api.observe import Observer
from tvdbd.api.routes import ROUTES
from tvdbd.auth import TokenIssuer, load_or_create_signing_key
from tvdbd.cache.invalidation import channel_of, listen
from tvdbd.cache.invalidation import configure as configure_invalidation
from tvdbd.cache.marks import marks_for
from tvdbd.cache.responses import ResponseCache, ResponseStore, serve_hit
from tvdbd.db.engine import make_engine
from tvdbd.db.readers import ReadConnections
from tvdbd.edits.routes import ROUTES as EDIT_ROUTES
from tvdbd.errors import ApiError, NotAuthorized
from tvdbd.images.store import ImageStore
from tvdbd.settings import Settings
from tvdbd.sources.readthrough import ReadThrough
from tvdbd.sources.registry import open_source


class TvdbdApp(Starlette):
    """Starlette with stored answers served before its middleware stack (see serve_hit),
    and what must see every request before that: request rates, metrics, the access log."""

    responses: ResponseStore
    rates: RequestRates
    observer: Observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if self.observer.active:
            send = self.observer.wrap(scope, send)
        if self.rates.enabled:
            reset = await self.rates.refusal(scope, self._claims(scope))
            if reset is not None:
                await send_api_error(send, too_many(reset), self.state.cache_max_age)
                return
        if not await serve_hit(self.responses, scope, send):
            await super().__call__(scope, receive, send)

    def _claims(self, scope: Scope) -> dict[str, Any] | None:
        for name, value in scope["headers"]:
            if name == b"authorization":
                try:
                    claims: dict[str, Any] = self.state.tokens.verify(value.decode("latin-1"))
                except NotAuthorized:
                    return None
                return claims
        return None


def create_app(settings: Settings, engine: Engine | None = None) -> TvdbdApp:
    """Build the ASGI app; the database must already be migrated (see `tvdbd serve`)."""
    engine = engine or make_engine(settings.resolved_database_url)
    negotiate = settings.accept_version_negotiation
    responses = ResponseStore(
        marks_for(engine), settings.response_cache_mb * 1024 * 1024, negotiate=negotiate
    )
    images = ImageStore(settings.resolved_image_dir)
    read_through = _read_through(settings, engine, images)

    configure_invalidation(engine, settings.redis_url)
    channel = channel_of(engine)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        listener = stop = None
        if settings.response_cache_mb and channel.crosses_hosts:
            # Other hosts' changes move this host's marks (tvdbd.cache.invalidation).
            stop, ready = asyncio.Event(), asyncio.Event()
            listener = asyncio.create_task(listen(channel, responses.marks, stop=stop, ready=ready))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), 10)
        yield
        if listener is not None and stop is not None:
            stop.set()
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
        if read_through is not None:
            await read_through.aclose()

    routes = [*ROUTES, *EDIT_ROUTES]
    app = TvdbdApp(
        lifespan=lifespan,
        # The JSON edit API (tvdbd.edits) beside the read-only v2 routes.
        routes=routes,
        # HttpCache sits inside WireNormalizer so that it sees the normalized path.
        middleware=[
            Middleware(
                BodyLimits,
                max_bytes=settings.max_body_bytes,
                timeout=settings.request_body_timeout_seconds,
                max_age=settings.cache_max_age,
            ),
            Middleware(WireNormalizer, negotiate=negotiate),
            Middleware(HttpCache, last_modified_for=series_last_updated),
            # Inside HttpCache: cached answers still get 304s and compression.
            Middleware(ResponseCache, store=responses),
        ],
        exception_handlers={
            ApiError: api_error_handler,
            HTTPException: api_error_handler,
            Exception: unexpected_error_handler,
        },
    )
    app.router.redirect_slashes = False
    app.responses = responses
    app.rates = RequestRates(settings)
    app.observer = app.state.observer = Observer(settings, routes)
    app.state.login_guard = LoginGuard(settings)
    app.state.settings = settings
    app.state.engine = engine
    app.state.readers = ReadConnections(engine)
    app.state.tokens = TokenIssuer(
        load_or_create_signing_key(settings.resolved_signing_key_file),
        settings.token_lifetime_seconds,
    )
    app.state.cache_max_age = settings.cache_max_age
    app.state.images = images
    app.state.read_through = read_through
    return app


def _read_through(settings: Settings, engine: Engine, images: ImageStore) -> ReadThrough | None:
    source = settings.resolved_read_through
    if source is None:
        return None
    return ReadThrough(settings, engine, images, lambda: open_source(source, settings))


def app_from_env() -> TvdbdApp:
    """Factory for `uvicorn --factory tvdbd.app:app_from_env` (used by `tvdbd serve`)."""
    return create_app(Settings.from_env())
