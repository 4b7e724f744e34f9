"""Importing bundles (docs/bundle-format.md): values kept exactly, defaults, derived keys,
whole-series replacement, bad lines, strict mode, files. Every test runs on each backend."""

from __future__ import annotations

import copy
import gzip
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine

from tests.bundles.spec import (
    CANONICAL,
    CANONICAL_RICH,
    episode,
    exported,
    exported_bundles,
    fail_inserting_image,
    line,
    minimal,
    series_ids,
    served,
    snapshot,
    with_defaults,
    write_lines,
)
from tests.support import DEMO_BUNDLE, import_bundles
from tvdbd.bundles.importer import import_file, import_lines

MAX_ID = 2**63 - 1


def _only(engine: Engine, tmp_path: Path) -> dict[str, Any]:
    (bundle,) = exported_bundles(engine, tmp_path)
    return bundle


# --- Values are kept exactly ---------------------------------------------------------------

NUMBERS = [9, 9.1, 9.0, 0, 0.0, -0.0, 1e-07, 1.5e300, -3, 123456789012345]


def test_numbers_keep_int_versus_float_in_export_and_on_the_wire(
    engine: Engine, tmp_path: Path
) -> None:
    bundles = [
        {
            "series": {"id": 100 + i, "seriesName": "Numbers", "siteRating": value},
            "episodes": [episode(1000 + i, siteRating=value, dvdEpisodeNumber=value)],
            "images": [
                {"id": 1, "keyType": "poster", "ratingsInfo": {"average": value, "count": 2}}
            ],
        }
        for i, value in enumerate(NUMBERS)
    ]
    assert import_bundles(engine, bundles).ok
    text = exported(engine, tmp_path)
    with served(engine, tmp_path) as api:
        for i, value in enumerate(NUMBERS):
            literal = orjson.dumps(value)
            series, episode_record = api.get(f"/series/{100 + i}"), api.get(f"/episodes/{1000 + i}")
            images = api.get(f"/series/{100 + i}/images/query", params={"keyType": "poster"})
            assert b'"siteRating":' + literal + b"," in series.content
            assert b'"siteRating":' + literal + b"," in episode_record.content
            assert b'"dvdEpisodeNumber":' + literal + b"," in episode_record.content
            assert b'"ratingsInfo":{"average":' + literal + b',"count":2}' in images.content
            exported_line = text.splitlines()[i]
            assert exported_line.count(b'"siteRating":' + literal + b",") == 2
            assert b'"dvdEpisodeNumber":' + literal + b"," in exported_line
            assert b'"ratingsInfo":{"average":' + literal + b',"count":2}' in exported_line


def test_null_and_empty_string_are_different_values(engine: Engine, tmp_path: Path) -> None:
    given = {
        "series": {
            "id": 1,
            "seriesName": "Nulls",
            "overview": "",
            "rating": "",
            "network": None,
            "firstAired": None,
            "lastUpdated": None,
        },
        "episodes": [
            episode(11, episodeName="", overview=None, firstAired=None, contentRating=""),
            episode(12, 1, 2, episodeName=None, overview="", guestStars=None, thumbWidth=""),
        ],
    }
    assert import_bundles(engine, [given]).ok
    bundle = _only(engine, tmp_path)
    series = bundle["series"]
    assert (series["overview"], series["rating"]) == ("", "")
    assert (series["network"], series["firstAired"], series["lastUpdated"]) == (None, None, None)
    first, second = bundle["episodes"]
    assert (first["episodeName"], first["overview"], first["firstAired"]) == ("", None, None)
    assert first["contentRating"] == ""
    assert (second["episodeName"], second["overview"], second["guestStars"]) == (None, "", None)
    assert second["thumbWidth"] == ""
    with served(engine, tmp_path) as api:
        served_series = api.get("/series/1").json()["data"]
        assert (served_series["overview"], served_series["network"]) == ("", None)
        assert api.get("/episodes/11").json()["data"]["episodeName"] == ""
        assert api.get("/episodes/12").json()["data"]["episodeName"] is None


