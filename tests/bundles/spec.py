"""docs/bundle-format.md as test data: every key in wire order with its documented default,
canonical bundles (the form `export` writes), and helpers shared by the bundle tests.

Written from the document and the recorded real responses, not from tvdbd.records, so the
tests check the code against the spec rather than against itself.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, MetaData, select, text

from tvdbd.app import create_app
from tvdbd.bundles.exporter import export_file
from tvdbd.db.schema import CATALOGUE_CHILD_TABLES, series_table
from tvdbd.settings import Settings

with warnings.catch_warnings():
    # Starlette would like `httpx2` for its test client; `httpx` still works.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

REQUIRED = object()  # the key must be given
DERIVED = object()  # the server derives the key when a bundle leaves it out

# Kinds: what a value may be. Every key that is not required also accepts null.
INT, STR, NUM, LIST, NAMES, RATINGS, LANGUAGE = (
    "int",
    "str",
    "num",
    "list",
    "names",
    "ratings",
    "lang",
)

# (key, kind, default when missing), in the order the 3.0.0 API serves them.
SERIES_KEYS: list[tuple[str, str, Any]] = [
    ("id", INT, REQUIRED),
    ("seriesId", STR, ""),
    ("seriesName", STR, REQUIRED),
    ("aliases", NAMES, []),
    ("season", STR, DERIVED),
    ("poster", STR, ""),
    ("banner", STR, ""),
    ("fanart", STR, ""),
    ("status", STR, ""),
    ("firstAired", STR, ""),
    ("network", STR, ""),
    ("networkId", STR, ""),
    ("runtime", STR, ""),
    ("language", LANGUAGE, "en"),
    ("genre", NAMES, []),
    ("overview", STR, None),
    ("lastUpdated", INT, 0),
    ("airsDayOfWeek", STR, ""),
    ("airsTime", STR, ""),
    ("rating", STR, None),
    ("imdbId", STR, ""),
    ("zap2itId", STR, ""),
    ("added", STR, ""),
    ("addedBy", INT, 0),
    ("siteRating", NUM, 0),
    ("siteRatingCount", INT, 0),
    ("slug", STR, ""),
]

# The episode `language` object is per request: a bundle may carry it, it is not stored.
EPISODE_KEYS: list[tuple[str, str, Any]] = [
    ("id", INT, REQUIRED),
    ("airedSeason", INT, REQUIRED),
    ("airedSeasonID", INT, 0),
    ("airedEpisodeNumber", INT, REQUIRED),
    ("episodeName", STR, None),
    ("firstAired", STR, ""),
    ("guestStars", LIST, []),
    ("directors", LIST, []),
    ("writers", LIST, []),
    ("overview", STR, None),
    ("productionCode", STR, ""),
    ("showUrl", STR, ""),
    ("lastUpdated", INT, 0),
    ("dvdDiscid", STR, ""),
    ("dvdSeason", INT, None),
    ("dvdEpisodeNumber", NUM, None),
    ("dvdChapter", INT, None),
    ("absoluteNumber", INT, None),
    ("filename", STR, ""),
    ("seriesId", INT, DERIVED),
    ("lastUpdatedBy", INT, 0),
    ("airsAfterSeason", INT, None),
    ("airsBeforeSeason", INT, None),
    ("airsBeforeEpisode", INT, None),
    ("imdbId", STR, ""),
    ("contentRating", STR, None),
    ("thumbAuthor", INT, None),
    ("thumbAdded", STR, ""),
    ("thumbWidth", STR, None),
    ("thumbHeight", STR, None),
    ("siteRating", NUM, 0),
    ("siteRatingCount", INT, 0),
    ("isMovie", INT, 0),
]

# An actor's `lastUpdated` is a date string on the real API ("2008-07-27 18:26:36").
ACTOR_KEYS: list[tuple[str, str, Any]] = [
    ("id", INT, REQUIRED),
    ("seriesId", INT, DERIVED),
    ("name", STR, ""),
    ("role", STR, ""),
    ("sortOrder", INT, 0),
    ("image", STR, ""),
    ("imageAuthor", INT, 0),
    ("imageAdded", STR, ""),
    ("lastUpdated", STR, ""),
]

# Image `language` defaults to the series' language (filled in by `with_defaults`).
IMAGE_KEYS: list[tuple[str, str, Any]] = [
    ("id", INT, REQUIRED),
    ("keyType", STR, ""),
    ("subKey", STR, ""),
    ("fileName", STR, ""),
    ("languageId", INT, 0),
    ("language", STR, LANGUAGE),
    ("resolution", STR, ""),
    ("ratingsInfo", RATINGS, {"average": 0, "count": 0}),
    ("thumbnail", STR, DERIVED),
    ("seriesLastUpdated", INT, DERIVED),
]

TRANSLATION_ARTWORK = ("banner", "poster", "fanart")


def _filled(keys: list[tuple[str, str, Any]], record: dict[str, Any], **defaults: Any) -> dict:
    out = {}
    for key, kind, default in keys:
        if key in record:
            value = record[key]
            if kind == RATINGS and isinstance(value, dict):  # keys in wire order too
                value = {"average": value["average"], "count": value["count"]}
            out[key] = value
        elif default is LANGUAGE:
            out[key] = defaults["language"]
        elif default is not DERIVED:
            assert default is not REQUIRED, key
            out[key] = copy.deepcopy(default)
    return out


def with_defaults(bundle: dict[str, Any]) -> dict[str, Any]:
    """What `export` gives back for ``bundle``: missing keys take their documented defaults,
    derived keys stay missing, keys are in wire order, episodes in id order, translations in
    language order; empty collections are left out."""
    series = _filled(SERIES_KEYS, bundle["series"])
    out: dict[str, Any] = {"series": series}
    translations = bundle.get("translations") or {}
    if translations:
        out["translations"] = {}
        for language in sorted(translations):
            given = translations[language]
            record = {"seriesName": given.get("seriesName"), "overview": given.get("overview")}
            if "aliases" in given:
                record["aliases"] = given["aliases"]
            for key in TRANSLATION_ARTWORK:
                if given.get(key) is not None:
                    record[key] = given[key]
            out["translations"][language] = record
    episodes = sorted(bundle.get("episodes") or [], key=lambda e: e["id"])
    if episodes:
        out["episodes"] = []
        for given in episodes:
            record = _filled(EPISODE_KEYS, given)
            names = given.get("translations") or {}
            if names:
                record["translations"] = {
                    language: {
                        "episodeName": names[language].get("episodeName"),
                        "overview": names[language].get("overview"),
                    }
                    for language in sorted(names)
                }
            out["episodes"].append(record)
    if bundle.get("actors"):
        out["actors"] = [_filled(ACTOR_KEYS, a) for a in bundle["actors"]]
    if bundle.get("images"):
        language = series["language"]
        out["images"] = [_filled(IMAGE_KEYS, i, language=language) for i in bundle["images"]]
    return out


def line(bundle: dict[str, Any]) -> bytes:
    return orjson.dumps(bundle) + b"\n"


def write_lines(path: Path, bundles: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(line(b) for b in bundles))
    return path


def minimal(series_id: int, name: str = "Show", **series: Any) -> dict[str, Any]:
    return {"series": {"id": series_id, "seriesName": name, **series}}


def episode(episode_id: int, season: int = 1, number: int = 1, **keys: Any) -> dict[str, Any]:
    return {"id": episode_id, "airedSeason": season, "airedEpisodeNumber": number, **keys}


def exported(engine: Engine, tmp_path: Path, name: str = "export.jsonl") -> bytes:
    path = tmp_path / name
    export_file(engine, path)
    return path.read_bytes()


def exported_bundles(engine: Engine, tmp_path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(raw) for raw in exported(engine, tmp_path).splitlines()]


def snapshot(engine: Engine, series_id: int | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every catalogue row (of one series, if given), sorted: to show that nothing changed."""
    out = {}
    with engine.connect() as conn:
        for table in (series_table, *CATALOGUE_CHILD_TABLES):
            query = select(table)
            if series_id is not None:
                column = table.c.id if table is series_table else table.c.series_id
                query = query.where(column == series_id)
            rows = conn.execute(query).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def series_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(series_table.c.id).order_by(series_table.c.id)).scalars())


