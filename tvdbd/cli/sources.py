"""`tvdbd source ...`, `tvdbd import-tvmaze` and `tvdbd sync`: filling the catalogue from live
sources (TheTVDB v4 with your key, TVmaze's open API)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson
from tqdm import tqdm

from tvdbd.cli.group import Context, main, pass_context
from tvdbd.errors import ConfigError, SourceError, SourceRefused

T = TypeVar("T")


def run_source_work(work: Awaitable[T]) -> T:
    """Run a coroutine; source and setting errors become one clean line."""
    try:
        return asyncio.run(work)  # type: ignore[arg-type]
    except (SourceError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None


def _ids(values: tuple[str, ...], what: str) -> list[int]:
    ids = []
    for value in values:
        if not value.strip().isdigit():
            raise click.BadParameter(f"{value!r} is not a {what} id")
        ids.append(int(value))
    return ids


def _list_file(path: Path | None) -> list[tuple[str, int]]:
    """(kind, id) from a list file: one id a line, `tvmaze:1` / `thetvdb:81189` / plain
    numbers (the command's default kind); blank lines and `#` comments are skipped."""
    if path is None:
        return []
    found = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, value = line.rpartition(":")
        if kind not in ("", "tvmaze", "thetvdb") or not value.strip().isdigit():
            raise click.ClickException(f"{path}:{number}: expected an id, got {raw.strip()!r}")
        found.append((kind, int(value)))
    return found


def counting(bar: tqdm) -> Callable[[int | None, int], None]:
    """A `progress(total, done)` callback for a bar whose total is learnt on the way."""

    def progress(total: int | None, done: int) -> None:
        if total is not None:
            bar.reset(total=total)
        bar.update(done)

    return progress


def _report(report: Any, what: str) -> None:
    for line in report.not_found:
        click.echo(f"not found: {line}", err=True)
    for line in report.failed:
        click.echo(f"error: {line}", err=True)
    art = report.artwork
    click.echo(
        f"{what}: {len(report.stored)} series stored, {len(report.unchanged)} unchanged, "
        f"{len(report.not_found)} not found, {len(report.failed)} failed in "
        f"{report.seconds:.1f} s; artwork: {art.downloaded} downloaded, {len(art.missing)} "
        f"missing, {len(art.failed)} failed.",
        err=True,
    )
    if report.failed or report.not_found:
        raise SystemExit(1)


async def _fetch(
    ctx: Context,
    source_name: str,
    jobs: Callable[[Any], list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]]],
    *,
    artwork: bool,
    output: Path | None = None,
) -> Any:
    from tvdbd.images.store import ImageStore
    from tvdbd.sources.batch import fetch_many
    from tvdbd.sources.registry import open_source

    settings = ctx.settings
    source = open_source(source_name, settings)
    try:
        work = jobs(source)
        if output is not None:
            return await _write_bundles(work, output)
        engine = ctx.engine()
        with (
            tqdm(total=len(work), unit="series", desc=source_name, disable=None) as bar,
            tqdm(unit="file", desc="artwork", disable=None, leave=False) as art_bar,
        ):
            return await fetch_many(
                engine,
                ImageStore(settings.resolved_image_dir),
                source,
                work,
                artwork=artwork and settings.source_artwork,
                concurrency=settings.source_concurrency,
                progress=bar.update,
                artwork_progress=counting(art_bar),
            )
    finally:
        await source.aclose()


async def _write_bundles(
    jobs: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]], output: Path
) -> None:
    from tvdbd.bundles.files import open_for_writing

    with open_for_writing(output) as out:
        for label, fetch in tqdm(jobs, unit="series", disable=None):
            try:
                out.write(orjson.dumps(await fetch()) + b"\n")
            except SourceRefused:
                raise
            except SourceError as exc:
                click.echo(f"error: {label}: {exc.reason}", err=True)
    click.echo(f"Wrote {len(jobs)} bundle(s) to {output}.", err=True)


