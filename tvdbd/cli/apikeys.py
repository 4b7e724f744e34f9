"""`tvdbd apikey ...`: registered API keys (only their hashes are stored)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from tvdbd.cli.group import Context, main, pass_context
from tvdbd.errors import TvdbdError


@main.group()
def apikey() -> None:
    """Manage registered API keys (used when the API key policy is 'registered')."""


@apikey.command("create")
@click.argument("name")
@pass_context
def apikey_create(ctx: Context, name: str) -> None:
    """Create a key named NAME and print it once (only its hash is stored)."""
    from tvdbd.db import apikeys

    try:
        with ctx.engine().begin() as conn:
            key = apikeys.create(conn, name)
    except TvdbdError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(key)


@apikey.command("list")
@pass_context
def apikey_list(ctx: Context) -> None:
    """List registered keys (names and dates; keys themselves are never stored)."""
    from tvdbd.db import apikeys

    with ctx.engine().connect() as conn:
        for row in apikeys.list_keys(conn):
            state = "revoked " + _date(row["revoked_at"]) if row["revoked_at"] else "active"
            click.echo(f"{row['name']}\tcreated {_date(row['created_at'])}\t{state}")


@apikey.command("revoke")
@click.argument("name")
@pass_context
def apikey_revoke(ctx: Context, name: str) -> None:
    """Revoke the key named NAME: it can no longer log in, and its tokens stop working."""
    from tvdbd.cache.marks import bump_keys
    from tvdbd.db import apikeys

    engine = ctx.engine()
    with engine.begin() as conn:
        if not apikeys.revoke(conn, name):
            raise click.ClickException(f"No active API key named {name!r}.")
    bump_keys(engine)  # every server process reloads the active keys (tvdbd.auth.LiveKeys)
    click.echo(f"Revoked {name}.")


def _date(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")
