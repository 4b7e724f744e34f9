"""TVmaze records -> one API v2 series bundle (docs/sources.md has the table, field by field).

TVmaze gives a show's TheTVDB id (`externals.thetvdb`): that is the series id, so clients
that know the show by its TheTVDB id find it. Its episodes, cast and images have no TheTVDB
ids: they get ids in a block reserved for tvdbd (`TVDBD_ID_BASE` + the TVmaze id), above any
id TheTVDB has handed out and inside the 32-bit range Java and C# clients parse ids into.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from tvdbd.sources.codes import airs_day_of_week, airs_time, iso_date, store_path, v2_language_named
from tvdbd.sources.genres import TVMAZE_GENRES, v2_genres

SOURCE_NAME = "tvmaze"
LICENSE = "CC BY-SA 4.0"
ATTRIBUTION = (
    "Data from TVmaze (https://www.tvmaze.com), licensed under CC BY-SA 4.0 "
    "(https://creativecommons.org/licenses/by-sa/4.0/); mapped to TheTVDB API v2 records "
    "by tvdbd."
)
# 2,000,000,000 to 2,147,483,647: ids tvdbd makes. TheTVDB's ids were about 11 million in
# 2026 (growing about a million a year); 2^31 - 1 is the largest id an `int` holds in the Java
# and C# clients.
TVDBD_ID_BASE = 2_000_000_000
TVDBD_ID_LIMIT = 2**31 - 1
STATUS = {
    "Running": "Continuing",
    "Ended": "Ended",
    "To Be Determined": "Continuing",
    "In Development": "Upcoming",
}
IMAGE_KEY_TYPES = {"poster": "poster", "banner": "series", "background": "fanart"}


class MappingError(ValueError):
    """A TVmaze record we cannot turn into API v2 (the message names record and field)."""


def tvdbd_id(tvmaze_id: Any, what: str) -> int:
    """The id tvdbd serves for a TVmaze record without a TheTVDB id."""
    if isinstance(tvmaze_id, bool) or not isinstance(tvmaze_id, int) or tvmaze_id < 0:
        raise MappingError(f"{what}: id {tvmaze_id!r} is not a TVmaze id")
    served = TVDBD_ID_BASE + tvmaze_id
    if served > TVDBD_ID_LIMIT:
        raise MappingError(f"{what}: TVmaze id {tvmaze_id} is beyond tvdbd's id block")
    return served


def series_id_of(show: dict[str, Any]) -> int:
    """The TheTVDB id TVmaze names, else a tvdbd id made from the TVmaze id."""
    thetvdb = (show.get("externals") or {}).get("thetvdb")
    if isinstance(thetvdb, int) and not isinstance(thetvdb, bool) and thetvdb > 0:
        return thetvdb
    return tvdbd_id(show.get("id"), "show")


def plain_text(html: Any) -> str | None:
    """TVmaze summaries are HTML (`<p><b>Name</b> is ...</p>`): the text, or None."""
    if not isinstance(html, str) or not html.strip():
        return None
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    text = " ".join("".join(parser.parts).split())
    return text or None


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("p", "br", "li"):
            self.parts.append(" ")


def image_path(image: Any) -> str:
    """The store path of a TVmaze image object's original (`tvmaze/original_untouched/81/2.jpg`):
    `{"original": url}` on shows, episodes and people, `{"url": ...}` in /images resolutions."""
    if not isinstance(image, dict):
        return ""
    url = image.get("original") or image.get("url")
    return store_path(url, root_marker="/uploads/images/", prefix="tvmaze/")


def to_bundle(
    show: dict[str, Any],
    episodes: list[dict[str, Any]],
    cast: list[dict[str, Any]],
    akas: list[dict[str, Any]],
    seasons: list[dict[str, Any]],
    images: list[dict[str, Any]],
    *,
    series_id: int | None = None,
) -> dict[str, Any]:
    """The series bundle of a TVmaze show and what hangs off it."""
    if not isinstance(show.get("id"), int) or not isinstance(show.get("name"), str):
        raise MappingError("show: id and name are required")
    series_id = series_id if series_id is not None else series_id_of(show)
    name = show["name"]
    schedule = show.get("schedule") or {}
    network = show.get("network") or show.get("webChannel") or {}
    main = _main_images(images)
    series = {
        "id": series_id,
        "seriesId": "",
        "seriesName": name,
        "aliases": _aliases(akas, name),
        "poster": image_path(show.get("image")) or main.get("poster", ""),
        "banner": main.get("series", ""),
        "fanart": main.get("fanart", ""),
        "status": STATUS.get(show.get("status") or "", show.get("status") or ""),
        "firstAired": iso_date(show.get("premiered")),
        "network": network.get("name") or "",
        "networkId": "",
        "runtime": _text(show.get("runtime") or show.get("averageRuntime")),
        "language": v2_language_named(show.get("language")) or "en",
        "genre": v2_genres(show.get("genres") or [], TVMAZE_GENRES),
        "overview": plain_text(show.get("summary")),
        "lastUpdated": _int(show.get("updated")),
        "airsDayOfWeek": airs_day_of_week(schedule.get("days") or []),
        "airsTime": airs_time(schedule.get("time")),
        "rating": None,
        "imdbId": (show.get("externals") or {}).get("imdb") or "",
        "zap2itId": "",
        "added": "",
        "addedBy": 0,
        "siteRating": _rating(show),
        "siteRatingCount": 0,
        "slug": _slug(show),
    }
    bundle: dict[str, Any] = {"series": series}
    mapped = _episodes(episodes, series_id, series["lastUpdated"], _season_ids(seasons, show["id"]))
    if mapped:
        bundle["episodes"] = mapped
    actors = _actors(cast, series_id)
    if actors:
        bundle["actors"] = actors
    records = _images(images, seasons, series["language"])
    if records:
        bundle["images"] = records
    bundle["source"] = {
        "name": SOURCE_NAME,
        "id": str(show["id"]),
        "url": show.get("url") or f"https://www.tvmaze.com/shows/{show['id']}",
        "license": LICENSE,
        "attribution": ATTRIBUTION,
    }
    return bundle


def _aliases(akas: list[dict[str, Any]], name: str) -> list[str]:
    names = (a.get("name") for a in akas if isinstance(a, dict))
    return list(dict.fromkeys(n for n in names if isinstance(n, str) and n and n != name))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _rating(record: dict[str, Any]) -> int | float:
    average = (record.get("rating") or {}).get("average")
    return average if isinstance(average, int | float) and not isinstance(average, bool) else 0


def _slug(show: dict[str, Any]) -> str:
    """`https://www.tvmaze.com/shows/1/under-the-dome` -> `under-the-dome`."""
    url = show.get("url") or ""
    last = url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""
    return "" if last.isdigit() else last


def _season_ids(seasons: list[dict[str, Any]], tvmaze_show_id: int) -> dict[int, int]:
    """Season number -> the `airedSeasonID` its episodes carry: tvdbd's id of the TVmaze
    season (`/shows/{id}/seasons`). TVmaze has no season of specials (it files them in the
    season they aired in); season 0 gets an id counted down from the top of the block,
    `TVDBD_ID_LIMIT - <TVmaze show id>`, which TVmaze's season ids (about 150,000 in 2026)
    never reach."""
    ids: dict[int, int] = {}
    for season in seasons:
        if not isinstance(season, dict):
            continue
        number, season_id = season.get("number"), season.get("id")
        if isinstance(number, int) and isinstance(season_id, int) and number >= 0:
            try:
                ids.setdefault(number, tvdbd_id(season_id, "season"))
            except MappingError:
                continue  # an id tvdbd cannot serve: that season's episodes carry 0
    if 0 not in ids:
        ids[0] = specials_season_id(tvmaze_show_id)
    return ids


def specials_season_id(tvmaze_show_id: int) -> int:
    """The `airedSeasonID` of a TVmaze show's specials (season 0)."""
    served = TVDBD_ID_LIMIT - tvmaze_show_id
    if tvmaze_show_id < 0 or served < TVDBD_ID_BASE:
        raise MappingError(f"show: TVmaze id {tvmaze_show_id} is beyond tvdbd's id block")
    return served