def test_ids_up_to_the_64_bit_limit_are_kept(engine: Engine, tmp_path: Path) -> None:
    given = {
        "series": {"id": MAX_ID, "seriesName": "Huge", "lastUpdated": -(2**63)},
        "episodes": [episode(MAX_ID, absoluteNumber=MAX_ID)],
        "actors": [{"id": MAX_ID, "sortOrder": -(2**63)}],
        "images": [{"id": MAX_ID, "fileName": "posters/x.jpg", "keyType": "poster"}],
    }
    assert import_bundles(engine, [given]).ok
    bundle = _only(engine, tmp_path)
    assert bundle["series"]["id"] == MAX_ID
    assert bundle["series"]["lastUpdated"] == -(2**63)
    assert bundle["episodes"][0]["id"] == bundle["episodes"][0]["absoluteNumber"] == MAX_ID
    assert bundle["actors"][0]["id"] == MAX_ID
    assert bundle["actors"][0]["sortOrder"] == -(2**63)
    with served(engine, tmp_path) as api:
        assert api.get(f"/series/{MAX_ID}").json()["data"]["id"] == MAX_ID
        served_episode = api.get(f"/episodes/{MAX_ID}").json()["data"]
        assert served_episode["seriesId"] == MAX_ID
        image = api.get(f"/series/{MAX_ID}/images/query", params={"keyType": "poster"})
        assert image.json()["data"][0]["seriesLastUpdated"] == -(2**63)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"series": {"id": 9223372036854775808, "seriesName": "x"}}', "series.id"),
        (
            b'{"series": {"id": 1, "seriesName": "x"}, "episodes": [{"id": -9223372036854775809,'
            b' "airedSeason": 1, "airedEpisodeNumber": 1}]}',
            "episodes[0].id",
        ),
        (b'{"series": {"id": 1, "seriesName": "x", "lastUpdated": 18446744073709551615}}',
         "series.lastUpdated"),
        (b'{"series": {"id": 123456789012345678901234567890, "seriesName": "x"}}', "series.id"),
        (b'{"series": {"id": 1, "seriesName": "x", "siteRating": 18446744073709551616}}',
         "series.siteRating"),
        (b'{"series": {"id": 1, "seriesName": "x"}, "images": [{"id": 1, '
         b'"ratingsInfo": {"average": -99999999999999999999, "count": 1}}]}',
         "images[0].ratingsInfo.average"),
    ],
)  # fmt: skip
def test_a_number_beyond_64_bits_is_a_bad_line_naming_the_field(
    engine: Engine, raw: bytes, field: str
) -> None:
    report = import_lines(engine, [raw])
    assert len(report.errors) == 1
    assert report.errors[0].endswith(f"field {field}: is outside the 64-bit range")
    assert series_ids(engine) == []


def test_long_digit_runs_that_fit_are_kept_exactly(engine: Engine, tmp_path: Path) -> None:
    raw = (
        b'{"series": {"id": 1, "seriesName": "12345678901234567890123", '
        b'"siteRating": 18446744073709551615, "lastUpdated": -9223372036854775808}}'
    )
    assert import_lines(engine, [raw]).ok
    text = exported(engine, tmp_path)
    assert b'"seriesName":"12345678901234567890123"' in text
    assert b'"siteRating":18446744073709551615,' in text
    assert b'"lastUpdated":-9223372036854775808,' in text


UNICODE_NAMES = [
    "Café Crème",  # precomposed
    "Cafe\u0301",  # combining acute accent
    "東京ラブストーリー",
    "שלום עולם",  # right to left
    "👩‍👩‍👧 Family 🇫🇷",  # ZWJ sequence and a flag
    "\u200bzero\u200dwidth\ufeff",
    'line\nbreak\ttab "quote" \\ back/slash',
    "\U0010fffd private use plane 16",
]


def test_unicode_is_kept_exactly(engine: Engine, tmp_path: Path) -> None:
    bundles = [
        {
            "series": {"id": i + 1, "seriesName": name, "aliases": [name]},
            "translations": {"ja": {"seriesName": name[::-1], "overview": name}},
            "episodes": [episode(100 + i, episodeName=name, guestStars=[name])],
        }
        for i, name in enumerate(UNICODE_NAMES)
    ]
    assert import_bundles(engine, bundles).ok
    exported_list = exported_bundles(engine, tmp_path)
    with served(engine, tmp_path) as api:
        for i, name in enumerate(UNICODE_NAMES):
            bundle = exported_list[i]
            assert bundle["series"]["seriesName"] == name
            assert bundle["series"]["aliases"] == [name]
            assert bundle["translations"]["ja"] == {"seriesName": name[::-1], "overview": name}
            assert bundle["episodes"][0]["episodeName"] == name
            assert bundle["episodes"][0]["guestStars"] == [name]
            assert api.get(f"/series/{i + 1}").json()["data"]["seriesName"] == name
            japanese = api.get(f"/series/{i + 1}", headers={"Accept-Language": "ja"})
            assert japanese.json()["data"]["seriesName"] == name[::-1]


def test_escaped_and_raw_unicode_in_a_line_are_the_same_value(
    engine: Engine, tmp_path: Path
) -> None:
    escaped = b'{"series":{"id":1,"seriesName":"Caf\\u00e9 \\ud83c\\udfac"}}'
    raw = '{"series":{"id":2,"seriesName":"Café 🎬"}}'.encode()
    assert import_lines(engine, [escaped, raw]).ok
    first, second = exported_bundles(engine, tmp_path)
    assert first["series"]["seriesName"] == second["series"]["seriesName"] == "Café 🎬"


def test_a_nul_character_is_a_bad_line_on_every_backend(engine: Engine) -> None:
    bundles = [
        {**minimal(1), "episodes": [episode(5, overview="before\u0000after")]},
        minimal(2, "fine"),
    ]
    report = import_bundles(engine, bundles)
    assert report.errors == [
        "line 1, series 1, field episodes[0].overview: must not contain the NUL character (\\u0000)"
    ]
    assert series_ids(engine) == [2]


# --- Missing keys take the wire defaults ----------------------------------------------------