@main.group()
def source() -> None:
    """Fill the catalogue from live sources (TheTVDB v4, TVmaze); see docs/sources.md."""


@source.group("tvdb-v4")
def tvdb_v4() -> None:
    """TheTVDB v4 with your API key [env TVDBD_TVDB_V4_API_KEY, TVDBD_TVDB_V4_PIN]."""


@tvdb_v4.command("check")
@pass_context
def tvdb_v4_check(ctx: Context) -> None:
    """Log in to TheTVDB v4 with the configured key: says whether it is accepted."""
    from tvdbd.sources.registry import open_source

    async def check() -> None:
        client = open_source("tvdb-v4", ctx.settings)
        try:
            await client.login()  # type: ignore[attr-defined]
        finally:
            await client.aclose()

    run_source_work(check())
    click.echo("TheTVDB v4 accepted the API key.")


@tvdb_v4.command("fetch")
@click.argument("ids", nargs=-1)
@click.option(
    "--list",
    "list_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of TheTVDB series ids, one a line.",
)
@click.option("--refresh", is_flag=True, help="Also fetch again every series stored from v4.")
@click.option("--no-artwork", is_flag=True, help="Do not download artwork.")
@pass_context
def tvdb_v4_fetch(
    ctx: Context, ids: tuple[str, ...], list_file: Path | None, refresh: bool, no_artwork: bool
) -> None:
    """Fetch series by TheTVDB id from v4 and store each one whole."""
    from tvdbd.sources.store import series_from
    from tvdbd.sources.tvdb_v4.mapping import SOURCE_NAME

    wanted = _ids(ids, "TheTVDB series") + [i for _, i in _list_file(list_file)]
    if refresh:
        wanted += sorted(series_from(ctx.engine(), SOURCE_NAME))
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        raise click.UsageError("Give series ids, --list FILE or --refresh.")

    def jobs(client: Any) -> list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]]:
        return [(f"series {i}", partial(client.series_bundle, i)) for i in wanted]

    _report(run_source_work(_fetch(ctx, "tvdb-v4", jobs, artwork=not no_artwork)), "TheTVDB v4")


def _by_kind(client: Any, kind: str) -> Callable[[int], Awaitable[dict[str, Any]]]:
    """TVmaze fetches a show by its own id, or by TheTVDB id through its lookup."""
    return client.show_bundle if kind == "tvmaze" else client.series_bundle


def _tvmaze_command(name: str, help_text: str) -> Callable[..., Any]:
    @click.argument("ids", nargs=-1)
    @click.option(
        "--thetvdb",
        "thetvdb_ids",
        multiple=True,
        help="A TheTVDB series id, found through TVmaze's lookup (repeatable).",
    )
    @click.option(
        "--list",
        "list_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A file of ids, one a line: `1` or `tvmaze:1`, `thetvdb:81189`.",
    )
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
        help="Write the bundles to this file (.gz, - for stdout) instead of storing.",
    )
    @click.option("--no-artwork", is_flag=True, help="Do not download artwork.")
    @pass_context
    def command(
        ctx: Context,
        ids: tuple[str, ...],
        thetvdb_ids: tuple[str, ...],
        list_file: Path | None,
        output: Path | None,
        no_artwork: bool,
    ) -> None:
        wanted = [("tvmaze", i) for i in _ids(ids, "TVmaze show")]
        wanted += [("thetvdb", i) for i in _ids(thetvdb_ids, "TheTVDB series")]
        wanted += [(kind or "tvmaze", i) for kind, i in _list_file(list_file)]
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            raise click.UsageError("Give TVmaze show ids, --thetvdb ID or --list FILE.")

        def jobs(client: Any) -> list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]]:
            return [(f"{kind} {i}", partial(_by_kind(client, kind), i)) for kind, i in wanted]

        result = run_source_work(_fetch(ctx, "tvmaze", jobs, artwork=not no_artwork, output=output))
        if output is None:
            _report(result, "TVmaze")

    command.__doc__ = help_text
    return command


