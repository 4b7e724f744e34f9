"""Every route of the legacy XML API, in the order of the contract's route table (§2),
mounted under `/api` beside v2 (no v1 path collides with a v2 path), plus the vignette
artwork path under `/banners`.

GET (and so HEAD) only: anything else is 405 with `Allow: GET, HEAD` (decided, §1).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from tvdbd.api import banners
from tvdbd.cache.marks import marks_for
from tvdbd.db.readers import ReadConnections
from tvdbd.settings import Settings
from tvdbd.v1 import handlers, users
from tvdbd.v1.answers import Answers
from tvdbd.v1.errors import V1Error, error_response, page

log = logging.getLogger("tvdbd")
Handler = Callable[[Request], Response]


def _inline(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Catalogue reads run on the event loop, as v2's do (tvdbd.api.routes._inline); an
    unexpected error is v1's 500 page, never a traceback or JSON."""

    async def endpoint(request: Request) -> Response:
        try:
            return handler(request)
        except (V1Error, HTTPException):
            raise
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            return page(500)

    return endpoint


def _threaded(handler: Handler) -> Handler:
    """User routes write: a plain handler, run in the thread pool (like v2's /user)."""

    def endpoint(request: Request) -> Response:
        try:
            return handler(request)
        except (V1Error, HTTPException):
            raise
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            return page(500)

    return endpoint


def _get(path: str, handler: Handler, *, threaded: bool = False) -> Route:
    endpoint = _threaded(handler) if threaded else _inline(handler)
    return Route(path, endpoint, methods=["GET"])


_SERIES = "/{key}/series/{id}"
ROUTES: list[BaseRoute] = [
    # mirrors, languages (languages also without .xml: Omertron's client)
    _get("/{key}/mirrors.xml", handlers.mirrors),
    _get("/{key}/languages.xml", handlers.languages),
    _get("/{key}/languages", handlers.languages),
    # server_time and updates_php, updates_static
    _get("/Updates.php", handlers.updates_php),
    _get("/{key}/updates/{file}", handlers.updates_static),
    # getseries, remoteid, airdate (no key, no key, apikey=)
    _get("/GetSeries.php", handlers.get_series),
    _get("/GetSeriesByRemoteID.php", handlers.get_series_by_remote_id),
    _get("/GetEpisodeByAirDate.php", handlers.airdate),
    # series_base (language-less forms = en), banners, actors
    _get(_SERIES, handlers.series_file),
    _get(_SERIES + "/", handlers.series_file),
    # series_all and series_all_zip; `…/all` and `…/all/` = en.xml
    _get(_SERIES + "/all", handlers.series_all),
    _get(_SERIES + "/all/", handlers.series_all),
    _get(_SERIES + "/all/{file}", handlers.series_all),
    # node-tvdb 2's getSeriesAllById asks /api/api/... (decided: served, nothing needs the 404)
    _get("/api" + _SERIES + "/all/{file}", handlers.series_all),
    _get(_SERIES + "/{file}", handlers.series_file),
    # ep_default, ep_dvd, ep_absolute, episode
    _get(_SERIES + "/default/{season}/{episode}/{file}", handlers.episode_in_aired_order),
    _get(_SERIES + "/dvd/{season}/{episode}/{file}", handlers.episode_in_dvd_order),
    _get(_SERIES + "/absolute/{number}/{file}", handlers.episode_in_absolute_order),
    _get("/{key}/episodes/{id}", handlers.episode),
    _get("/{key}/episodes/{id}/{file}", handlers.episode),
    # user_favorites, user_rating, user_ratings, user_language
    _get("/User_Favorites.php", users.favorites, threaded=True),
    _get("/User_Rating.php", users.rating, threaded=True),
    _get("/GetRatingsForUser.php", users.ratings_for_user, threaded=True),
    _get("/User_PreferredLanguage.php", users.preferred_language, threaded=True),
]


async def vignette(request: Request) -> Response:
    """decided (§2): `fanart/vignette/…` serves the original fanart — the catalogue holds
    no vignettes. Answered like any other `/banners/` path (v2's errors there)."""
    request.scope["path_params"] = {"path": "fanart/original/" + request.path_params["path"]}
    return await banners.get_banner(request)


def mount(settings: Settings, engine: Engine) -> list[BaseRoute]:
    """The routes to put in front of v2's: `/api/...` (its own small application, so that
    its errors are v1's, rendered in tvdbd.v1.errors) and the vignette path. Answers are
    kept within `response_cache_mb`, the same budget as v2's, once more for v1."""
    state = handlers.V1State(
        settings=settings,
        engine=engine,
        readers=ReadConnections(engine),
        answers=Answers(marks_for(engine), settings.response_cache_mb * 1024 * 1024),
    )
    api = Starlette(
        routes=ROUTES,
        exception_handlers={V1Error: error_response, HTTPException: error_response},
    )
    api.router.redirect_slashes = False
    api.state.v1 = state
    mount = Mount("/api", app=api)
    # XML, not the JSON API the OpenAPI document describes (tvdbd.web.openapi skips them).
    mount.include_in_schema = False  # type: ignore[attr-defined]
    vignettes = Route(
        "/banners/fanart/vignette/{path:path}", vignette, methods=["GET"], include_in_schema=False
    )
    return [mount, vignettes]
