"""TheTVDB v4 records -> one API v2 series bundle (docs/sources.md has the table, field by field).

Pure functions: the client (tvdbd.sources.tvdb_v4.client) fetches, this maps, the bundle
importer checks and stores. Ids are TheTVDB's own, so a series fetched here is the series the
legacy API served under the same id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tvdbd.sources.codes import (
    WEEKDAYS,
    airs_day_of_week,
    airs_time,
    epoch,
    iso_date,
    store_path,
    v2_language,
)
from tvdbd.sources.genres import V4_GENRES, v2_genres

SOURCE_NAME = "thetvdb-v4"
ATTRIBUTION = (
    "Metadata provided by TheTVDB (https://thetvdb.com). Please consider adding missing "
    "information or subscribing."
)
# v4 artwork type ids (GET /artwork/types) -> API v2 keyType; season types use the season
# number as subKey. Icons, clear art/logos and cinemagraphs had no v2 key type.
ARTWORK_KEY_TYPES = {1: "series", 2: "poster", 3: "fanart", 6: "seasonwide", 7: "season"}
SERIES_ARTWORK_FIELDS = {1: "banner", 2: "poster", 3: "fanart"}
SEASON_ARTWORK_TYPES = {6, 7}
ACTOR_PEOPLE_TYPE = 3  # v4 people type "Actor"


@dataclass
class V4Series:
    """What the client fetched for one series."""

    extended: dict[str, Any]
    # season type ("official", "dvd", "absolute") -> episodes in that order
    episodes: dict[str, list[dict[str, Any]]]
    # v2 language -> the official-order episodes as listed in that language
    translated_episodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # v2 language -> {"name", "overview", "aliases"} (from meta=translations or /translations)
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)


def translation_records(extended: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`translations` of an extended record fetched with meta=translations, by v2 language."""
    found: dict[str, dict[str, Any]] = {}
    block = extended.get("translations") or {}
    if not isinstance(block, dict):
        return found
    for key, text_key in (("nameTranslations", "name"), ("overviewTranslations", "overview")):
        for record in block.get(key) or []:
            if not isinstance(record, dict):
                continue
            language = v2_language(record.get("language"))
            if language is None:
                continue
            entry = found.setdefault(language, {})
            if record.get(text_key) is not None:
                entry[text_key] = record[text_key]
            if key == "nameTranslations" and isinstance(record.get("aliases"), list):
                entry["aliases"] = record["aliases"]
    return found


def translation_languages(extended: dict[str, Any]) -> list[str]:
    """The v4 codes of every language the series has a name or overview in."""
    codes: list[str] = []
    for key in ("nameTranslations", "overviewTranslations"):
        for code in extended.get(key) or []:
            if isinstance(code, str) and code not in codes:
                codes.append(code)
    return codes


def original_language(extended: dict[str, Any]) -> str:
    """The series' original language as a v2 abbreviation; English when v2 has no such code."""
    return v2_language(extended.get("originalLanguage")) or "en"


