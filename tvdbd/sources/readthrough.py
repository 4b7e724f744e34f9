"""Read-through: a series missing from the catalogue is fetched from a live source when a
client asks for it, stored whole, and answered as if it had been imported.

Bounded on every side: a request waits at most `source_timeout_seconds` (the fetch goes on
and is stored for the next request); one fetch per series at a time in a worker, however
many clients ask; an id the source does not have is not asked again for a while, and a
source that failed is left alone for a short while, so clients get the stored answer at once
(also while a fetch is still retrying a source that is failing, offline or down).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from sqlalchemy import Engine

from tvdbd.errors import SourceError, SourceNotFound, SourceRefused
from tvdbd.images.store import ImageStore
from tvdbd.settings import Settings
from tvdbd.sources.base import Source, download_artwork
from tvdbd.sources.store import is_stored, missing_artwork, store_series

log = logging.getLogger("tvdbd.sources")

NOT_FOUND_SECONDS = 3600.0  # an id the source does not have is asked again after this
# A source that failed is left alone for this many times the request timeout (30 s by
# default), and for REFUSED_SECONDS when it refused our key.
FAILED_TIMEOUTS = 3
REFUSED_SECONDS = 600.0
REMEMBERED = 10_000  # ids and searches remembered as missing, per worker


class ReadThrough:
    """The read-through of one worker process; every method runs on its event loop."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        images: ImageStore,
        open_source: Callable[[], Source],
    ):
        self.engine = engine
        self.images = images
        self.timeout = settings.source_timeout_seconds
        self.failed_quiet = FAILED_TIMEOUTS * self.timeout
        self.search_limit = settings.read_through_search_limit
        self.artwork = settings.source_artwork
        self._open_source = open_source
        self._source: Source | None = None
        self._running: dict[Hashable, asyncio.Task[bool]] = {}
        self._missing: OrderedDict[Hashable, float] = OrderedDict()
        self._quiet_until = 0.0
        self._background: set[asyncio.Task[Any]] = set()

    @property
    def source(self) -> Source:
        if self._source is None:
            self._source = self._open_source()  # on the event loop that will use it
        return self._source

    async def aclose(self) -> None:
        for task in list(self._background) + list(self._running.values()):
            task.cancel()
        if self._source is not None:
            await self._source.aclose()

    # ------------------------------------------------------------ what the routes ask

    async def ensure_series(self, series_id: int) -> bool:
        """True when the series is stored now (it was fetched in time)."""
        if not 0 < series_id < 2**31:
            return False  # not an id TheTVDB gives
        return await self._bounded(("series", series_id), lambda: self._fetch(series_id))

    async def ensure_search(self, params: dict[str, str]) -> bool:
        """True when a search that found nothing stored found series at the source."""
        key = ("search", *sorted((k.lower(), v.strip().lower()) for k, v in params.items()))
        return await self._bounded(key, lambda: self._search(params))

    async def ensure_episode(self, episode_id: int) -> bool:
        if not 0 < episode_id < 2**53:
            return False
        return await self._bounded(("episode", episode_id), lambda: self._episode(episode_id))

    # ------------------------------------------------------------ the machinery

    async def _bounded(self, key: Hashable, work: Callable[[], Awaitable[bool]]) -> bool:
        now = time.monotonic()
        if now < self._quiet_until or self._missing.get(key, 0) > now:
            return False
        task = self._running.get(key)
        if task is None and self._running and self._failing():
            # Another fetch is retrying a source in trouble (down, offline): this request
            # gets the stored answer now rather than a wait for the same failure.
            return False
        if task is None:
            task = asyncio.create_task(self._guarded(key, work))
            self._running[key] = task
            task.add_done_callback(lambda _: self._running.pop(key, None))
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.timeout)
        except TimeoutError:
            log.info("read-through of %s still running after %.1f s", key, self.timeout)
            return False

    def _failing(self) -> bool:
        return self._source is not None and self._source.upstream.failing

    async def _guarded(self, key: Hashable, work: Callable[[], Awaitable[bool]]) -> bool:
        """Run a fetch; its failures become "not found" answers, remembered for a while."""
        try:
            found = await work()
        except SourceNotFound:
            found = False
        except SourceRefused as exc:
            log.error("read-through disabled for %.0f s: %s", REFUSED_SECONDS, exc)
            self._quiet_until = time.monotonic() + REFUSED_SECONDS
            return False
        except SourceError as exc:
            log.warning("read-through of %s failed: %s", key, exc)
            self._quiet_until = time.monotonic() + self.failed_quiet
            return False
        except Exception:
            log.exception("read-through of %s failed", key)
            self._quiet_until = time.monotonic() + self.failed_quiet
            return False
        if not found:
            self._missing[key] = time.monotonic() + NOT_FOUND_SECONDS
            self._missing.move_to_end(key)
            while len(self._missing) > REMEMBERED:
                self._missing.popitem(last=False)
        return found

    async def _fetch(self, series_id: int) -> bool:
        bundle = await self.source.series_bundle(series_id)
        await asyncio.to_thread(store_series, self.engine, bundle)
        if self.artwork:
            self._in_background(self._artwork(bundle))
        return True

    async def _artwork(self, bundle: dict[str, Any]) -> None:
        paths = await asyncio.to_thread(missing_artwork, bundle, self.images)
        if paths:
            await download_artwork(self.source, self.images, paths)

    async def _search(self, params: dict[str, str]) -> bool:
        ids = (await self.source.find(params))[: self.search_limit]
        stored = [await self._stored(i) for i in ids]
        todo = [i for i, there in zip(ids, stored, strict=True) if not there]
        fetched = await asyncio.gather(*(self.ensure_series(i) for i in todo))
        return any(stored) or any(fetched)

    async def _episode(self, episode_id: int) -> bool:
        series_id = await self.source.series_of_episode(episode_id)
        if series_id is None:
            return False
        return await self._stored(series_id) or await self.ensure_series(series_id)

    async def _stored(self, series_id: int) -> bool:
        return await asyncio.to_thread(is_stored, self.engine, series_id)

    def _in_background(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