def count_rows(engine: Engine, table: str) -> int:
    meta = MetaData()
    meta.reflect(engine, only=[table])
    with engine.connect() as conn:
        return len(conn.execute(select(meta.tables[table])).all())


@contextmanager
def served(engine: Engine, data_dir: Path) -> Iterator[TestClient]:
    """An in-process, logged-in API client over ``engine``."""
    app = create_app(Settings(data_dir=data_dir, load_demo=False, read_through="off"), engine)
    with TestClient(app) as client:
        token = client.post("/login", json={"apikey": "tests"}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def fail_inserting_image(engine: Engine, image_id: int) -> None:
    """Make the database refuse an image row (a real storage failure in the middle of a series:
    its episodes and actors are written before its images)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_image BEFORE INSERT ON images "
                    f"WHEN NEW.id = {image_id} BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_image() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    f"BEGIN IF NEW.id = {image_id} THEN RAISE EXCEPTION 'refused'; END IF; "
                    "RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_image BEFORE INSERT ON images "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_image()"
                )
            )


# A bundle in canonical form: every key, in wire order, as `export` writes it. Derived keys
# are given on some records and left to the server on others.
CANONICAL_RICH: dict[str, Any] = {
    "series": {
        "id": 70001,
        "seriesId": "",
        "seriesName": "Example Show — 例え ✓",
        "aliases": ["Exemplary", "Ex Show"],
        "season": "2",
        "poster": "posters/70001-1.jpg",
        "banner": "graphical/70001-g.jpg",
        "fanart": "fanart/original/70001-1.jpg",
        "status": "Ended",
        "firstAired": "2001-10-02",
        "network": "NBC",
        "networkId": "2",
        "runtime": "25",
        "language": "en",
        "genre": ["Comedy", "Drama"],
        "overview": None,
        "lastUpdated": 1590423366,
        "airsDayOfWeek": "Tuesday",
        "airsTime": "9:00 PM",
        "rating": "",
        "imdbId": "tt0285403",
        "zap2itId": "",
        "added": "2008-02-04 00:00:00",
        "addedBy": 1,
        "siteRating": 9.0,
        "siteRatingCount": 9223372036854775807,
        "slug": "example-show",
    },
    "translations": {
        "de": {"seriesName": None, "overview": "", "aliases": []},
        "fr": {
            "seriesName": "Exemple ✓",
            "overview": "Une série « exemplaire ».",
            "aliases": ["L'exemple"],
            "banner": "graphical/70001-fr.jpg",
            "poster": "posters/70001-fr.jpg",
            "fanart": "fanart/original/70001-fr.jpg",
        },
        "he": {"seriesName": "דוגמה", "overview": None},
    },
    "episodes": [
        {
            "id": 900001,
            "airedSeason": 0,
            "airedSeasonID": 0,
            "airedEpisodeNumber": 1,
            "episodeName": "",
            "firstAired": "",
            "guestStars": [],
            "directors": [],
            "writers": [],
            "overview": None,
            "productionCode": "",
            "showUrl": "",
            "lastUpdated": 0,
            "dvdDiscid": "",
            "dvdSeason": None,
            "dvdEpisodeNumber": None,
            "dvdChapter": None,
            "absoluteNumber": None,
            "filename": "",
            "lastUpdatedBy": 0,
            "airsAfterSeason": None,
            "airsBeforeSeason": 1,
            "airsBeforeEpisode": 1,
            "imdbId": "",
            "contentRating": None,
            "thumbAuthor": None,
            "thumbAdded": "",
            "thumbWidth": None,
            "thumbHeight": None,
            "siteRating": 0,
            "siteRatingCount": 0,
            "isMovie": 1,
        },
        {
            "id": 900002,
            "airedSeason": 1,
            "airedSeasonID": 6345,
            "airedEpisodeNumber": 1,
            "episodeName": "Pilot 🎬",
            "firstAired": "2001-10-02",
            "guestStars": ["Greg Grunberg", "Zoë Bell"],
            "directors": ["J.J. Abrams"],
            "writers": ["Damon Lindelof", "J.J. Abrams"],
            "overview": 'First half.\nSecond line "quoted" \\ backslash\ttab',
            "productionCode": "100",
            "showUrl": "",
            "lastUpdated": 1484282112,
            "dvdDiscid": "",
            "dvdSeason": 1,
            "dvdEpisodeNumber": 1.5,
            "dvdChapter": 3,
            "absoluteNumber": 1,
            "filename": "series/70001/episodes/900002.jpg",
            "seriesId": 70001,
            "lastUpdatedBy": 1,
            "airsAfterSeason": None,
            "airsBeforeSeason": None,
            "airsBeforeEpisode": None,
            "imdbId": "tt0636289",
            "contentRating": "TV-14",
            "thumbAuthor": 171,
            "thumbAdded": "2019-12-29 21:09:20",
            "thumbWidth": "640",
            "thumbHeight": "360",
            "siteRating": 8,
            "siteRatingCount": 14,
            "isMovie": 0,
            "translations": {
                "fr": {"episodeName": "Le pilote", "overview": None},
                "ja": {"episodeName": None, "overview": "パイロット版"},
            },
        },
        {
            "id": 9223372036854775807,
            "airedSeason": 2,
            "airedSeasonID": 6346,
            "airedEpisodeNumber": 1,
            "episodeName": None,
            "firstAired": "2002-09-26",
            "guestStars": [],
            "directors": [],
            "writers": [],
            "overview": "",
            "productionCode": "",
            "showUrl": "",
            "lastUpdated": -1,
            "dvdDiscid": "",
            "dvdSeason": 2,
            "dvdEpisodeNumber": 1,
            "dvdChapter": None,
            "absoluteNumber": 2,
            "filename": "",
            "seriesId": 12345,
            "lastUpdatedBy": 0,
            "airsAfterSeason": None,
            "airsBeforeSeason": None,
            "airsBeforeEpisode": None,
            "imdbId": "",
            "contentRating": None,
            "thumbAuthor": None,
            "thumbAdded": "",
            "thumbWidth": None,
            "thumbHeight": None,
            "siteRating": 9.1,
            "siteRatingCount": 0,
            "isMovie": 0,
        },
    ],
    "actors": [
        {
            "id": 64753180,
            "seriesId": 76156,
            "name": "Aloma Wright",
            "role": "Nurse Laverne Roberts",
            "sortOrder": 0,
            "image": "actors/78129.jpg",
            "imageAuthor": 516,
            "imageAdded": "2008-07-27 18:26:36",
            "lastUpdated": "2008-07-27 18:26:36",
        },
        {
            "id": 5001,
            "name": "A. Actor",
            "role": "",
            "sortOrder": 3,
            "image": "",
            "imageAuthor": 0,
            "imageAdded": "",
            "lastUpdated": "",
        },
    ],
    "images": [
        {
            "id": 7002,
            "keyType": "poster",
            "subKey": "graphical",
            "fileName": "posters/70001-2.jpg",
            "languageId": 7,
            "language": "en",
            "resolution": "680x1000",
            "ratingsInfo": {"average": 9.0, "count": 10},
            "thumbnail": "",
            "seriesLastUpdated": 1,
        },
        {
            "id": 7001,
            "keyType": "season",
            "subKey": "1",
            "fileName": "seasons/70001-1.jpg",
            "languageId": 0,
            "language": None,
            "resolution": "",
            "ratingsInfo": {"average": 7.25, "count": 3},
        },
    ],
}

CANONICAL_PLAIN: dict[str, Any] = {
    "series": {
        "id": 70002,
        "seriesId": "tt-legacy",
        "seriesName": "",
        "aliases": [],
        "poster": "",
        "banner": "",
        "fanart": "",
        "status": "",
        "firstAired": "",
        "network": "",
        "networkId": "",
        "runtime": "",
        "language": "ja",
        "genre": [],
        "overview": "",
        "lastUpdated": 0,
        "airsDayOfWeek": "",
        "airsTime": "",
        "rating": None,
        "imdbId": "",
        "zap2itId": "",
        "added": "",
        "addedBy": 0,
        "siteRating": 0,
        "siteRatingCount": 0,
        "slug": "",
    }
}

CANONICAL = [CANONICAL_RICH, CANONICAL_PLAIN]
