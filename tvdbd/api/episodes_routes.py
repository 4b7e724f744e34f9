"""Episode lists, the episode query and summary, and /episodes/{id}.

3.0.0 answers send the episode records stored at import as they are (see the episodes part of
tvdbd.db.catalogue); the v2.2 shape and the episodes listed there are rendered per request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from orjson import Fragment
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.api.context import Call, authenticate, page_window
from tvdbd.api.envelope import envelope, json_response, page_links
from tvdbd.db import catalogue, users
from tvdbd.errors import BadRequest, IdNotFound, NotFound
from tvdbd.records import episode
from tvdbd.records.render import V3, Row, UserRatings, episode_record

INVALID_LANGUAGE = "Some translations were not available in the specified language"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_INT_PARAMS = {"absoluteNumber", "airedSeason", "airedEpisode", "dvdSeason"}
_INTEGER = re.compile(r"-?\d{1,18}", re.ASCII)
# DVD numbers may be decimal (4.1); `nan`, `inf` and exponents are not episode numbers.
_DECIMAL = re.compile(r"-?\d{1,18}(\.\d{1,18})?", re.ASCII)


def _language_errors(name_missing: bool) -> dict[str, str] | None:
    """Decided per page: only a missing episode name (not a missing overview) counts."""
    return {"invalidLanguage": INVALID_LANGUAGE} if name_missing else None


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
    """A page of a series' episodes; the series is read for its language and count only."""
    page = call.page()
    with call.connect() as conn:
        series_id, raw = call.path_id()
        header = catalogue.series_header(conn, series_id)
        if header is None:
            raise IdNotFound(raw)
        original_language, total = header
        if filters:
            total = catalogue.count_episodes(conn, series_id, filters)
            if total == 0:
                raise NotFound()
        offset, last = page_window(total, page, episode.PAGE_SIZE)
        window = _Window(series_id, original_language, filters, offset)
        records: Any
        if call.shape == V3:
            records, name_missing = _stored_page(conn, call, window)
        else:
            records, name_missing = _rendered_page(conn, call, window)
    errors: dict[str, object] = dict(_language_errors(name_missing) or {})
    if unknown:
        errors["invalidQueryParams"] = unknown
    body = envelope(records, links=page_links(page, last), errors=errors)
    return json_response(body, request=call.request, shape=call.shape)


@dataclass
class _Window:
    """Which episodes a page holds."""

    series_id: int
    original_language: str
    filters: list[tuple[str, Any]]
    offset: int


def _render(call: Call, window: _Window, row: Row, totals: dict[int, UserRatings]) -> Any:
    return episode_record(
        row,
        series_id=window.series_id,
        original_language=window.original_language,
        language=call.language,
        shape=call.shape,
        user_ratings=totals.get(row["id"]),
    )


def _ratings_of(conn: Connection, first_id: int, last_id: int) -> dict[int, UserRatings]:
    """Users' ratings of the episodes of a page (ids ascending), read with the page."""
    return users.rating_totals_between(conn, "episode", first_id, last_id)


# Per page these run over 100 rows: map/itemgetter keep the loops out of the interpreter.
_RECORD = itemgetter(1)
_NAME_MISSING = itemgetter(2)


def _stored_page(conn: Connection, call: Call, window: _Window) -> tuple[Any, bool]:
    """3.0.0: the stored page as it is (tvdbd.records.pages) when nobody rated one of its
    episodes; else the stored records, and only episodes without a stored record in the
    language or with users' ratings (their siteRating moves) rendered from full rows."""
    known: dict[int, UserRatings] | None = None  # the page's ratings, when already read
    if not window.filters:
        page = window.offset // episode.PAGE_SIZE + 1
        whole = catalogue.stored_page(conn, window.series_id, call.language, page)
        if whole is not None:
            first_id, last_id, missing, array = whole
            known = _ratings_of(conn, first_id, last_id)
            if not known:
                return Fragment(array), missing
    stored = catalogue.stored_episode_page(
        conn,
        window.series_id,
        call.language,
        window.filters,
        original_language=window.original_language,
        offset=window.offset,
        limit=episode.PAGE_SIZE,
    )
    if not stored:
        return [], False
    texts = list(map(_RECORD, stored))
    name_missing = any(map(_NAME_MISSING, stored))
    totals = known if known is not None else _ratings_of(conn, stored[0][0], stored[-1][0])
    if not totals and None not in texts:
        return list(map(Fragment, texts)), name_missing
    to_render = [i for i, text, _ in stored if text is None or i in totals]
    rendered = {
        row["id"]: _render(call, window, row, totals)
        for row in catalogue.episodes_by_id(conn, to_render, call.language)
    }
    records: list[Any] = []
    for (episode_id, _, _), text in zip(stored, texts, strict=True):
        if episode_id in rendered:
            records.append(rendered[episode_id])
        elif text is not None:
            records.append(Fragment(text))
        # else: removed by an import between the two queries; the next request has it right.
    return records, name_missing


def _rendered_page(conn: Connection, call: Call, window: _Window) -> tuple[list[Any], bool]:
    """v2.2: every record rendered from its full row."""
    rows = catalogue.episode_page(
        conn,
        window.series_id,
        call.language,
        window.filters,
        offset=window.offset,
        limit=episode.PAGE_SIZE,
    )
    totals = _ratings_of(conn, rows[0]["id"], rows[-1]["id"]) if rows else {}
    records = [_render(call, window, r, totals) for r in rows]
    return records, any(r["episodeName"] is None for r in records)


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
        if catalogue.series_header(conn, series_id) is None:
            raise IdNotFound(raw)
    return json_response(envelope(list(episode.QUERY_PARAMS)), request=request, shape=call.shape)


def series_episodes_summary(request: Request) -> Response:
    call = authenticate(request)
    with call.connect() as conn:
        series_id, raw = call.path_id()
        if catalogue.series_header(conn, series_id) is None:
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
    """The stored record as it is, unless the shape, a missing translation or users' ratings
    of it call for rendering (as on the lists)."""
    call = authenticate(request)
    episode_id, raw = call.path_id()
    with call.connect() as conn:
        found = catalogue.stored_episode(conn, episode_id, call.language)
        if found is None:
            raise IdNotFound(raw)
        series_id, original_language, stored_record, name_missing = found
        totals = users.rating_totals_between(conn, "episode", episode_id, episode_id)
        if call.shape == V3 and stored_record is not None and not totals:
            record: Any = Fragment(stored_record)
        else:
            row = catalogue.get_episode(conn, episode_id, call.language)
            if row is None:  # removed by an import since the first query
                raise IdNotFound(raw)
            record = episode_record(
                row,
                series_id=series_id,
                original_language=original_language,
                language=call.language,
                shape=call.shape,
                user_ratings=totals.get(episode_id),
            )
    body = envelope(record, errors=_language_errors(name_missing))
    return json_response(body, request=request, shape=call.shape)
