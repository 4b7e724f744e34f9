"""`tvdbd tls ...`: the local certificate authority and the server certificate of the
drop-in mode (docs/drop-in.md)."""

from __future__ import annotations

import click

from tvdbd.cli.group import Context, main, pass_context
from tvdbd.errors import TlsError


@main.group()
def tls() -> None:
    """The local CA and HTTPS certificate for api.thetvdb.com and the other TheTVDB names."""


@tls.command("init")
@click.option(
    "--name",
    "names",
    multiple=True,
    metavar="NAME",
    help="Another host name or IP address for the certificate (repeatable); the CA is "
    "made for these too.",
)
@click.option(
    "--new-ca", is_flag=True, help="Replace the CA (every machine must then trust the new one)."
)
@pass_context
def tls_init(ctx: Context, names: tuple[str, ...], new_ca: bool) -> None:
    """Make the CA (kept when there is one) and a fresh server certificate, in the data dir."""
    from tvdbd.tls.authority import TlsFiles, init
    from tvdbd.tls.trust import instructions

    files = TlsFiles.in_data_dir(ctx.settings.data_dir)
    try:
        report = init(files, names, new_ca=new_ca)
    except TlsError as exc:
        raise click.ClickException(str(exc)) from None
    made = "Made a new" if report.created_ca else "Kept the"
    click.echo(f"{made} certificate authority: {files.ca_cert.resolve()}")
    click.echo(f"  (its private key {files.ca_key.resolve()} is readable by its owner only)")
    click.echo(
        f"Server certificate {files.server_cert.resolve()} until "
        f"{report.not_after:%Y-%m-%d}, for: {', '.join(map(str, report.names))}"
    )
    click.echo("Serve it with `tvdbd serve --drop-in` (HTTPS on 443, HTTP on 80).\n")
    click.echo(instructions(files.ca_cert))


@tls.command("show")
@pass_context
def tls_show(ctx: Context) -> None:
    """Print the CA file, the names it and the server certificate cover, and their expiry."""
    from tvdbd.tls.authority import TlsFiles, summary

    try:
        info = summary(TlsFiles.in_data_dir(ctx.settings.data_dir))
    except TlsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"CA file:        {info.files.ca_cert.resolve()}")
    click.echo(f"CA subject:     {info.ca_subject}")
    click.echo(f"CA SHA-256:     {info.ca_fingerprint}")
    click.echo(f"CA may vouch for: {', '.join(map(str, info.ca_permitted))} (name constraints)")
    click.echo(f"CA expires:     {info.ca_not_after:%Y-%m-%d %H:%M} UTC")
    if info.not_after is None:
        click.echo("Server certificate: none (run `tvdbd tls init`)")
        return
    click.echo(f"Server certificate: {info.files.server_cert.resolve()}")
    click.echo(f"  names:        {', '.join(map(str, info.names))}")
    click.echo(f"  expires:      {info.not_after:%Y-%m-%d %H:%M} UTC")
