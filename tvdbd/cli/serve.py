"""`tvdbd serve`: migrate, load the demo into an empty database, run uvicorn."""

from __future__ import annotations

import os

import click

from tvdbd.cli.group import Context, main, pass_context
from tvdbd.settings import READ_THROUGH_SOURCES, Settings


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
@click.option(
    "--accept-version-negotiation/--no-accept-version-negotiation",
    default=None,
    help="Serve the v2.2.0 shapes to `Accept: application/vnd.thetvdb.v2...`; default off: "
    "every request gets 3.0.0 whatever Accept says [env TVDBD_ACCEPT_VERSION_NEGOTIATION].",
)
@click.option(
    "--metrics",
    is_flag=True,
    default=None,
    help="Serve Prometheus metrics at /metrics [env TVDBD_METRICS].",
)
@click.option(
    "--access-log",
    is_flag=True,
    default=None,
    help="One JSON line per request on standard error [env TVDBD_ACCESS_LOG].",
)
@click.option(
    "--read-through",
    type=click.Choice(READ_THROUGH_SOURCES),
    help="Fetch series not stored from a live source: 'auto' is TheTVDB v4 with a key, else "
    "TVmaze; 'off' for air-gapped installs [env TVDBD_READ_THROUGH].",
)
@pass_context
def serve(
    ctx: Context,
    host: str,
    port: int,
    workers: int,
    api_key_policy: str | None,
    no_demo: bool,
    accept_version_negotiation: bool | None,
    metrics: bool | None,
    access_log: bool | None,
    read_through: str | None,
) -> None:
    """Run the API server (migrates the database first)."""
    import uvicorn

    from tvdbd.demo import draw_demo_images, load_demo_if_empty

    settings = ctx.settings
    if api_key_policy:
        settings = settings.with_changes(api_key_policy=api_key_policy)
    if no_demo:
        settings = settings.with_changes(load_demo=False)
    if accept_version_negotiation is not None:
        settings = settings.with_changes(accept_version_negotiation=accept_version_negotiation)
    if metrics:
        settings = settings.with_changes(metrics=True)
    if access_log:
        settings = settings.with_changes(access_log=True)
    if read_through:
        settings = settings.with_changes(read_through=read_through)
    engine = Context(settings).engine()
    if settings.load_demo:
        report = load_demo_if_empty(engine)
        if report is not None:
            click.echo(
                f"Loaded the demo catalogue: {report.imported} series, {report.movies} movies.",
                err=True,
            )
            drawn = draw_demo_images(settings.resolved_image_dir)
            click.echo(f"Drew {drawn} demo images into {settings.resolved_image_dir}.", err=True)
    engine.dispose()
    # Workers are separate processes: they read the same settings from the environment.
    os.environ.update(
        TVDBD_DATA_DIR=str(settings.data_dir),
        TVDBD_DATABASE_URL=settings.resolved_database_url,
        TVDBD_API_KEY_POLICY=settings.api_key_policy,
        TVDBD_TOKEN_LIFETIME_SECONDS=str(settings.token_lifetime_seconds),
        TVDBD_ACCEPT_VERSION_NEGOTIATION="on" if settings.accept_version_negotiation else "off",
        TVDBD_METRICS="on" if settings.metrics else "off",
        TVDBD_ACCESS_LOG="on" if settings.access_log else "off",
        TVDBD_REQUEST_HEAD_TIMEOUT_SECONDS=str(settings.request_head_timeout_seconds),
        TVDBD_READ_THROUGH=settings.read_through,
    )
    from tvdbd.serving import prometheus_folder, uvicorn_options

    if settings.metrics and workers > 1:
        # Every worker writes its values there; any worker's /metrics sums them.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = prometheus_folder(settings.data_dir)
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
    from tvdbd.sources.registry import describe_read_through

    click.echo(describe_read_through(settings), err=True)
    _start_sync_loop(settings)
    uvicorn.run(
        "tvdbd.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        server_header=False,
        **uvicorn_options(settings),
    )


def _start_sync_loop(settings: Settings) -> None:
    """Follow TheTVDB v4's update feed beside the server (in this process, whatever the
    number of workers; the feed's lease keeps other hosts from following it at once)."""
    if not settings.sync_interval_seconds:
        return
    if not settings.tvdb_v4_api_key:
        raise click.UsageError(
            "TVDBD_SYNC_INTERVAL_SECONDS needs a TheTVDB v4 key (TVDBD_TVDB_V4_API_KEY)."
        )
    import asyncio
    import threading

    from tvdbd.cache.invalidation import configure
    from tvdbd.db.engine import make_engine
    from tvdbd.images.store import ImageStore
    from tvdbd.sources.sync import follow
    from tvdbd.sources.tvdb_v4.client import TvdbV4

    def run() -> None:
        engine = make_engine(settings.resolved_database_url)
        configure(engine, settings.redis_url)
        asyncio.run(
            follow(
                engine,
                ImageStore(settings.resolved_image_dir),
                lambda: TvdbV4.from_settings(settings),
                interval=settings.sync_interval_seconds,
                artwork=settings.source_artwork,
                concurrency=settings.source_concurrency,
            )
        )

    threading.Thread(target=run, name="tvdbd-sync", daemon=True).start()
    click.echo(
        f"Following TheTVDB v4's update feed every {settings.sync_interval_seconds} s.", err=True
    )
