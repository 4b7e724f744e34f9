"""`tvdbd db ...`: schema maintenance."""

from __future__ import annotations

import click

from tvdbd.cli.group import Context, main, pass_context


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Create or upgrade the schema to the latest migration."""
    from tvdbd.db.migrate import current_revision

    engine = ctx.engine()
    click.echo(f"Database at revision {current_revision(engine)}.")
