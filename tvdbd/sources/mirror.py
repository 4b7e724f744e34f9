"""Another TheTVDB API v2 server (another tvdbd, or anything that speaks v2) as a source.

A series is read whole through the v2 routes themselves: the record in each configured
language, every episode page in each language, actors, images of every key type. API v2 does
not say which language is a series' original one, so the bundle's base is the first
configured language and the others are its translations: for those languages a mirror
serves exactly what the upstream serves.

`follow` walks `/updated/query` a week at a time from a checkpoint and stores every series
that changed there, whole (see tvdbd.sources.sync for the same ordering and checkpoint rules).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from tvdbd.errors import SourceDataError, SourceNotFound, SourceRefused
from tvdbd.images.store import ImageStore
from tvdbd.records import artwork as artwork_records
from tvdbd.records import episode as episode_records
from tvdbd.records import series as series_records
from tvdbd.sources.base import download_artwork
from tvdbd.sources.fetch import BearerSession, FetchPolicy, Upstream
from tvdbd.sources.store import Checkpoint, FeedLock, delete_series, missing_artwork, store_series

log = logging.getLogger("tvdbd.sources")

SOURCE_NAME = "mirror"
ONE_WEEK = 7 * 86400
KEY_TYPES = artwork_records.KEY_TYPES
# Keys the server derives (bundle-format.md): left out unless they differ from the derivation.
_DERIVED_SERIES = ("season", "language")


class V2Server:
    """A logged-in session with a v2 server."""

    name = SOURCE_NAME

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        languages: tuple[str, ...] = ("en",),
        policy: FetchPolicy | None = None,
        artwork_base: str | None = None,
    ):
        if not api_key:
            raise SourceRefused(SOURCE_NAME, "no API key for the upstream server (--apikey)")
        policy = policy or FetchPolicy()
        self.base_url = base_url.rstrip("/")
        self.upstream = Upstream(SOURCE_NAME, self.base_url, policy)
        self.artwork_base = (artwork_base or f"{self.base_url}/banners/").rstrip("/") + "/"
        self.artwork = Upstream(f"{SOURCE_NAME} artwork", self.artwork_base, policy)
        self.languages = languages
        self._api_key = api_key
        self.session = BearerSession(self.upstream, self._new_token)

    async def aclose(self) -> None:
        await self.upstream.aclose()
        await self.artwork.aclose()

    def artwork_url(self, path: str) -> str:
        return self.artwork_base + path

    async def _new_token(self) -> str:
        try:
            answer = await self.upstream.post_json("login", {"apikey": self._api_key})
        except SourceRefused:
            raise SourceRefused(SOURCE_NAME, f"{self.base_url} refused the API key") from None
        token = answer.get("token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceDataError(SOURCE_NAME, "POST /login answered without a token")
        return token

    async def get(
        self, path: str, params: dict[str, Any] | None = None, language: str = "en"
    ) -> Any:
        """A decoded GET in a language."""
        return await self.session.get_json(path, params, {"Accept-Language": language})

    # ------------------------------------------------------------ a whole series

    async def series_bundle(self, series_id: int) -> dict[str, Any]:
        base = self.languages[0]
        records, episode_lists, actors, images = await asyncio.gather(
            asyncio.gather(*(self._data(f"series/{series_id}", lang) for lang in self.languages)),
            asyncio.gather(*(self._episodes(series_id, lang) for lang in self.languages)),
            self._list(f"series/{series_id}/actors", base),
            self._images(series_id, base),
        )
        try:
            return _bundle(series_id, dict(zip(self.languages, records, strict=True)),
                           dict(zip(self.languages, episode_lists, strict=True)), actors, images,
                           self.base_url)  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SourceDataError(SOURCE_NAME, f"series {series_id}: {exc}") from None

    async def _data(self, path: str, language: str) -> Any:
        answer = await self.get(path, language=language)
        if not isinstance(answer, dict) or "data" not in answer:
            raise SourceDataError(SOURCE_NAME, f"{path} answered without `data`")
        return answer["data"]

    async def _list(self, path: str, language: str, params: dict[str, Any] | None = None) -> list:
        try:
            answer = await self.get(path, params, language)
        except SourceNotFound:
            return []
        data = answer.get("data") if isinstance(answer, dict) else None
        return data if isinstance(data, list) else []

    async def _episodes(self, series_id: int, language: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            try:
                answer = await self.get(f"series/{series_id}/episodes", {"page": page}, language)
            except SourceNotFound:
                return found  # no episodes (or a page past the last)
            found.extend(e for e in answer.get("data") or [] if isinstance(e, dict))
            following = (answer.get("links") or {}).get("next")
            if not isinstance(following, int) or following <= page:
                return found
            page = following

    async def _images(self, series_id: int, language: str) -> list[dict[str, Any]]:
        try:
            summary = await self._data(f"series/{series_id}/images", language)
        except SourceNotFound:
            return []
        kinds = [k for k in KEY_TYPES if isinstance(summary, dict) and summary.get(k)]
        lists = await asyncio.gather(*(
            self._list(f"series/{series_id}/images/query", language, {"keyType": k})
            for k in kinds
        ))  # fmt: skip
        return [image for images in lists for image in images]

    # ------------------------------------------------------------ finding series

    async def find(self, params: dict[str, str]) -> list[int]:
        hits = await self._list("search/series", self.languages[0], params)
        return [h["id"] for h in hits if isinstance(h, dict) and isinstance(h.get("id"), int)]

    async def series_of_episode(self, episode_id: int) -> int | None:
        try:
            data = await self._data(f"episodes/{episode_id}", self.languages[0])
        except SourceNotFound:
            return None
        series_id = data.get("seriesId") if isinstance(data, dict) else None
        return series_id if isinstance(series_id, int) else None

    async def updated(self, from_time: int, to_time: int) -> list[tuple[int, int]]:
        """(series id, lastUpdated) changed in [from_time, to_time], oldest first."""
        rows = await self._list(
            "updated/query", self.languages[0], {"fromTime": from_time, "toTime": to_time}
        )
        found = [
            (r["id"], r["lastUpdated"])
            for r in rows
            if isinstance(r, dict) and isinstance(r.get("id"), int)
            and isinstance(r.get("lastUpdated"), int)
        ]  # fmt: skip
        return sorted(found, key=lambda row: (row[1], row[0]))


def _bundle(
    series_id: int,
    records: dict[str, dict[str, Any]],
    episode_lists: dict[str, list[dict[str, Any]]],
    actors: list[dict[str, Any]],
    images: list[dict[str, Any]],
    upstream: str,
) -> dict[str, Any]:
    base_language, *others = records
    base = records[base_language]
    if base.get("id") != series_id:
        raise ValueError("the record is another series")
    series = {k: v for k, v in base.items() if k not in _DERIVED_SERIES}
    series["language"] = base_language
    bundle: dict[str, Any] = {"series": _known(series, series_records.WIRE_ORDER_V3)}
    translations = {}
    for language in others:
        record = records[language]
        translation: dict[str, Any] = {
            "seriesName": record.get("seriesName"),
            "overview": record.get("overview"),
        }
        for key in series_records.TRANSLATION_ARTWORK:
            if record.get(key) != base.get(key):
                translation[key] = record.get(key)
        if record.get("aliases") != base.get("aliases"):
            translation["aliases"] = record.get("aliases") or []
        translations[language] = translation
    if translations:
        bundle["translations"] = translations
    by_language = {
        lang: {e["id"]: e for e in eps if isinstance(e.get("id"), int)}
        for lang, eps in episode_lists.items()
    }
    episodes = []
    for record in sorted(by_language[base_language].values(), key=lambda e: e["id"]):
        episode = _known(record, episode_records.WIRE_ORDER_V3, drop=("language",))
        names = {}
        for language in others:
            other = by_language[language].get(record["id"])
            if other and (other.get("episodeName") or other.get("overview")):
                names[language] = {
                    "episodeName": other.get("episodeName"),
                    "overview": other.get("overview"),
                }
        if names:
            episode["translations"] = names
        episodes.append(episode)
    if episodes:
        bundle["episodes"] = episodes
    if actors:
        bundle["actors"] = [{k: v for k, v in a.items() if k != "seriesId"} for a in actors]
    if images:
        bundle["images"] = [_image(i) for i in images]
    bundle["source"] = {"name": SOURCE_NAME, "id": str(series_id), "url": upstream}
    return bundle


def _known(record: dict[str, Any], order: list[str], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: record[k] for k in order if k in record and k not in drop}


def _image(record: dict[str, Any]) -> dict[str, Any]:
    image = {k: v for k, v in record.items() if k != "seriesLastUpdated"}
    if image.get("thumbnail") == artwork_records.thumbnail_for(image.get("fileName") or ""):
        image.pop("thumbnail")
    return image


# ---------------------------------------------------------------- following


@dataclass
class MirrorReport:
    leased: bool = True
    windows: int = 0
    refreshed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    position: int | None = None


async def mirror_once(
    engine: Engine,
    images: ImageStore,
    source: V2Server,
    *,
    since: int = 0,
    artwork: bool = True,
    progress: Callable[[int | None, int], None] | None = None,
) -> MirrorReport:
    """Store every series the upstream changed since the checkpoint (or `since`, on a first
    run), a week of /updated/query at a time; resumable after a kill at any point."""
    report = MirrorReport()
    feed = f"mirror:{source.base_url}"
    lock = FeedLock(engine, feed)
    if not await asyncio.to_thread(lock.acquire):
        report.leased = False
        return report
    try:
        checkpoint = Checkpoint(engine, feed)
        position = await asyncio.to_thread(checkpoint.start, lambda: since)
        now = int(time.time())
        while position <= now:
            end = min(position + ONE_WEEK, now)
            changed = await source.updated(position, end)
            report.windows += 1
            if progress and changed:
                progress(len(changed), 0)
            for series_id, updated in changed:
                try:
                    await _refresh(engine, images, source, series_id, report, artwork)
                except SourceDataError as exc:
                    report.failed.append(f"series {series_id}: {exc.reason}")
                if progress:
                    progress(None, 1)
                # Everything up to this change is stored (the changes come oldest first).
                await asyncio.to_thread(checkpoint.move, updated)
            if end == now:
                await asyncio.to_thread(checkpoint.move, now)
                position = now
                break
            position = end
            await asyncio.to_thread(checkpoint.move, position)
        report.position = position
    finally:
        await asyncio.to_thread(lock.release)
    return report


async def _refresh(
    engine: Engine,
    images: ImageStore,
    source: V2Server,
    series_id: int,
    report: MirrorReport,
    artwork: bool,
) -> None:
    try:
        bundle = await source.series_bundle(series_id)
    except SourceNotFound:
        if await asyncio.to_thread(delete_series, engine, series_id):
            report.deleted.append(series_id)
        return
    stored = await asyncio.to_thread(store_series, engine, bundle)
    (report.refreshed if stored.changed else report.unchanged).append(series_id)
    if artwork and stored.changed:
        paths = await asyncio.to_thread(missing_artwork, bundle, images)
        await download_artwork(source, images, paths)
