"""What every live source offers the read-through, `tvdbd sync` and the CLI, and the
artwork download they share."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tvdbd.errors import SourceError
from tvdbd.images.store import ImageStore
from tvdbd.sources.fetch import Upstream

log = logging.getLogger("tvdbd.sources")


class Source(Protocol):
    """A live source of whole series in bundle form."""

    name: str
    upstream: Upstream  # the API
    artwork: Upstream  # the image host (a CDN: no API rate limit applies)

    async def series_bundle(self, series_id: int) -> dict[str, Any]:
        """The series with this TheTVDB id as a bundle; SourceNotFound when there is none."""
        ...

    async def find(self, params: dict[str, str]) -> list[int]:
        """TheTVDB ids of series matching a /search/series query (name, imdbId, zap2itId,
        slug), best first."""
        ...

    async def series_of_episode(self, episode_id: int) -> int | None:
        """The series an episode id belongs to, if the source knows the episode."""
        ...

    def artwork_url(self, path: str) -> str:
        """Where the file at an image-store path is downloaded from."""
        ...

    async def aclose(self) -> None: ...


@dataclass
class ArtworkReport:
    downloaded: int = 0
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


async def download_artwork(
    source: Source,
    images: ImageStore,
    paths: list[str],
    *,
    progress: Callable[[int], None] | None = None,
) -> ArtworkReport:
    """Fetch each path into the image store (the upstream bounds the concurrency)."""
    report = ArtworkReport()

    async def one(path: str) -> None:
        try:
            data = await source.artwork.download(source.artwork_url(path))
            if data is None:
                report.missing.append(path)
            else:
                await asyncio.to_thread(images.add_bytes, path, data)
                report.downloaded += 1
        except (SourceError, OSError) as exc:
            report.failed.append(f"{path}: {exc}")
        finally:
            if progress:
                progress(1)

    await asyncio.gather(*(one(p) for p in paths))
    if report.failed:
        log.warning("%s: %d artwork file(s) not downloaded", source.name, len(report.failed))
    return report