def to_bundle(fetched: V4Series, *, languages: frozenset[str] | None = None) -> dict[str, Any]:
    """The series bundle (docs/bundle-format.md) for everything fetched of one series.

    `languages` limits the translations kept (None: all); the original language is always kept.
    """
    ext = fetched.extended
    series_id = _int(ext.get("id"))
    language = original_language(ext)
    translations = {**translation_records(ext), **fetched.translations}
    base = translations.get(language, {})
    seasons = _official_season_ids(ext)
    artworks = [a for a in ext.get("artworks") or [] if isinstance(a, dict)]
    season_numbers = _season_numbers(ext)

    name = base.get("name") or ext.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("the series record has no name")
    series = {
        "id": series_id,
        "seriesId": "",
        "seriesName": name,
        "aliases": _aliases(ext, exclude=name),
        **_series_artwork(artworks, language, ext.get("image")),
        "status": _name_of(ext.get("status")),
        "firstAired": iso_date(ext.get("firstAired")),
        **_network(ext),
        "runtime": _text(ext.get("averageRuntime")),
        "language": language,
        "genre": v2_genres(_names(ext.get("genres")), V4_GENRES),
        "overview": base.get("overview", ext.get("overview")) or None,
        "lastUpdated": 0,  # set below, from the series and its episodes
        "airsDayOfWeek": _airs_day(ext.get("airsDays")),
        "airsTime": airs_time(ext.get("airsTime")),
        "rating": _content_rating(ext),
        "imdbId": _remote_id(ext, "imdb"),
        "zap2itId": _remote_id(ext, "zap2it"),
        "added": "",
        "addedBy": 0,
        "siteRating": 0,
        "siteRatingCount": 0,
        "slug": _text(ext.get("slug")),
    }
    episodes = _episodes(fetched, series_id, seasons, languages)
    series["lastUpdated"] = max(
        [epoch(ext.get("lastUpdated")), *(e["lastUpdated"] for e in episodes)], default=0
    )
    bundle: dict[str, Any] = {"series": series}
    kept = {
        lang: record
        for lang, record in translations.items()
        if lang != language
        and (languages is None or lang in languages)
        and (record.get("name") or record.get("overview"))
    }
    if kept:
        bundle["translations"] = {
            lang: _translation(record, artworks, lang, series)
            for lang, record in sorted(kept.items())
        }
    if episodes:
        bundle["episodes"] = episodes
    actors = _actors(ext, series_id)
    if actors:
        bundle["actors"] = actors
    images = _images(artworks, season_numbers, language)
    if images:
        bundle["images"] = images
    bundle["source"] = {
        "name": SOURCE_NAME,
        "id": str(series_id),
        "url": f"https://thetvdb.com/series/{series['slug'] or series_id}",
        "license": None,
        "attribution": ATTRIBUTION,
    }
    return bundle


# ---------------------------------------------------------------- series fields


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer id, got {value!r}")
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _name_of(record: Any) -> str:
    return _text(record.get("name")) if isinstance(record, dict) else ""


def _names(records: Any) -> list[str]:
    return [r["name"] for r in records or [] if isinstance(r, dict) and r.get("name")]


def _aliases(ext: dict[str, Any], *, exclude: str) -> list[str]:
    names = []
    for alias in ext.get("aliases") or []:
        name = alias.get("name") if isinstance(alias, dict) else alias
        if isinstance(name, str) and name and name != exclude and name not in names:
            names.append(name)
    return names


def _network(ext: dict[str, Any]) -> dict[str, str]:
    """The original network (else the latest), and its TheTVDB company id as text."""
    for key in ("originalNetwork", "latestNetwork"):
        network = ext.get(key)
        if isinstance(network, dict) and network.get("name"):
            return {"network": network["name"], "networkId": _text(network.get("id"))}
    return {"network": "", "networkId": ""}


def _airs_day(days: Any) -> str:
    if not isinstance(days, dict):
        return ""
    return airs_day_of_week([day for day in WEEKDAYS if days.get(day)])


def _content_rating(ext: dict[str, Any]) -> str | None:
    """The US rating when there is one (as the legacy API served `TV-PG`), else the series'
    own country's, else the first."""
    ratings = [r for r in ext.get("contentRatings") or [] if isinstance(r, dict) and r.get("name")]
    for country in ("usa", ext.get("originalCountry")):
        for rating in ratings:
            if rating.get("country") == country:
                return str(rating["name"])
    return str(ratings[0]["name"]) if ratings else None


def _remote_id(ext: dict[str, Any], source: str) -> str:
    for remote in ext.get("remoteIds") or []:
        if isinstance(remote, dict) and source in _text(remote.get("sourceName")).lower():
            return _text(remote.get("id"))
    return ""


