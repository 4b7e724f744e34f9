"""TheTVDB v4 answers for the fixture server.

Two kinds, both told apart in every test that uses them:

- **Recorded** (tests/sources/recorded/tvdb-v4, real v4 bodies trimmed by the repository they
  come from): FLCL 78878 (Japanese original, German and English translations, a special
  before season 2, air days and time, a network, an actor), Saint Seiya 72775 (a base record
  missing most fields, status all null), the login and not-found error bodies.
- **Rebuilt from API v2 recordings** (../shared/recorded-api, real May 2020 answers): Scrubs
  76156, Lost 73739 and Firefly 78874 in v4's shape (seen in the recorded v4 bodies), with
  the same ids, names, numbers and dates. No whole v4 recording of a long series exists in
  public, and these give what the issue asks for: 194 episodes with specials, a DVD order
  that differs from the aired one, absolute numbers, two translations, 18 actors and 173
  images. Overviews are our own one-liners (the recordings' are never copied). Episode lists
  are paged by 100 here (v4 pages by 500) so that paging is exercised.

The mapping back (tvdbd.sources.tvdb_v4.mapping) must then give the v2 records again: that
is the round-trip test in test_tvdb_v4.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.sources.fixture_server import FixtureServer
from tests.support import RECORDED
from tvdbd.sources.codes import WEEKDAYS, v4_language

HERE = Path(__file__).parent / "recorded" / "tvdb-v4"
REBUILT = (76156, 73739, 78874)
PAGE = 100
IMAGE_TYPES = {"series": 1, "poster": 2, "fanart": 3, "seasonwide": 6, "season": 7}
ARTWORK_ROOT = "https://artworks.thetvdb.com/banners/"
DELETED_SERIES = 428202  # v4 answered it 404 "NotFoundException: not found" (an issue thread)


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / name).read_text(encoding="utf-8"))
    return data


def own_overview(name: str, language: str) -> str:
    """Our own text, so that overviews can be followed through the mapping."""
    return f"Test summary of {name} ({language})."


# ---------------------------------------------------------------- v2 recordings -> v4


def _v2(pattern: str) -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(RECORDED.glob(pattern))]


def v2_series(series_id: int) -> dict[str, dict[str, Any]]:
    """The recorded /series/{id} records by served language."""
    return {r["body"]["data"]["language"]: r["body"]["data"] for r in _v2(f"series_{series_id}__*")}


def v2_episodes(series_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every recorded episode of a series by language, in id order."""
    found: dict[str, dict[int, dict[str, Any]]] = {}
    for rec in _v2(f"series_{series_id}_episodes*"):
        for e in rec["body"]["data"]:
            found.setdefault(e["language"]["episodeName"], {})[e["id"]] = e
    return {lang: [eps[i] for i in sorted(eps)] for lang, eps in found.items()}


def v2_images(series_id: int) -> list[dict[str, Any]]:
    return [i for r in _v2(f"series_{series_id}_images_query_keyType_*") for i in r["body"]["data"]]


def v2_actors(series_id: int) -> list[dict[str, Any]]:
    return [a for r in _v2(f"series_{series_id}_actors*") for a in r["body"]["data"]]


def _stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _time24(v2_time: str) -> str:
    """`9:00 PM` -> `21:00` (v4 sends 24-hour times)."""
    if not v2_time:
        return ""
    clock, half = v2_time.split()
    hour, minute = (int(p) for p in clock.split(":"))
    return f"{hour % 12 + (12 if half.upper() == 'PM' else 0):02d}:{minute:02d}"


def _season_ids(episodes: list[dict[str, Any]]) -> dict[int, int]:
    return {e["airedSeason"]: e["airedSeasonID"] for e in episodes if e.get("airedSeasonID")}


