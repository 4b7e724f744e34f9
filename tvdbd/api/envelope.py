"""The wire envelope: JSON bodies, TVDB's headers, pagination links and the error handler."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import orjson
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.errors import ApiError, MethodNotAllowed, NotFound, ServiceUnavailable

# CONTENT_TYPE and send_api_error are imported from here too (they live at the HTTP edge).
from tvdbd.http.answers import CONTENT_TYPE as CONTENT_TYPE
from tvdbd.http.answers import send_api_error as send_api_error
from tvdbd.http.answers import wire_headers
from tvdbd.http.conditional import strong_etag
from tvdbd.records.render import V3

log = logging.getLogger("tvdbd")


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


# Database failures that mean "not now" rather than "wrong": the database is down, restarting,
# our connection was cut (pg_terminate_backend, a failover), the pool is exhausted, or
# SQLite's lock wait ran out. Anything else from the database is a bug: 500 with a traceback.
_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                sa_exc.TimeoutError)  # fmt: skip
# Methods whose handlers may run twice: reads and idempotent writes (RFC 9110 §9.2.2);
# /login too (its database work is reads).
_RETRIED_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
RETRY_AFTER_SECONDS = 5
ERROR_ANSWERED = "tvdbd.error_answered"  # scope key: the last-resort handler has answered


def is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, _UNAVAILABLE) or (
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    )


async def database_error_handler(request: Request, exc: Exception) -> Response:
    """A broken pooled connection is retried once on a fresh one (its pool has dropped it);
    otherwise, or if that fails too, a 503 with Retry-After, logged once per outage."""
    endpoint = request.scope.get("endpoint")
    retry = (
        isinstance(exc, sa_exc.DBAPIError)
        and exc.connection_invalidated
        and endpoint is not None
        and (request.method in _RETRIED_METHODS or request.url.path == "/login")
        and not request.scope.get("tvdbd.retried")
    )
    if not is_unavailable(exc) and not retry:
        return await unexpected_error_handler(request, exc)
    if retry and endpoint is not None:
        request.scope["tvdbd.retried"] = True
        try:
            if inspect.iscoroutinefunction(endpoint):
                response: Response = await endpoint(request)
            else:
                response = await run_in_threadpool(endpoint, request)
        except (ApiError, HTTPException) as again:
            return await api_error_handler(request, again)
        except Exception as again:
            return await database_error_handler(request, again)
        return response
    return await _unavailable(request, exc)


async def _unavailable(request: Request, exc: Exception) -> Response:
    request.app.state.database_outage.failed(exc)
    return await api_error_handler(
        request, ServiceUnavailable(headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    )


async def client_gone_handler(request: Request, exc: Exception) -> Response:
    """The client left before its body arrived: one debug line; nobody reads the answer."""
    log.debug("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=499)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """Also the last resort for errors raised outside a route (Starlette re-raises them after
    this answer so that servers may log them; TvdbdApp does not let them reach uvicorn)."""
    request.scope[ERROR_ANSWERED] = True
    if is_unavailable(exc):  # a middleware's lookup: no retry, the route has run
        return await _unavailable(request, exc)
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return json_response(
        {"Error": "Internal server error"}, request=request, status=500, shape=_shape_of(request)
    )
