"""The `tvdbd` command: serve, import, export, apikey, db."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from tvdbd.errors import ConfigError, TvdbdError
from tvdbd.settings import Settings


class Context:
    def __init__(self, settings: Settings):
        self.settings = settings

    def engine(self, *, migrate: bool = True) -> Any:
        """The database engine, migrated; a bad URL or an unreachable database is a clean error."""
        from sqlalchemy.exc import OperationalError

        from tvdbd.db.engine import make_engine
        from tvdbd.db.migrate import upgrade

        url = self.settings.resolved_database_url
        try:
            engine = make_engine(url)
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
        if migrate:
            try:
                upgrade(engine)
            except OperationalError as exc:
                reason = str(exc.orig or exc).strip().splitlines()[0]
                shown = engine.url.render_as_string(hide_password=True)
                raise click.ClickException(f"Cannot open the database {shown}: {reason}") from None
        return engine


pass_context = click.make_pass_decorator(Context)


@click.group()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the SQLite file and the signing key [env TVDBD_DATA_DIR].",
)
@click.option(
    "--database-url",
    help="sqlite:///path or postgresql://user@host/db; default: SQLite in the data dir "
    "[env TVDBD_DATABASE_URL].",
)
@click.version_option(package_name="tvdbd")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, database_url: str | None) -> None:
    """A self-hostable server that speaks TheTVDB REST API v2."""
    try:
        settings = Settings.from_env(data_dir=data_dir, database_url=database_url)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    ctx.obj = Context(settings)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option(
    "--api-key-policy",
    type=click.Choice(["any", "registered"]),
    help="Accept any API key at /login, or only registered ones [env TVDBD_API_KEY_POLICY].",
)
@click.option("--no-demo", is_flag=True, help="Do not load the demo catalogue into an empty db.")
@pass_context
def serve(
    ctx: Context, host: str, port: int, workers: int, api_key_policy: str | None, no_demo: bool
) -> None:
    """Run the API server (migrates the database first)."""
    import uvicorn

    from tvdbd.demo import draw_demo_images, load_demo_if_empty

    settings = ctx.settings
    if api_key_policy:
        settings = settings.with_changes(api_key_policy=api_key_policy)
    if no_demo:
        settings = settings.with_changes(load_demo=False)
    engine = Context(settings).engine()
    if settings.load_demo:
        report = load_demo_if_empty(engine)
        if report is not None:
            click.echo(f"Loaded the demo catalogue: {report.imported} series.", err=True)
            drawn = draw_demo_images(settings.resolved_image_dir)
            click.echo(f"Drew {drawn} demo images into {settings.resolved_image_dir}.", err=True)
    engine.dispose()
    # Workers are separate processes: they read the same settings from the environment.
    os.environ.update(
        TVDBD_DATA_DIR=str(settings.data_dir),
        TVDBD_DATABASE_URL=settings.resolved_database_url,
        TVDBD_API_KEY_POLICY=settings.api_key_policy,
        TVDBD_TOKEN_LIFETIME_SECONDS=str(settings.token_lifetime_seconds),
    )
    from tvdbd.auth import load_or_create_signing_key

    load_or_create_signing_key(settings.resolved_signing_key_file)
    url = f"http://{host}:{port}"
    key_hint = "any non-empty API key" if settings.api_key_policy == "any" else "a registered key"
    click.echo(
        f"tvdbd serving TheTVDB API v2 at {url}\n"
        f"Log in with {key_hint}:\n"
        f"  curl -s -X POST {url}/login -H 'Content-Type: application/json' "
        f"""-d '{{"apikey": "demo"}}'\n"""
        f"then send 'Authorization: Bearer <token>', e.g. GET {url}/series/76156",
        err=True,
    )
    uvicorn.run(
        "tvdbd.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        server_header=False,
    )


@main.command("import")
@click.argument("bundle", type=click.Path(allow_dash=True))
@click.option("--strict", is_flag=True, help="Refuse the whole file if any line is bad.")
@click.option(
    "--images",
    "images_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also copy the image files the bundle refers to from this folder (same relative "
    "paths) into the image store.",
)
@pass_context
def import_command(ctx: Context, bundle: str, strict: bool, images_dir: Path | None) -> None:
    """Import a bundle file (JSON Lines, .gz accepted, - for stdin)."""
    from tvdbd.bundles.importer import import_file

    if images_dir is not None and bundle == "-":
        # The files are found in a second read of the bundle, after the import.
        raise click.UsageError("--images needs a bundle file, not standard input.")
    engine = ctx.engine()
    with tqdm(unit="B", unit_scale=True, desc="import", disable=None, leave=False) as bar:

        def set_total(total: int | None) -> None:
            bar.total = total
            bar.refresh()

        try:
            report = import_file(
                engine, bundle, strict=strict, progress=bar.update, progress_total=set_total
            )
        except (OSError, EOFError, TvdbdError) as exc:
            raise click.ClickException(str(exc)) from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.refused:
        click.echo(f"Refused: {len(report.errors)} bad line(s); nothing was imported.", err=True)
        sys.exit(1)
    click.echo(
        f"Imported {report.imported} series, {report.unchanged} unchanged, "
        + (f"{report.users} user(s), " if report.users else "")
        + f"{len(report.errors)} bad line(s).",
        err=True,
    )
    if images_dir is not None:
        from tvdbd.cli_images import copy_images_of_bundle

        copy_images_of_bundle(ctx.settings, bundle, images_dir)
    if report.errors:
        sys.exit(1)


@main.command("export")
@click.argument("bundle", type=click.Path(allow_dash=True))
@click.option(
    "--with-users",
    is_flag=True,
    help="Also write user accounts (key hashes only) with their favorites and ratings.",
)
@pass_context
def export_command(ctx: Context, bundle: str, with_users: bool) -> None:
    """Export the catalogue as a bundle file (.gz compresses, - for stdout)."""
    from tvdbd.bundles.exporter import export_file

    try:
        count = export_file(ctx.engine(), bundle, with_users=with_users)
    except OSError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Exported {count} series.", err=True)


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
    """Revoke the key named NAME: it can no longer log in."""
    from tvdbd.db import apikeys

    with ctx.engine().begin() as conn:
        if not apikeys.revoke(conn, name):
            raise click.ClickException(f"No active API key named {name!r}.")
    click.echo(f"Revoked {name}.")


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


def _date(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


# Command groups kept in their own modules register themselves on `main` when imported.
from tvdbd import cli_images, cli_users  # noqa: E402, F401