def _best(artworks: Iterable[dict[str, Any]], type_id: int, language: str | None) -> str:
    """The highest-scored artwork of a type in a language (None: any language)."""
    candidates = [
        a
        for a in artworks
        if a.get("type") == type_id
        and store_path(a.get("image"))
        and (language is None or v2_language(a.get("language")) == language)
    ]
    if not candidates:
        return ""
    best = max(candidates, key=lambda a: a.get("score") or 0)
    return store_path(best.get("image"))


def _series_artwork(artworks: list[dict[str, Any]], language: str, image: Any) -> dict[str, str]:
    """banner/poster/fanart of the original-language record: its language's best, else the
    best in any language (the series' `image` is the poster when there is no poster art)."""
    found = {}
    for type_id, key in SERIES_ARTWORK_FIELDS.items():
        found[key] = _best(artworks, type_id, language) or _best(artworks, type_id, None)
    if not found["poster"]:
        found["poster"] = store_path(image)
    return {key: found[key] for key in ("poster", "banner", "fanart")}


def _translation(
    record: dict[str, Any], artworks: list[dict[str, Any]], language: str, series: dict[str, Any]
) -> dict[str, Any]:
    translation: dict[str, Any] = {
        "seriesName": record.get("name") or None,
        "overview": record.get("overview") or None,
    }
    # The legacy API served each language its own artwork where it had some.
    for type_id, key in SERIES_ARTWORK_FIELDS.items():
        own = _best(artworks, type_id, language)
        if own and own != series[key]:
            translation[key] = own
    return translation


# ---------------------------------------------------------------- episodes


def _official_season_ids(ext: dict[str, Any]) -> dict[int, int]:
    """Aired-order season number -> season id (served as `airedSeasonID`)."""
    found: dict[int, int] = {}
    for season in ext.get("seasons") or []:
        if not isinstance(season, dict):
            continue
        kind = season.get("type") or {}
        number, season_id = season.get("number"), season.get("id")
        if (
            kind.get("type") == "official"
            and isinstance(number, int)
            and isinstance(season_id, int)
        ):
            found.setdefault(number, season_id)
    return found


def _season_numbers(ext: dict[str, Any]) -> dict[int, int]:
    """Season id -> aired-order season number (for season artwork)."""
    return {v: k for k, v in _official_season_ids(ext).items()}


def _episodes(
    fetched: V4Series,
    series_id: int,
    season_ids: dict[int, int],
    languages: frozenset[str] | None,
) -> list[dict[str, Any]]:
    dvd = {e["id"]: e for e in fetched.episodes.get("dvd", []) if isinstance(e.get("id"), int)}
    absolute = {
        e["id"]: e for e in fetched.episodes.get("absolute", []) if isinstance(e.get("id"), int)
    }
    translated = {
        lang: {e["id"]: e for e in eps if isinstance(e, dict) and isinstance(e.get("id"), int)}
        for lang, eps in fetched.translated_episodes.items()
        if languages is None or lang in languages
    }
    episodes: dict[int, dict[str, Any]] = {}
    for e in fetched.episodes.get("official", []):
        if not isinstance(e, dict) or not isinstance(e.get("id"), int):
            continue
        season, number = e.get("seasonNumber"), e.get("number")
        if not isinstance(season, int) or not isinstance(number, int):
            continue  # API v2 cannot serve an episode without an aired season and number
        on_dvd = dvd.get(e["id"], {})
        absolute_number = absolute.get(e["id"], {}).get("number", e.get("absoluteNumber"))
        episode = {
            "id": e["id"],
            "airedSeason": season,
            "airedSeasonID": season_ids.get(season, 0),
            "airedEpisodeNumber": number,
            "episodeName": e.get("name") or None,
            "firstAired": iso_date(e.get("aired")),
            "overview": e.get("overview") or None,
            "lastUpdated": epoch(e.get("lastUpdated")),
            "dvdSeason": _positive_or_zero(on_dvd.get("seasonNumber")),
            "dvdEpisodeNumber": _positive_or_zero(on_dvd.get("number")),
            "absoluteNumber": absolute_number if _is_count(absolute_number) else None,
            "filename": store_path(e.get("image")),
            "seriesId": series_id,
            "airsAfterSeason": _optional_int(e.get("airsAfterSeason")),
            "airsBeforeSeason": _optional_int(e.get("airsBeforeSeason")),
            "airsBeforeEpisode": _optional_int(e.get("airsBeforeEpisode")),
            "isMovie": 1 if e.get("isMovie") else 0,
        }
        names = {
            lang: _episode_translation(e, by_id.get(e["id"]), lang)
            for lang, by_id in sorted(translated.items())
        }
        names = {lang: tr for lang, tr in names.items() if tr is not None}
        if names:
            episode["translations"] = names
        episodes[e["id"]] = episode
    return [episodes[i] for i in sorted(episodes)]


