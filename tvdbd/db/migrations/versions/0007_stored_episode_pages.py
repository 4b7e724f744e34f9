"""stored episode pages: each 3.0.0 episode page as served, per language

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:00:00

`episode_pages` holds the `data` array of every page of `/series/{id}/episodes` in each
series' original language and in each language it has episode translations in
(tvdbd.records.pages), so that a page with the response cache off is one row. Upgrading
fills it from the stored episode records, a batch of series at a time; a page with an
episode that has no stored record is not stored (it is rendered per request, as before).
The fill uses today's page maker: should a later revision change it, make `_fill` a no-op.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH_SERIES = 200


def upgrade() -> None:
    op.create_table(
        "episode_pages",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("page", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_id", sa.BigInteger(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("name_missing", sa.Boolean(), nullable=False),
        sa.Column("records", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_episode_pages_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "language", "page", name=op.f("pk_episode_pages")),
    )
    _fill(op.get_bind())


def downgrade() -> None:
    op.drop_table("episode_pages")


def _fill(conn: sa.Connection) -> None:
    from tvdbd.bundles.importer import pages_wanted
    from tvdbd.db.schema import episode_pages, episode_translations, episodes, series_table
    from tvdbd.records.pages import EpisodeText, page_rows

    if not pages_wanted():  # TVDBD_STORE_EPISODE_PAGES=off: pages are made per request
        return

    tr = episode_translations
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
        translated: dict[int, dict[str, tuple[str | None, str | None]]] = {}
        for t in conn.execute(
            sa.select(tr.c.episode_id, tr.c.language, tr.c.wire_v3, tr.c.episode_name).where(
                tr.c.series_id.in_(ids)
            )
        ):
            translated.setdefault(t.episode_id, {})[t.language] = (t.wire_v3, t.episode_name)
        by_series: dict[int, list[EpisodeText]] = {i: [] for i in ids}
        for e in conn.execute(
            sa.select(
                episodes.c.series_id, episodes.c.id, episodes.c.wire_v3, episodes.c.episode_name
            ).where(episodes.c.series_id.in_(ids))
        ):
            by_series[e.series_id].append(
                EpisodeText(e.id, e.wire_v3, e.episode_name, translated.get(e.id, {}))
            )
        rows = [
            row
            for series_id, texts in by_series.items()
            if texts
            for row in page_rows(series_id, languages[series_id], texts)
        ]
        if rows:
            conn.execute(sa.insert(episode_pages), rows)
