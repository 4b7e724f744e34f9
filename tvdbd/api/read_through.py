"""Route wrappers that let a missing series be fetched from a live source (see
tvdbd.sources.readthrough) before the client is told it is not there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tvdbd.db.catalogue import parse_id
from tvdbd.errors import IdNotFound, NotFound
from tvdbd.records.series import SEARCH_PARAMS

Handler = Callable[[Request], Response]
Endpoint = Callable[[Request], Awaitable[Response]]
# What to ask the read-through for a request, or None when there is nothing to ask.
Question = Callable[[Any, Request], Awaitable[bool] | None]
# Tells the response cache not to keep this answer: a 404 after a read-through that found
# nothing (yet) must not outlive the read-through's own memory of the miss.
NO_STORE = "tvdbd.no_store"


def _reading_through(handler: Handler, missing: type[Exception], question: Question) -> Endpoint:
    """Run the handler; when it says `missing` and the read-through finds the series, run it
    again. Handlers authenticate first, so no unauthenticated request reaches a source."""

    async def endpoint(request: Request) -> Response:
        try:
            return handler(request)
        except missing:
            read_through = request.app.state.read_through
            asked = question(read_through, request) if read_through is not None else None
            if asked is None:
                raise
            if not await asked:
                request.scope[NO_STORE] = True
                raise
        return handler(request)

    return endpoint


def _series(read_through: Any, request: Request) -> Awaitable[bool] | None:
    series_id = parse_id(request.path_params["id"])
    return None if series_id is None else read_through.ensure_series(series_id)


def _episode(read_through: Any, request: Request) -> Awaitable[bool] | None:
    episode_id = parse_id(request.path_params["id"])
    return None if episode_id is None else read_through.ensure_episode(episode_id)


def _search(read_through: Any, request: Request) -> Awaitable[bool] | None:
    params = {
        key: value.strip()
        for key, value in request.query_params.items()
        if key in SEARCH_PARAMS and value.strip()
    }
    return read_through.ensure_search(params) if params else None


def series_route(handler: Handler) -> Endpoint:
    """/series/{id}...: an unknown series id is fetched, then the handler runs again."""
    return _reading_through(handler, IdNotFound, _series)


def episode_route(handler: Handler) -> Endpoint:
    """/episodes/{id}: the series of an unknown episode is fetched first."""
    return _reading_through(handler, IdNotFound, _episode)


def search_route(handler: Handler) -> Endpoint:
    """/search/series: a search with no stored hit asks the source and searches again."""
    return _reading_through(handler, NotFound, _search)