def rebuilt_extended(series_id: int) -> dict[str, Any]:
    """/series/{id}/extended?meta=translations, rebuilt from the v2 recordings."""
    records = v2_series(series_id)
    en = records["en"]
    episodes = v2_episodes(series_id)["en"]
    seasons = _season_ids(episodes)
    images = v2_images(series_id)
    by_number = {n: i for n, i in seasons.items()}
    artworks = []
    for image in images:
        width, _, height = (image.get("resolution") or "x").partition("x")
        season = int(image["subKey"]) if image["keyType"] in ("season", "seasonwide") else None
        artworks.append(
            {
                "id": image["id"],
                "image": ARTWORK_ROOT + image["fileName"],
                "thumbnail": ARTWORK_ROOT + image["thumbnail"],
                "language": v4_language(image.get("language") or "en"),
                "type": IMAGE_TYPES[image["keyType"]],
                # The artwork each language's record served scores highest, as on v4.
                "score": 100000 if image["fileName"] in _served_artwork(records) else 10,
                "width": int(width) if width.isdigit() else 0,
                "height": int(height) if height.isdigit() else 0,
                "seasonId": by_number.get(season) if season is not None else None,
                "includesText": True,
            }
        )
    for lang, record in records.items():  # artwork a language served that no image lists
        for key, type_id in (("poster", 2), ("banner", 1), ("fanart", 3)):
            path = record.get(key)
            if path and all(a["image"] != ARTWORK_ROOT + path for a in artworks):
                artworks.append(
                    {
                        "id": 900000 + len(artworks),
                        "image": ARTWORK_ROOT + path,
                        "language": v4_language(lang),
                        "type": type_id,
                        "score": 100000,
                        "width": 0,
                        "height": 0,
                    }
                )
    names = [
        {"name": r["seriesName"], "language": v4_language(lang), "isPrimary": lang == "en"}
        for lang, r in sorted(records.items())
    ]
    kinds = [{"id": 1, "name": "Aired Order", "type": "official", "alternateName": None}]
    if any(e.get("dvdSeason") is not None for e in episodes):
        kinds.append({"id": 2, "name": "DVD Order", "type": "dvd", "alternateName": None})
    if any(e.get("absoluteNumber") for e in episodes):
        kinds.append({"id": 3, "name": "Absolute Order", "type": "absolute", "alternateName": None})
    remote = [{"id": en["imdbId"], "type": 2, "sourceName": "IMDB"}] if en["imdbId"] else []
    if en.get("zap2itId"):
        remote.append({"id": en["zap2itId"], "type": 4, "sourceName": "Zap2It"})
    return {
        "id": series_id,
        "name": en["seriesName"],
        "slug": en["slug"],
        "image": ARTWORK_ROOT + en["poster"] if en["poster"] else None,
        "nameTranslations": [v4_language(lang) for lang in sorted(records)],
        "overviewTranslations": [v4_language(lang) for lang in sorted(records)],
        "aliases": [{"language": "eng", "name": a} for a in en["aliases"]],
        "firstAired": en["firstAired"],
        "lastAired": "",
        "nextAired": "",
        "score": 1000,
        "status": {"id": 2, "name": en["status"], "recordType": "series", "keepUpdated": False},
        "originalCountry": "usa",
        "originalLanguage": "eng",
        "defaultSeasonType": 1,
        "isOrderRandomized": False,
        "lastUpdated": _stamp(en["lastUpdated"]),
        "averageRuntime": int(en["runtime"]) if en["runtime"] else None,
        "episodes": None,
        "overview": own_overview(en["seriesName"], "eng"),
        "year": en["firstAired"][:4],
        "artworks": artworks,
        "originalNetwork": {"id": int(en["networkId"] or 0), "name": en["network"]},
        "latestNetwork": {"id": int(en["networkId"] or 0), "name": en["network"]},
        "genres": [{"name": g} for g in en["genre"]],
        "remoteIds": remote,
        "characters": [
            {
                "id": a["id"],
                "name": a["role"],
                "peopleId": None,
                "seriesId": series_id,
                "type": 3,
                "image": ARTWORK_ROOT + a["image"] if a["image"] else None,
                "sort": a["sortOrder"],
                "peopleType": "Actor",
                "personName": a["name"],
                "personImgURL": None,
            }
            for a in v2_actors(series_id)
        ],
        "airsDays": {d: d.capitalize() == en["airsDayOfWeek"] for d in WEEKDAYS},
        "airsTime": _time24(en["airsTime"]),
        "seasons": [
            {"id": sid, "seriesId": series_id, "number": n, "type": kinds[0]}
            for n, sid in sorted(seasons.items())
        ],
        "contentRatings": [{"id": 1, "name": en["rating"], "country": "usa"}]
        if en.get("rating")
        else [],
        "seasonTypes": kinds,
        "translations": {
            "nameTranslations": names,
            "overviewTranslations": [
                {
                    "overview": own_overview(r["seriesName"], v4_language(lang)),
                    "language": v4_language(lang),
                }
                for lang, r in sorted(records.items())
            ],
            "alias": list(en["aliases"]),
        },
    }


