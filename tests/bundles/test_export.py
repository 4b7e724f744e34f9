"""Exporting bundles: `export(import(x)) == x` for canonical bundles, byte for byte and key for
key; the demo catalogue is a fixed point after one normalisation pass."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from tests.bundles.spec import (
    ACTOR_KEYS,
    CANONICAL,
    DERIVED,
    EPISODE_KEYS,
    IMAGE_KEYS,
    INT,
    LANGUAGE,
    LIST,
    NAMES,
    NUM,
    RATINGS,
    REQUIRED,
    SERIES_KEYS,
    STR,
    TRANSLATION_ARTWORK,
    exported,
    line,
    minimal,
    snapshot,
    with_defaults,
    write_lines,
)
from tests.support import DEMO_BUNDLE, import_bundles
from tvdbd.bundles.exporter import export_file
from tvdbd.bundles.importer import import_file, import_lines
from tvdbd.db.schema import series_table

CANONICAL_TEXT = b"".join(line(b) for b in CANONICAL)


def test_export_of_a_canonical_bundle_gives_it_back_byte_for_byte(
    engine: Engine, tmp_path: Path
) -> None:
    assert import_lines(engine, CANONICAL_TEXT.splitlines(keepends=True)).ok
    assert exported(engine, tmp_path) == CANONICAL_TEXT


def test_exported_keys_are_in_wire_order(engine: Engine, tmp_path: Path) -> None:
    assert import_lines(engine, CANONICAL_TEXT.splitlines()).ok
    rich = orjson.loads(exported(engine, tmp_path).splitlines()[0])
    assert list(rich) == ["series", "translations", "episodes", "actors", "images"]
    assert list(rich["series"]) == [key for key, _, _ in SERIES_KEYS]
    for record in rich["episodes"]:
        keys = [k for k, _, default in EPISODE_KEYS if default is not DERIVED or k in record]
        assert [k for k in record if k != "translations"] == keys
    assert [list(a) for a in rich["actors"]] == [
        [k for k, _, _ in ACTOR_KEYS],
        [k for k, _, _ in ACTOR_KEYS if k != "seriesId"],
    ]
    assert list(rich["images"][0]) == [k for k, _, _ in IMAGE_KEYS]


def test_series_are_exported_in_id_order(engine: Engine, tmp_path: Path) -> None:
    ids = [5, 2**63 - 1, 1, 300, 0, -1, -(2**63), 42]
    assert import_bundles(engine, [minimal(i) for i in ids]).ok
    text = exported(engine, tmp_path)
    assert [orjson.loads(raw)["series"]["id"] for raw in text.splitlines()] == sorted(ids)


def test_export_reads_series_in_batches_and_keeps_each_whole(
    engine: Engine, tmp_path: Path
) -> None:
    bundles = [
        {
            **minimal(i, f"Show {i}"),
            "episodes": [{"id": i * 10 + e, "airedSeason": 1, "airedEpisodeNumber": e}
                         for e in range(3)],
            "actors": [{"id": i}],
        }
        for i in range(1, 452)
    ]  # fmt: skip
    assert import_bundles(engine, bundles).ok
    lines = exported(engine, tmp_path).splitlines()
    assert [orjson.loads(raw) for raw in lines] == [with_defaults(b) for b in bundles]


def test_an_empty_catalogue_exports_an_empty_file(engine: Engine, tmp_path: Path) -> None:
    assert exported(engine, tmp_path) == b""


def test_a_gz_export_is_compressed_and_holds_the_same_lines(engine: Engine, tmp_path: Path) -> None:
    assert import_lines(engine, CANONICAL_TEXT.splitlines()).ok
    export_file(engine, tmp_path / "catalogue.jsonl.gz")
    compressed = (tmp_path / "catalogue.jsonl.gz").read_bytes()
    assert compressed[:2] == b"\x1f\x8b"
    assert gzip.decompress(compressed) == CANONICAL_TEXT


def test_exporting_the_demo_catalogue_fills_in_the_documented_defaults(
    engine: Engine, tmp_path: Path
) -> None:
    assert import_file(engine, DEMO_BUNDLE).ok
    lines = [orjson.loads(raw) for raw in DEMO_BUNDLE.read_bytes().splitlines() if raw.strip()]
    demo = sorted((b for b in lines if "series" in b), key=lambda b: b["series"]["id"])
    # Movie lines come after the series, in movie id order, as written (already canonical).
    movies = sorted((b for b in lines if "movie" in b), key=lambda b: b["movie"]["id"])
    assert [orjson.loads(raw) for raw in exported(engine, tmp_path).splitlines()] == [
        *(with_defaults(b) for b in demo),
        *movies,
    ]


def test_the_demo_catalogue_is_a_fixed_point_after_one_normalisation_pass(
    backend: str, databases: Any, tmp_path: Path
) -> None:
    texts, snapshots = [], []
    source = DEMO_BUNDLE
    for round_number in range(3):
        _, engine = databases.new_engine(backend)
        report = import_file(engine, source)
        assert (report.imported, report.movies, report.errors, report.warnings) == (9, 3, [], [])
        source = tmp_path / f"round-{round_number}.jsonl"
        export_file(engine, source)
        texts.append(source.read_bytes())
        snapshots.append(snapshot(engine))
        engine.dispose()
    assert texts[1] == texts[0]
    assert texts[2] == texts[0]
    # The demo lines already in canonical form came through untouched.
    demo_lines = set(DEMO_BUNDLE.read_bytes().splitlines())
    assert len(demo_lines & set(texts[0].splitlines())) >= 6
    movie_lines = [
        raw for raw in DEMO_BUNDLE.read_bytes().splitlines() if raw.startswith(b'{"movie"')
    ]
    assert len(movie_lines) == 3 and set(movie_lines) <= set(texts[0].splitlines())
    # Same stored rows whichever way the data came in, except the hash of the source line.
    for first, later in zip(snapshots[0]["series"], snapshots[1]["series"], strict=True):
        assert first[:-1] == later[:-1]
    assert {k: v for k, v in snapshots[0].items() if k != "series"} == {
        k: v for k, v in snapshots[1].items() if k != "series"
    }


def test_an_exported_file_imports_unchanged_into_the_database_it_came_from(
    engine: Engine, tmp_path: Path
) -> None:
    assert import_lines(engine, CANONICAL_TEXT.splitlines()).ok
    path = tmp_path / "backup.jsonl"
    export_file(engine, path)
    report = import_file(engine, path)
    assert (report.imported, report.unchanged) == (0, 2)


def test_imported_gz_exported_plain_round_trip(engine: Engine, tmp_path: Path) -> None:
    write_lines(tmp_path / "plain.jsonl", CANONICAL)
    (tmp_path / "in.jsonl.gz").write_bytes(gzip.compress((tmp_path / "plain.jsonl").read_bytes()))
    assert import_file(engine, tmp_path / "in.jsonl.gz").ok
    assert exported(engine, tmp_path) == CANONICAL_TEXT


# --- Any bundle: export(import(x)) == x with the documented defaults ------------------------

_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8)
_INT = st.integers(-(2**63), 2**63 - 1)
_NUMBER = _INT | st.floats(allow_nan=False, allow_infinity=False)
_LANGUAGES = st.sampled_from(["en", "fr", "de", "ja", "he", "zh", "pt"])
_KIND = {
    INT: _INT,
    STR: _TEXT,
    NUM: _NUMBER,
    LIST: st.lists(_TEXT, max_size=3),
    NAMES: st.lists(_TEXT, max_size=3),
    RATINGS: st.fixed_dictionaries({"average": _NUMBER, "count": _INT}),
    LANGUAGE: _LANGUAGES,
}


def _record(keys: list[tuple[str, str, Any]], **fixed: Any) -> st.SearchStrategy[dict]:
    required, optional = {}, {}
    for key, kind, default in keys:
        if key in fixed:
            required[key] = fixed[key]
        elif default is REQUIRED:
            required[key] = _KIND[kind]
        elif default is DERIVED or kind in (NAMES, LANGUAGE):
            optional[key] = _KIND[kind]  # given derived keys are never null here
        else:
            optional[key] = _KIND[kind] | st.none()
    return st.fixed_dictionaries(required, optional=optional)


_NAMES_OR_NULL = st.fixed_dictionaries(
    {}, optional={"seriesName": _TEXT | st.none(), "overview": _TEXT | st.none()}
)
_TRANSLATION = st.fixed_dictionaries(
    {},
    optional={
        "seriesName": _TEXT | st.none(),
        "overview": _TEXT | st.none(),
        "aliases": st.lists(_TEXT, max_size=2),
        **{key: _TEXT | st.none() for key in TRANSLATION_ARTWORK},
    },
)
_EPISODE_NAMES = st.fixed_dictionaries(
    {}, optional={"episodeName": _TEXT | st.none(), "overview": _TEXT | st.none()}
)


@st.composite
def bundles(draw: st.DrawFn) -> dict[str, Any]:
    episodes = draw(
        st.lists(_record(EPISODE_KEYS), max_size=4, unique_by=lambda e: e["id"]).map(
            lambda found: [dict(e) for e in found]
        )
    )
    for record in episodes:
        names = draw(st.none() | st.dictionaries(_LANGUAGES, _EPISODE_NAMES, max_size=2))
        if names is not None:
            record["translations"] = names
    bundle = {"series": draw(_record(SERIES_KEYS, seriesName=_TEXT))}
    optional = {
        "translations": st.dictionaries(_LANGUAGES, _TRANSLATION, max_size=3),
        "episodes": st.just(episodes),
        "actors": st.lists(_record(ACTOR_KEYS), max_size=3),
        "images": st.lists(_record(IMAGE_KEYS), max_size=3),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            bundle[key] = draw(strategy)
    return bundle


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bundle=bundles())
def test_any_bundle_comes_back_with_the_documented_defaults(
    engine: Engine, tmp_path: Path, bundle: dict[str, Any]
) -> None:
    with engine.begin() as conn:
        conn.execute(delete(series_table))
    report = import_bundles(engine, [bundle])
    assert (report.errors, report.warnings) == ([], [])
    expected = line(with_defaults(bundle))
    assert exported(engine, tmp_path) == expected
    # ... and that canonical form, imported again, comes back byte for byte.
    assert import_lines(engine, [expected]).ok
    assert exported(engine, tmp_path) == expected
