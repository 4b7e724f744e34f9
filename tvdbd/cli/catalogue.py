"""`tvdbd import` and `tvdbd export`: bundle files in and out of the catalogue."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click
from tqdm import tqdm

from tvdbd.cli.group import Context, main, pass_context
from tvdbd.errors import TvdbdError


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
@click.option(
    "--overwrite-locked",
    is_flag=True,
    help="Store the bundle's values also over locally edited (locked) fields, and unlock them.",
)
@pass_context
def import_command(
    ctx: Context, bundle: str, strict: bool, images_dir: Path | None, overwrite_locked: bool
) -> None:
    """Import a bundle file (JSON Lines, .gz accepted, - for stdin)."""
    if images_dir is not None and bundle == "-":
        # The files are found in a second read of the bundle, after the import: standard
        # input is kept in a temporary file (gunzipped) for it.
        from tvdbd.bundles.files import spool_standard_input

        with tempfile.TemporaryDirectory(prefix="tvdbd-import-") as folder:
            spooled = Path(folder) / "bundle.jsonl"
            try:
                spool_standard_input(spooled)
            except (OSError, EOFError) as exc:
                raise click.ClickException(f"Cannot read standard input: {exc}") from None
            _import(ctx, str(spooled), strict, images_dir, overwrite_locked)
        return
    _import(ctx, bundle, strict, images_dir, overwrite_locked)


def _import(
    ctx: Context, bundle: str, strict: bool, images_dir: Path | None, overwrite_locked: bool
) -> None:
    from tvdbd.bundles.importer import import_file

    engine = ctx.engine()
    with tqdm(unit="B", unit_scale=True, desc="import", disable=None, leave=False) as bar:

        def set_total(total: int | None) -> None:
            bar.total = total
            bar.refresh()

        try:
            report = import_file(
                engine,
                bundle,
                strict=strict,
                progress=bar.update,
                progress_total=set_total,
                overwrite_locked=overwrite_locked,
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
        f"Imported {report.imported} series, "
        + (f"{report.movies} movie(s), " if report.movies else "")
        + f"{report.unchanged} unchanged, "
        + (f"{report.users} user(s), " if report.users else "")
        + f"{len(report.errors)} bad line(s).",
        err=True,
    )
    if images_dir is not None:
        from tvdbd.cli.images import copy_images_of_bundle

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
        report = export_file(ctx.engine(), bundle, with_users=with_users)
    except OSError as exc:
        raise click.ClickException(str(exc)) from None
    movies = f", {report.movies} movie(s)" if report.movies else ""
    click.echo(f"Exported {report.series} series{movies}.", err=True)
