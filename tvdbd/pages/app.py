"""The pages app: its route table, static files, and errors as pages (never a traceback)."""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tvdbd.auth import load_or_create_signing_key
from tvdbd.errors import ApiError, NotFound
from tvdbd.pages import PREFIX, browse, edit_history, edits, operator, people
from tvdbd.pages.cache import PageCache
from tvdbd.pages.render import POLICY, page
from tvdbd.pages.session import Session, Sessions, Visit, language_of, visit_of

log = logging.getLogger("tvdbd.pages")

_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
# A file's URL carries its version (tvdbd.pages.render.static), so browsers may keep it.
_STATIC_CACHE = "public, max-age=604800"


async def _to_home(request: Request) -> Response:
    return RedirectResponse(PREFIX + "/", status_code=308)


async def _to_admin(request: Request) -> Response:
    return RedirectResponse(PREFIX + "/admin/", status_code=308)


@cache
def _static_file(name: str) -> tuple[bytes, str, str] | None:
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix not in _STATIC_TYPES or "/" in name or name.startswith("."):
        return None
    path = resources.files("tvdbd.pages") / "static" / name
    if not path.is_file():
        return None
    body = path.read_bytes()
    return body, _STATIC_TYPES[suffix], '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def static(request: Request) -> Response:
    found = _static_file(request.path_params["name"])
    if found is None:
        raise NotFound("No such file.")
    body, media_type, etag = found
    headers = {"etag": etag, "cache-control": _STATIC_CACHE, "x-content-type-options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _p(path: str) -> str:
    return PREFIX + path


ROUTES = [
    Route(PREFIX, _to_home, methods=["GET"]),
    Route(_p("/"), browse.home, methods=["GET"]),
    Route(_p("/series/{id}"), browse.series_page, methods=["GET"]),
    Route(_p("/series/{id}/favorite"), people.change_favorite, methods=["POST"]),
    Route(_p("/series/{id}/rating"), people.rate_series, methods=["POST"]),
    Route(_p("/episodes/{id}"), browse.episode_page, methods=["GET"]),
    Route(_p("/episodes/{id}/rating"), people.rate_episode, methods=["POST"]),
    Route(_p("/language"), browse.choose_language, methods=["GET"]),
    Route(_p("/signin"), people.sign_in_form, methods=["GET"]),
    Route(_p("/signin"), people.sign_in, methods=["POST"]),
    Route(_p("/signout"), people.sign_out, methods=["POST"]),
    Route(_p("/me"), people.my_page, methods=["GET"]),
    Route(_p("/admin"), _to_admin, methods=["GET"]),
    Route(_p("/admin/"), operator.overview, methods=["GET"]),
    Route(_p("/admin/changes"), operator.changes, methods=["GET"]),
    Route(_p("/admin/keys"), operator.keys, methods=["GET"]),
    Route(_p("/admin/keys"), operator.change_keys, methods=["POST"]),
    Route(_p("/admin/users"), operator.accounts, methods=["GET"]),
    Route(_p("/admin/users"), operator.change_accounts, methods=["POST"]),
    Route(_p("/static/{name}"), static, methods=["GET"]),
    *[
        Route(_p(path), handler, methods=[method])
        for method, path, handler in [
            # Local edits (tvdbd.pages.edits, tvdbd.pages.edit_history): editors and admins.
            ("GET", "/edits", edit_history.recent_edits),
            ("GET", "/series/{id}/edit", edits.edit_series_form),
            ("POST", "/series/{id}/edit", edits.edit_series),
            ("GET", "/series/{id}/episodes/add", edits.add_episode_form),
            ("POST", "/series/{id}/episodes/add", edits.add_episode),
            ("GET", "/series/{id}/actors", edits.actors_page),
            ("POST", "/series/{id}/actors", edits.add_actor),
            ("POST", "/series/{id}/actors/{actorId}", edits.edit_actor),
            ("POST", "/series/{id}/actors/{actorId}/remove", edits.remove_actor),
            ("GET", "/series/{id}/artwork", edits.artwork_page),
            ("POST", "/series/{id}/artwork", edits.add_image),
            ("POST", "/series/{id}/artwork/{imageId}", edits.edit_image),
            ("POST", "/series/{id}/artwork/{imageId}/remove", edits.remove_image),
            ("GET", "/series/{id}/history", edit_history.series_history),
            ("GET", "/series/{id}/locks", edit_history.locks_page),
            ("POST", "/series/{id}/locks", edits.change_lock),
            ("GET", "/episodes/{id}/edit", edits.edit_episode_form),
            ("POST", "/episodes/{id}/edit", edits.edit_episode),
            ("POST", "/episodes/{id}/remove", edits.remove_episode),
            ("GET", "/episodes/{id}/history", edit_history.episode_history),
            ("POST", "/revisions/{id}/revert", edit_history.revert),
        ]
    ],
]

_TITLES = {
    400: "The request could not be used",
    401: "Sign in first",
    403: "Not for this account",
    404: "Not found",
    405: "Not allowed here",
    408: "Too slow",
    413: "Too large",
    429: "Too many attempts",
    500: "Something went wrong",
}


def _error_visit(request: Request) -> Visit:
    """Who sees the error page; an error while finding that out shows an anonymous one."""
    try:
        return visit_of(request)
    except Exception:
        return Visit(request=request, session=Session(), user=None, language=language_of(request))


def _error_page(request: Request, status: int, message: str, headers: dict[str, str]) -> Response:
    try:
        visit = _error_visit(request)
        visit.headers.update(headers)
        return page(
            visit,
            "error.html",
            status=status,
            title=_TITLES.get(status, "Error"),
            status_code=status,
            message=message,
        )
    except Exception:  # the page itself failed (the database is down...): plain text
        log.exception("error page failed")
        return Response(
            f"{status} {_TITLES.get(status, 'Error')}\n",
            status_code=status,
            media_type="text/plain; charset=utf-8",
            headers={"content-security-policy": POLICY},
        )


async def _api_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ApiError):
        return _error_page(request, exc.status, exc.message, dict(exc.headers))
    assert isinstance(exc, HTTPException)
    message = "There is no page here." if exc.status_code == 404 else str(exc.detail)
    return _error_page(request, exc.status_code, message, dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("page %s failed", request.url.path, exc_info=exc)
    return _error_page(
        request, 500, "The server could not show this page. The error is in its log.", {}
    )


def build(app: Any) -> Starlette:
    """The pages app for the main app ``app``: its state is shared as ``state.main``."""
    main = app.state
    pages = Starlette(
        routes=ROUTES,
        middleware=[Middleware(GZipMiddleware, minimum_size=1024)],
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _api_error,
            Exception: _unexpected,
        },
    )
    pages.router.redirect_slashes = False
    pages.state.main = main
    pages.state.sessions = Sessions(
        load_or_create_signing_key(main.settings.resolved_signing_key_file)
    )
    pages.state.page_cache = PageCache(
        app.responses.marks, main.settings.response_cache_mb * 1024 * 1024 // 4
    )
    return pages