def test_missing_keys_take_the_documented_wire_defaults(engine: Engine, tmp_path: Path) -> None:
    given = {
        "series": {"id": 70001, "seriesName": "Example Show"},
        "episodes": [episode(900001)],
        "actors": [{"id": 5001}],
        "images": [{"id": 7001}],
    }
    assert import_bundles(engine, [given]).ok
    bundle = _only(engine, tmp_path)
    assert bundle == with_defaults(given)
    # Spelled out once, as the document lists them.
    assert bundle["series"] == {
        "id": 70001, "seriesId": "", "seriesName": "Example Show", "aliases": [], "poster": "",
        "banner": "", "fanart": "", "status": "", "firstAired": "", "network": "",
        "networkId": "", "runtime": "", "language": "en", "genre": [], "overview": None,
        "lastUpdated": 0, "airsDayOfWeek": "", "airsTime": "", "rating": None, "imdbId": "",
        "zap2itId": "", "added": "", "addedBy": 0, "siteRating": 0, "siteRatingCount": 0,
        "slug": "",
    }  # fmt: skip
    assert bundle["actors"] == [
        {"id": 5001, "name": "", "role": "", "sortOrder": 0, "image": "", "imageAuthor": 0,
         "imageAdded": "", "lastUpdated": ""}
    ]  # fmt: skip
    assert bundle["images"] == [
        {"id": 7001, "keyType": "", "subKey": "", "fileName": "", "languageId": 0,
         "language": "en", "resolution": "", "ratingsInfo": {"average": 0, "count": 0}}
    ]  # fmt: skip
    with served(engine, tmp_path) as api:
        served_episode = api.get("/episodes/900001").json()["data"]
    for key in ("episodeName", "overview", "dvdSeason", "dvdEpisodeNumber", "dvdChapter",
                "absoluteNumber", "airsAfterSeason", "airsBeforeSeason", "airsBeforeEpisode",
                "contentRating", "thumbAuthor", "thumbWidth", "thumbHeight"):  # fmt: skip
        assert served_episode[key] is None, key
    for key in ("lastUpdated", "airedSeasonID", "lastUpdatedBy", "siteRating",
                "siteRatingCount", "isMovie"):  # fmt: skip
        assert served_episode[key] == 0, key
    assert served_episode["guestStars"] == served_episode["directors"] == []
    assert served_episode["filename"] == served_episode["imdbId"] == ""


def test_an_image_without_a_language_takes_the_series_language(
    engine: Engine, tmp_path: Path
) -> None:
    given = {
        "series": {"id": 1, "seriesName": "Serie", "language": "de"},
        "images": [{"id": 1}, {"id": 2, "language": "fr"}, {"id": 3, "language": None}],
    }
    assert import_bundles(engine, [given]).ok
    languages = [image["language"] for image in _only(engine, tmp_path)["images"]]
    assert languages == ["de", "fr", None]


# --- Derived keys ---------------------------------------------------------------------------


def test_derived_keys_are_derived_when_missing_and_not_exported(
    engine: Engine, tmp_path: Path
) -> None:
    given = {
        "series": {"id": 70, "seriesName": "Derived", "lastUpdated": 1590423366},
        "episodes": [
            episode(1, 0, 1),
            episode(2, 1, 1),
            episode(3, 1, 2),
            episode(4, 2, 1),
            episode(5, 4, 1),
        ],
        "actors": [{"id": 8, "name": "A"}],
        "images": [
            {"id": 9, "keyType": "poster", "fileName": "posters/70-1.jpg"},
            {"id": 10, "keyType": "poster", "fileName": "posters/noextension"},
        ],
    }
    assert import_bundles(engine, [given]).ok
    bundle = _only(engine, tmp_path)
    assert "season" not in bundle["series"]
    assert all("seriesId" not in e for e in bundle["episodes"] + bundle["actors"])
    assert all("thumbnail" not in i and "seriesLastUpdated" not in i for i in bundle["images"])
    with served(engine, tmp_path) as api:
        # Seasons 1, 2 and 4: specials (season 0) do not count.
        assert api.get("/series/70").json()["data"]["season"] == "3"
        assert api.get("/episodes/4").json()["data"]["seriesId"] == 70
        assert api.get("/series/70/actors").json()["data"][0]["seriesId"] == 70
        images = api.get("/series/70/images/query", params={"keyType": "poster"}).json()["data"]
    assert [i["thumbnail"] for i in images] == ["posters/70-1_t.jpg", "posters/noextension_t"]
    assert [i["seriesLastUpdated"] for i in images] == [1590423366, 1590423366]


