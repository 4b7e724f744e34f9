"""Validators and preconditions (RFC 9110 §8.8, §13): ETags, If-None-Match, If-Modified-Since."""

from __future__ import annotations

import re
from datetime import UTC
from email.utils import parsedate_to_datetime

import xxhash
from starlette.types import Scope

from tvdbd.db import catalogue

_SERIES_PATH = re.compile(r"^/series/([^/]+)(?:/|$)")


def series_id_in_path(path: str) -> int | None:
    """The series id of a `/series/{id}...` path, parsed as the handlers parse it."""
    match = _SERIES_PATH.match(path)
    return catalogue.parse_id(match[1]) if match else None


def strong_etag(body: bytes) -> str:
    """A strong validator of these exact bytes: their 128-bit XXH3 hash.

    Not a security hash, and it need not be: the bytes are our own answers, and XXH3 reads
    an 80 KB episodes page in about 1.5 µs where SHA-256 took 47 µs, a fifth of the whole
    cache-off request.
    """
    return '"' + xxhash.xxh3_128_hexdigest(body) + '"'


def with_coding(etag: str, coding: str) -> str:
    """The strong ETag of a content-coded variant: `"abc"` -> `"abc-gzip"`.

    Each coding is a different representation, so a strong validator must differ
    (RFC 9110 §8.8.3); weak ETags are passed on as they are.
    """
    if etag.startswith('"') and etag.endswith('"') and len(etag) >= 2:
        return f'{etag[:-1]}-{coding}"'
    return etag


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: `W/` prefixes are ignored (RFC 9110 §13.1.2)."""
    if if_none_match.strip() == "*":
        return True
    ours = _opaque(etag)
    return any(_opaque(tag) == ours for tag in if_none_match.split(","))


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def http_date_seconds(value: str) -> int | None:
    """Epoch seconds of an HTTP-date, or None when it is not one (then it is ignored)."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # the obsolete formats carry no zone: HTTP dates are GMT
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def series_last_updated(scope: Scope) -> int | None:
    """When the series a `/series/{id}...` path names last changed (If-Modified-Since there):
    its `lastUpdated`, or later if users' ratings changed since.

    Asked only for a 200 answer to a request carrying If-Modified-Since, so the extra lookup
    costs nothing on ordinary requests.
    """
    series_id = series_id_in_path(scope["path"])
    if series_id is None:
        return None
    with scope["app"].state.engine.connect() as conn:
        modified = catalogue.series_modified_at(conn, series_id)
    return modified or None
