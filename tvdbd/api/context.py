"""What every catalogue handler needs: the token check, language, shape and parameters."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request

from tvdbd.db.catalogue import parse_id
from tvdbd.errors import BadRequest, IdNotFound, NotFound
from tvdbd.languages import pick_language
from tvdbd.records.render import V2, V3

# `v2`, `v2.1.1`, `v2.2.0+json`...; not `v20` or `v3.0.0`.
_V2_MEDIA = re.compile(r"application/vnd\.thetvdb\.v2(\.[0-9a-z.-]*)?(\+json)?")


def negotiate_shape(accept: str | None) -> str:
    """`Accept: application/vnd.thetvdb.v2[.x.y]` asks for the v2.2 shapes; anything else 3.0.0.

    Used only with the `accept_version_negotiation` setting on: by default every request gets
    3.0.0, as the real API's last years did (real clients send `...v2.1.1` and read 3.0.0
    fields; see contract Part 1 §2).
    """
    if accept:
        for part in accept.split(","):
            media = part.split(";", 1)[0].strip().lower()
            if _V2_MEDIA.fullmatch(media):
                return V2
    return V3


@dataclass
class Call:
    """One authenticated API call."""

    request: Request
    claims: dict[str, Any]
    language: str
    shape: str

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.request.app.state.readers.connect() as conn:
            yield conn

    def path_id(self, name: str = "id") -> tuple[int, str]:
        """(id, id as typed); anything that is not a stored id is `ID: <as typed> not found`."""
        raw = self.request.path_params[name]
        value = parse_id(raw)
        if value is None:
            raise IdNotFound(raw)
        return value, raw

    def query(self, known: Iterable[str]) -> tuple[dict[str, str], list[str]]:
        """Known query parameters, and the unknown ones for `errors.invalidQueryParams`."""
        allowed = set(known) | {"page"}
        params: dict[str, str] = {}
        unknown: list[str] = []
        for key, value in self.request.query_params.multi_items():
            if key in allowed:
                params.setdefault(key, value)
            elif key not in unknown:
                unknown.append(key)
        return params, unknown

    def page(self) -> int:
        """`page` absent, empty or 0 means page 1 (clients start at 0 and 1).

        Given more than once, the first counts, as for every other parameter (see `query`).
        """
        given = self.request.query_params.getlist("page")
        raw = given[0].strip() if given else ""
        if not raw:
            return 1
        if not raw.isdigit() or not raw.isascii():
            raise BadRequest(f"Invalid page: {raw}")
        # int() refuses more than 4300 digits, leading zeros included.
        digits = raw.lstrip("0") or "0"
        if len(digits) > 18:
            raise NotFound()  # past any last page
        return max(int(digits), 1)


def authenticate(request: Request) -> Call:
    claims = request.app.state.tokens.verify(request.headers.get("authorization"))
    shape = request.scope.get("tvdbd.shape", V3)
    return Call(
        request=request,
        claims=claims,
        language=pick_language(request.headers.get("accept-language")),
        shape=shape,
    )


def page_window(total: int, page: int, page_size: int) -> tuple[int, int]:
    """(offset, last page); a page past the last is 404 as on the real API."""
    last = max(1, math.ceil(total / page_size))
    if page > last:
        raise NotFound()
    return (page - 1) * page_size, last