def test_derived_keys_given_by_a_bundle_are_kept(engine: Engine, tmp_path: Path) -> None:
    given = {
        "series": {"id": 70, "seriesName": "Given", "season": "12", "lastUpdated": 5},
        "episodes": [episode(1, 1, 1, seriesId=99)],
        "actors": [{"id": 8, "seriesId": 98}],
        "images": [
            {"id": 9, "keyType": "poster", "fileName": "posters/a.jpg", "thumbnail": "",
             "seriesLastUpdated": 7},
            {"id": 10, "keyType": "poster", "fileName": "posters/b.jpg",
             "thumbnail": "elsewhere/b-small.png"},
        ],
    }  # fmt: skip
    assert import_bundles(engine, [given]).ok
    bundle = _only(engine, tmp_path)
    assert bundle["series"]["season"] == "12"
    assert bundle["episodes"][0]["seriesId"] == 99
    assert bundle["actors"][0]["seriesId"] == 98
    assert [i.get("thumbnail") for i in bundle["images"]] == ["", "elsewhere/b-small.png"]
    assert [i.get("seriesLastUpdated") for i in bundle["images"]] == [7, None]
    with served(engine, tmp_path) as api:
        assert api.get("/series/70").json()["data"]["season"] == "12"
        assert api.get("/episodes/1").json()["data"]["seriesId"] == 99
        assert api.get("/series/70/actors").json()["data"][0]["seriesId"] == 98
        images = api.get("/series/70/images/query", params={"keyType": "poster"}).json()["data"]
    assert [i["thumbnail"] for i in images] == ["", "elsewhere/b-small.png"]
    assert [i["seriesLastUpdated"] for i in images] == [7, 5]


def test_a_derived_key_given_as_null_is_derived(engine: Engine, tmp_path: Path) -> None:
    # The document is silent; null is not a value any of these keys had on the real API,
    # so it is read as "not given" (storage keeps NULL for "derive it").
    given = {
        "series": {"id": 70, "seriesName": "Nulls", "season": None, "lastUpdated": 9},
        "episodes": [episode(1, seriesId=None)],
        "actors": [{"id": 2, "seriesId": None}],
        "images": [{"id": 3, "keyType": "poster", "fileName": "a.jpg", "thumbnail": None,
                    "seriesLastUpdated": None}],
    }  # fmt: skip
    assert import_bundles(engine, [given]).ok
    bundle = _only(engine, tmp_path)
    assert "season" not in bundle["series"] and "seriesId" not in bundle["episodes"][0]
    assert "seriesId" not in bundle["actors"][0] and "thumbnail" not in bundle["images"][0]
    with served(engine, tmp_path) as api:
        assert api.get("/series/70").json()["data"]["season"] == "1"
        assert api.get("/episodes/1").json()["data"]["seriesId"] == 70
        image = api.get("/series/70/images/query", params={"keyType": "poster"}).json()["data"]
    assert (image[0]["thumbnail"], image[0]["seriesLastUpdated"]) == ("a_t.jpg", 9)


def test_translation_artwork_given_as_null_means_the_series_own(
    engine: Engine, tmp_path: Path
) -> None:
    given = {
        "series": {"id": 70, "seriesName": "Art", "poster": "posters/en.jpg"},
        "translations": {"fr": {"seriesName": "Art", "overview": None, "poster": None,
                                "banner": "graphical/fr.jpg"}},
    }  # fmt: skip
    assert import_bundles(engine, [given]).ok
    assert _only(engine, tmp_path)["translations"]["fr"] == {
        "seriesName": "Art",
        "overview": None,
        "banner": "graphical/fr.jpg",
    }
    with served(engine, tmp_path) as api:
        french = api.get("/series/70", headers={"Accept-Language": "fr"}).json()["data"]
    assert (french["poster"], french["banner"]) == ("posters/en.jpg", "graphical/fr.jpg")


def test_a_series_without_episodes_has_season_zero(engine: Engine, tmp_path: Path) -> None:
    assert import_bundles(engine, [minimal(1)]).ok
    with served(engine, tmp_path) as api:
        assert api.get("/series/1").json()["data"]["season"] == "0"


def test_episode_and_series_language_keys_are_not_stored_and_not_warned(
    engine: Engine, tmp_path: Path
) -> None:
    given = {
        "series": {"id": 1, "seriesName": "Lang", "language": "fr"},
        "episodes": [episode(1, language={"episodeName": "en", "overview": "en"})],
    }
    report = import_bundles(engine, [given])
    assert report.ok and report.warnings == []
    bundle = _only(engine, tmp_path)
    assert "language" not in bundle["episodes"][0]
    assert bundle["series"]["language"] == "fr"  # names the original language


# --- Order ----------------------------------------------------------------------------------


def test_episodes_are_in_id_order_and_actors_and_images_in_bundle_order(
    engine: Engine, tmp_path: Path
) -> None:
    given = {
        "series": {"id": 1, "seriesName": "Order"},
        "episodes": [episode(30, 1, 3), episode(10, 1, 1), episode(20, 2, 1)],
        "actors": [{"id": 3}, {"id": 1}, {"id": 2}, {"id": 1}],
        "images": [{"id": 9}, {"id": 8}, {"id": 9}],
    }
    assert import_bundles(engine, [given]).ok
    bundle = _only(engine, tmp_path)
    assert [e["id"] for e in bundle["episodes"]] == [10, 20, 30]
    assert [a["id"] for a in bundle["actors"]] == [3, 1, 2, 1]
    assert [i["id"] for i in bundle["images"]] == [9, 8, 9]
    with served(engine, tmp_path) as api:
        assert [a["id"] for a in api.get("/series/1/actors").json()["data"]] == [3, 1, 2, 1]
        assert [e["id"] for e in api.get("/series/1/episodes").json()["data"]] == [10, 20, 30]