def _episodes(
    episodes: list[dict[str, Any]],
    series_id: int,
    last_updated: int,
    season_ids: dict[int, int],
) -> list[dict[str, Any]]:
    """Regular episodes keep their numbers; specials (TVmaze: no number, or a special type)
    go to season 0, numbered by air date, placed before the next episode of their season."""
    valid = [e for e in episodes if isinstance(e, dict) and isinstance(e.get("id"), int)]
    regular = [
        e
        for e in valid
        if isinstance(e.get("number"), int)
        and e.get("type", "regular") == "regular"
        and isinstance(e.get("season"), int)
    ]
    regular_ids = {e["id"] for e in regular}
    specials = sorted(
        (e for e in valid if e["id"] not in regular_ids),
        key=lambda e: (e.get("airstamp") or e.get("airdate") or "9999", e["id"]),
    )
    absolute = {
        e["id"]: n
        for n, e in enumerate(sorted(regular, key=lambda e: (e["season"], e["number"])), 1)
    }
    mapped = [
        _episode(e, series_id, last_updated, e["season"], e["number"], absolute[e["id"]])
        for e in regular
    ]
    for number, special in enumerate(specials, 1):
        record = _episode(special, series_id, last_updated, 0, number, None)
        record.update(_placement(special, regular))
        mapped.append(record)
    for record in mapped:
        # 0 only for a season TVmaze does not list (its /seasons lists every season).
        record["airedSeasonID"] = season_ids.get(record["airedSeason"], 0)
    mapped.sort(key=lambda r: r["id"])
    return mapped


