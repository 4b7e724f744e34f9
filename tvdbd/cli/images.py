"""`tvdbd images ...` and the image half of `tvdbd import --images`."""

from __future__ import annotations

from pathlib import Path

import click

from tvdbd.cli.group import Context, main, pass_context
from tvdbd.settings import Settings

MAX_LISTED_WARNINGS = 20  # a catalogue without its images would otherwise print a line a file


@main.group()
def images() -> None:
    """Manage the image store served under /banners/ [env TVDBD_IMAGE_DIR]."""


@images.command("generate-demo")
@pass_context
def images_generate_demo(ctx: Context) -> None:
    """Draw the demo catalogue's placeholder images into the image store (missing ones only)."""
    from tvdbd.demo import draw_demo_images

    directory = ctx.settings.resolved_image_dir
    drawn = draw_demo_images(directory)
    click.echo(f"Drew {drawn} demo image(s) into {directory}.", err=True)


def copy_images_of_bundle(settings: Settings, bundle: str, source: Path) -> None:
    """Copy the files a bundle refers to from `source` into the store; missing ones warn."""
    from tvdbd.images.references import copy_bundle_images
    from tvdbd.images.store import ImageStore

    try:
        report = copy_bundle_images(bundle, source, ImageStore(settings.resolved_image_dir))
    except (OSError, EOFError) as exc:
        raise click.ClickException(str(exc)) from None
    warnings = report.warnings
    for warning in warnings[:MAX_LISTED_WARNINGS]:
        click.echo(f"warning: {warning}", err=True)
    if len(warnings) > MAX_LISTED_WARNINGS:
        click.echo(f"warning: ... and {len(warnings) - MAX_LISTED_WARNINGS} more", err=True)
    click.echo(
        f"Images: {report.copied} copied, {report.unchanged} already there, "
        f"{len(report.missing)} missing from {source}.",
        err=True,
    )
