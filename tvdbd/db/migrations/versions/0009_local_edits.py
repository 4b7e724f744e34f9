"""local edits: revisions (history) and locks

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 14:00:00

`edit_revisions` keeps every change made through tvdbd.edits (who, when, which record and
field, old and new value, comment); `edit_locks` the fields whose local value every import,
sync, mirror and read-through refresh keeps, with the upstream value beside it. Neither has
a foreign key to `series`: both outlive the replacement of a series by an import.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edit_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("record_type", sa.Text(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("editor", sa.Text(), nullable=False),
        sa.Column("via", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("reverts", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edit_revisions")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_edit_revisions_series_id_id"), "edit_revisions", ["series_id", "id"])
    op.create_index(
        op.f("ix_edit_revisions_record_type_record_id_id"),
        "edit_revisions",
        ["record_type", "record_id", "id"],
    )
    op.create_table(
        "edit_locks",
        sa.Column("series_id", sa.BigInteger(), nullable=False),
        sa.Column("record_type", sa.Text(), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("local_value", sa.Text(), nullable=False),
        sa.Column("upstream_value", sa.Text(), nullable=True),
        sa.Column("upstream_seen_at", sa.BigInteger(), nullable=True),
        sa.Column("locked_by", sa.Text(), nullable=False),
        sa.Column("locked_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "series_id", "record_type", "record_id", "field", "language", name=op.f("pk_edit_locks")
        ),
    )


def downgrade() -> None:
    op.drop_table("edit_locks")
    op.drop_index(op.f("ix_edit_revisions_record_type_record_id_id"), table_name="edit_revisions")
    op.drop_index(op.f("ix_edit_revisions_series_id_id"), table_name="edit_revisions")
    op.drop_table("edit_revisions")
