"""Every route of TheTVDB API v2 (and v3's two movie routes), in the order of its
documentation (contract §2)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tvdbd.api import (
    auth_routes,
    banners,
    episodes_routes,
    misc_routes,
    movie_routes,
    ops_routes,
    search_routes,
    series_routes,
    user_routes,
)
from tvdbd.api.read_through import episode_route, search_route, series_route
from tvdbd.web import docs


def _inline(handler: Callable[[Request], Response]) -> Callable[[Request], Awaitable[Response]]:
    """Run a handler on the event loop instead of Starlette's thread pool.

    Handlers are CPU-bound Python (bounded index lookups, then encoding) held to one core by
    the GIL anyway; handing each request to a thread cost more than the work itself
    (measured with bench/serve_bench.py: 2 to 2.5 times the requests per second inline).
    Scale out with worker processes.
    """

    async def endpoint(request: Request) -> Response:
        return handler(request)

    return endpoint


def literal_paths_win(routes: Sequence[BaseRoute]) -> None:
    """Make a path without parameters belong to its own route alone.

    Starlette prefers any route whose path *and* method match over one whose path alone
    does, so `DELETE /user/ratings/query/params` went to `DELETE
    /user/ratings/{itemType}/{itemId}` (itemType `query`) and answered 400 instead of 405.
    Each route with parameters is told not to match the literal paths of the table, so a
    wrong method on a literal path is 405 with its route's `Allow`, like everywhere else.
    """
    literal = [r.path for r in routes if isinstance(r, Route) and not r.param_convertors]
    for route in routes:
        if not isinstance(route, Route) or not route.param_convertors:
            continue
        taken = [path for path in literal if route.path_regex.match(path)]
        if taken:
            others = "|".join(re.escape(path) for path in taken)
            pattern = route.path_regex.pattern.removeprefix("^")
            route.path_regex = re.compile(f"^(?!(?:{others})$){pattern}")


# Catalogue routes run inline like the rest; those naming a series, an episode or a search
# also read through to a live source when one is configured (tvdbd.api.read_through).
ROUTES = [
    # Authentication
    Route("/login", auth_routes.login, methods=["POST"]),
    Route("/refresh_token", _inline(auth_routes.refresh_token), methods=["GET"]),
    # Episodes
    Route("/episodes/{id}", episode_route(episodes_routes.get_episode), methods=["GET"]),
    # Languages
    Route("/languages", _inline(misc_routes.list_languages), methods=["GET"]),
    Route("/languages/{id}", _inline(misc_routes.get_language), methods=["GET"]),
    # Search
    Route("/search/series", search_route(search_routes.search_series), methods=["GET"]),
    Route("/search/series/params", _inline(search_routes.search_series_params), methods=["GET"]),
    # Series (GET also answers HEAD)
    Route("/series/{id}", series_route(series_routes.get_series), methods=["GET"]),
    Route("/series/{id}/actors", series_route(series_routes.series_actors), methods=["GET"]),
    Route("/series/{id}/episodes", series_route(episodes_routes.series_episodes), methods=["GET"]),
    Route(
        "/series/{id}/episodes/query",
        series_route(episodes_routes.series_episodes_query),
        methods=["GET"],
    ),
    Route(
        "/series/{id}/episodes/query/params",
        series_route(episodes_routes.series_episodes_query_params),
        methods=["GET"],
    ),
    Route(
        "/series/{id}/episodes/summary",
        series_route(episodes_routes.series_episodes_summary),
        methods=["GET"],
    ),
    Route("/series/{id}/filter", series_route(series_routes.series_filter), methods=["GET"]),
    Route(
        "/series/{id}/filter/params",
        series_route(series_routes.series_filter_params),
        methods=["GET"],
    ),
    Route("/series/{id}/images", series_route(series_routes.series_images), methods=["GET"]),
    Route(
        "/series/{id}/images/query",
        series_route(series_routes.series_images_query),
        methods=["GET"],
    ),
    Route(
        "/series/{id}/images/query/params",
        series_route(series_routes.series_images_query_params),
        methods=["GET"],
    ),
    # Updates
    Route("/updated/query", _inline(misc_routes.updated_query), methods=["GET"]),
    Route("/updated/query/params", _inline(misc_routes.updated_query_params), methods=["GET"]),
    # Users: reads inline like the catalogue's (a thread's hand-off and its GIL switches cost
    # them 60-90 ms at 64 connections in bench/workload.py); writes stay plain handlers, so
    # that they wait for the database's write lock in the thread pool, not on the event loop.
    Route("/user", _inline(user_routes.get_user), methods=["GET"]),
    Route("/user/favorites", _inline(user_routes.get_favorites), methods=["GET"]),
    Route("/user/favorites/{id}", user_routes.change_favorite, methods=["PUT", "DELETE"]),
    Route("/user/ratings", _inline(user_routes.get_ratings), methods=["GET"]),
    Route("/user/ratings/query", _inline(user_routes.get_ratings_query), methods=["GET"]),
    Route(
        "/user/ratings/query/params",
        _inline(user_routes.get_ratings_query_params),
        methods=["GET"],
    ),
    Route(
        "/user/ratings/{itemType}/{itemId}/{itemRating}", user_routes.put_rating, methods=["PUT"]
    ),
    Route("/user/ratings/{itemType}/{itemId}", user_routes.delete_rating, methods=["DELETE"]),
    # Movies (v3)
    Route("/movies/{id}", _inline(movie_routes.get_movie), methods=["GET"]),
    Route("/movieupdates", _inline(movie_routes.movie_updates), methods=["GET"]),
    # Artwork files (no token, as on the real site); GET also answers HEAD
    Route("/banners/{path:path}", banners.get_banner, methods=["GET"]),
    # Documentation for people and tools (no token): /openapi.json, the page at / and /swagger
    *docs.ROUTES,
    # For the operator (no token): health for load balancers, Prometheus metrics (a setting)
    Route("/health", ops_routes.health, methods=["GET"]),
    Route("/metrics", ops_routes.metrics, methods=["GET"]),
]
literal_paths_win(ROUTES)
