"""The encoded-response cache: catalogue answers kept as bytes, per route, language and shape.

Pure ASGI middleware in front of the router. A GET with a valid token whose answer is in the
cache and still fresh (its change marks unchanged, see tvdbd.cache.marks) is sent without
touching routing, the database or JSON encoding. Misses run the app and keep 200 and 404
answers. Memory is bounded by a byte budget (least recently used first out).

What an answer depends on:
- `/series/{id}...`: that series (its mark moves on import of the series and on ratings);
- `/episodes/{id}`: that episode (its mark moves on ratings of it) and the catalogue (every
  import moves that mark);
- everything: the catalogue mark, which every import moves.
User routes, login, artwork files and the docs are never cached.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvdbd.api.conditional import series_id_in_path
from tvdbd.cache.marks import ChangeMarks
from tvdbd.db.catalogue import parse_id
from tvdbd.errors import NotAuthorized
from tvdbd.languages import pick_language

_EPISODE_PATH = re.compile(r"^/episodes/([^/]+)$")
_CACHED_PREFIXES = ("/series/", "/episodes/", "/search/", "/updated/", "/languages")
_ENTRY_OVERHEAD = 400  # bytes of bookkeeping per entry, counted against the budget


@dataclass
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    slot: int
    mark: int
    catalogue_mark: int

    @property
    def size(self) -> int:
        return len(self.body) + _ENTRY_OVERHEAD + sum(len(k) + len(v) for k, v in self.headers)


class ResponseCache:
    """See the module docstring. ``max_bytes`` 0 turns the cache off."""

    def __init__(self, app: ASGIApp, marks: ChangeMarks, max_bytes: int):
        self.app = app
        self.marks = marks
        self.max_bytes = max_bytes
        self.entries: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0
        self._lock = Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope) if self.max_bytes and scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self._fresh(key)
        if entry is not None:
            self.hits += 1
            await send({"type": "http.response.start", "status": entry.status,
                        "headers": entry.headers})  # fmt: skip
            await send({"type": "http.response.body", "body": entry.body})
            return
        self.misses += 1
        # Read the marks before the database: a change committed meanwhile then leaves this
        # entry with old marks, so it is rebuilt on the next request, never served stale.
        slot = self._slot_for(scope)
        marks = (self.marks.read(slot), self.marks.read(0))
        captured: dict[str, object] = {}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["start"] = message
            elif message["type"] == "http.response.body":
                chunks = captured.setdefault("body", [])
                assert isinstance(chunks, list)
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(key, scope, captured, marks)
            await send(message)

        await self.app(scope, receive, capture)

    def _key(self, scope: Scope) -> tuple[str, ...] | None:
        if scope["method"] != "GET" or not scope["path"].startswith(_CACHED_PREFIXES):
            return None
        authorization = None
        accept_language = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
            elif name == b"accept-language":
                accept_language = value.decode("latin-1")
        try:
            scope["app"].state.tokens.verify(authorization)
        except NotAuthorized:
            return None  # the app answers the 401
        query = scope.get("query_string", b"").decode("latin-1")
        return (
            scope["path"],
            query,
            pick_language(accept_language),
            str(scope.get("tvdbd.shape", "")),
        )

    def _slot_for(self, scope: Scope) -> int:
        """The mark an answer depends on besides the catalogue's (ids parsed as handlers do,
        so `/series/0076156` depends on series 76156)."""
        series_id = series_id_in_path(scope["path"])
        if series_id is not None:
            return ChangeMarks.slot_of(series_id)
        match = _EPISODE_PATH.match(scope["path"])
        episode_id = parse_id(match[1]) if match else None
        return ChangeMarks.episode_slot_of(episode_id) if episode_id is not None else 0

    def _fresh(self, key: tuple[str, ...]) -> Entry | None:
        with self._lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if (
                self.marks.read(entry.slot) != entry.mark
                or self.marks.read(0) != entry.catalogue_mark
            ):
                self._evict(key)
                return None
            self.entries.move_to_end(key)
            return entry

    def _store(
        self,
        key: tuple[str, ...],
        scope: Scope,
        captured: dict[str, object],
        marks: tuple[int, int],
    ) -> None:
        start = captured["start"]
        assert isinstance(start, dict)
        if start["status"] not in (200, 404):
            return
        mark, catalogue_mark = marks
        chunks = captured.get("body", [])
        assert isinstance(chunks, list)
        entry = Entry(
            status=int(start["status"]),
            headers=list(start.get("headers", [])),
            body=b"".join(chunks),
            slot=self._slot_for(scope),
            mark=mark,
            catalogue_mark=catalogue_mark,
        )
        if entry.size > self.max_bytes // 8:
            return  # one answer may not crowd out the rest
        with self._lock:
            if key in self.entries:
                self._evict(key)
            self.entries[key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes and self.entries:
                self._evict(next(iter(self.entries)))

    def _evict(self, key: tuple[str, ...]) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry.size
