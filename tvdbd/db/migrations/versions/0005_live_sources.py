"""live sources: where a series came from, and checkpoints of upstream feeds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 16:30:00

`series_sources` holds one row per series that a live source (TheTVDB v4, TVmaze) or a
bundle with a `source` key gave; it is replaced with the series, like its other rows.
`source_checkpoints` holds the position `tvdbd sync` has reached in an upstream feed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series_sources",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("license", sa.Text(), nullable=True),
        sa.Column("attribution", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.BigInteger(), nullable=True),
        sa.Column("content_hash", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_sources_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", name=op.f("pk_series_sources")),
    )
    op.create_index(
        op.f("ix_series_sources_source_source_id"),
        "series_sources",
        ["source", "source_id"],
        unique=False,
    )
    op.create_table(
        "source_checkpoints",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_source_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("source_checkpoints")
    op.drop_index(op.f("ix_series_sources_source_source_id"), table_name="series_sources")
    op.drop_table("series_sources")
