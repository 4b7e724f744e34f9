"""user roles: user, editor, admin

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:30:00

One role per account. `user` (the default) keeps favorites and ratings; `editor` may also
change catalogue records (local edits); `admin` may also run the operator pages (API keys,
users, live-source state). Existing accounts become `user`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role", sa.Text(), server_default="user", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role")
