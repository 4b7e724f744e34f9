"""What the edit tests read back: the stored series as a bundle, its served records."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, select

from tvdbd.bundles.exporter import series_bundle
from tvdbd.db.schema import episode_translations, episodes
from tvdbd.edits import store as edit_store
from tvdbd.edits.changes import Editor

ALICE = Editor("alice", "api")
BOB = Editor("bob", "api")


def stored(engine: Engine, series_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        bundle = series_bundle(conn, series_id)
    assert bundle is not None
    return bundle


def episode_of(bundle: dict[str, Any], episode_id: int) -> dict[str, Any]:
    return next(e for e in bundle.get("episodes", []) if e["id"] == episode_id)


def served_episode(engine: Engine, episode_id: int, language: str | None = None) -> Any:
    """The stored 3.0.0 record /episodes/{id} serves (materialised at storing time)."""
    with engine.connect() as conn:
        if language is None:
            text = conn.execute(
                select(episodes.c.wire_v3).where(episodes.c.id == episode_id)
            ).scalar_one()
        else:
            text = conn.execute(
                select(episode_translations.c.wire_v3).where(
                    episode_translations.c.episode_id == episode_id,
                    episode_translations.c.language == language,
                )
            ).scalar_one()
    return orjson.loads(text)


def locks(engine: Engine, series_id: int) -> list[edit_store.Lock]:
    with engine.connect() as conn:
        return edit_store.locks(conn, [series_id]).get(series_id, [])


def revision_count(engine: Engine, series_id: int) -> int:
    with engine.connect() as conn:
        return len(edit_store.revisions(conn, series_id=series_id, limit=1000))
