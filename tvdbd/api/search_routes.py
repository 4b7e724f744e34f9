"""/search/series and its params."""

from __future__ import annotations

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.api.context import Call, authenticate
from tvdbd.api.envelope import envelope, json_response
from tvdbd.db import catalogue
from tvdbd.db import search as search_db
from tvdbd.db.search_hits import hit_records
from tvdbd.errors import BadRequest, NotFound
from tvdbd.records.render import search_hit
from tvdbd.records.series import SEARCH_PARAMS
from tvdbd.search import MAX_HITS, NO_MATCH, rank_series, words_of_query

_EXACT_COLUMNS = {"imdbId": "imdb_id", "zap2itId": "zap2it_id", "slug": "slug"}


def search_series(request: Request) -> Response:
    call = authenticate(request)
    params, unknown = call.query(SEARCH_PARAMS)
    params.pop("page", None)
    params = {k: v.strip() for k, v in params.items() if v.strip()}
    if not params:
        raise BadRequest("No valid query params given")
    with call.connect() as conn:
        ids = _matching_ids(call, conn, params)
        if not ids:
            raise NotFound()
        records = hit_records(conn, ids, call.language)
    data = [
        search_hit(
            row, language=call.language, translation=translation, aliases=aliases, shape=call.shape
        )
        for row, translation, aliases in records
    ]
    errors = {"invalidQueryParams": unknown} if unknown else None
    return json_response(envelope(data, errors=errors), request=request, shape=call.shape)


def _matching_ids(call: Call, conn: Connection, params: dict[str, str]) -> list[int]:
    """Ids of the hits, best first; every given parameter must match."""
    selected: list[int] | None = None
    for name, column in _EXACT_COLUMNS.items():
        if name in params:
            found = catalogue.find_series_ids(conn, column, params[name])
            selected = found if selected is None else [i for i in selected if i in set(found)]
    if "name" not in params:
        return (selected or [])[:MAX_HITS]
    query_words = words_of_query(params["name"])
    if not query_words:
        return []
    if selected is None:
        return search_db.find_series(conn, query_words)
    # Narrowed by an exact id: rank those few series' names directly.
    names = search_db.names_of(conn, selected)
    ranked = sorted((rank_series(names[i], query_words), i) for i in dict.fromkeys(selected))
    return [i for rank, i in ranked if rank != NO_MATCH][:MAX_HITS]


def search_series_params(request: Request) -> Response:
    call = authenticate(request)
    # Nested under `params`, as the real API and its clients have it.
    return json_response(envelope({"params": SEARCH_PARAMS}), request=request, shape=call.shape)
