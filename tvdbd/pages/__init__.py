"""Pages for people under /pages/: browse the catalogue, keep favorites and ratings, run the
server. Server-rendered HTML (Jinja2, autoescaped), files served from /pages/static/, no
build step and nothing from elsewhere.

The pages are their own small Starlette app (tvdbd.pages.app) that the main app hands every
/pages request to before its API middleware: they answer HTML errors, not `{"Error": ...}`,
and they stay out of the API's route table and OpenAPI document. They read and write through
the same functions as the API (tvdbd.db, tvdbd.records, tvdbd.search), never over HTTP.
"""

from __future__ import annotations

from typing import Any

PREFIX = "/pages"


def is_page_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def create_pages(app: Any) -> Any:
    """The pages app for the main app ``app`` (it shares the main app's state)."""
    from tvdbd.pages.app import build

    return build(app)