# --- A series is replaced whole -------------------------------------------------------------

OLD_VERSION = {
    "series": {"id": 70, "seriesName": "Old", "aliases": ["Old alias"], "genre": ["Drama"]},
    "translations": {"fr": {"seriesName": "Vieux", "overview": None, "aliases": ["Ancien"]}},
    "episodes": [
        episode(1, 1, 1, translations={"fr": {"episodeName": "Un"}}),
        episode(2, 1, 2),
        episode(3, 1, 3),
    ],
    "actors": [{"id": 1, "name": "Old actor"}, {"id": 2, "name": "Gone actor"}],
    "images": [{"id": 1, "keyType": "poster"}, {"id": 2, "keyType": "fanart"}],
}
NEW_VERSION = {
    "series": {"id": 70, "seriesName": "New", "genre": ["Comedy"]},
    "translations": {"de": {"seriesName": "Neu", "overview": "Neu"}},
    "episodes": [episode(2, 1, 1, episodeName="Kept id, new data"), episode(4, 2, 1)],
    "actors": [{"id": 3, "name": "New actor"}],
}


def test_reimporting_a_series_replaces_everything_it_holds(engine: Engine, tmp_path: Path) -> None:
    assert import_bundles(engine, [OLD_VERSION, minimal(71, "Neighbour")]).ok
    neighbour = exported_bundles(engine, tmp_path)[1]
    report = import_bundles(engine, [NEW_VERSION])
    assert report.ok and report.imported == 1 and report.changed_series == [70]
    new, neighbour_after = exported_bundles(engine, tmp_path)
    assert new == with_defaults(NEW_VERSION)
    assert neighbour_after == neighbour
    with served(engine, tmp_path) as api:
        assert api.get("/episodes/1").status_code == 404
        assert api.get("/episodes/3").status_code == 404
        assert api.get("/episodes/2").json()["data"]["episodeName"] == "Kept id, new data"
        assert api.get("/series/70").json()["data"]["aliases"] == []
        assert api.get("/series/70/images").json()["data"] == {}
        french = api.get("/series/70", headers={"Accept-Language": "fr"}).json()["data"]
        assert french["seriesName"] == "New"  # the French translation went with the old version
        assert api.get("/search/series", params={"name": "Vieux"}).status_code == 404
        assert api.get("/search/series", params={"name": "Neu"}).status_code == 200


def test_a_failure_in_the_middle_of_a_series_leaves_its_old_version_intact(
    engine: Engine, tmp_path: Path
) -> None:
    assert import_bundles(engine, [OLD_VERSION]).ok
    before = snapshot(engine, 70)
    # The old version has rows in every table but series_sources (migration 0005), which
    # no bundle fills yet.
    assert all(rows for table, rows in before.items() if table != "series_sources")
    fail_inserting_image(engine, 666)
    failing = {**NEW_VERSION, "images": [{"id": 5}, {"id": 666}]}
    report = import_bundles(engine, [minimal(69, "Before"), failing, minimal(72, "After")])
    assert len(report.errors) == 1
    assert report.errors[0].startswith("line 2, series 70: could not be stored")
    assert report.imported == 2
    assert snapshot(engine, 70) == before
    assert series_ids(engine) == [69, 70, 72]
    # The next import of a good version goes through.
    assert import_bundles(engine, [NEW_VERSION]).imported == 1


# --- Re-importing the same file --------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "catalogue.jsonl", [*CANONICAL, OLD_VERSION])
    first = import_file(engine, path)
    assert (first.imported, first.unchanged, first.errors) == (3, 0, [])
    rows, text = snapshot(engine), exported(engine, tmp_path)
    again = import_file(engine, path)
    assert (again.imported, again.unchanged, again.errors) == (0, 3, [])
    assert again.changed_series == []
    assert snapshot(engine) == rows
    assert exported(engine, tmp_path) == text


def test_a_changed_line_is_imported_and_the_others_are_unchanged(engine: Engine) -> None:
    assert import_bundles(engine, [OLD_VERSION, *CANONICAL]).imported == 3
    report = import_bundles(engine, [NEW_VERSION, *CANONICAL])
    assert (report.imported, report.unchanged, report.changed_series) == (1, 2, [70])


def test_the_same_series_twice_in_a_file_ends_with_the_last_version(
    engine: Engine, tmp_path: Path
) -> None:
    report = import_bundles(engine, [OLD_VERSION, NEW_VERSION])
    assert report.ok and report.imported == 2
    assert exported_bundles(engine, tmp_path) == [with_defaults(NEW_VERSION)]


# --- Bad lines ------------------------------------------------------------------------------


def test_a_bad_line_is_reported_and_the_other_lines_import(engine: Engine, tmp_path: Path) -> None:
    assert import_bundles(engine, [OLD_VERSION]).ok
    stored = exported(engine, tmp_path)
    bad = copy.deepcopy(NEW_VERSION)
    bad["episodes"][1]["airedSeason"] = "2"
    report = import_bundles(engine, [minimal(69), bad, minimal(71)])
    assert report.errors == [
        "line 2, series 70, field episodes[1].airedSeason: must be an integer, got '2'"
    ]
    assert (report.imported, report.refused) == (2, False)
    assert series_ids(engine) == [69, 70, 71]
    assert exported(engine, tmp_path).splitlines()[1] == stored.strip()


