"""Rendered page parts kept in memory, checked against the API's change marks.

What is kept is the part of a page that is the same for everyone (what an anonymous visitor
sees of the catalogue): never a person's favorites, ratings, name or CSRF token, which are
filled in per request around it. A part remembers the marks it was built under (read before
its database reads, as tvdbd.cache.responses does) and is served only while they are
unchanged, so an import, a rating or a deleted account rebuilds it on every worker and host.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from tvdbd.cache.marks import ChangeMarks


@dataclass
class _Part:
    html: str
    slot: int
    mark: int
    catalogue_mark: int


class PageCache:
    """Parts by key, least recently used out first past ``max_bytes`` (0: keep nothing)."""

    def __init__(self, marks: ChangeMarks, max_bytes: int):
        self.marks = marks
        self.max_bytes = max_bytes
        self.parts: OrderedDict[Hashable, _Part] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0

    def get_or_build(self, key: Hashable, slot: int, build: Callable[[], str]) -> str:
        """The part under ``key``, built by ``build`` unless a fresh one is kept. ``slot`` is
        the change mark it depends on besides the catalogue's (0 for none)."""
        marks = self.marks
        part = self.parts.get(key)
        if part is not None:
            if marks.read(part.slot) == part.mark and marks.read(0) == part.catalogue_mark:
                self.parts.move_to_end(key)
                self.hits += 1
                return part.html
            self._drop(key)
        self.misses += 1
        mark, catalogue_mark = marks.read(slot), marks.read(0)
        html = build()
        if self.max_bytes and len(html) * 2 <= self.max_bytes // 8:
            self.parts[key] = _Part(html, slot, mark, catalogue_mark)
            self.bytes += len(html) * 2
            while self.bytes > self.max_bytes and self.parts:
                self._drop(next(iter(self.parts)))
        return html

    def _drop(self, key: Hashable) -> None:
        part = self.parts.pop(key, None)
        if part is not None:
            self.bytes -= len(part.html) * 2
