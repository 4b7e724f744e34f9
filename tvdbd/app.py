"""create_app(settings): the routes, middleware and the one error handler."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from tvdbd.api.envelope import (
    ERROR_ANSWERED,
    api_error_handler,
    client_gone_handler,
    database_error_handler,
    unexpected_error_handler,
)
from tvdbd.api.routes import ROUTES
from tvdbd.auth import LiveKeys, TokenIssuer, load_or_create_signing_key
from tvdbd.cache.invalidation import channel_of, listen, unsynced_check
from tvdbd.cache.invalidation import configure as configure_invalidation
from tvdbd.cache.marks import KEYS_SLOT, ChangeMarks, marks_for
from tvdbd.cache.responses import ResponseCache, ResponseStore, serve_hit
from tvdbd.db import apikeys
from tvdbd.db.engine import make_engine
from tvdbd.db.readers import ReadConnections
from tvdbd.edits.routes import ROUTES as EDIT_ROUTES
from tvdbd.errors import ApiError, NotAuthorized
from tvdbd.http.answers import send_api_error
from tvdbd.http.compression import CompressedBodies
from tvdbd.http.conditional import series_last_updated
from tvdbd.http.http_cache import HttpCache
from tvdbd.http.limits import BodyLimits, RequestRates, too_many
from tvdbd.http.login_guard import LoginGuard
from tvdbd.http.normalize import WireNormalizer
from tvdbd.http.observe import Observer
from tvdbd.images.store import ImageStore
from tvdbd.outages import Outage
from tvdbd.pages import create_pages, is_page_path
from tvdbd.settings import Settings
from tvdbd.sources.readthrough import ReadThrough
from tvdbd.sources.registry import open_source
from tvdbd.tuning import tune_worker
from tvdbd.v1.routes import mount as mount_v1


class TvdbdApp(Starlette):
    """Starlette with stored answers served before its middleware stack (see serve_hit),
    and what must see every request before that: request rates, metrics, the access log."""

    responses: ResponseStore
    rates: RequestRates
    observer: Observer
    pages: ASGIApp | None = None  # the pages for people under /pages (tvdbd.pages)
    hit_http_cache: HttpCache | None = None  # compression and 304s for the early hits

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
        if self.pages is not None and is_page_path(scope["path"]):
            await self.pages(scope, receive, send)  # HTML with its own errors, not the API's
        elif not await serve_hit(self.responses, scope, send, self.hit_http_cache):
            try:
                await super().__call__(scope, receive, send)
            except Exception:
                if not scope.get(ERROR_ANSWERED):
                    raise
                # Answered (500 or 503) and logged once by the handler: no second traceback.

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
    unsynced = unsynced_check(channel)
    registered = settings.api_key_policy == "registered"

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        listener = stop = None
        if (settings.response_cache_mb or registered) and channel.crosses_hosts:
            # Other hosts' changes (and revokes) move this host's marks
            # (tvdbd.cache.invalidation).
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
    # One store of compressed bodies for the middleware and for the hits served before it.
    bodies = CompressedBodies()
    app = TvdbdApp(
        lifespan=lifespan,
        # The legacy XML API (v1) under /api/, before v2's routes (tvdbd.v1); the JSON edit
        # API (tvdbd.edits) beside the read-only v2 routes.
        routes=[*mount_v1(settings, engine), *routes],
        # HttpCache sits inside WireNormalizer so that it sees the normalized path.
        middleware=[
            Middleware(
                BodyLimits,
                max_bytes=settings.max_body_bytes,
                timeout=settings.request_body_timeout_seconds,
                max_age=settings.cache_max_age,
            ),
            Middleware(WireNormalizer, negotiate=negotiate, max_age=settings.cache_max_age),
            Middleware(HttpCache, last_modified_for=series_last_updated, bodies=bodies),
            # Inside HttpCache: cached answers still get 304s and compression.
            Middleware(ResponseCache, store=responses),
        ],
        exception_handlers={
            ApiError: api_error_handler,
            HTTPException: api_error_handler,
            ClientDisconnect: client_gone_handler,
            SQLAlchemyError: database_error_handler,
            Exception: unexpected_error_handler,
        },
    )
    app.router.redirect_slashes = False
    app.responses = responses
    app.hit_http_cache = HttpCache(app.router, last_modified_for=series_last_updated, bodies=bodies)
    app.rates = RequestRates(settings)
    app.observer = app.state.observer = Observer(settings, routes)
    app.state.login_guard = LoginGuard(settings, channel.name)
    app.state.settings = settings
    app.state.engine = engine
    app.state.database_outage = outage = _database_outage(engine)
    # Short lifetimes while other hosts' changes may be missed, unless the database is down
    # from here too (then stored answers are all there is, and nobody can write).
    responses.unsynced = lambda: unsynced() and not outage.down
    app.state.readers = ReadConnections(engine)
    app.state.tokens = TokenIssuer(
        load_or_create_signing_key(settings.resolved_signing_key_file),
        settings.token_lifetime_seconds,
        admits=_live_keys(engine, responses.marks, unsynced) if registered else None,
    )
    app.state.cache_max_age = settings.cache_max_age
    app.state.images = images
    app.state.read_through = read_through
    app.pages = create_pages(app)
    return app


def _database_outage(engine: Engine) -> Outage:
    """Logged once when requests find the database down; once when a connection is made
    again (the event fires for every connection checked out: a flag test when all is well)."""
    outage = Outage("database", "answers are 503 with Retry-After, stored answers still served")
    event.listen(engine, "engine_connect", lambda _conn: outage.answered())
    return outage


def _live_keys(engine: Engine, marks: ChangeMarks, unsynced: Callable[[], bool]) -> LiveKeys:
    def load() -> set[int]:
        with engine.connect() as conn:
            return apikeys.active_ids(conn)

    return LiveKeys(load, lambda: marks.read(KEYS_SLOT), unsynced)


def _read_through(settings: Settings, engine: Engine, images: ImageStore) -> ReadThrough | None:
    source = settings.resolved_read_through
    if source is None:
        return None
    return ReadThrough(settings, engine, images, lambda: open_source(source, settings))


def app_from_env() -> TvdbdApp:
    """Factory for `uvicorn --factory tvdbd.app:app_from_env` (used by `tvdbd serve`): the
    app of one serving worker, its garbage collector tuned once built (tvdbd.tuning)."""
    app = create_app(Settings.from_env())
    tune_worker()
    return app
