"""Movie lines in bundles (docs/bundle-format.md, "Movie lines"): checked field by field,
stored whole, exported after the series in movie id order, round-tripping key for key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, func, select

from tests.bundles.spec import exported, line, minimal, write_lines
from tests.support import import_bundles
from tvdbd.bundles.exporter import export_file
from tvdbd.bundles.importer import import_file, import_lines
from tvdbd.db.schema import movies

PERSON = {
    "id": "p1", "imdb_id": "nm0000001", "is_featured": True, "name": "A. Actor",
    "people_facebook": "", "people_id": "1", "people_image": "people/1.jpg",
    "people_instagram": None, "people_twitter": "", "role": "Lead", "role_image": None,
}  # fmt: skip
# Every key of contract §3.12, in wire order, with values of every kind (null included).
FULL = {
    "movie": {
        "id": 5,
        "url": "https://example.org/movies/five",
        "runtime": 121,
        "artworks": [
            {"id": "a1", "artwork_type": "poster", "url": "movies/5/posters/5.jpg",
             "thumb_url": "movies/5/posters/5_t.jpg", "tags": "", "is_primary": True,
             "width": 680, "height": 1000},
        ],
        "genres": [{"id": 3, "name": "Drama", "url": None}],
        "people": {
            "actors": [PERSON, {**PERSON, "id": "p2", "name": "B. Actor", "is_featured": False}],
            "directors": [{**PERSON, "role": "Director"}],
            "producers": [],
            "writers": [{**PERSON, "name": "Écrivaine ✍", "role": None}],
        },
        "release_dates": [{"type": "theatrical", "date": "2001-12-19", "country": "us"}],
        "remoteids": [
            {"id": "tt0000005", "source_id": 2, "source_name": "IMDB", "source_url": None,
             "url": "https://www.imdb.com/title/tt0000005/"},
        ],
        "trailers": [{"name": "Trailer", "url": "https://example.org/t.mp4"}],
        "translations": [
            {"language_code": "en", "name": "Five", "overview": "Our own line.", "tagline": None,
             "is_primary": True},
            {"language_code": "de", "name": "Fünf", "overview": None, "tagline": "",
             "is_primary": False},
        ],
    },
    "lastUpdated": 1_600_000_000,
}  # fmt: skip
EMPTY_PEOPLE = {"actors": [], "directors": [], "producers": [], "writers": []}


def movie(movie_id: int, **keys: Any) -> dict[str, Any]:
    return {"movie": {"id": movie_id, **keys}}


def exported_lines(engine: Engine, tmp_path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(raw) for raw in exported(engine, tmp_path).splitlines()]


def movie_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(movies)).scalar_one())


def test_a_full_movie_line_round_trips_byte_for_byte(engine: Engine, tmp_path: Path) -> None:
    report = import_bundles(engine, [FULL])
    assert (report.movies, report.errors, report.warnings) == (1, [], [])
    assert exported(engine, tmp_path) == line(FULL)


def test_missing_keys_take_the_documented_defaults(engine: Engine, tmp_path: Path) -> None:
    assert import_bundles(engine, [movie(6, people={"actors": [{"name": "Solo"}]})]).ok
    (exported_line,) = exported_lines(engine, tmp_path)
    solo = {key: None for key in PERSON} | {"name": "Solo"}
    assert exported_line == {
        "movie": {
            "id": 6, "url": None, "runtime": None, "artworks": [], "genres": [],
            "people": {**EMPTY_PEOPLE, "actors": [solo]}, "release_dates": [], "remoteids": [],
            "trailers": [], "translations": [],
        },
        "lastUpdated": 0,
    }  # fmt: skip
    # The canonical form is a fixed point: imported again, it exports the same and, the
    # line now being the stored one, a third import changes nothing.
    canonical = exported(engine, tmp_path)
    again = tmp_path / "again.jsonl"
    again.write_bytes(canonical)
    assert import_file(engine, again).ok
    assert exported(engine, tmp_path) == canonical
    assert import_file(engine, again).unchanged == 1


def test_keys_come_back_in_wire_order_whatever_order_the_bundle_used(
    engine: Engine, tmp_path: Path
) -> None:
    shuffled = {"lastUpdated": 7, "movie": dict(reversed(list(FULL["movie"].items())))}
    assert import_bundles(engine, [shuffled]).ok
    (back,) = exported_lines(engine, tmp_path)
    assert list(back) == ["movie", "lastUpdated"]
    assert list(back["movie"]) == list(FULL["movie"])


def test_movies_are_exported_after_the_series_in_movie_id_order(
    engine: Engine, tmp_path: Path
) -> None:
    lines = [movie(30), minimal(2, "Two"), movie(10), minimal(1, "One"), movie(20)]
    report = import_bundles(engine, lines)
    assert (report.imported, report.movies) == (2, 3)
    kinds = [(next(iter(b)), b[next(iter(b))]["id"]) for b in exported_lines(engine, tmp_path)]
    assert kinds == [("series", 1), ("series", 2), ("movie", 10), ("movie", 20), ("movie", 30)]
    assert export_file(engine, tmp_path / "x.jsonl").movies == 3


def test_movies_are_read_in_batches_for_export(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tvdbd.bundles.movies.BATCH_MOVIES", 2)
    assert import_bundles(engine, [movie(i, runtime=i) for i in range(7, 0, -1)]).movies == 7
    ids = [b["movie"]["id"] for b in exported_lines(engine, tmp_path)]
    assert ids == [1, 2, 3, 4, 5, 6, 7]


BAD = [
    ({"movie": None}, "field movie: is required and must be an object"),
    ({"movie": [5]}, "field movie: is required and must be an object"),
    (movie("5"), "field movie.id: is required and must be an integer, got '5'"),
    ({"movie": {"runtime": 5}}, "field movie.id: is required and must be an integer, got None"),
    (movie(-1), "movie -1, field movie.id: must be a whole number within 64 bits"),
    (movie(5, runtime="121"),
     "movie 5, field movie.runtime: must be an integer or null, got '121'"),
    (movie(5, runtime=12.5), "movie 5, field movie.runtime: must be an integer or null, got 12.5"),
    (movie(5, runtime=True), "movie 5, field movie.runtime: must be an integer or null, got True"),
    (movie(5, url=5), "movie 5, field movie.url: must be a string or null, got 5"),
    (movie(5, artworks={}), "movie 5, field movie.artworks: must be a list"),
    (movie(5, artworks=["x"]), "movie 5, field movie.artworks[0]: must be a JSON object"),
    (movie(5, artworks=[{}, {"width": "680"}]),
     "movie 5, field movie.artworks[1].width: must be an integer or null, got '680'"),
    (movie(5, genres=[{"id": "3"}]),
     "movie 5, field movie.genres[0].id: must be an integer or null, got '3'"),
    (movie(5, people=[]), "movie 5, field movie.people: must be an object of lists"),
    (movie(5, people={"actors": {}}), "movie 5, field movie.people.actors: must be a list"),
    (movie(5, people={"writers": [{}, {"is_featured": "yes"}]}),
     "movie 5, field movie.people.writers[1].is_featured: must be true, false or null, "
     "got 'yes'"),
    (movie(5, translations=[{"is_primary": 1}]),
     "movie 5, field movie.translations[0].is_primary: must be true, false or null, got 1"),
    (movie(5, release_dates=[{"date": 20011219}]),
     "movie 5, field movie.release_dates[0].date: must be a string or null, got 20011219"),
    (movie(5, remoteids=[{"source_id": 2**63}]),
     "movie 5, field movie.remoteids[0].source_id: is outside the 64-bit range"),
    ({**movie(5), "lastUpdated": "2020"},
     "movie 5, field lastUpdated: must be an integer (epoch seconds), got '2020'"),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "message"), BAD)
def test_a_bad_movie_line_names_line_movie_and_field_and_keeps_what_is_stored(
    engine: Engine, bad: dict[str, Any], message: str
) -> None:
    assert import_bundles(engine, [movie(5, runtime=100)]).ok
    report = import_bundles(engine, [minimal(1), bad, movie(7)])
    assert report.errors == [f"line 2, {message}"]
    assert (report.imported, report.movies) == (1, 1)
    with engine.connect() as conn:
        stored = conn.execute(select(movies.c.record).where(movies.c.id == 5)).scalar_one()
    assert orjson.loads(stored)["runtime"] == 100
    assert movie_count(engine) == 2


def test_unknown_keys_are_reported_and_ignored(engine: Engine, tmp_path: Path) -> None:
    odd = {
        "movie": {"id": 8, "title": "x", "people": {"cast": []}, "genres": [{"slug": "d"}]},
        "source": "elsewhere",
    }
    report = import_bundles(engine, [odd])
    assert report.ok and report.movies == 1
    assert report.warnings == [
        "line 1, movie 8: unknown key movie.title ignored",
        "line 1, movie 8: unknown key movie.genres[0].slug ignored",
        "line 1, movie 8: unknown key movie.people.cast ignored",
        "line 1, movie 8: unknown key source ignored",
    ]
    (back,) = exported_lines(engine, tmp_path)
    assert back["movie"]["genres"] == [{"id": None, "name": None, "url": None}]


def test_reimporting_a_movie_line_changes_nothing_and_a_new_one_replaces_it_whole(
    engine: Engine, tmp_path: Path
) -> None:
    assert import_bundles(engine, [FULL]).movies == 1
    again = import_bundles(engine, [FULL])
    assert (again.movies, again.unchanged, again.changed_movies) == (0, 1, [])
    smaller = copy.deepcopy(FULL)
    smaller["movie"] = {"id": 5, "runtime": 90}
    changed = import_bundles(engine, [smaller])
    assert (changed.movies, changed.changed_movies) == (1, [5])
    (back,) = exported_lines(engine, tmp_path)
    assert back["movie"]["artworks"] == [] and back["movie"]["runtime"] == 90


def test_the_last_line_for_a_movie_id_wins(engine: Engine, tmp_path: Path) -> None:
    report = import_bundles(engine, [movie(9, runtime=1), movie(9, runtime=2)])
    assert report.ok
    assert [b["movie"]["runtime"] for b in exported_lines(engine, tmp_path)] == [2]


def test_a_strict_import_with_a_bad_movie_line_stores_nothing(engine: Engine) -> None:
    report = import_bundles(engine, [minimal(1), movie(5), movie(6, runtime="x")], strict=True)
    assert report.refused and (report.imported, report.movies) == (0, 0)
    assert movie_count(engine) == 0
    good = import_bundles(engine, [minimal(1), movie(5), movie(6)], strict=True)
    assert (good.refused, good.imported, good.movies) == (False, 1, 2)


def test_movie_lines_and_user_lines_live_together_in_one_file(
    engine: Engine, tmp_path: Path
) -> None:
    user = {"user": {"userName": "m", "userKeyHash": "0" * 64, "favorites": ["1"]}}
    path = write_lines(tmp_path / "all.jsonl", [minimal(1), movie(5), user, movie(4)])
    report = import_file(engine, path)
    assert (report.imported, report.movies, report.users, report.errors) == (1, 2, 1, [])
    lines = [orjson.loads(raw) for raw in (tmp_path / "all.jsonl").read_bytes().splitlines()]
    assert len(lines) == 4
    out = tmp_path / "out.jsonl"
    export_file(engine, out, with_users=True)
    kinds = [next(iter(orjson.loads(raw))) for raw in out.read_bytes().splitlines()]
    assert kinds == ["series", "movie", "movie", "user"]


def test_huge_numbers_in_a_movie_line_are_refused_not_rounded(engine: Engine) -> None:
    raw = b'{"movie": {"id": 5, "runtime": 123456789012345678901234567890}}'
    report = import_lines(engine, [raw])
    assert len(report.errors) == 1 and "field movie.runtime" in report.errors[0]
    assert movie_count(engine) == 0