BAD_LINES: list[tuple[bytes, str]] = [
    (b"{not json", "line 1: not valid JSON"),
    (b"[1, 2]", "line 2: a line must be a JSON object"),
    (b'{"episodes": []}', "line 3, field series: is required and must be an object"),
    (b'{"series": [1]}', "line 4, field series: is required and must be an object"),
    (b'{"series": {"seriesName": "x"}}', "line 5, field series.id: is required"),
    (b'{"series": {"id": 6}}', "line 6, series 6, field series.seriesName: is required"),
    (
        b'{"series": {"id": 7, "seriesName": null}}',
        "line 7, series 7, field series.seriesName: is required and may not be null",
    ),
    (
        b'{"series": {"id": "8", "seriesName": "x"}}',
        "line 8, series 8, field series.id: must be an integer, got '8'",
    ),
    (
        b'{"series": {"id": 9, "seriesName": "x", "language": "xx"}}',
        "line 9, series 9, field series.language: must be a known language abbreviation, got 'xx'",
    ),
    (
        b'{"series": {"id": 10, "seriesName": "x", "siteRating": "9"}}',
        "line 10, series 10, field series.siteRating: must be a number, got '9'",
    ),
    (
        b'{"series": {"id": 11, "seriesName": "x", "genre": ["a", 1]}}',
        "line 11, series 11, field series.genre: must be a list of strings",
    ),
    (
        b'{"series": {"id": 12, "seriesName": "x"}, "translations": {"fr": "Bonjour"}}',
        "line 12, series 12, field translations.fr: must be a JSON object",
    ),
    (
        b'{"series": {"id": 13, "seriesName": "x"}, "translations": {"zz": {}}}',
        "line 13, series 13, field translations.zz: must be a known language abbreviation, "
        "got 'zz'",
    ),
    (
        b'{"series": {"id": 14, "seriesName": "x"}, "episodes": {"id": 1}}',
        "line 14, series 14, field episodes: must be a list",
    ),
    (
        b'{"series": {"id": 15, "seriesName": "x"}, "episodes": [{"id": 1, "airedSeason": 1}]}',
        "line 15, series 15, field episodes[0].airedEpisodeNumber: is required",
    ),
    (
        b'{"series": {"id": 16, "seriesName": "x"}, "episodes": ['
        b'{"id": 1, "airedSeason": 1, "airedEpisodeNumber": 1},'
        b'{"id": 1, "airedSeason": 1, "airedEpisodeNumber": 2}]}',
        "line 16, series 16, field episodes[1].id: duplicate episode id 1",
    ),
    (
        b'{"series": {"id": 17, "seriesName": "x"}, "images": [{"id": 1, '
        b'"ratingsInfo": {"average": 1}}]}',
        'line 17, series 17, field images[0].ratingsInfo: must be {"average": number, '
        '"count": integer}',
    ),
    (
        b'{"series": {"id": 18, "seriesName": "x"}, "actors": [{"id": 1, "sortOrder": 1.0}]}',
        "line 18, series 18, field actors[0].sortOrder: must be an integer, got 1.0",
    ),
    (
        b'{"series": {"id": 19, "seriesName": "x", "isMovie": true}, "episodes": []}',
        "line 19, series 19, unknown key",  # isMovie is an episode key: a warning only
    ),
    (
        b'{"series": {"id": 20, "seriesName": "x"}, "episodes": [{"id": 1, "airedSeason": 1, '
        b'"airedEpisodeNumber": 1, "translations": {"fr": {"episodeName": 5}}}]}',
        "line 20, series 20, field episodes[0].translations.fr.episodeName: must be a string, "
        "got 5",
    ),
    (b"\xff\xfe not utf-8", "line 21: not valid JSON"),
]


def test_every_kind_of_bad_line_is_reported_with_line_series_and_field(engine: Engine) -> None:
    report = import_lines(engine, [raw for raw, _ in BAD_LINES])
    expected = [message for _, message in BAD_LINES if "unknown key" not in message]
    assert len(report.errors) == len(expected)
    for error, message in zip(report.errors, expected, strict=True):
        assert error.startswith(message), (error, message)
    assert series_ids(engine) == [19]
    assert report.warnings == ["line 19, series 19: unknown key series.isMovie ignored"]