def _served_artwork(records: dict[str, dict[str, Any]]) -> set[str]:
    return {r[k] for r in records.values() for k in ("poster", "banner", "fanart") if r.get(k)}


def rebuilt_episode(e: dict[str, Any], names: dict[str, str | None]) -> dict[str, Any]:
    """An official-order v4 episode record from a v2 episode."""
    return {
        "id": e["id"],
        "seriesId": e["seriesId"],
        "name": e["episodeName"],
        "aired": e["firstAired"] or None,
        "runtime": None,
        "nameTranslations": [v4_language(lang) for lang, n in sorted(names.items()) if n],
        "overview": None,
        "overviewTranslations": [],
        "image": ARTWORK_ROOT + e["filename"] if e["filename"] else None,
        "imageType": 11 if e["filename"] else None,
        "isMovie": e["isMovie"],
        "seasons": None,
        "number": e["airedEpisodeNumber"],
        "absoluteNumber": e["absoluteNumber"],
        "seasonNumber": e["airedSeason"],
        "lastUpdated": _stamp(e["lastUpdated"]),
        "finaleType": None,
        "airsBeforeSeason": e["airsBeforeSeason"],
        "airsBeforeEpisode": e["airsBeforeEpisode"],
        "airsAfterSeason": e["airsAfterSeason"],
        "year": (e["firstAired"] or "")[:4] or None,
    }


