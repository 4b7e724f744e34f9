"""stored episode records: each episode's served 3.0.0 record, per language

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 16:00:00

`episodes.wire_v3` and `episode_translations.wire_v3` hold the JSON text an episode list
serves (tvdbd.records.render.stored_episode_json); NULL is always correct (the episode is
rendered per request). Upgrading fills them for the episodes already imported, a batch of
series at a time (memory stays flat; on the full catalogue this takes minutes), because an
unchanged bundle imported again is skipped and would never get them otherwise.

The fill uses today's renderer and columns: should a later revision change either, make
`_fill` a no-op (the columns stay NULL until the next import of each series).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH_SERIES = 200


def upgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wire_v3", sa.Text(), nullable=True))
    with op.batch_alter_table("episode_translations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wire_v3", sa.Text(), nullable=True))
    _fill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("episode_translations", schema=None) as batch_op:
        batch_op.drop_column("wire_v3")
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_column("wire_v3")


def _fill(conn: sa.Connection) -> None:
    from tvdbd.db.schema import episode_translations, episodes, series_table
    from tvdbd.records import episode
    from tvdbd.records.render import stored_episode_json

    columns = [episodes.c.series_id, *(episodes.c[f.column] for f in episode.FIELDS)]
    set_episode = (
        sa.update(episodes)
        .where(episodes.c.id == sa.bindparam("b_id"))
        .values(wire_v3=sa.bindparam("b_wire"))
    )
    tr = episode_translations
    set_translation = (
        sa.update(tr)
        .where(tr.c.episode_id == sa.bindparam("b_id"), tr.c.language == sa.bindparam("b_lang"))
        .values(wire_v3=sa.bindparam("b_wire"))
    )
    after = None
    while True:
        query = sa.select(series_table.c.id, series_table.c.original_language)
        if after is not None:
            query = query.where(series_table.c.id > after)
        languages = dict(conn.execute(query.order_by(series_table.c.id).limit(BATCH_SERIES)).all())
        if not languages:
            return
        after = max(languages)
        ids = list(languages)
        rows = {
            row.id: dict(row._mapping)
            for row in conn.execute(sa.select(*columns).where(episodes.c.series_id.in_(ids)))
        }
        if rows:
            conn.execute(
                set_episode,
                [
                    {
                        "b_id": row["id"],
                        "b_wire": stored_episode_json(
                            row,
                            series_id=row["series_id"],
                            original_language=languages[row["series_id"]],
                            language=languages[row["series_id"]],
                        ),
                    }
                    for row in rows.values()
                ],
            )
        translated = []
        for t in conn.execute(
            sa.select(tr.c.episode_id, tr.c.language, tr.c.episode_name, tr.c.overview).where(
                tr.c.series_id.in_(ids)
            )
        ):
            row = rows.get(t.episode_id)
            if row is None:  # a translation of no episode: nothing serves it
                continue
            record = stored_episode_json(
                {**row, "tr_episode_name": t.episode_name, "tr_overview": t.overview},
                series_id=row["series_id"],
                original_language=languages[row["series_id"]],
                language=t.language,
            )
            translated.append({"b_id": t.episode_id, "b_lang": t.language, "b_wire": record})
        if translated:
            conn.execute(set_translation, translated)
