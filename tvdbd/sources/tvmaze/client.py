"""TVmaze's open API (no key; data under CC BY-SA 4.0): shows by TVmaze id, by TheTVDB or
IMDb id through /lookup, name search, and a show's episodes (specials too), cast, akas,
seasons and images."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from tvdbd.errors import SourceDataError, SourceNotFound
from tvdbd.settings import Settings
from tvdbd.sources.fetch import FetchPolicy, Upstream, policy_from
from tvdbd.sources.tvmaze.mapping import (
    SOURCE_NAME,
    TVDBD_ID_BASE,
    TVDBD_ID_LIMIT,
    MappingError,
    series_id_of,
    to_bundle,
)


class Tvmaze:
    name = SOURCE_NAME

    def __init__(
        self,
        base_url: str = "https://api.tvmaze.com",
        policy: FetchPolicy | None = None,
        *,
        image_base: str = "https://static.tvmaze.com/uploads/images/",
    ):
        policy = policy or FetchPolicy(rate_per_second=2)
        self.upstream = Upstream(SOURCE_NAME, base_url, policy)
        # TVmaze's rate limit is its API's; its images come from a CDN.
        self.artwork = Upstream(
            f"{SOURCE_NAME} images", image_base, dataclasses.replace(policy, rate_per_second=0)
        )
        self.image_base = image_base.rstrip("/") + "/"

    @classmethod
    def from_settings(cls, settings: Settings) -> Tvmaze:
        return cls(
            settings.tvmaze_url,
            policy_from(settings, rate_per_second=settings.tvmaze_rate_per_second),
            image_base=settings.tvmaze_image_url,
        )

    async def aclose(self) -> None:
        await self.upstream.aclose()
        await self.artwork.aclose()

    def artwork_url(self, path: str) -> str:
        """`tvmaze/original_untouched/81/202627.jpg` -> TVmaze's own URL of that file."""
        return self.image_base + path.removeprefix("tvmaze/")

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self.upstream.get_json(path, params)

    async def _list(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        try:
            found = await self._get(path, params)
        except SourceNotFound:
            return []
        if not isinstance(found, list):
            raise SourceDataError(SOURCE_NAME, f"{path} is not a list")
        return found

    # ------------------------------------------------------------ whole shows

    async def show_bundle(self, tvmaze_id: int, *, series_id: int | None = None) -> dict[str, Any]:
        """The bundle of a show by its TVmaze id."""
        show = await self._get(f"shows/{tvmaze_id}")
        return await self._bundle(show, series_id)

    async def series_bundle(self, series_id: int) -> dict[str, Any]:
        """The bundle of the show TVmaze files under this TheTVDB id (an id in tvdbd's block
        names a show TVmaze has no TheTVDB id for)."""
        if TVDBD_ID_BASE <= series_id <= TVDBD_ID_LIMIT:
            return await self.show_bundle(series_id - TVDBD_ID_BASE, series_id=series_id)
        show = await self.lookup(thetvdb=series_id)
        return await self._bundle(show, series_id)

    async def lookup(self, **external: Any) -> dict[str, Any]:
        """GET /lookup/shows?thetvdb=... (TVmaze redirects to the show); SourceNotFound."""
        show = await self._get("lookup/shows", external)
        if not isinstance(show, dict):
            raise SourceDataError(SOURCE_NAME, "lookup/shows is not a show")
        return show

    async def _bundle(self, show: Any, series_id: int | None) -> dict[str, Any]:
        if not isinstance(show, dict) or not isinstance(show.get("id"), int):
            raise SourceDataError(SOURCE_NAME, "the show record has no id")
        tvmaze_id = show["id"]
        episodes, cast, akas, seasons, images = await asyncio.gather(
            self._list(f"shows/{tvmaze_id}/episodes", {"specials": 1}),
            self._list(f"shows/{tvmaze_id}/cast"),
            self._list(f"shows/{tvmaze_id}/akas"),
            self._list(f"shows/{tvmaze_id}/seasons"),
            self._list(f"shows/{tvmaze_id}/images"),
        )
        try:
            return to_bundle(show, episodes, cast, akas, seasons, images, series_id=series_id)
        except (MappingError, TypeError, AttributeError) as exc:
            raise SourceDataError(SOURCE_NAME, f"show {tvmaze_id}: {exc}") from None

    # ------------------------------------------------------------ finding shows

    async def find(self, params: dict[str, str]) -> list[int]:
        """Series ids (TheTVDB's, else tvdbd's) for a /search/series query."""
        if params.get("imdbId"):
            try:
                return [series_id_of(await self.lookup(imdb=params["imdbId"]))]
            except SourceNotFound:
                return []
        if params.get("name"):
            hits = await self._list("search/shows", {"q": params["name"]})
            ids = []
            for hit in hits:
                show = hit.get("show") if isinstance(hit, dict) else None
                thetvdb = ((show or {}).get("externals") or {}).get("thetvdb")
                # Only shows with a TheTVDB id: the read-through fetches by that id.
                if isinstance(thetvdb, int) and thetvdb not in ids:
                    ids.append(thetvdb)
            return ids
        return []

    async def series_of_episode(self, episode_id: int) -> int | None:
        """An episode id in tvdbd's block names a TVmaze episode; its show's series id."""
        if not TVDBD_ID_BASE <= episode_id <= TVDBD_ID_LIMIT:
            return None
        try:
            episode = await self._get(f"episodes/{episode_id - TVDBD_ID_BASE}", {"embed": "show"})
        except SourceNotFound:
            return None
        show = (episode.get("_embedded") or {}).get("show") if isinstance(episode, dict) else None
        return series_id_of(show) if isinstance(show, dict) else None
