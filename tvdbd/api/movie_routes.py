"""The v3 movie routes: `/movies/{id}` and `/movieupdates` (contract §2, §3.12)."""

from __future__ import annotations

import re

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.api.context import authenticate
from tvdbd.api.envelope import json_response
from tvdbd.db import movies
from tvdbd.errors import IdNotFound, MethodNotAllowed, Unprocessable

NO_VALID_PARAMS = "No valid query params given"
_EPOCH = re.compile(r"\d{1,12}", re.ASCII)


def get_movie(request: Request) -> Response:
    """`{"data": Movie}`; the record is the same in every language: it carries all its
    translations, and clients pick one (docs/api-contract-decisions.md)."""
    call = authenticate(request)
    movie_id, raw = call.path_id()
    with call.connect() as conn:
        record = movies.get_movie_record(conn, movie_id)
    if record is None:
        raise IdNotFound(raw)
    return json_response({"data": orjson.Fragment(record)}, request=request, shape=call.shape)


def movie_updates(request: Request) -> Response:
    """`{"movies": [id, ...]}` (no `data`): movies whose lastUpdated is `since` or later.

    The statuses are the v3 swagger's: no `since` is 405 and an unusable one 422, both with
    `No valid query params given` (the 405 keeps the Allow header RFC 9110 asks for).
    """
    call = authenticate(request)
    given = request.query_params.getlist("since")
    raw = given[0].strip() if given else ""
    if not raw:
        raise MethodNotAllowed(NO_VALID_PARAMS, headers={"allow": "GET, HEAD"})
    if not _EPOCH.fullmatch(raw):
        raise Unprocessable(NO_VALID_PARAMS)
    with call.connect() as conn:
        ids = movies.updated_since(conn, int(raw))
    return json_response({"movies": ids}, request=request, shape=call.shape)
