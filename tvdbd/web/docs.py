"""GET /openapi.json, the docs page at / and /swagger, and the page's files (no token)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tvdbd.errors import NotFound
from tvdbd.web import assets
from tvdbd.web.openapi import encoded_document

# The page loads only this server's files and talks only to it.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'self'"
)


def _answer(asset: assets.Asset, cache_control: str, **headers: str) -> Response:
    return Response(
        asset.body,
        media_type=asset.media_type,
        headers={"etag": asset.etag, "cache-control": cache_control, **headers},
    )


async def openapi_document(request: Request) -> Response:
    """The document of this app's routes, built once per app."""
    state = request.app.state
    document = getattr(state, "openapi_document", None)
    if document is None:
        document = assets.document_asset(encoded_document(request.app.routes))
        state.openapi_document = document
    return _answer(document, "no-cache")


def _page() -> Response:
    return _answer(
        assets.page(),
        "no-cache",
        **{"content-security-policy": PAGE_POLICY, "x-content-type-options": "nosniff"},
    )


async def docs_page(request: Request) -> Response:
    return _page()


async def swagger_page(request: Request) -> Response:
    """The same page at /swagger (one handler per route, as the route table wants)."""
    return _page()


async def docs_asset(request: Request) -> Response:
    asset = assets.asset(request.path_params["name"])
    if asset is None:
        raise NotFound()
    return _answer(asset, "public, max-age=86400", **{"x-content-type-options": "nosniff"})


ROUTES = [
    Route("/openapi.json", openapi_document, methods=["GET"]),
    Route("/", docs_page, methods=["GET"]),
    Route("/swagger", swagger_page, methods=["GET"]),
    Route("/swagger/{name}", docs_asset, methods=["GET"]),
]
