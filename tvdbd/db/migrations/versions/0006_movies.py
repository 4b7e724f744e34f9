"""movies: the v3 movie records of /movies/{id} and /movieupdates

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00

One row per movie: the record as served (JSON text, see tvdbd.records.movie), when it last
changed (the bundle line's `lastUpdated`) and the hash of its bundle line.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "movies",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_updated", sa.BigInteger(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("bundle_hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movies")),
    )
    op.create_index(op.f("ix_movies_last_updated"), "movies", ["last_updated"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_movies_last_updated"), table_name="movies")
    op.drop_table("movies")
