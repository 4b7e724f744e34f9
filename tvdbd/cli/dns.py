"""`tvdbd dns`: what to add to a hosts file or a DNS server so the TheTVDB names reach tvdbd."""

from __future__ import annotations

import click

from tvdbd.cli.group import main


@main.command()
@click.option(
    "--address",
    "addresses",
    multiple=True,
    required=True,
    metavar="IP",
    help="The tvdbd server's address as the clients reach it (repeatable: an IPv4 and an "
    "IPv6 one).",
)
def dns(addresses: tuple[str, ...]) -> None:
    """Print a hosts-file block, dnsmasq / Pi-hole lines and an unbound snippet for the names."""
    from tvdbd.tls.dns import snippets

    try:
        click.echo(snippets(addresses))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--address") from None
