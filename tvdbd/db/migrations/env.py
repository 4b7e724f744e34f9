"""Alembic environment: runs on the connection tvdbd.db.migrate hands over."""

from __future__ import annotations

from alembic import context

from tvdbd.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via `alembic` on the command line
    raise RuntimeError("Run migrations with `tvdbd db upgrade`, which supplies the connection.")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
