"""Migration 0004 (stored episode records) on a catalogue imported before it, on each backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from tests.support import DEMO_BUNDLE, Databases, import_bundles
from tvdbd.bundles.importer import import_file
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import alembic_config, upgrade


@pytest.fixture
def engine(backend: str, databases: Databases) -> Iterator[Engine]:
    engine = make_engine(databases.new_url(backend))
    upgrade(engine)
    yield engine
    engine.dispose()


def _stored_records(engine: Engine) -> dict[tuple[int, str], str | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, '', wire_v3 FROM episodes UNION ALL "
                 "SELECT episode_id, language, wire_v3 FROM episode_translations")
        ).all()  # fmt: skip
    return {(i, language): record for i, language, record in rows}


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_upgrading_to_0004_stores_the_records_of_episodes_imported_before(
    engine: Engine,
) -> None:
    assert import_file(engine, DEMO_BUNDLE).ok
    # More series than one batch of the fill (200) holds.
    small = [
        {"series": {"id": 800000 + n, "seriesName": f"Small {n}"},
         "episodes": [{"id": 8000000 + n, "airedSeason": 1, "airedEpisodeNumber": 1}]}
        for n in range(250)
    ]  # fmt: skip
    assert import_bundles(engine, small).ok
    imported = _stored_records(engine)
    assert len(imported) > 750 and all(imported.values())
    _downgrade(engine, "0003")
    assert "wire_v3" not in {c["name"] for c in inspect(engine).get_columns("episodes")}
    upgrade(engine)
    # Filled in batches of series: the same text as an import at this revision stores.
    assert _stored_records(engine) == imported
