"""Every route of TheTVDB API v2, in the order of its documentation."""

from __future__ import annotations

from starlette.routing import Route

from tvdbd.api import (
    auth_routes,
    episodes_routes,
    misc_routes,
    search_routes,
    series_routes,
)

ROUTES = [
    # Authentication
    Route("/login", auth_routes.login, methods=["POST"]),
    Route("/refresh_token", auth_routes.refresh_token, methods=["GET"]),
    # Episodes
    Route("/episodes/{id}", episodes_routes.get_episode, methods=["GET"]),
    # Languages
    Route("/languages", misc_routes.list_languages, methods=["GET"]),
    Route("/languages/{id}", misc_routes.get_language, methods=["GET"]),
    # Search
    Route("/search/series", search_routes.search_series, methods=["GET"]),
    Route("/search/series/params", search_routes.search_series_params, methods=["GET"]),
    # Series (GET also answers HEAD)
    Route("/series/{id}", series_routes.get_series, methods=["GET"]),
    Route("/series/{id}/actors", series_routes.series_actors, methods=["GET"]),
    Route("/series/{id}/episodes", episodes_routes.series_episodes, methods=["GET"]),
    Route("/series/{id}/episodes/query", episodes_routes.series_episodes_query, methods=["GET"]),
    Route(
        "/series/{id}/episodes/query/params",
        episodes_routes.series_episodes_query_params,
        methods=["GET"],
    ),
    Route(
        "/series/{id}/episodes/summary", episodes_routes.series_episodes_summary, methods=["GET"]
    ),
    Route("/series/{id}/filter", series_routes.series_filter, methods=["GET"]),
    Route("/series/{id}/filter/params", series_routes.series_filter_params, methods=["GET"]),
    Route("/series/{id}/images", series_routes.series_images, methods=["GET"]),
    Route("/series/{id}/images/query", series_routes.series_images_query, methods=["GET"]),
    Route(
        "/series/{id}/images/query/params",
        series_routes.series_images_query_params,
        methods=["GET"],
    ),
    # Updates
    Route("/updated/query", misc_routes.updated_query, methods=["GET"]),
    Route("/updated/query/params", misc_routes.updated_query_params, methods=["GET"]),
]