main.command("import-tvmaze")(
    _tvmaze_command(
        "import-tvmaze",
        "Import shows from TVmaze (by TVmaze id, by TheTVDB id, or a list file). "
        "Data under CC BY-SA 4.0: see docs/sources.md.",
    )
)


@source.group("tvmaze")
def tvmaze() -> None:
    """TVmaze's open API (no key; data under CC BY-SA 4.0)."""


tvmaze.command("fetch")(_tvmaze_command("fetch", "The same as `tvdbd import-tvmaze`."))


@main.command()
@click.option("--loop", is_flag=True, help="Keep following the feed (Ctrl-C stops).")
@click.option(
    "--interval",
    type=float,
    default=600,
    show_default=True,
    help="Seconds between passes with --loop.",
)
@click.option("--no-artwork", is_flag=True, help="Do not download artwork.")
@click.option(
    "--overwrite-locked",
    is_flag=True,
    help="Store upstream values also over locally edited (locked) fields, and unlock them.",
)
@pass_context
def sync(
    ctx: Context, loop: bool, interval: float, no_artwork: bool, overwrite_locked: bool
) -> None:
    """Refresh the series stored from TheTVDB v4 that changed there (its update feed since
    the last checkpoint); resumable at any point."""
    from tvdbd.edits.incoming import overwriting_locked

    with overwriting_locked(overwrite_locked):
        _sync(ctx, loop, interval, no_artwork)


def _sync(ctx: Context, loop: bool, interval: float, no_artwork: bool) -> None:
    from tvdbd.images.store import ImageStore
    from tvdbd.sources.store import series_from
    from tvdbd.sources.sync import follow, sync_once
    from tvdbd.sources.tvdb_v4.client import TvdbV4
    from tvdbd.sources.tvdb_v4.mapping import SOURCE_NAME

    settings = ctx.settings
    engine = ctx.engine()
    if not loop and not series_from(engine, SOURCE_NAME):
        click.echo(
            "Nothing is stored from TheTVDB v4, so there is nothing to sync (series come from "
            "v4 by read-through or `tvdbd source tvdb-v4 fetch`, with TVDBD_TVDB_V4_API_KEY "
            "set).",
            err=True,
        )
        return
    if not settings.tvdb_v4_api_key:
        raise click.UsageError("Set TVDBD_TVDB_V4_API_KEY to your TheTVDB v4 API key.")
    images = ImageStore(settings.resolved_image_dir)
    artwork = settings.source_artwork and not no_artwork

    def open_client() -> TvdbV4:
        return TvdbV4.from_settings(settings)

    if loop:
        with contextlib.suppress(KeyboardInterrupt):
            run_source_work(
                follow(
                    engine,
                    images,
                    open_client,
                    interval=interval,
                    artwork=artwork,
                    concurrency=settings.source_concurrency,
                )
            )
        return

    async def once() -> Any:
        client = open_client()
        try:
            with tqdm(unit="series", desc="sync", disable=None) as bar:
                return await sync_once(
                    engine,
                    images,
                    client,
                    artwork=artwork,
                    concurrency=settings.source_concurrency,
                    progress=counting(bar),
                )
        finally:
            await client.aclose()

    report = run_source_work(once())
    if not report.leased:
        click.echo("Another process is following the feed; nothing done.", err=True)
        return
    for line in report.failed:
        click.echo(f"error: {line}", err=True)
    click.echo(
        f"Sync: {report.seen} feed entries, {len(report.refreshed)} series refreshed, "
        f"{len(report.unchanged)} unchanged, {len(report.deleted)} deleted, "
        f"{len(report.failed)} failed; {report.artwork} artwork files; checkpoint "
        f"{report.position}.",
        err=True,
    )
    if report.failed:
        raise SystemExit(1)
