"""`tvdbd serve`: migrate, load the demo into an empty database, run uvicorn."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tvdbd.cli.group import Context, main, pass_context
from tvdbd.errors import ConfigError, ListenError, TlsError
from tvdbd.settings import READ_THROUGH_SOURCES, Settings

if TYPE_CHECKING:
    from tvdbd.serving import Listener


@main.command()
@click.option("--host", help="Address to listen on [default: 127.0.0.1; env TVDBD_LISTEN_ADDRESS].")
@click.option("--port", type=int, help="Port to listen on [default: 8000].")
@click.option("--tls", is_flag=True, help="Serve HTTPS (the certificate of `tvdbd tls init`).")
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Serve HTTPS with this certificate (PEM, chain included) [env TVDBD_TLS_CERT_FILE].",
)
@click.option(
    "--tls-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The private key of --tls-cert [env TVDBD_TLS_KEY_FILE].",
)
@click.option(
    "--drop-in",
    is_flag=True,
    help="HTTPS on 443 for api.thetvdb.com and the other TheTVDB names (certificate made "
    "when missing) and plain HTTP on 80 (docs/drop-in.md).",
)
@click.option("--https-port", type=int, help="--drop-in's HTTPS port [env TVDBD_HTTPS_PORT, 443].")
@click.option(
    "--http-port", type=int, help="--drop-in's HTTP port, 0: none [env TVDBD_HTTP_PORT, 80]."
)
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
    host: str | None,
    port: int | None,
    tls: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
    drop_in: bool,
    https_port: int | None,
    http_port: int | None,
    workers: int,
    api_key_policy: str | None,
    no_demo: bool,
    accept_version_negotiation: bool | None,
    metrics: bool | None,
    access_log: bool | None,
    read_through: str | None,
) -> None:
    """Run the API server (migrates the database first)."""
    from tvdbd.demo import draw_demo_images, load_demo_if_empty

    settings = _listening(ctx.settings, tls_cert, tls_key, https_port, http_port)
    _check_sync(settings)
    listeners, sockets = _bind(settings, host=host, port=port, tls=tls, drop_in=drop_in)
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
    from tvdbd.serving import prometheus_folder, serve_listeners, uvicorn_options

    if settings.metrics and workers > 1:
        # Every worker writes its values there; any worker's /metrics sums them.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = prometheus_folder(settings.data_dir)
    from tvdbd.auth import load_or_create_signing_key

    load_or_create_signing_key(settings.resolved_signing_key_file)
    url = listeners[0].url
    key_hint = "any non-empty API key" if settings.api_key_policy == "any" else "a registered key"
    click.echo(
        f"tvdbd serving TheTVDB API v2 at {url}\n"
        f"Log in with {key_hint}:\n"
        f"  curl -s -X POST {url}/login -H 'Content-Type: application/json' "
        f"""-d '{{"apikey": "demo"}}'\n"""
        f"then send 'Authorization: Bearer <token>', e.g. GET {url}/series/76156",
        err=True,
    )
    if len(listeners) > 1:
        click.echo(f"Also at {', '.join(lst.url for lst in listeners[1:])}", err=True)
    if drop_in:
        click.echo(
            "Drop-in: clients reach it as https://api.thetvdb.com once the names point here "
            "(`tvdbd dns --address IP`) and they trust the CA (`tvdbd tls show`).",
            err=True,
        )
    from tvdbd.sources.registry import describe_read_through

    click.echo(describe_read_through(settings), err=True)
    _start_sync_loop(settings)
    status = serve_listeners(
        listeners,
        sockets,
        workers,
        log_level="warning",
        access_log=False,
        server_header=False,
        **uvicorn_options(settings),
    )
    if status:
        raise SystemExit(status)


def _listening(
    settings: Settings,
    tls_cert: Path | None,
    tls_key: Path | None,
    https_port: int | None,
    http_port: int | None,
) -> Settings:
    """The settings with the listening options of the command line applied."""
    changes: dict[str, object] = {"https_port": https_port, "http_port": http_port}
    if tls_cert is not None or tls_key is not None:
        changes.update(tls_cert_file=tls_cert, tls_key_file=tls_key)
    try:
        return settings.with_changes(**{k: v for k, v in changes.items() if v is not None})
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _bind(
    settings: Settings, *, host: str | None, port: int | None, tls: bool, drop_in: bool
) -> tuple[list[Listener], list[socket.socket]]:
    """The listeners and their bound sockets; the generated certificate is made (or renewed)
    when HTTPS uses it; any reason it cannot start is a clean error."""
    from tvdbd.serving import bind, listeners_for
    from tvdbd.tls.authority import TlsFiles, ensure_server_certificate

    try:
        listeners = listeners_for(settings, host=host, port=port, tls=tls, drop_in=drop_in)
        files = TlsFiles.in_data_dir(settings.data_dir)
        generated = any(lst.tls for lst in listeners) and settings.tls_cert_file is None
        if generated and ensure_server_certificate(files):
            click.echo(f"Made the server certificate {files.server_cert} (`tvdbd tls show`).",
                       err=True)  # fmt: skip
        for listener in listeners:
            listener.ssl_context()  # a certificate that does not load fails here, not in a worker
        return listeners, bind(listeners)
    except (ConfigError, TlsError) as exc:
        raise click.UsageError(str(exc)) from None
    except ListenError as exc:
        raise click.ClickException(str(exc)) from None


def _check_sync(settings: Settings) -> None:
    if settings.sync_interval_seconds and not settings.tvdb_v4_api_key:
        raise click.UsageError(
            "TVDBD_SYNC_INTERVAL_SECONDS needs a TheTVDB v4 key (TVDBD_TVDB_V4_API_KEY)."
        )


def _start_sync_loop(settings: Settings) -> None:
    """Follow TheTVDB v4's update feed beside the server (in this process, whatever the
    number of workers; the feed's lease keeps other hosts from following it at once)."""
    if not settings.sync_interval_seconds:
        return
    _check_sync(settings)
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