def test_unknown_keys_are_reported_as_warnings_and_ignored(engine: Engine, tmp_path: Path) -> None:
    given = {
        "series": {"id": 1, "seriesName": "Extra", "network_name": "x"},
        "comment": "made by hand",
        "translations": {"fr": {"seriesName": "Fr", "overview": None, "tagline": "!"}},
        "episodes": [episode(1, rating=3, translations={"fr": {"episodeName": "a", "x": 1}})],
        "actors": [{"id": 1, "birthday": "1970"}],
        "images": [{"id": 1, "width": 100}],
    }
    report = import_bundles(engine, [given])
    assert report.ok and report.imported == 1
    assert report.warnings == [
        "line 1, series 1: unknown key comment ignored",
        "line 1, series 1: unknown key series.network_name ignored",
        "line 1, series 1: unknown key translations.fr.tagline ignored",
        "line 1, series 1: unknown key episodes[0].rating ignored",
        "line 1, series 1: unknown key episodes[0].translations.fr.x ignored",
        "line 1, series 1: unknown key actors[0].birthday ignored",
        "line 1, series 1: unknown key images[0].width ignored",
    ]
    known = {k: v for k, v in given.items() if k != "comment"}
    assert _only(engine, tmp_path) == with_defaults(
        {
            **known,
            "series": {"id": 1, "seriesName": "Extra"},
            "translations": {"fr": {"seriesName": "Fr", "overview": None}},
            "episodes": [episode(1, translations={"fr": {"episodeName": "a"}})],
            "actors": [{"id": 1}],
            "images": [{"id": 1}],
        }
    )


def test_blank_lines_are_ignored_and_line_numbers_count_them(engine: Engine) -> None:
    lines = [b"\n", line(minimal(1)), b"   \n", b"\r\n", b'{"series": {"id": 2}}\n', b"\t\n"]
    report = import_lines(engine, lines)
    assert report.errors == ["line 5, series 2, field series.seriesName: is required"]
    assert report.imported == 1


# --- Episode ids belong to one series --------------------------------------------------------


def test_an_episode_id_of_another_series_is_a_clear_error(engine: Engine, tmp_path: Path) -> None:
    assert import_bundles(engine, [{**minimal(70), "episodes": [episode(500)]}]).ok
    before = exported(engine, tmp_path)
    report = import_bundles(
        engine,
        [
            {**minimal(71), "episodes": [episode(1), episode(500, 1, 2)]},
            {**minimal(72), "episodes": [episode(2)]},
            {**minimal(73), "episodes": [episode(2)]},
        ],
    )
    assert report.errors == [
        "line 1, series 71, field episodes.id: episode id 500 already belongs to series 70",
        "line 3, series 73, field episodes.id: episode id 2 already belongs to series 72",
    ]
    assert series_ids(engine) == [70, 72]
    assert exported(engine, tmp_path).splitlines()[0] == before.strip()


def test_an_episode_can_move_to_another_series_once_its_old_series_lets_go(
    engine: Engine, tmp_path: Path
) -> None:
    assert import_bundles(engine, [{**minimal(70), "episodes": [episode(500)]}]).ok
    report = import_bundles(engine, [minimal(70), {**minimal(71), "episodes": [episode(500)]}])
    assert report.ok
    with served(engine, tmp_path) as api:
        assert api.get("/episodes/500").json()["data"]["seriesId"] == 71


# --- Strict mode ----------------------------------------------------------------------------


def test_strict_refuses_the_whole_file_and_reports_every_bad_line(
    engine: Engine, tmp_path: Path
) -> None:
    assert import_bundles(engine, [OLD_VERSION]).ok
    before = snapshot(engine)
    bad_type = minimal(72, lastUpdated="yesterday")
    lines = [
        line(NEW_VERSION),
        line(minimal(71)),
        b"{oops\n",
        line(bad_type),
        line({**minimal(73), "episodes": [episode(2)]}),  # episode 2 stays series 70's
        line(minimal(74)),
    ]
    report = import_lines(engine, lines, strict=True)
    assert report.refused
    assert (report.imported, report.unchanged, report.changed_series) == (0, 0, [])
    assert report.errors[0].startswith("line 3: not valid JSON")
    assert report.errors[1:] == [
        "line 4, series 72, field series.lastUpdated: must be an integer, got 'yesterday'",
        "line 5, series 73, field episodes.id: episode id 2 already belongs to series 70",
    ]
    assert snapshot(engine) == before


def test_strict_reports_storage_errors_of_every_line(engine: Engine) -> None:
    assert import_bundles(engine, [{**minimal(70), "episodes": [episode(1), episode(2, 1, 2)]}]).ok
    lines = [
        line({**minimal(71), "episodes": [episode(1)]}),
        line(minimal(72)),
        line({**minimal(73), "episodes": [episode(2)]}),
    ]
    report = import_lines(engine, lines, strict=True)
    assert report.refused
    assert report.errors == [
        "line 1, series 71, field episodes.id: episode id 1 already belongs to series 70",
        "line 3, series 73, field episodes.id: episode id 2 already belongs to series 70",
    ]
    assert series_ids(engine) == [70]


def test_strict_reports_a_failure_in_the_middle_of_a_series(engine: Engine) -> None:
    fail_inserting_image(engine, 666)
    lines = [line(minimal(1)), line({**minimal(2), "images": [{"id": 666}]}), line(minimal(3))]
    report = import_lines(engine, lines, strict=True)
    assert report.refused
    assert len(report.errors) == 1 and report.errors[0].startswith("line 2, series 2: could not")
    assert series_ids(engine) == []


