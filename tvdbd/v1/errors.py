"""v1's errors, rendered in one place: the classic server's Apache pages, never JSON.

Route code raises these (or lets Starlette raise its 404/405); `error_response` is the
one handler the v1 application installs (tvdbd.v1.app). Contract §6.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger("tvdbd")

# decided (§6.1): the classic server's Apache page; node-tvdb rejects any body containing
# "404 Not Found", pytvdbapi maps the status to TVDBIdError / TVDBNotFoundError.
NOT_FOUND_PAGE = (
    b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
)
METHOD_NOT_ALLOWED_PAGE = (
    b"<html><head><title>405 Method Not Allowed</title></head>"
    b"<body><h1>Method Not Allowed</h1></body></html>"
)
SERVER_ERROR_PAGE = (
    b"<html><head><title>500 Internal Server Error</title></head>"
    b"<body><h1>Internal Server Error</h1></body></html>"
)
HTML = "text/html; charset=iso-8859-1"
ALLOW = "GET, HEAD"  # decided (§1): v1 is read-only over GET, user writes included


class V1Error(Exception):
    """An error answered as one of the pages above."""

    status = 500


class V1NotFound(V1Error):
    """Unknown id, language, route, account; a refused API key (§6.1 — all 404)."""

    status = 404


def page(status: int) -> Response:
    if status == 404:
        return Response(NOT_FOUND_PAGE, status_code=404, media_type=HTML)
    if status == 405:
        return Response(
            METHOD_NOT_ALLOWED_PAGE, status_code=405, media_type=HTML, headers={"allow": ALLOW}
        )
    return Response(SERVER_ERROR_PAGE, status_code=500, media_type=HTML)


async def error_response(request: Request, exc: Exception) -> Response:
    """The one place v1 errors become responses."""
    if isinstance(exc, V1Error):
        return page(exc.status)
    if isinstance(exc, HTTPException) and exc.status_code in (404, 405):
        return page(exc.status_code)
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return page(500)
