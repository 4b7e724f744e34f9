"""`tvdbd backup`: a consistent copy of a live SQLite database, taken while it serves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from tqdm import tqdm

from tvdbd.cli.group import Context, main, pass_context

# Pages copied per step: small steps let writers in between (the copy restarts only if a
# writer changes a page already copied, which SQLite handles itself).
PAGES_PER_STEP = 1024


@main.command()
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace DESTINATION if it exists.")
@pass_context
def backup(ctx: Context, destination: Path, force: bool) -> None:
    """Copy the SQLite database to DESTINATION with SQLite's online backup API: consistent
    even while the server writes. (PostgreSQL: use pg_dump.)"""
    engine = ctx.engine()
    if engine.dialect.name != "sqlite":
        raise click.ClickException(
            "tvdbd backup copies SQLite databases; for PostgreSQL use pg_dump "
            "(or `tvdbd export --with-users` for a portable bundle)."
        )
    source_path = Path(engine.url.database or "")
    engine.dispose()
    if destination.exists() and not force:
        raise click.ClickException(f"{destination} exists; add --force to replace it.")
    if destination.resolve() == source_path.resolve():
        raise click.ClickException("The destination is the database itself.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(partial)
    try:
        with tqdm(unit="page", desc="backup", disable=None) as bar:

            def progress(_status: int, remaining: int, total: int) -> None:
                bar.total = total
                bar.n = total - remaining
                bar.refresh()

            source.backup(target, pages=PAGES_PER_STEP, progress=progress)
        verdict = target.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise click.ClickException(f"The copy failed its integrity check: {verdict}")
        # The copy is a plain database file: no WAL to carry along.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    partial.replace(destination)
    click.echo(
        f"Backed up {source_path} to {destination} ({destination.stat().st_size:,} bytes). "
        "The JWT signing key is not in it: keep "
        f"{ctx.settings.resolved_signing_key_file} as well.",
        err=True,
    )
