"""`tvdbd mirror`: follow another TheTVDB API v2 server (another tvdbd, or anything that
speaks v2) through /updated/query and store every series that changed there, whole."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import click
from tqdm import tqdm

from tvdbd.cli.group import Context, main, pass_context
from tvdbd.cli.sources import counting, run_source_work


@main.command()
@click.option(
    "--from",
    "from_url",
    required=True,
    metavar="URL",
    help="The upstream v2 server, e.g. https://tvdb.example.org.",
)
@click.option(
    "--apikey",
    required=True,
    envvar="TVDBD_MIRROR_API_KEY",
    help="An API key the upstream accepts [env TVDBD_MIRROR_API_KEY].",
)
@click.option(
    "--languages",
    default="en",
    show_default=True,
    help="Languages to mirror, comma-separated; the first is each series' base.",
)
@click.option(
    "--since",
    type=int,
    default=0,
    show_default=True,
    help="First run only: mirror changes since this epoch second (0: everything).",
)
@click.option("--loop", is_flag=True, help="Keep following the upstream (Ctrl-C stops).")
@click.option(
    "--interval",
    type=float,
    default=300,
    show_default=True,
    help="Seconds between passes with --loop.",
)
@click.option("--no-artwork", is_flag=True, help="Do not download artwork.")
@pass_context
def mirror(
    ctx: Context,
    from_url: str,
    apikey: str,
    languages: str,
    since: int,
    loop: bool,
    interval: float,
    no_artwork: bool,
) -> None:
    """Mirror another v2 server: resumable after a kill at any point (checkpoint after
    every commit)."""  # fmt: skip
    from tvdbd.images.store import ImageStore
    from tvdbd.languages import known_abbreviations
    from tvdbd.sources.fetch import policy_from
    from tvdbd.sources.mirror import V2Server, mirror_once

    wanted = tuple(dict.fromkeys(x.strip() for x in languages.split(",") if x.strip()))
    unknown = [x for x in wanted if x not in known_abbreviations()]
    if not wanted or unknown:
        raise click.BadParameter(
            f"unknown language(s): {', '.join(unknown) or '(none)'}", param_hint="--languages"
        )
    settings = ctx.settings
    engine = ctx.engine()
    images = ImageStore(settings.resolved_image_dir)
    artwork = settings.source_artwork and not no_artwork

    async def once() -> Any:
        source = V2Server(from_url, apikey, languages=wanted, policy=policy_from(settings))
        try:
            with tqdm(unit="series", desc="mirror", disable=None) as bar:
                return await mirror_once(
                    engine, images, source, since=since, artwork=artwork, progress=counting(bar)
                )
        finally:
            await source.aclose()

    async def forever() -> None:
        while True:
            _summary(await once())
            await asyncio.sleep(interval)

    if loop:
        with contextlib.suppress(KeyboardInterrupt):
            run_source_work(forever())
        return
    report = run_source_work(once())
    _summary(report)
    if report.failed:
        raise SystemExit(1)


def _summary(report: Any) -> None:
    if not report.leased:
        click.echo("Another process is mirroring this server; nothing done.", err=True)
        return
    for line in report.failed:
        click.echo(f"error: {line}", err=True)
    click.echo(
        f"Mirror: {report.windows} week(s) read, {len(report.refreshed)} series stored, "
        f"{len(report.unchanged)} unchanged, {len(report.deleted)} deleted, "
        f"{len(report.failed)} failed; checkpoint {report.position}.",
        err=True,
    )
