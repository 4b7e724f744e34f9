"""create_app(settings): the routes, middleware and the one error handler."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send

from tvdbd.api.conditional import series_last_updated
from tvdbd.api.envelope import api_error_handler, unexpected_error_handler
from tvdbd.api.http_cache import HttpCache
from tvdbd.api.middleware import WireNormalizer
from tvdbd.api.routes import ROUTES
from tvdbd.auth import TokenIssuer, load_or_create_signing_key
from tvdbd.cache.marks import marks_for
from tvdbd.cache.responses import ResponseCache, ResponseStore, serve_hit
from tvdbd.db.engine import make_engine
from tvdbd.db.readers import ReadConnections
from tvdbd.errors import ApiError
from tvdbd.images.store import ImageStore
from tvdbd.settings import Settings


class TvdbdApp(Starlette):
    """Starlette with stored answers served before its middleware stack (see serve_hit)."""

    responses: ResponseStore

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        if not await serve_hit(self.responses, scope, send):
            await super().__call__(scope, receive, send)


def create_app(settings: Settings, engine: Engine | None = None) -> TvdbdApp:
    """Build the ASGI app; the database must already be migrated (see `tvdbd serve`)."""
    engine = engine or make_engine(settings.resolved_database_url)
    negotiate = settings.accept_version_negotiation
    responses = ResponseStore(
        marks_for(engine), settings.response_cache_mb * 1024 * 1024, negotiate=negotiate
    )
    app = TvdbdApp(
        routes=ROUTES,
        # HttpCache sits inside WireNormalizer so that it sees the normalized path.
        middleware=[
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
    app.state.settings = settings
    app.state.engine = engine
    app.state.readers = ReadConnections(engine)
    app.state.tokens = TokenIssuer(
        load_or_create_signing_key(settings.resolved_signing_key_file),
        settings.token_lifetime_seconds,
    )
    app.state.cache_max_age = settings.cache_max_age
    app.state.images = ImageStore(settings.resolved_image_dir)
    return app


def app_from_env() -> TvdbdApp:
    """Factory for `uvicorn --factory tvdbd.app:app_from_env` (used by `tvdbd serve`)."""
    return create_app(Settings.from_env())
