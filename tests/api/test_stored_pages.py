"""Stored episode pages (tvdbd.records.pages): every page in every language answers the same
bytes as the per-record path it replaces; a rating falls back to that path; migration 0007
fills them for catalogues imported before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select

from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.bundles.importer import import_file
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import upgrade
from tvdbd.db.schema import episode_pages, series_table

LANGUAGES = ("en", "fr", "es", "de", "ja")


@pytest.fixture
def demo(backend: str, databases: Databases, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url, engine = databases.new_engine(backend)
    assert import_file(engine, DEMO_BUNDLE).ok
    yield url, engine
    engine.dispose()


def every_page(server: LiveServer, engine: Engine) -> dict[tuple[int, str, int], bytes]:
    with engine.connect() as conn:
        ids = list(conn.execute(select(series_table.c.id)).scalars())
    found = {}
    with server.client() as api:
        for series_id in ids:
            for language in LANGUAGES:
                page = 1
                while True:
                    answer = api.get(f"/series/{series_id}/episodes?page={page}",
                                     headers={"Accept-Language": language})  # fmt: skip
                    found[(series_id, language, page)] = answer.content
                    if answer.status_code != 200 or answer.json()["links"]["next"] is None:
                        break
                    page += 1
    return found


def test_stored_pages_answer_the_bytes_of_the_per_record_path(
    demo: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = demo
    with engine.connect() as conn:
        stored = conn.execute(select(episode_pages.c.series_id, episode_pages.c.language)).all()
    assert {language for _, language in stored} >= {"en", "fr", "es"}
    server = LiveServer(url, tmp_path / "s", TVDBD_RESPONSE_CACHE_MB="0")
    try:
        with_pages = every_page(server, engine)
        with engine.begin() as conn:
            conn.execute(delete(episode_pages))
        without = every_page(server, engine)
    finally:
        server.stop()
    assert with_pages == without
    assert len(with_pages) > 40


def test_a_rated_episode_is_served_with_its_new_site_rating(
    demo: tuple[str, Engine], tmp_path: Path
) -> None:
    from tests.api.accounts import log_in
    from tvdbd.db import users

    url, engine = demo
    with engine.begin() as conn:
        key = users.create_user(conn, "rater")
    server = LiveServer(url, tmp_path / "s", TVDBD_RESPONSE_CACHE_MB="0")
    try:
        with server.client() as api:
            before = api.get("/series/76156/episodes").json()["data"][0]
        user = log_in(server, "rater", key)
        with user.client() as client:
            assert client.put(f"/user/ratings/episode/{before['id']}/1").status_code == 200
        with server.client() as api:
            after = api.get("/series/76156/episodes").json()["data"][0]
        assert after["siteRatingCount"] == before["siteRatingCount"] + 1
    finally:
        server.stop()


def test_migration_0007_fills_the_pages_the_importer_makes(databases: Databases) -> None:
    from alembic import command

    from tvdbd.db.migrate import alembic_config

    url, engine = databases.new_engine("sqlite")
    assert import_file(engine, DEMO_BUNDLE).ok
    with engine.connect() as conn:
        made = sorted(conn.execute(select(episode_pages)).all())
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    upgrade(make_engine(url))
    with engine.connect() as conn:
        filled = sorted(conn.execute(select(episode_pages)).all())
    assert filled == made and len(made) == 9  # Lost 2, Firefly 1, Scrubs 2 in en, es, fr
    engine.dispose()


def test_with_the_setting_off_no_pages_are_stored(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVDBD_STORE_EPISODE_PAGES", "off")
    _, engine = databases.new_engine("sqlite")
    assert import_file(engine, DEMO_BUNDLE).ok
    with engine.connect() as conn:
        assert conn.execute(select(episode_pages)).first() is None
    engine.dispose()
