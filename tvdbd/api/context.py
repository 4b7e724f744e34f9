"""What every catalogue handler needs: the token check, language, shape and parameters."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request

from tvdbd.db.catalogue import parse_id
from tvdbd.errors import BadRequest, IdNotFound, NotFound
from tvdbd.languages import pick_language
from tvdbd.records.render import V3


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
