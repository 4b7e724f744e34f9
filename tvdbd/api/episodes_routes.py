"""Episode lists, the episode query and summary, and /episodes/{id}."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tvdbd.api.context import Call, authenticate, page_window
from tvdbd.api.envelope import envelope, json_response, page_links
from tvdbd.db import catalogue, users
from tvdbd.errors import BadRequest, IdNotFound, NotFound
from tvdbd.records import episode
from tvdbd.records.render import episode_record

INVALID_LANGUAGE = "Some translations were not available in the specified language"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_INT_PARAMS = {"absoluteNumber", "airedSeason", "airedEpisode", "dvdSeason"}
_INTEGER = re.compile(r"-?\d{1,18}", re.ASCII)
# DVD numbers may be decimal (4.1); `nan`, `inf` and exponents are not episode numbers.
_DECIMAL = re.compile(r"-?\d{1,18}(\.\d{1,18})?", re.ASCII)


def _language_errors(records: list[dict[str, Any]]) -> dict[str, str] | None:
    """Decided per page: only a missing episode name (not a missing overview) counts."""
    if any(r["episodeName"] is None for r in records):
        return {"invalidLanguage": INVALID_LANGUAGE}
    return None


def _episode_filters(params: dict[str, str]) -> list[tuple[str, Any]]:
    filters: list[tuple[str, Any]] = []
    for name, raw in params.items():
        if name == "page":
            continue
        column = episode.QUERY_PARAMS[name]
        value: Any = raw.strip()
        if name in _INT_PARAMS:
            if not _INTEGER.fullmatch(value):
                raise BadRequest(f"Invalid value for {name}: {raw}")
            value = int(value)
        elif name == "dvdEpisode":
            if not _DECIMAL.fullmatch(value):
                raise BadRequest(f"Invalid value for {name}: {raw}")
            value = float(value)
        elif name == "firstAired" and not _DATE.fullmatch(value):
            raise BadRequest(f"Invalid value for {name}: {raw} (expected YYYY-MM-DD)")
        filters.append((column, value))
    return filters


def _episode_list(call: Call, filters: list[tuple[str, Any]], unknown: list[str]) -> Response:
    page = call.page()
    with call.connect() as conn:
        series_id, raw = call.path_id()
        row = catalogue.get_series(conn, series_id)
        if row is None:
            raise IdNotFound(raw)
        if filters:
            total = catalogue.count_episodes(conn, series_id, filters)
            if total == 0:
                raise NotFound()
        else:
            total = row["episode_count"]
        offset, last = page_window(total, page, episode.PAGE_SIZE)
        rows = catalogue.episode_page(
            conn, series_id, call.language, filters, offset=offset, limit=episode.PAGE_SIZE
        )
        totals = users.rating_totals(conn, "episode", [r["id"] for r in rows])
    records = [
        episode_record(
            r,
            series_id=series_id,
            original_language=row["original_language"],
            language=call.language,
            shape=call.shape,
            user_ratings=totals.get(r["id"]),
        )
        for r in rows
    ]
    errors: dict[str, object] = dict(_language_errors(records) or {})
    if unknown:
        errors["invalidQueryParams"] = unknown
    body = envelope(records, links=page_links(page, last), errors=errors)
    return json_response(body, request=call.request, shape=call.shape)


def series_episodes(request: Request) -> Response:
    call = authenticate(request)
    _, unknown = call.query(())
    return _episode_list(call, [], unknown)


def series_episodes_query(request: Request) -> Response:
    call = authenticate(request)
    params, unknown = call.query(episode.QUERY_PARAMS)
    return _episode_list(call, _episode_filters(params), unknown)


def series_episodes_query_params(request: Request) -> Response:
    call = authenticate(request)
    with call.connect() as conn:
        series_id, raw = call.path_id()
        if catalogue.get_series(conn, series_id) is None:
            raise IdNotFound(raw)
    return json_response(envelope(list(episode.QUERY_PARAMS)), request=request, shape=call.shape)


def series_episodes_summary(request: Request) -> Response:
    call = authenticate(request)
    with call.connect() as conn:
        series_id, raw = call.path_id()
        if catalogue.get_series(conn, series_id) is None:
            raise IdNotFound(raw)
        summary = catalogue.episode_summary(conn, series_id)
    # Counts and season numbers are strings on the wire.
    data = {
        "airedSeasons": [str(s) for s in summary["aired_seasons"]],
        "airedEpisodes": str(summary["aired_episodes"]),
        "dvdSeasons": [str(s) for s in summary["dvd_seasons"]],
        "dvdEpisodes": str(summary["dvd_episodes"]),
    }
    return json_response(envelope(data), request=request, shape=call.shape)


def get_episode(request: Request) -> Response:
    call = authenticate(request)
    episode_id, raw = call.path_id()
    with call.connect() as conn:
        row = catalogue.get_episode(conn, episode_id, call.language)
        series_row = catalogue.get_series(conn, row["series_id"]) if row else None
        totals = users.rating_totals(conn, "episode", [episode_id]) if row else {}
    if row is None or series_row is None:
        raise IdNotFound(raw)
    record = episode_record(
        row,
        series_id=series_row["id"],
        original_language=series_row["original_language"],
        language=call.language,
        shape=call.shape,
        user_ratings=totals.get(episode_id),
    )
    body = envelope(record, errors=_language_errors([record]))
    return json_response(body, request=request, shape=call.shape)
