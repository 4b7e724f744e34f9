"""The one `tvdbd` command group and the context every subcommand gets.

Subcommands live in the sibling modules, which import this one and hang off `main`;
`tvdbd.cli` imports them all. Nothing here imports them back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tvdbd.errors import ConfigError
from tvdbd.settings import Settings


class Context:
    """The settings of this invocation, and the database they name."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def engine(self, *, migrate: bool = True) -> Any:
        """The database engine, migrated; a bad URL or an unreachable database is a clean error."""
        from sqlalchemy.exc import OperationalError

        from tvdbd.cache.invalidation import configure
        from tvdbd.db.engine import make_engine
        from tvdbd.db.migrate import upgrade

        url = self.settings.resolved_database_url
        try:
            engine = make_engine(url)
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
        # Changes this command makes reach the servers' caches on every host.
        configure(engine, self.settings.redis_url)
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
