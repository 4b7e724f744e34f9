"""The served 3.0.0 record of every episode, kept at import (episodes.wire_v3 and
episode_translations.wire_v3): it is the record the renderer gives for the stored row, in the
series' original language and in each translation's language. Every test runs on each backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, select

from tests.bundles.spec import exported_bundles
from tests.support import DEMO_BUNDLE, import_bundles
from tvdbd.bundles.importer import import_file
from tvdbd.db import catalogue
from tvdbd.db.schema import episode_translations, episodes, series_table
from tvdbd.records.render import episode_record


def _stored(engine: Engine) -> list[tuple[int, str, str | None]]:
    """(episode id, language, stored record) of every episode and translation."""
    with engine.connect() as conn:
        languages = dict(
            conn.execute(select(series_table.c.id, series_table.c.original_language)).all()
        )
        stored = [
            (i, languages[s], w)
            for i, s, w in conn.execute(
                select(episodes.c.id, episodes.c.series_id, episodes.c.wire_v3)
            )
        ]
        tr = episode_translations
        stored += [
            (i, language, w)
            for i, language, w in conn.execute(select(tr.c.episode_id, tr.c.language, tr.c.wire_v3))
        ]
    return stored


def _rendered(engine: Engine, episode_id: int, language: str) -> str:
    with engine.connect() as conn:
        row = catalogue.get_episode(conn, episode_id, language)
        assert row is not None
        series = catalogue.get_series(conn, row["series_id"])
        assert series is not None
    record = episode_record(
        row,
        series_id=row["series_id"],
        original_language=series["original_language"],
        language=language,
    )
    return orjson.dumps(record).decode()


def test_every_demo_episode_stores_the_record_it_would_render_in_every_language(
    engine: Engine,
) -> None:
    assert import_file(engine, DEMO_BUNDLE).ok
    stored = _stored(engine)
    assert len({(i, language) for i, language, _ in stored}) > 500  # originals and es, fr
    for episode_id, language, record in stored:
        assert record == _rendered(engine, episode_id, language), (episode_id, language)


def _odd_show() -> dict[str, Any]:
    """Values whose JSON text could go astray: non-ASCII, decimals kept as typed, nulls."""
    return {
        "series": {"id": 970001, "seriesName": "Drôle de série", "language": "fr"},
        "episodes": [
            {
                "id": 970101,
                "airedSeason": 1,
                "airedEpisodeNumber": 1,
                "episodeName": "L'été – « première » 🎬",
                "overview": 'Ligne 1\nLigne 2 \\ "cité" \u2028',
                "dvdEpisodeNumber": 1.10,
                "siteRating": 7,
                "siteRatingCount": 3,
                "seriesId": 123,
                "translations": {
                    "de": {"episodeName": "Größe", "overview": None},
                    "ja": {"episodeName": None, "overview": "日本語のあらすじ"},
                    "fr": {"episodeName": "Ignorée", "overview": "La langue d'origine"},
                },
            },
            {"id": 970102, "airedSeason": 0, "airedEpisodeNumber": 1, "siteRating": 8.25},
        ],
    }


def test_stored_records_keep_odd_text_and_numbers_exactly(engine: Engine, tmp_path: Path) -> None:
    bundle = _odd_show()
    assert import_bundles(engine, [bundle]).ok
    stored = _stored(engine)
    assert len(stored) == 5
    for episode_id, language, record in stored:
        assert record == _rendered(engine, episode_id, language), (episode_id, language)
    first = orjson.loads(next(r for i, lang, r in stored if (i, lang) == (970101, "fr")) or "")
    assert first["episodeName"] == bundle["episodes"][0]["episodeName"]
    assert first["seriesId"] == 123


def test_export_leaves_the_stored_records_out(engine: Engine, tmp_path: Path) -> None:
    assert import_bundles(engine, [_odd_show()]).ok
    (bundle,) = exported_bundles(engine, tmp_path)
    assert "wire_v3" not in orjson.dumps(bundle).decode()
    assert set(bundle["episodes"][0]) == set(_odd_show()["episodes"][0]) | {
        "airedSeasonID",
        "firstAired",
        "guestStars",
        "directors",
        "writers",
        "productionCode",
        "showUrl",
        "lastUpdated",
        "dvdDiscid",
        "dvdSeason",
        "dvdChapter",
        "absoluteNumber",
        "filename",
        "lastUpdatedBy",
        "airsAfterSeason",
        "airsBeforeSeason",
        "airsBeforeEpisode",
        "imdbId",
        "contentRating",
        "thumbAuthor",
        "thumbAdded",
        "thumbWidth",
        "thumbHeight",
        "isMovie",
    }


def test_a_reimported_series_stores_the_new_records(engine: Engine) -> None:
    bundle = _odd_show()
    assert import_bundles(engine, [bundle]).ok
    bundle["series"]["language"] = "de"  # the original language moves: so do the records
    bundle["episodes"][0]["episodeName"] = "Neu"
    assert import_bundles(engine, [bundle]).ok
    stored = _stored(engine)
    assert {lang for i, lang, _ in stored if i == 970102} == {"de"}
    for episode_id, language, record in stored:
        assert record == _rendered(engine, episode_id, language), (episode_id, language)
