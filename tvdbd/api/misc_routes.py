"""Languages and updates."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tvdbd.api.context import authenticate
from tvdbd.api.envelope import envelope, json_response
from tvdbd.db import catalogue
from tvdbd.errors import BadRequest, IdNotFound

ONE_WEEK = 7 * 24 * 3600
UPDATE_PARAMS = ["fromTime", "toTime"]
_EPOCH = re.compile(r"\d{1,12}", re.ASCII)


def _language_record(row: Mapping[str, Any]) -> dict[str, object]:
    """Keys in the served order: id, abbreviation, name, englishName."""
    return {
        "id": row["id"],
        "abbreviation": row["abbreviation"],
        "name": row["name"],
        "englishName": row["english_name"],
    }


def list_languages(request: Request) -> Response:
    call = authenticate(request)
    with call.connect() as conn:
        rows = catalogue.all_languages(conn)
    data = [_language_record(r) for r in rows]
    return json_response(envelope(data), request=request, shape=call.shape)


def get_language(request: Request) -> Response:
    call = authenticate(request)
    language_id, raw = call.path_id()
    with call.connect() as conn:
        row = catalogue.get_language(conn, language_id) if language_id < 2**31 else None
    if row is None:
        raise IdNotFound(raw)
    return json_response(envelope(_language_record(row)), request=request, shape=call.shape)


def _epoch(name: str, raw: str) -> int:
    if not _EPOCH.fullmatch(raw):
        raise BadRequest(f"Invalid value for {name}: {raw}")
    return int(raw)


def updated_query(request: Request) -> Response:
    call = authenticate(request)
    params, unknown = call.query(UPDATE_PARAMS)
    raw_from = params.get("fromTime", "").strip()
    if not raw_from:
        raise BadRequest("The fromTime query parameter is required")
    from_time = _epoch("fromTime", raw_from)
    # An empty toTime= is ignored (tvdbsimple sends it); the window is at most one week.
    raw_to = params.get("toTime", "").strip()
    to_time = _epoch("toTime", raw_to) if raw_to else int(time.time())
    to_time = min(to_time, from_time + ONE_WEEK)
    with call.connect() as conn:
        rows = catalogue.updated_between(conn, from_time, to_time)
    data = [{"id": series_id, "lastUpdated": updated} for series_id, updated in rows]
    errors = {"invalidQueryParams": unknown} if unknown else None
    return json_response(envelope(data, errors=errors), request=request, shape=call.shape)


def updated_query_params(request: Request) -> Response:
    call = authenticate(request)
    return json_response(envelope(UPDATE_PARAMS), request=request, shape=call.shape)