def test_strict_imports_everything_when_every_line_is_good(engine: Engine) -> None:
    report = import_lines(engine, [line(b) for b in [*CANONICAL, OLD_VERSION]], strict=True)
    assert (report.ok, report.refused, report.imported) == (True, False, 3)
    assert series_ids(engine) == [70, 70001, 70002]


def test_strict_import_of_an_unchanged_file_reports_it_unchanged(engine: Engine) -> None:
    lines = [line(b) for b in CANONICAL]
    assert import_lines(engine, lines, strict=True).imported == 2
    report = import_lines(engine, lines, strict=True)
    assert (report.imported, report.unchanged, report.refused) == (0, 2, False)


# --- Files ----------------------------------------------------------------------------------


def test_gzip_files_are_read(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "catalogue.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(line(b) for b in CANONICAL)))
    report = import_file(engine, path)
    assert (report.imported, report.errors) == (2, [])
    assert exported(engine, tmp_path) == b"".join(line(b) for b in CANONICAL)


def test_a_cut_gz_file_keeps_the_lines_before_the_cut(engine: Engine, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "whole.jsonl", [minimal(i, "x" * 50) for i in range(1, 401)])
    cut = tmp_path / "cut.jsonl.gz"
    compressed = gzip.compress(path.read_bytes())
    cut.write_bytes(compressed[: len(compressed) // 2])
    report = import_file(engine, cut)
    assert len(report.errors) == 1
    assert "the file cannot be read further" in report.errors[0]
    number = int(report.errors[0].split()[1].rstrip(":"))
    assert 1 < number < 400
    assert series_ids(engine) == list(range(1, number))


def test_a_file_without_a_final_newline_imports_its_last_line(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "catalogue.jsonl"
    path.write_bytes(line(minimal(1)) + orjson.dumps(minimal(2)))
    assert import_file(engine, path).imported == 2


def test_the_demo_catalogue_imports_without_errors_or_warnings(engine: Engine) -> None:
    report = import_file(engine, DEMO_BUNDLE)
    assert (report.imported, report.errors, report.warnings) == (9, [], [])


def test_the_canonical_bundle_is_what_the_document_describes() -> None:
    assert with_defaults(CANONICAL_RICH) == CANONICAL_RICH
    assert [with_defaults(b) for b in CANONICAL] == CANONICAL


# --- Memory stays flat ----------------------------------------------------------------------

MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "tvdbd", "--data-dir", sys.argv[1], "import",
                       sys.argv[2]], capture_output=True)
seconds = time.perf_counter() - start
assert done.returncode == 0, done.stderr
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(peak_kb, seconds)
"""


def _generate(path: Path, series_count: int, episodes_per_series: int) -> None:
    with path.open("wb") as out:
        for s in range(series_count):
            series_id = 1_000_000 + s
            out.write(
                line(
                    {
                        "series": {
                            "id": series_id,
                            "seriesName": f"Generated Show {s}",
                            "overview": "A show about things. " * 10,
                            "genre": ["Drama"],
                            "aliases": [f"Alias {s}"],
                        },
                        "translations": {"fr": {"seriesName": f"Série {s}", "overview": None}},
                        "episodes": [
                            episode(
                                series_id * 100 + e,
                                1 + e // 10,
                                1 + e % 10,
                                episodeName=f"Episode {e} of {s}",
                                overview="Something happens. " * 8,
                                guestStars=["A Guest", "B Guest"],
                                lastUpdated=1590000000 + e,
                                siteRating=7.5,
                                translations={"fr": {"episodeName": f"Épisode {e}"}},
                            )
                            for e in range(episodes_per_series)
                        ],
                        "actors": [
                            {"id": series_id * 10 + a, "name": f"Actor {a}"} for a in range(5)
                        ],
                        "images": [
                            {
                                "id": series_id * 10 + i,
                                "keyType": "poster",
                                "fileName": f"posters/{series_id}-{i}.jpg",
                            }
                            for i in range(5)
                        ],
                    }
                )
            )


def _peak_rss_mb(tmp_path: Path, name: str, series_count: int) -> tuple[float, float]:
    bundle = tmp_path / f"{name}.jsonl"
    _generate(bundle, series_count, 50)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tmp_path / name), str(bundle)],
        capture_output=True,
        text=True,
        check=True,
    )
    peak_kb, seconds = done.stdout.split()
    return int(peak_kb) / 1024, float(seconds)


def test_memory_stays_flat_on_a_big_file(backend: str, tmp_path: Path) -> None:
    if backend != "sqlite":
        pytest.skip("memory is the importer's, not the backend's: measured once, on SQLite")
    started = time.perf_counter()
    small_mb, _ = _peak_rss_mb(tmp_path, "small", 300)
    big_mb, big_seconds = _peak_rss_mb(tmp_path, "big", 3000)
    print(
        f"\npeak RSS: {small_mb:.0f} MB for 300 series, {big_mb:.0f} MB for 3,000 series "
        f"x 50 episodes; {150_000 / big_seconds:,.0f} episodes/s; "
        f"test took {time.perf_counter() - started:.1f} s"
    )
    assert big_mb < 250
    # Ten times the data: the peak grows by a few MB at most, not tenfold.
    assert big_mb - small_mb < 40
