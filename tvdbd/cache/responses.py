"""The encoded-response cache: catalogue answers kept as bytes, per route, language and shape.

Two parts share one store of entries:

- ``ResponseCache.serve_hit`` runs first of all, before Starlette's middleware stack (see
  ``tvdbd.app.TvdbdApp``): a GET with a valid token, a plain path and none of the headers the
  HTTP cache layer acts on (Accept-Encoding, If-None-Match, If-Modified-Since), whose answer
  is stored and still fresh (its change marks unchanged, see tvdbd.cache.marks), is sent at
  once. Every middleware would pass such an answer through unchanged, so skipping them gives
  the same bytes for a fraction of the cost;
- ``ResponseCache`` as middleware in front of the router serves the other hits (so they
  still get 304s and compression from the layer outside it), runs the app on a miss and
  keeps 200 and 404 answers.

Memory is bounded by a byte budget (least recently used first out). Everything runs on the
event loop's thread, so the store needs no lock.

What an answer depends on:
- `/series/{id}...`: that series (its mark moves on import of the series and on ratings);
- `/episodes/{id}`: that episode (its mark moves on ratings of it) and the catalogue (every
  import moves that mark);
- everything (movie answers only on it): the catalogue mark, which every import moves.
User routes, login, artwork files and the docs are never cached.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvdbd.api.read_through import NO_STORE
from tvdbd.cache.marks import ChangeMarks
from tvdbd.db.catalogue import parse_id
from tvdbd.errors import NotAuthorized
from tvdbd.http.conditional import series_id_in_path
from tvdbd.http.http_cache import HttpCache
from tvdbd.http.normalize import negotiate_shape
from tvdbd.http.observe import CACHED
from tvdbd.languages import pick_language
from tvdbd.records.render import V3

_EPISODE_PATH = re.compile(r"^/episodes/([^/]+)$")
_CACHED_PREFIXES = (
    "/series/", "/episodes/", "/search/", "/updated/", "/languages", "/movies/", "/movieupdates",
)  # fmt: skip
UNSYNCED_LIFETIME = 5.0
# Bytes of bookkeeping counted against the budget besides the body and header bytes, as
# tracemalloc finds them (tests/cache/test_response_cache_memory.py): per entry its object,
# key tuple, path and query strings and its place in the OrderedDict; per header its tuple
# and two bytes objects.
_ENTRY_OVERHEAD = 500
_HEADER_OVERHEAD = 140
# Headers that make the HTTP cache layer change an answer (see tvdbd.http.http_cache).
_HTTP_CACHE_HEADERS = frozenset((b"accept-encoding", b"if-none-match", b"if-modified-since"))
_language_of = lru_cache(maxsize=256)(pick_language)
_shape_of = lru_cache(maxsize=64)(negotiate_shape)


@dataclass(slots=True)
class Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    slot: int
    mark: int
    catalogue_mark: int
    stored_at: float = 0.0

    @property
    def size(self) -> int:
        headers = sum(len(k) + len(v) + _HEADER_OVERHEAD for k, v in self.headers)
        return len(self.body) + _ENTRY_OVERHEAD + headers


def right_sized(body: bytes) -> bytes:
    """``body`` in a buffer of its own length. orjson (3.12 on) hands out bytes whose buffer
    is 4 KB at least and grown by doubling, never trimmed: kept as they come, cached
    answers would hold up to 16 times the bytes the budget counts (a 30-byte 404 held 4 KB)."""
    return bytes(memoryview(body))


class ResponseStore:
    """The entries, their byte budget and the change marks they are checked against."""

    def __init__(self, marks: ChangeMarks, max_bytes: int, *, negotiate: bool = False):
        self.marks = marks
        self.max_bytes = max_bytes
        # The `accept_version_negotiation` setting: off, Accept does not change an answer.
        self.negotiate = negotiate
        # True while other hosts' changes may not reach this process (its invalidation
        # listener is down): entries then live UNSYNCED_LIFETIME seconds at most.
        self.unsynced: Callable[[], bool] = lambda: False
        self.entries: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0


async def serve_hit(
    store: ResponseStore, scope: Scope, send: Send, http_cache: HttpCache | None = None
) -> bool:
    """Send a fresh stored answer before the middleware stack; False when there is none.

    Same key as the middleware below, from the raw request (a path with `//` is left to the
    path-normalizing middleware, so that both see the same path). A request asking for a
    content coding or a conditional answer (every real client sends Accept-Encoding) has its
    hit sent through ``http_cache``, the same layer the middleware path passes, so both paths
    give the same bytes; without one, such a request is left to the stack.
    """
    if not store.max_bytes or scope["type"] != "http" or "//" in scope["path"]:
        return False
    refused = _HTTP_CACHE_HEADERS if http_cache is None else frozenset()
    key = _key(store, scope, refused_headers=refused)
    entry = _fresh(store, key) if key is not None else None
    if entry is None:
        return False
    if http_cache is not None:
        send = http_cache.wrap(scope, send)
    await _send_entry(store, entry, send, scope)
    return True


def _key(
    store: ResponseStore, scope: Scope, refused_headers: frozenset[bytes] = frozenset()
) -> tuple[str, ...] | None:
    """(path, query, language, shape) of a cacheable GET with a valid token; None for any
    other request and for one carrying a header of ``refused_headers``. The shape is 3.0.0,
    or with negotiation on, negotiated from the first Accept header, as WireNormalizer does."""
    path = scope["path"]
    if scope["method"] != "GET" or not path.startswith(_CACHED_PREFIXES):
        return None
    authorization = accept_language = accept = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"accept-language":
            accept_language = value.decode("latin-1")
        elif name == b"accept":
            accept = accept if accept is not None else value.decode("latin-1")
        elif name in refused_headers:
            return None
    try:
        scope["app"].state.tokens.verify(authorization)
    except NotAuthorized:
        return None  # the app answers the 401
    return (
        path,
        scope.get("query_string", b"").decode("latin-1"),
        _language_of(accept_language),
        _shape_of(accept) if store.negotiate else V3,
    )


async def _send_entry(store: ResponseStore, entry: Entry, send: Send, scope: Scope) -> None:
    store.hits += 1
    scope[CACHED] = True
    await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers})
    await send({"type": "http.response.body", "body": entry.body})


class ResponseCache:
    """The middleware part; see the module docstring. A ``store`` with ``max_bytes`` 0 is off."""

    def __init__(self, app: ASGIApp, store: ResponseStore):
        self.app = app
        self.store = store
        self.marks = store.marks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        store = self.store
        key = _key(store, scope) if store.max_bytes and scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = _fresh(store, key)
        if entry is not None:
            await _send_entry(store, entry, send, scope)
            return
        store.misses += 1
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

    def _slot_for(self, scope: Scope) -> int:
        """The mark an answer depends on besides the catalogue's (ids parsed as handlers do,
        so `/series/0076156` depends on series 76156)."""
        series_id = series_id_in_path(scope["path"])
        if series_id is not None:
            return ChangeMarks.slot_of(series_id)
        match = _EPISODE_PATH.match(scope["path"])
        episode_id = parse_id(match[1]) if match else None
        return ChangeMarks.episode_slot_of(episode_id) if episode_id is not None else 0

    def _store(
        self,
        key: tuple[str, ...],
        scope: Scope,
        captured: dict[str, object],
        marks: tuple[int, int],
    ) -> None:
        start = captured["start"]
        assert isinstance(start, dict)
        if start["status"] not in (200, 404) or scope.get(NO_STORE):
            return
        mark, catalogue_mark = marks
        chunks = captured.get("body", [])
        assert isinstance(chunks, list)
        entry = Entry(
            status=int(start["status"]),
            headers=list(start.get("headers", [])),
            body=right_sized(b"".join(chunks)),
            slot=self._slot_for(scope),
            mark=mark,
            catalogue_mark=catalogue_mark,
            stored_at=time.monotonic(),
        )
        store = self.store
        if entry.size > store.max_bytes // 8:
            return  # one answer may not crowd out the rest
        if key in store.entries:
            _evict(store, key)
        store.entries[key] = entry
        store.bytes += entry.size
        while store.bytes > store.max_bytes and store.entries:
            _evict(store, next(iter(store.entries)))


def _fresh(store: ResponseStore, key: tuple[str, ...]) -> Entry | None:
    entry = store.entries.get(key)
    if entry is None:
        return None
    marks = store.marks
    if (
        marks.read(entry.slot) != entry.mark
        or marks.read(0) != entry.catalogue_mark
        or (store.unsynced() and time.monotonic() - entry.stored_at > UNSYNCED_LIFETIME)
    ):
        _evict(store, key)
        return None
    store.entries.move_to_end(key)
    return entry


def _evict(store: ResponseStore, key: tuple[str, ...]) -> None:
    entry = store.entries.pop(key, None)
    if entry is not None:
        store.bytes -= entry.size
