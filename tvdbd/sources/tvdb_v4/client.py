"""TheTVDB API v4 client: login, the records a series bundle needs, search and the update feed.

Only what tvdbd reads, with the operator's project key (and subscriber PIN). The key and the
token are sent in request bodies and headers only; neither is logged or put in an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from tvdbd.errors import SourceDataError, SourceNotFound, SourceRefused
from tvdbd.settings import Settings
from tvdbd.sources.codes import v2_language, v4_language
from tvdbd.sources.fetch import BearerSession, FetchPolicy, Upstream, policy_from
from tvdbd.sources.tvdb_v4.mapping import (
    SOURCE_NAME,
    V4Series,
    to_bundle,
    translation_languages,
    translation_records,
)

# Orders fetched besides the aired ("official") one, when the series has them.
EXTRA_SEASON_TYPES = ("dvd", "absolute")
# A series with more pages than this is not a series (a loop in links.next, say).
MAX_PAGES = 200
SEARCH_LIMIT = 20  # hits asked of v4's search; the read-through takes the first few


@dataclass(frozen=True)
class FeedEntry:
    """One entry of v4's update feed (GET /updates)."""

    entity_type: str
    record_id: int
    series_id: int | None
    method: str  # create, update, delete
    timestamp: int


class TvdbV4:
    """One logged-in session with TheTVDB v4."""

    name = SOURCE_NAME

    def __init__(
        self,
        base_url: str,
        api_key: str,
        pin: str = "",
        policy: FetchPolicy | None = None,
        *,
        languages: frozenset[str] | None = None,
        artwork_base: str = "https://artworks.thetvdb.com/banners/",
    ):
        if not api_key:
            raise SourceRefused(SOURCE_NAME, "no API key is set (TVDBD_TVDB_V4_API_KEY)")
        policy = policy or FetchPolicy()
        self.upstream = Upstream(SOURCE_NAME, base_url, policy)
        self.artwork = Upstream(f"{SOURCE_NAME} artwork", artwork_base, policy)
        self._api_key = api_key
        self._pin = pin
        self.session = BearerSession(self.upstream, self._new_token)
        self.languages = languages
        self.artwork_base = artwork_base.rstrip("/") + "/"

    @classmethod
    def from_settings(cls, settings: Settings) -> TvdbV4:
        return cls(
            settings.tvdb_v4_url,
            settings.tvdb_v4_api_key.reveal(),
            settings.tvdb_v4_pin.reveal(),
            policy_from(settings),
            languages=settings.wanted_languages,
            artwork_base=settings.tvdb_v4_artwork_url,
        )

    def artwork_url(self, path: str) -> str:
        return self.artwork_base + path

    async def aclose(self) -> None:
        await self.upstream.aclose()
        await self.artwork.aclose()

    async def login(self) -> None:
        """Log in now (what `tvdbd source tvdb-v4 check` does)."""
        await self._new_token()

    async def _new_token(self) -> str:
        """A token (valid a month); a refused key is SourceRefused with a clear reason."""
        body: dict[str, str] = {"apikey": self._api_key}
        if self._pin:
            body["pin"] = self._pin
        try:
            answer = await self.upstream.post_json("login", body)
        except SourceRefused:
            raise SourceRefused(
                SOURCE_NAME,
                "TheTVDB refused the API key"
                + (" or subscriber PIN" if self._pin else "")
                + " (check TVDBD_TVDB_V4_API_KEY"
                + (" and TVDBD_TVDB_V4_PIN)" if self._pin else ")"),
            ) from None
        except SourceDataError as exc:
            # v4 answers 400 "pin required" for a user-supported key sent without its PIN.
            raise SourceRefused(SOURCE_NAME, f"login failed: {exc.reason}") from None
        token = (answer.get("data") or {}).get("token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceDataError(SOURCE_NAME, "login answered without a token")
        return token

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """`data` of a GET, logged in first."""
        return _data(await self._authorized_get(path, params), path)

    async def pages(self, path: str, params: dict[str, Any] | None = None) -> AsyncIterator[Any]:
        """`data` of every page of a paged route (page 0, 1, ... while links.next is set)."""
        for page in range(MAX_PAGES):
            answer = await self._authorized_get(path, {**(params or {}), "page": page})
            yield _data(answer, path)
            links = answer.get("links") if isinstance(answer, dict) else None
            if not isinstance(links, dict) or not links.get("next"):
                return
        raise SourceDataError(SOURCE_NAME, f"{path} has more than {MAX_PAGES} pages")

    async def _authorized_get(self, path: str, params: dict[str, Any] | None) -> Any:
        return await self.session.get_json(path, params)

    # ------------------------------------------------------------ a whole series

    async def series(self, series_id: int) -> V4Series:
        """Everything a bundle of the series needs; SourceNotFound when v4 has no such series."""
        extended = await self.get(
            f"series/{series_id}/extended", {"meta": "translations", "short": "false"}
        )
        if not isinstance(extended, dict) or extended.get("id") != series_id:
            raise SourceDataError(SOURCE_NAME, f"series/{series_id}/extended is not that series")
        kinds = {
            t.get("type")
            for t in extended.get("seasonTypes") or []
            if isinstance(t, dict) and isinstance(t.get("type"), str)
        }
        original = v2_language(extended.get("originalLanguage")) or "en"
        languages = self.languages
        wanted = [
            code
            for code in translation_languages(extended)
            if (lang := v2_language(code)) is not None
            and lang != original
            and (languages is None or lang in languages)
        ]
        orders = ["official", *(k for k in EXTRA_SEASON_TYPES if k in kinds)]
        lists = await asyncio.gather(
            *(self.episodes(series_id, kind) for kind in orders),
            *(self.episodes(series_id, "official", code) for code in wanted),
        )
        fetched = V4Series(
            extended=extended,
            episodes=dict(zip(orders, lists[: len(orders)], strict=True)),
            translated_episodes={
                v2_language(code) or code: eps
                for code, eps in zip(wanted, lists[len(orders) :], strict=True)
            },
        )
        if "translations" not in extended:
            # Without meta=translations (older answers), one call per language.
            fetched.translations = await self._translations(series_id, [original, *wanted])
        return fetched

    async def series_bundle(self, series_id: int) -> dict[str, Any]:
        fetched = await self.series(series_id)
        try:
            return to_bundle(fetched, languages=self.languages)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise SourceDataError(
                SOURCE_NAME, f"series {series_id} has a record we cannot read ({exc})"
            ) from None

    async def episodes(
        self, series_id: int, season_type: str, language: str | None = None
    ) -> list[dict[str, Any]]:
        """Every episode of a series in one order (and language), across pages."""
        path = f"series/{series_id}/episodes/{season_type}"
        if language:
            path += f"/{language}"
        found: list[dict[str, Any]] = []
        try:
            async for data in self.pages(path):
                # Without a language the page is {series, episodes}; with one, the series
                # record carries the episodes.
                episodes = data.get("episodes") if isinstance(data, dict) else None
                found.extend(e for e in episodes or [] if isinstance(e, dict))
        except SourceNotFound:
            return []  # an order or language the series does not have (its record exists)
        return found

    async def _translations(self, series_id: int, codes: list[str]) -> dict[str, dict[str, Any]]:
        async def one(code: str) -> tuple[str, Any]:
            try:
                return code, await self.get(f"series/{series_id}/translations/{v4_language(code)}")
            except SourceNotFound:
                return code, None

        found: dict[str, dict[str, Any]] = {}
        for code, record in await asyncio.gather(*(one(c) for c in codes)):
            language = v2_language(code)
            if isinstance(record, dict) and language is not None:
                found[language] = {
                    k: record[k] for k in ("name", "overview", "aliases") if record.get(k)
                }
        return found

    # ------------------------------------------------------------ finding series

    async def find(self, params: dict[str, str]) -> list[int]:
        """Series for a /search/series query: by IMDb/Zap2it id, slug, else by name."""
        for key in ("imdbId", "zap2itId"):
            if params.get(key):
                return await self.find_by_remote_id(params[key])
        if params.get("slug"):
            return await self.find_by_slug(params["slug"])
        if params.get("name"):
            return await self.search_series(params["name"], SEARCH_LIMIT)
        return []

    async def search_series(self, name: str, limit: int) -> list[int]:
        """TheTVDB ids of the series a name search finds, best first."""
        data = await self.get("search", {"query": name, "type": "series", "limit": limit})
        return _series_ids(data)[:limit]

    async def find_by_remote_id(self, remote_id: str) -> list[int]:
        """Series with an IMDb or Zap2it id (GET /search/remoteid/{id})."""
        try:
            data = await self.get(f"search/remoteid/{remote_id}")
        except SourceNotFound:
            return []
        ids = []
        for hit in data if isinstance(data, list) else [data]:
            series = hit.get("series") if isinstance(hit, dict) else None
            if isinstance(series, dict) and isinstance(series.get("id"), int):
                ids.append(series["id"])
        return ids

    async def find_by_slug(self, slug: str) -> list[int]:
        try:
            data = await self.get(f"series/slug/{slug}")
        except SourceNotFound:
            return []
        return [data["id"]] if isinstance(data, dict) and isinstance(data.get("id"), int) else []

    async def series_of_episode(self, episode_id: int) -> int | None:
        try:
            data = await self.get(f"episodes/{episode_id}")
        except SourceNotFound:
            return None
        series_id = data.get("seriesId") if isinstance(data, dict) else None
        return series_id if isinstance(series_id, int) else None

    async def updates(self, since: int, entity_type: str) -> AsyncIterator[FeedEntry]:
        """Entries of the update feed since `since` (epoch s) for one entity type."""
        async for data in self.pages("updates", {"since": since, "type": entity_type}):
            for entry in data if isinstance(data, list) else []:
                if not isinstance(entry, dict) or not isinstance(entry.get("recordId"), int):
                    continue
                series_id = entry.get("seriesId")
                yield FeedEntry(
                    entity_type=str(entry.get("entityType") or entity_type),
                    record_id=entry["recordId"],
                    series_id=series_id if isinstance(series_id, int) else None,
                    method=str(entry.get("method") or "update"),
                    timestamp=int(entry.get("timeStamp") or 0),
                )


def _data(answer: Any, path: str) -> Any:
    if not isinstance(answer, dict) or "data" not in answer:
        raise SourceDataError(SOURCE_NAME, f"{path} answered without `data`")
    return answer["data"]


def _series_ids(hits: Any) -> list[int]:
    """Search hits carry `tvdb_id` as text ("72775") and `id` as "series-72775"."""
    ids: list[int] = []
    for hit in hits if isinstance(hits, list) else []:
        if not isinstance(hit, dict):
            continue
        raw = str(hit.get("tvdb_id") or "")
        if raw.isdigit() and int(raw) not in ids:
            ids.append(int(raw))
    return ids


__all__ = ["FeedEntry", "TvdbV4", "translation_records"]
