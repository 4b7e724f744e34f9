"""GET /banners/<path>: artwork files and their thumbnails, with no token (as on the real site)."""

from __future__ import annotations

import os

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable
from starlette.types import Receive, Scope, Send

from tvdbd.errors import ApiError, NotFound
from tvdbd.images.store import ImageStore
from tvdbd.images.thumbnails import ensure_thumbnail

# A path names one file forever (new artwork gets a new name), so any cache may keep it.
IMAGE_CACHE_CONTROL = "public, max-age=31536000, immutable"


class RangeNotSatisfiableError(ApiError):
    status = 416
    default_message = "Range not satisfiable"


class _StoredFile(FileResponse):
    """A FileResponse that can be told to ignore the request's Range header."""

    ignore_range = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.ignore_range:
            headers = [(name, value) for name, value in scope["headers"] if name != b"range"]
            scope = {**scope, "headers": headers}
        await super().__call__(scope, receive, send)


async def get_banner(request: Request) -> _StoredFile:
    store: ImageStore = request.app.state.images
    image = store.locate(request.path_params["path"])
    if image is None:
        raise NotFound()
    if image.thumbnail_of is not None:
        # Pillow work (tens of ms for fanart) stays off the event loop.
        made = await run_in_threadpool(ensure_thumbnail, image.thumbnail_of, image.path)
        if not made:
            raise NotFound()
    try:
        stat = await run_in_threadpool(os.stat, image.path)
    except FileNotFoundError:
        raise NotFound() from None
    response = _StoredFile(
        image.path,
        media_type=image.media_type,
        headers={"cache-control": IMAGE_CACHE_CONTROL},
        stat_result=stat,
    )
    range_header = request.headers.get("range")
    if range_header is not None and _range_applies(request.headers.get("if-range"), response):
        response.ignore_range = not _usable_range(range_header, stat.st_size)
    return response


def _range_applies(if_range: str | None, response: FileResponse) -> bool:
    """No If-Range, or one naming this very file: its strong ETag or its exact date."""
    if if_range is None:
        return True
    return not if_range.startswith("W/") and if_range in (
        response.headers["etag"],
        response.headers["last-modified"],
    )


def _usable_range(header: str, size: int) -> bool:
    """Starlette answers a malformed Range with a plain-text 400; RFC 9110 §14.2 lets a server
    ignore it instead (full 200), which keeps every error body JSON. An unsatisfiable range
    is a JSON 416 naming the size, as RFC 9110 §15.5.17 asks."""
    try:
        FileResponse._parse_range_header(header, size)
    except MalformedRangeHeader:
        return False
    except RangeNotSatisfiable:
        raise RangeNotSatisfiableError(headers={"content-range": f"bytes */{size}"}) from None
    return True
