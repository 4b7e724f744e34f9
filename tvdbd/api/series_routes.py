"""/series/{id}: the record, HEAD, actors, filter and images."""

from __future__ import annotations

from email.utils import formatdate
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tvdbd.api.context import Call, authenticate
from tvdbd.api.envelope import envelope, json_response
from tvdbd.db import catalogue, users
from tvdbd.errors import BadRequest, IdNotFound, NotFound
from tvdbd.languages import language_list
from tvdbd.records import artwork, series
from tvdbd.records.render import V3, actor_record, image_record, series_record


def _existing_series(call: Call, conn: Any) -> tuple[int, Any]:
    series_id, raw = call.path_id()
    row = catalogue.get_series(conn, series_id)
    if row is None:
        raise IdNotFound(raw)
    return series_id, row


def _series_data(call: Call) -> tuple[dict[str, Any], Any]:
    series_id, raw = call.path_id()
    with call.connect() as conn:
        found = catalogue.series_view(conn, series_id, call.language)
        if found is None:
            raise IdNotFound(raw)
        row, translation, aliases, genres = found
        user_ratings = users.rating_totals_between(conn, "series", series_id, series_id)
    own_aliases = translation is not None and translation["has_aliases"]
    record = series_record(
        row,
        language=call.language,
        translation=translation,
        aliases=aliases[call.language if own_aliases else ""],
        genres=genres,
        shape=call.shape,
        user_ratings=user_ratings.get(series_id),
    )
    return record, row


def get_series(request: Request) -> Response:
    call = authenticate(request)
    record, row = _series_data(call)
    response = json_response(envelope(record), request=request, shape=call.shape)
    if request.method == "HEAD":
        # HEAD answers the GET's headers plus Last-Modified, without a body.
        headers = dict(response.headers)
        with call.connect() as conn:
            modified = catalogue.series_modified_at(conn, row["id"]) or 0
        headers["last-modified"] = formatdate(modified, usegmt=True)
        return Response(b"", status_code=200, headers=headers)
    return response


def _filter_keys(shape: str) -> list[str]:
    """The keys `/filter` accepts: the v2.2 shape has no season/poster/fanart/language."""
    if shape == V3:
        return series.FILTER_KEYS
    return [k for k in series.FILTER_KEYS if k in series.WIRE_ORDER_V2]


def series_filter(request: Request) -> Response:
    call = authenticate(request)
    params, unknown = call.query(["keys"])
    raw_keys = params.get("keys")
    if raw_keys is None:
        raise BadRequest("The keys query parameter is required")
    wanted = [k.strip() for k in raw_keys.split(",") if k.strip()]
    record, _ = _series_data(call)
    allowed = _filter_keys(call.shape)
    valid = [k for k in wanted if k in allowed and k in record]
    invalid = [k for k in wanted if k not in valid]
    data = {key: value for key, value in record.items() if key in valid}
    errors: dict[str, list[str]] = {}
    if invalid:
        errors["invalidFilters"] = invalid
    if unknown:
        errors["invalidQueryParams"] = unknown
    return json_response(envelope(data, errors=errors), request=request, shape=call.shape)


def series_filter_params(request: Request) -> Response:
    call = authenticate(request)
    with call.connect() as conn:
        _existing_series(call, conn)
    # Clients read `data.params` here, as on the real API (the seed doc shows a bare list).
    return json_response(
        envelope({"params": _filter_keys(call.shape)}), request=request, shape=call.shape
    )


def series_actors(request: Request) -> Response:
    call = authenticate(request)
    with call.connect() as conn:
        series_id, _ = _existing_series(call, conn)
        rows = catalogue.get_actors(conn, series_id)
    # A series without actors is 200 [] (the real API's 404 broke clients).
    data = [actor_record(row, series_id=series_id) for row in rows]
    return json_response(envelope(data), request=request, shape=call.shape)


def series_images(request: Request) -> Response:
    call = authenticate(request)
    with call.connect() as conn:
        series_id, _ = _existing_series(call, conn)
        counts = catalogue.image_counts(conn, series_id)
    # Key types with no images are left out: tvdb_api queries every key type listed. So are
    # images a bundle gave no key type (null or ""): no keyType query can ask for them.
    data = {key: counts[key] for key in sorted(k for k in counts if k) if counts[key]}
    return json_response(envelope(data), request=request, shape=call.shape)


_IMAGE_FILTER_COLUMNS = {"keyType": "key_type", "resolution": "resolution", "subKey": "sub_key"}


def series_images_query(request: Request) -> Response:
    call = authenticate(request)
    params, unknown = call.query(artwork.IMAGE_QUERY_PARAMS)
    params.pop("page", None)
    filters = {_IMAGE_FILTER_COLUMNS[k]: v for k, v in params.items()}
    with call.connect() as conn:
        series_id, row = _existing_series(call, conn)
        rows = catalogue.get_images(conn, series_id, filters)
        totals = users.image_rating_totals(conn, series_id) if rows else {}
    if not rows:
        raise NotFound()
    data = [
        image_record(
            r,
            series_last_updated=row["last_updated"],
            shape=call.shape,
            user_ratings=totals.get(r["id"]),
        )
        for r in rows
    ]
    errors = {"invalidQueryParams": unknown} if unknown else None
    return json_response(envelope(data, errors=errors), request=request, shape=call.shape)


def series_images_query_params(request: Request) -> Response:
    call = authenticate(request)
    with call.connect() as conn:
        series_id, _ = _existing_series(call, conn)
        keys = catalogue.image_keys(conn, series_id)
    # A string here; `yue` has a null id in the 2020 list, served as "" (not "None").
    language_id = next(
        (str(e["id"] or "") for e in language_list() if e["abbreviation"] == call.language), ""
    )
    by_type: dict[str, tuple[list[str], list[str]]] = {}
    for key_type, resolution, sub_key in keys:
        resolutions, sub_keys = by_type.setdefault(key_type or "", ([], []))
        if resolution and resolution not in resolutions:
            resolutions.append(resolution)
        if sub_key and sub_key not in sub_keys:
            sub_keys.append(sub_key)
    data = [
        {
            "keyType": key_type,
            "languageId": language_id,
            "resolution": by_type[key_type][0],
            "subKey": by_type[key_type][1],
        }
        for key_type in sorted(by_type)
    ]
    return json_response(envelope(data), request=request, shape=call.shape)
