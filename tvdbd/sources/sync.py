"""`tvdbd sync`: follow TheTVDB v4's update feed and refresh the stored series that changed.

Resumable after a kill at any point: the checkpoint (a feed timestamp in the database) moves
only past series whose new version is committed. Series are refreshed a few at a time, in
the order of their last change, and the checkpoint moves to the newest change such that
every earlier one is stored, so a restart repeats at most the series that were in flight
(storing an unchanged series again changes nothing).

Only series stored from v4 are refreshed (read-through or `tvdbd source tvdb-v4 fetch`):
the feed covers all of TheTVDB, and a catalogue is what its operator chose to keep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from tvdbd.errors import SourceDataError, SourceNotFound, SourceRefused, SourceUnavailable
from tvdbd.images.store import ImageStore
from tvdbd.sources.base import download_artwork
from tvdbd.sources.store import (
    Checkpoint,
    FeedLock,
    delete_series,
    missing_artwork,
    series_from,
    store_series,
)
from tvdbd.sources.tvdb_v4.client import TvdbV4
from tvdbd.sources.tvdb_v4.mapping import SOURCE_NAME

log = logging.getLogger("tvdbd.sources")

FEED = "thetvdb-v4:updates"
# Entity types of the feed that name a series: its own record, and its episodes (whose
# entries carry the series id).
ENTITY_TYPES = ("series", "episodes")
# v4 refuses `since` more than three months back; a checkpoint older than this starts here.
OLDEST_SINCE_SECONDS = 89 * 86400


@dataclass
class _Change:
    timestamp: int
    deleted: bool


@dataclass
class SyncReport:
    position: int | None = None  # the checkpoint after this run
    leased: bool = True  # False: another process is following the feed (nothing done)
    nothing_stored: bool = False  # True: no series stored from v4, the feed was not read
    seen: int = 0  # feed entries read
    refreshed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    artwork: int = 0


async def sync_once(
    engine: Engine,
    images: ImageStore,
    source: TvdbV4,
    *,
    artwork: bool = True,
    concurrency: int = 4,
    progress: Callable[[int | None, int], None] | None = None,
) -> SyncReport:
    """One pass over the feed since the checkpoint. `progress(total, done)` is told the
    number of series to refresh once, then each one done."""
    report = SyncReport()
    ours = await asyncio.to_thread(series_from, engine, SOURCE_NAME)
    if not ours:
        # The feed covers all of TheTVDB; with nothing of it stored there is nothing to ask.
        report.nothing_stored = True
        return report
    checkpoint = Checkpoint(engine, FEED)
    lock = FeedLock(engine, FEED)

    def start() -> int:
        # First run: everything changed since the oldest fetch of a stored v4 series.
        return min(ours.values(), default=0) or int(time.time())

    if not await asyncio.to_thread(lock.acquire):
        report.leased = False
        return report
    try:
        position = await asyncio.to_thread(checkpoint.start, start)
        oldest = int(time.time()) - OLDEST_SINCE_SECONDS
        if position < oldest:
            log.warning(
                "%s: the checkpoint is over %d days old; changes before that are not in the "
                "feed (refresh every series with `tvdbd source tvdb-v4 fetch --refresh`)",
                FEED,
                OLDEST_SINCE_SECONDS // 86400,
            )
            position = oldest
        changes, newest = await _changes(source, position, ours, report)
        report.position = await _refresh(
            engine,
            images,
            source,
            changes,
            position,
            newest,
            checkpoint,
            report,
            artwork=artwork,
            concurrency=concurrency,
            progress=progress,
        )
    finally:
        await asyncio.to_thread(lock.release)
    return report


async def _changes(
    source: TvdbV4, since: int, ours: dict[int, int], report: SyncReport
) -> tuple[dict[int, _Change], int]:
    """The stored series the feed names since `since`, with their last change; and the
    newest timestamp in the feed."""
    changes: dict[int, _Change] = {}
    newest = since
    for entity_type in ENTITY_TYPES:
        async for entry in source.updates(since, entity_type):
            report.seen += 1
            newest = max(newest, entry.timestamp)
            series_id = entry.record_id if entity_type == "series" else entry.series_id
            if series_id is None or series_id not in ours:
                continue
            change = changes.setdefault(series_id, _Change(entry.timestamp, deleted=False))
            if entity_type == "series" and entry.timestamp >= change.timestamp:
                change.deleted = entry.method == "delete"
            change.timestamp = max(change.timestamp, entry.timestamp)
    return changes, newest


async def _refresh(
    engine: Engine,
    images: ImageStore,
    source: TvdbV4,
    changes: dict[int, _Change],
    position: int,
    newest: int,
    checkpoint: Checkpoint,
    report: SyncReport,
    *,
    artwork: bool,
    concurrency: int,
    progress: Callable[[int | None, int], None] | None,
) -> int:
    """Refresh the changed series, oldest change first; the checkpoint reached."""
    order = sorted(changes.items(), key=lambda item: (item[1].timestamp, item[0]))
    done = [False] * len(order)
    committed = 0  # order[:committed] are all stored
    stuck = False  # a series the source could not give now: the checkpoint stays before it
    slots = asyncio.Semaphore(concurrency)
    if progress:
        progress(len(order), 0)

    async def one(index: int) -> None:
        nonlocal committed, stuck
        series_id, change = order[index]
        async with slots:
            if stuck:
                return
            try:
                await _apply(engine, images, source, series_id, change, report, artwork)
            except (SourceUnavailable, SourceRefused) as exc:
                report.failed.append(f"series {series_id}: {exc.reason}")
                stuck = True
                if isinstance(exc, SourceRefused):
                    raise
                return
            except SourceDataError as exc:
                # It will not read better next time: reported, and the feed moves on.
                report.failed.append(f"series {series_id}: {exc.reason}")
        done[index] = True
        if progress:
            progress(None, 1)
        advanced = committed
        while advanced < len(order) and done[advanced]:
            advanced += 1
        if advanced > committed:
            committed = advanced
            await asyncio.to_thread(checkpoint.move, order[committed - 1][1].timestamp)

    await asyncio.gather(*(one(i) for i in range(len(order))))
    final = (
        newest
        if committed == len(order)
        else (order[committed - 1][1].timestamp if committed else position)
    )
    await asyncio.to_thread(checkpoint.move, final)
    return final


async def _apply(
    engine: Engine,
    images: ImageStore,
    source: TvdbV4,
    series_id: int,
    change: _Change,
    report: SyncReport,
    artwork: bool,
) -> None:
    if not change.deleted:
        try:
            bundle = await source.series_bundle(series_id)
        except SourceNotFound:
            change.deleted = True  # gone from TheTVDB since the feed named it
        else:
            stored = await asyncio.to_thread(store_series, engine, bundle)
            (report.refreshed if stored.changed else report.unchanged).append(series_id)
            if artwork and stored.changed:
                paths = await asyncio.to_thread(missing_artwork, bundle, images)
                report.artwork += (await download_artwork(source, images, paths)).downloaded
            return
    if await asyncio.to_thread(delete_series, engine, series_id):
        report.deleted.append(series_id)


async def follow(
    engine: Engine,
    images: ImageStore,
    open_source: Callable[[], TvdbV4],
    *,
    interval: float,
    artwork: bool,
    concurrency: int,
    stop: asyncio.Event | None = None,
) -> None:
    """Sync every `interval` seconds until `stop` is set (the loop `tvdbd serve` runs)."""
    stop = stop or asyncio.Event()
    source = open_source()
    try:
        while not stop.is_set():
            try:
                report = await sync_once(
                    engine, images, source, artwork=artwork, concurrency=concurrency
                )
                if report.leased and not report.nothing_stored:
                    log.info(
                        "sync: %d refreshed, %d deleted, %d failed, checkpoint %s",
                        len(report.refreshed),
                        len(report.deleted),
                        len(report.failed),
                        report.position,
                    )
            except SourceRefused as exc:
                log.error("sync stopped: %s", exc)
                return
            except Exception:
                log.exception("sync failed; trying again in %.0f s", interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
    finally:
        await source.aclose()
