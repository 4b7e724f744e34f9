"""The files of the docs page: Swagger UI from the pinned `swagger-ui-bundle-v2` package, ours.

Nothing is fetched from elsewhere: the page works on a machine with no internet access.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from swagger_ui_bundle import swagger_ui_path

_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"
_PNG = "image/png"

# Served under /swagger/<name>: (package folder, media type). Only what the page loads.
_FILES = {
    "swagger-ui.css": ("swagger", _CSS),
    "swagger-ui-bundle.js": ("swagger", _JS),
    "favicon-32x32.png": ("swagger", _PNG),
    "favicon-16x16.png": ("swagger", _PNG),
    "tvdbd-docs.css": ("tvdbd", _CSS),
    "tvdbd-docs.js": ("tvdbd", _JS),
}
ASSET_NAMES = sorted(_FILES)
MEDIA_TYPES = sorted({media.split(";", 1)[0] for _, media in _FILES.values()})


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@cache
def asset(name: str) -> Asset | None:
    """One file of the page, read once per process; None for any other name."""
    if name not in _FILES:
        return None
    where, media_type = _FILES[name]
    folder = swagger_ui_path if where == "swagger" else resources.files("tvdbd.web") / "static"
    body = folder.joinpath(name).read_bytes()
    return Asset(body, media_type, _etag(body))


@cache
def page() -> Asset:
    """The HTML page at / and /swagger."""
    body = (resources.files("tvdbd.web") / "static" / "docs.html").read_bytes()
    return Asset(body, "text/html; charset=utf-8", _etag(body))


def document_asset(body: bytes) -> Asset:
    return Asset(body, "application/json", _etag(body))