def _paged(server: FixtureServer, path: str, items: list[Any], wrap: Any) -> None:
    pages = max(1, -(-len(items) // PAGE))
    for page in range(pages):
        chunk = items[page * PAGE : (page + 1) * PAGE]
        url = f"https://api4.thetvdb.com/v4{path}"
        server.add(
            f"GET {path}?page={page}",
            {
                "status": "success",
                "data": wrap(chunk),
                "links": {
                    "prev": f"{url}?page={page - 1}" if page else None,
                    "self": f"{url}?page={page}",
                    "next": f"{url}?page={page + 1}" if page + 1 < pages else None,
                    "total_items": len(items),
                    "page_size": PAGE,
                },
            },
        )


def add_rebuilt_series(server: FixtureServer, series_id: int) -> dict[str, Any]:
    """Every answer v4 gives about one rebuilt series; its extended record."""
    extended = rebuilt_extended(series_id)
    base = {k: v for k, v in extended.items() if k not in ("translations", "artworks")}
    server.add(f"GET /series/{series_id}/extended", {"status": "success", "data": extended})
    server.add(f"GET /series/{series_id}", {"status": "success", "data": base})
    server.add(f"GET /series/slug/{extended['slug']}", {"status": "success", "data": base})
    by_lang = v2_episodes(series_id)
    en = by_lang["en"]
    by_id = {lang: {x["id"]: x for x in eps} for lang, eps in by_lang.items()}
    names = {
        e["id"]: {lang: ids.get(e["id"], {}).get("episodeName") for lang, ids in by_id.items()}
        for e in en
    }
    official = [rebuilt_episode(e, names[e["id"]]) for e in en]
    wrap_plain = lambda chunk: {"series": base, "episodes": chunk}  # noqa: E731
    _paged(server, f"/series/{series_id}/episodes/official", official, wrap_plain)
    _paged(server, f"/series/{series_id}/episodes/default", official, wrap_plain)
    dvd = [
        {
            **rebuilt_episode(e, names[e["id"]]),
            "seasonNumber": e["dvdSeason"],
            "number": int(e["dvdEpisodeNumber"]),
        }
        for e in en
        if e.get("dvdSeason") is not None and e.get("dvdEpisodeNumber") is not None
    ]
    _paged(server, f"/series/{series_id}/episodes/dvd", dvd, wrap_plain)
    absolute = [
        {**rebuilt_episode(e, names[e["id"]]), "seasonNumber": 1, "number": e["absoluteNumber"]}
        for e in en
        if e.get("absoluteNumber")
    ]
    _paged(server, f"/series/{series_id}/episodes/absolute", absolute, wrap_plain)
    for lang, eps in by_lang.items():
        translated = [
            {
                **rebuilt_episode(e, names[e["id"]]),
                "name": e["episodeName"],
                "overview": own_overview(e["episodeName"], lang) if e["episodeName"] else None,
            }
            for e in eps
        ]
        _paged(
            server,
            f"/series/{series_id}/episodes/official/{v4_language(lang)}",
            translated,
            lambda chunk: {**base, "episodes": chunk},
        )
    for e in official:
        server.add(f"GET /episodes/{e['id']}", {"status": "success", "data": e})
    for remote in extended["remoteIds"]:
        server.add(
            f"GET /search/remoteid/{remote['id']}",
            {"status": "success", "data": [{"series": base}]},
        )
    return extended


def add_search(server: FixtureServer, query: str, ids: list[tuple[int, str]]) -> None:
    """A v4 search answer (hit shape as recorded for `saint seiya`)."""
    server.add(
        f"GET /search?query={query}&type=series",
        {
            "status": "success",
            "data": [
                {
                    "objectID": f"series-{i}",
                    "id": f"series-{i}",
                    "tvdb_id": str(i),
                    "name": name,
                    "type": "series",
                    "primary_type": "series",
                }
                for i, name in ids
            ],
            "links": {"prev": None, "next": None, "total_items": len(ids), "page_size": 50},
        },
    )


# ---------------------------------------------------------------- recorded v4 bodies


def add_recorded_series(server: FixtureServer) -> None:
    """FLCL 78878 and Saint Seiya 72775 from recorded v4 bodies, assembled per route."""
    extended = recorded("fp-series-78878-extended.json")["body"]["data"]
    meta = recorded("fp-series-78878-extended-meta-translations.json")["body"]["data"]
    english = recorded("fp-series-78878-translations-eng.json")["body"]["data"]
    translations = dict(meta["translations"])
    translations["nameTranslations"] = [
        *translations["nameTranslations"],
        {"name": english["name"], "language": "eng", "aliases": english["aliases"]},
    ]
    server.add(
        "GET /series/78878/extended",
        {"status": "success", "data": {**extended, "translations": translations}},
    )
    specials = recorded("fp-series-78878-extended-meta-episodes.json")["body"]["data"]["episodes"]
    base = {k: v for k, v in extended.items() if k != "artworks"}
    server.add(
        "GET /series/78878/episodes/official",
        {
            "status": "success",
            "data": {"series": base, "episodes": specials},
            "links": {"prev": None, "next": None},
        },
    )
    eng = recorded("fp-series-78878-episodes-official-eng.json")
    server.add(eng["request"], eng["body"])
    server.add(
        "GET /series/78878/translations/eng",
        recorded("fp-series-78878-translations-eng.json")["body"],
    )
    # Saint Seiya as the remote-id search recorded it: a base record without the extended
    # fields (no artworks, characters, seasons, genres; status all null).
    hit = recorded("fp-search-remoteid-42444.json")["body"]["data"][2]["series"]
    server.add("GET /series/72775/extended", {"status": "success", "data": hit})
    server.add(
        "GET /series/72775/episodes/official",
        {"status": "success", "data": {"series": hit, "episodes": []}, "links": {"next": None}},
    )
    missing = recorded("issue-error-404-series-extended-not-found.json")
    server.add(f"GET /series/{DELETED_SERIES}/extended", missing["body"], missing["status"])
    search = recorded("fp-search-query-saint-seiya-type-series.json")
    server.add("GET /search?query=saint seiya&type=series", search["body"])


def v4_server(*, api_key: str = "test-v4-key") -> FixtureServer:
    """A started fixture server answering as TheTVDB v4 does, for every series above."""
    server = FixtureServer(auth="v4", api_key=api_key)
    for series_id in REBUILT:
        add_rebuilt_series(server, series_id)
    add_recorded_series(server)
    add_search(server, "scrubs", [(76156, "Scrubs")])
    return server.start()
