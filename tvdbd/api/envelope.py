"""The wire envelope: JSON bodies, TVDB's headers, pagination links and the error handler."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Send

from tvdbd.api.conditional import strong_etag
from tvdbd.errors import ApiError, MethodNotAllowed, NotFound
from tvdbd.records.render import V3

log = logging.getLogger("tvdbd")

CONTENT_TYPE = "application/json; charset=utf-8"


def wire_headers(shape: str, max_age: int) -> dict[str, str]:
    return {
        "content-type": CONTENT_TYPE,
        "cache-control": f"private, max-age={max_age}",
        "x-thetvdb-api-version": shape,
        "vary": "Accept-Language",
    }


def json_response(
    body: Any,
    *,
    request: Request,
    status: int = 200,
    shape: str = V3,
    headers: dict[str, str] | None = None,
) -> Response:
    payload = orjson.dumps(body)
    all_headers = wire_headers(shape, request.app.state.cache_max_age)
    # Made here, where the bytes are: a HEAD answer copying these headers keeps the GET's ETag.
    all_headers["etag"] = strong_etag(payload)
    if headers:
        all_headers.update(headers)
    return Response(payload, status_code=status, headers=all_headers)


def envelope(
    data: Any, *, links: dict[str, Any] | None = None, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`links` first, then `data`, then `errors` only when it has something."""
    body: dict[str, Any] = {}
    if links is not None:
        body["links"] = links
    body["data"] = data
    if errors:
        body["errors"] = errors
    return body


def page_links(page: int, last: int) -> dict[str, Any]:
    """The real API's links: the key is `prev`, null at the edges."""
    return {
        "first": 1,
        "last": last,
        "next": page + 1 if page < last else None,
        "prev": page - 1 if page > 1 else None,
    }


def _shape_of(request: Request) -> str:
    shape = request.scope.get("tvdbd.shape")
    return shape if isinstance(shape, str) else V3


async def api_error_handler(request: Request, exc: Exception) -> Response:
    """The one place that turns errors into TheTVDB's `{"Error": "..."}` bodies."""
    if isinstance(exc, HTTPException):
        if exc.status_code == 405:
            exc = MethodNotAllowed(headers=dict(exc.headers or {}))
        elif exc.status_code == 404:
            exc = NotFound()
        else:
            exc = ApiError(str(exc.detail))
            exc.status = 500
    assert isinstance(exc, ApiError)
    return json_response(
        {"Error": exc.message, **exc.details},
        request=request,
        status=exc.status,
        shape=_shape_of(request),
        headers=exc.headers,
    )


async def send_api_error(send: Send, exc: ApiError, max_age: int) -> None:
    """The same answer as the handler gives, for refusals made before the app runs (rate
    limits, body limits), as raw ASGI messages."""
    body = orjson.dumps({"Error": exc.message})
    headers = {**wire_headers(V3, max_age), "etag": strong_etag(body), **exc.headers}
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": exc.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return json_response(
        {"Error": "Internal server error"}, request=request, status=500, shape=_shape_of(request)
    )
