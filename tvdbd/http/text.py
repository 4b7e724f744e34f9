"""Text a client sends as data (query parameters, the path, body fields) must be text a
database can keep: no NUL (PostgreSQL refuses it in any text value, and answered 500), no
other control character but whitespace (tab, LF, VT, FF, CR), and valid UTF-8. Anything
else is a 400 that names the field, on both backends, before any handler or query sees it."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from tvdbd.errors import BadRequest

_INVALID = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def is_clean(value: str) -> bool:
    return _INVALID.search(value) is None


def require_clean(value: str, field: str) -> str:
    """``value`` if it is clean, else BadRequest naming ``field`` (a body field)."""
    if _INVALID.search(value):
        raise BadRequest(f"Invalid character in field '{field}'")
    return value


def _decoded(raw: bytes) -> str | None:
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if is_clean(text) else None


def request_text_problem(raw_path: bytes, query: bytes) -> str | None:
    """What is wrong with a request's path or query parameters, or None.

    Only escapes (`%00`, `%FF`) can carry such characters: the protocol edge refuses raw
    control bytes in the URL, so a request without `%` costs one byte search."""
    if b"%" in raw_path and _decoded(raw_path) is None:
        return "Invalid character in the path"
    if b"%" not in query:
        return None
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        shown = _decoded(name.replace(b"+", b" "))
        if shown is None:
            return "Invalid character in a query parameter name"
        if _decoded(value.replace(b"+", b" ")) is None:
            return f"Invalid character in query parameter '{shown}'"
    return None