def _episode(
    e: dict[str, Any],
    series_id: int,
    last_updated: int,
    season: int,
    number: int,
    absolute: int | None,
) -> dict[str, Any]:
    return {
        "id": tvdbd_id(e["id"], "episode"),
        "airedSeason": season,
        "airedEpisodeNumber": number,
        "episodeName": e.get("name") or None,
        "firstAired": iso_date(e.get("airdate")),
        "overview": plain_text(e.get("summary")),
        "lastUpdated": last_updated,
        "absoluteNumber": absolute,
        "filename": image_path(e.get("image")),
        "seriesId": series_id,
        "siteRating": _rating(e),
    }


def _placement(special: dict[str, Any], regular: list[dict[str, Any]]) -> dict[str, Any]:
    """airsBeforeSeason/airsBeforeEpisode: the first episode of its season that aired after
    it; airsAfterSeason when it aired after the whole season."""
    season = special.get("season")
    if not isinstance(season, int):
        return {}
    aired = special.get("airstamp") or special.get("airdate") or ""
    later = sorted(
        (
            e
            for e in regular
            if e["season"] == season
            and aired
            and (e.get("airstamp") or e.get("airdate") or "") > aired
        ),
        key=lambda e: e["number"],
    )
    if later:
        return {"airsBeforeSeason": season, "airsBeforeEpisode": later[0]["number"]}
    return {"airsAfterSeason": season}


def _actors(cast: list[dict[str, Any]], series_id: int) -> list[dict[str, Any]]:
    actors = []
    for order, member in enumerate(c for c in cast if isinstance(c, dict)):
        person, character = member.get("person") or {}, member.get("character") or {}
        if not isinstance(character.get("id"), int):
            continue
        actors.append(
            {
                "id": tvdbd_id(character["id"], "cast character"),
                "seriesId": series_id,
                "name": person.get("name") or "",
                "role": character.get("name") or "",
                "sortOrder": order,
                "image": image_path(character.get("image")) or image_path(person.get("image")),
            }
        )
    return actors


def _main_images(images: list[dict[str, Any]]) -> dict[str, str]:
    """keyType -> the path of the show's main image of that type (else its first)."""
    found: dict[str, str] = {}
    for image in sorted(
        (i for i in images if isinstance(i, dict)), key=lambda i: not i.get("main")
    ):
        key_type = IMAGE_KEY_TYPES.get(image.get("type") or "")
        path = image_path((image.get("resolutions") or {}).get("original"))
        if key_type and path:
            found.setdefault(key_type, path)
    return found


def _image_id(path: str) -> int | None:
    """TVmaze image files are named by their image id (`.../81/202627.jpg`)."""
    stem = path.rsplit("/", 1)[-1].split(".", 1)[0]
    return tvdbd_id(int(stem), "image") if stem.isdigit() else None


def _images(
    images: list[dict[str, Any]], seasons: list[dict[str, Any]], language: str
) -> list[dict[str, Any]]:
    records = []
    for image in images:
        if not isinstance(image, dict):
            continue
        key_type = IMAGE_KEY_TYPES.get(image.get("type") or "")
        original = (image.get("resolutions") or {}).get("original") or {}
        path = image_path(original)
        if key_type and path:
            records.append(_image(image.get("id"), key_type, "graphical", path, original, language))
    for season in seasons:
        if not isinstance(season, dict) or not isinstance(season.get("number"), int):
            continue
        path = image_path(season.get("image"))
        image_id = _image_id(path) if path else None
        if image_id is not None:
            records.append(
                _image(
                    image_id - TVDBD_ID_BASE, "season", str(season["number"]), path, {}, language
                )
            )
    seen: set[int] = set()
    unique = []
    for record in records:
        if record["id"] not in seen:
            seen.add(record["id"])
            unique.append(record)
    return unique


def _image(
    tvmaze_id: Any, key_type: str, sub_key: str, path: str, size: dict[str, Any], language: str
) -> dict[str, Any]:
    width, height = size.get("width"), size.get("height")
    return {
        "id": tvdbd_id(tvmaze_id, "image"),
        "keyType": key_type,
        "subKey": sub_key,
        "fileName": path,
        "languageId": 0,
        "language": language,
        "resolution": f"{width}x{height}" if width and height else "",
        "ratingsInfo": {"average": 0, "count": 0},
    }
