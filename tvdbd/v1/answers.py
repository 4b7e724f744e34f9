"""Rendered v1 answers kept in memory, checked against the same change marks as v2.

An answer remembers the marks it was built under (read before its database reads): the
mark of the series (or episode) it shows and the catalogue's, which every import moves
(tvdbd.cache.marks). It is served while both are unchanged, so an import or a user's rating
makes the next request rebuild it, never serve it stale. The `all/<lang>.zip` of a series
is one such answer: built once per change, then sent as stored bytes. Memory is bounded by a
byte budget, least recently used first out; everything runs on the event loop's thread.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from tvdbd.cache.marks import ChangeMarks

CATALOGUE = 0  # the catalogue-wide slot
_OVERHEAD = 300  # bytes of bookkeeping per entry, counted against the budget


@dataclass(frozen=True)
class Answer:
    """What a v1 route sends: the body, its type, and the Last-Modified epoch (or None)."""

    body: bytes
    content_type: str
    last_modified: int | None = None


@dataclass
class _Entry:
    answer: Answer
    slot: int
    mark: int
    catalogue_mark: int


class Answers:
    """The store of one worker; ``max_bytes`` 0 turns it off."""

    def __init__(self, marks: ChangeMarks, max_bytes: int):
        self.marks = marks
        self.max_bytes = max_bytes
        self.entries: OrderedDict[tuple[object, ...], _Entry] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0

    def get(self, key: tuple[object, ...], slot: int, build: Callable[[], Answer]) -> Answer:
        """The stored answer for ``key`` while fresh; else ``build()`` it and keep it.

        ``build`` may raise (a 404): nothing is kept then, so a series imported later is
        found at once.
        """
        entry = self.entries.get(key)
        marks = self.marks
        if entry is not None:
            if (
                marks.read(entry.slot) == entry.mark
                and marks.read(CATALOGUE) == entry.catalogue_mark
            ):
                self.entries.move_to_end(key)
                self.hits += 1
                return entry.answer
            self._evict(key)
        self.misses += 1
        # Marks first, then the database: a change committed meanwhile leaves old marks.
        mark, catalogue_mark = marks.read(slot), marks.read(CATALOGUE)
        answer = build()
        if self.max_bytes:
            self._keep(key, _Entry(answer, slot, mark, catalogue_mark))
        return answer

    def _keep(self, key: tuple[object, ...], entry: _Entry) -> None:
        size = len(entry.answer.body) + _OVERHEAD
        if size > self.max_bytes // 8:
            return  # one answer may not crowd out the rest
        self.entries[key] = entry
        self.bytes += size
        while self.bytes > self.max_bytes and self.entries:
            self._evict(next(iter(self.entries)))

    def _evict(self, key: tuple[object, ...]) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.bytes -= len(entry.answer.body) + _OVERHEAD

    @staticmethod
    def series_slot(series_id: int) -> int:
        return ChangeMarks.slot_of(series_id)

    @staticmethod
    def episode_slot(episode_id: int) -> int:
        return ChangeMarks.episode_slot_of(episode_id)