def _episode_translation(
    original: dict[str, Any], listed: dict[str, Any] | None, language: str
) -> dict[str, Any] | None:
    """An episode's name and overview in a language: only what v4 says it has in it
    (nameTranslations/overviewTranslations), so v4's fallbacks do not pass for translations."""
    if listed is None:
        return None
    out: dict[str, Any] = {}
    for key, codes_key, wire in (
        ("name", "nameTranslations", "episodeName"),
        ("overview", "overviewTranslations", "overview"),
    ):
        codes = original.get(codes_key)
        has = codes is None or any(v2_language(c) == language for c in codes)
        value = listed.get(key)
        out[wire] = value if has and isinstance(value, str) and value else None
    if out["episodeName"] is None and out["overview"] is None:
        return None
    return out


def _optional_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _positive_or_zero(value: Any) -> int | None:
    return value if _optional_int(value) is not None and value >= 0 else None


def _is_count(value: Any) -> bool:
    return _optional_int(value) is not None and value > 0


# ---------------------------------------------------------------- actors and images


def _actors(ext: dict[str, Any], series_id: int) -> list[dict[str, Any]]:
    characters = [
        c
        for c in ext.get("characters") or []
        if isinstance(c, dict)
        and isinstance(c.get("id"), int)
        and (c.get("type") == ACTOR_PEOPLE_TYPE or c.get("peopleType") == "Actor")
    ]
    characters.sort(key=_sort_order)
    return [
        {
            "id": c["id"],
            "seriesId": series_id,
            "name": _text(c.get("personName")),
            "role": _text(c.get("name")),
            "sortOrder": c["sort"] if isinstance(c.get("sort"), int) else 0,
            "image": store_path(c.get("image")) or store_path(c.get("personImgURL")),
            "imageAuthor": 0,
            "imageAdded": "",
            "lastUpdated": "",
        }
        for c in characters
    ]


def _sort_order(character: dict[str, Any]) -> int:
    order = character.get("sort")
    return order if isinstance(order, int) else 1 << 30


def _images(
    artworks: list[dict[str, Any]], season_numbers: dict[int, int], language: str
) -> list[dict[str, Any]]:
    images = []
    for a in artworks:
        key_type = ARTWORK_KEY_TYPES.get(a.get("type"))  # type: ignore[arg-type]
        path = store_path(a.get("image"))
        if key_type is None or not path or not isinstance(a.get("id"), int):
            continue
        if a.get("type") in SEASON_ARTWORK_TYPES:
            number = season_numbers.get(a.get("seasonId"))  # type: ignore[arg-type]
            if number is None:
                continue  # art of a DVD or absolute season: v2 had no place for it
            sub_key = str(number)
        else:
            sub_key = "graphical"
        width, height = a.get("width"), a.get("height")
        images.append(
            {
                "id": a["id"],
                "keyType": key_type,
                "subKey": sub_key,
                "fileName": path,
                "languageId": 0,
                "language": v2_language(a.get("language")) or language,
                "resolution": f"{width}x{height}" if width and height else "",
                "ratingsInfo": {"average": 0, "count": 0},
            }
        )
    return images
