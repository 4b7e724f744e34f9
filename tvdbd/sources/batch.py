"""Fetching and storing many series from a live source at once (the CLI's `fetch` commands),
then their artwork."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from tvdbd.errors import SourceError, SourceNotFound, SourceRefused
from tvdbd.images.store import ImageStore
from tvdbd.sources.base import ArtworkReport, Source, download_artwork
from tvdbd.sources.store import missing_artwork, store_series

Fetch = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class BatchReport:
    stored: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    artwork: ArtworkReport = field(default_factory=ArtworkReport)
    seconds: float = 0.0


async def fetch_many(
    engine: Engine,
    images: ImageStore,
    source: Source,
    jobs: list[tuple[str, Fetch]],
    *,
    artwork: bool = True,
    concurrency: int = 4,
    progress: Callable[[int], None] | None = None,
    artwork_progress: Callable[[int | None, int], None] | None = None,
) -> BatchReport:
    """Run each (label, fetch) job: map, store whole; a refused key stops everything.

    `artwork_progress(total, done)` is told the number of files once, then each one done.
    """
    report = BatchReport()
    started = time.monotonic()
    slots = asyncio.Semaphore(concurrency)
    wanted_art: list[str] = []

    async def one(label: str, fetch: Fetch) -> None:
        async with slots:
            try:
                bundle = await fetch()
                stored = await asyncio.to_thread(store_series, engine, bundle)
                if artwork:
                    paths = await asyncio.to_thread(missing_artwork, bundle, images)
                    wanted_art.extend(p for p in paths if p not in wanted_art)
            except SourceNotFound as exc:
                report.not_found.append(f"{label}: {exc.reason}")
            except SourceRefused:
                raise
            except SourceError as exc:
                report.failed.append(f"{label}: {exc.reason}")
            else:
                (report.stored if stored.changed else report.unchanged).append(stored.series_id)
            finally:
                if progress:
                    progress(1)

    await asyncio.gather(*(one(label, fetch) for label, fetch in jobs))
    if wanted_art:
        if artwork_progress:
            artwork_progress(len(wanted_art), 0)
        report.artwork = await download_artwork(
            source,
            images,
            wanted_art,
            progress=(lambda n: artwork_progress(None, n)) if artwork_progress else None,
        )
    report.seconds = time.monotonic() - started
    return report
