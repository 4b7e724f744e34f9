"""`tvdbd edit ...`, `history`, `revert`, `lock`, `unlock`, `locks`: local edits from the
command line, through tvdbd.edits like the edit API.

Edits from here are made as a local operator: `--as NAME`, by default the user running the
command (docs/edits.md); the revisions say `via: cli`.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import orjson

from tvdbd.cli.group import Context, main, pass_context
from tvdbd.errors import ApiError

_AS = click.option(
    "--as",
    "as_name",
    help="The operator named in the history (default: the user running this command).",
)
_COMMENT = click.option("--comment", help="Why: kept with the revision.")
_SET_HELP = (
    "FIELD=VALUE (typed by the field: text, number, comma-separated list) or FIELD:=JSON "
    "(null, [..], exact numbers). Repeatable."
)


def _editor(as_name: str | None) -> Any:
    from tvdbd.edits.changes import Editor

    try:
        name = as_name or getpass.getuser()
    except (KeyError, OSError):
        name = "operator"
    return Editor(name, "cli")


def _value(record: str, name: str, raw: str, as_json: bool) -> Any:
    """A --set value as its field's type."""
    from tvdbd.edits.targets import field_spec
    from tvdbd.records.fields import Kind

    try:
        spec = field_spec(record, name)
    except ApiError as exc:
        raise click.BadParameter(exc.message, param_hint="--set") from None
    try:
        if as_json:
            return orjson.loads(raw)
        if spec.kind is Kind.STR:
            return raw
        if spec.kind is Kind.INT:
            return int(raw)
        if spec.kind is Kind.LIST:
            if raw.lstrip().startswith("["):
                return orjson.loads(raw)
            return [part.strip() for part in raw.split(",") if part.strip()]
        return orjson.loads(raw)
    except ValueError:
        raise click.BadParameter(
            f"{name}: {raw!r} is not of the field's type, {spec.kind.value} "
            f"(use {name}:=JSON for exact JSON)",
            param_hint="--set",
        ) from None


def _pairs(record: str, sets: tuple[str, ...]) -> list[tuple[str, Any]]:
    pairs = []
    for item in sets:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE", param_hint="--set")
        as_json = name.endswith(":")
        name = name.removesuffix(":")
        pairs.append((name, _value(record, name, raw, as_json)))
    return pairs


def _run(work: Callable[[], Any]) -> Any:
    try:
        return work()
    except ApiError as exc:
        message = exc.message
        if "current" in exc.details:
            message += f" (current value: {orjson.dumps(exc.details['current']).decode()})"
        raise click.ClickException(message) from None


def _report(result: Any) -> None:
    for revision in result.revisions:
        t = revision.target
        click.echo(f"revision {revision.id}: {revision.action} {t.label()}")
    if not result.revisions:
        click.echo("Nothing changed.")


def _apply(ctx: Context, series_id: int | None, changes: Any, as_name: Any, comment: Any) -> None:
    from tvdbd.edits.changes import apply_changes, series_of
    from tvdbd.images.store import ImageStore

    engine = ctx.engine()

    def work() -> Any:
        target_series = series_id
        if target_series is None:
            target_series = series_of(engine, "episode", changes[0].record_id)
        return apply_changes(
            engine,
            _editor(as_name),
            target_series,
            changes,
            comment=comment,
            images_store=ImageStore(ctx.settings.resolved_image_dir),
        )

    _report(_run(work))


@main.group()
def edit() -> None:
    """Change records locally (kept against every refresh; see `tvdbd history`)."""


def _field_command(record: str, help_text: str, *, with_series: bool) -> Callable[..., Any]:
    @click.option("--set", "sets", multiple=True, required=True, help=_SET_HELP)
    @click.option("--language", help="For translated fields (default: the original language).")
    @_COMMENT
    @_AS
    @pass_context
    def command(
        ctx: Context,
        sets: tuple[str, ...],
        language: str | None,
        comment: str | None,
        as_name: str | None,
        **ids: int,
    ) -> None:
        from tvdbd.edits.changes import SetField
        from tvdbd.edits.targets import TRANSLATED

        record_id = ids["record_id"]
        series_id = ids.get("series_id", record_id if record == "series" else None)
        changes = [
            SetField(
                record,
                record_id,
                name,
                value,
                language if name in TRANSLATED.get(record, ()) else None,
            )
            for name, value in _pairs(record, sets)
        ]
        _apply(ctx, series_id, changes, as_name, comment)

    command.__doc__ = help_text
    command = click.argument("record_id", type=int)(command)
    if with_series:
        command = click.argument("series_id", type=int)(command)
    return command


edit.command("series")(
    _field_command(
        "series",
        "Set fields of series ID (seriesName, overview, aliases per --language; genre...).",
        with_series=False,
    )
)
edit.command("episode")(
    _field_command(
        "episode",
        "Set fields of episode ID (episodeName, overview per --language; numbers, dates...).",
        with_series=False,
    )
)
edit.command("actor")(
    _field_command("actor", "Set fields of actor RECORD_ID of SERIES_ID.", with_series=True)
)
edit.command("image")(
    _field_command(
        "image",
        "Set fields of image RECORD_ID of SERIES_ID (language, subKey...).",
        with_series=True,
    )
)


@edit.command("add-episode")
@click.argument("series_id", type=int)
@click.option("--set", "sets", multiple=True, required=True, help=_SET_HELP)
@_COMMENT
@_AS
@pass_context
def add_episode(
    ctx: Context, series_id: int, sets: tuple[str, ...], comment: str | None, as_name: str | None
) -> None:
    """Add an episode to SERIES_ID (airedSeason and airedEpisodeNumber needed); prints its id."""
    from tvdbd.edits.changes import AddEpisode

    values = dict(_pairs("episode", sets))
    _apply(ctx, series_id, [AddEpisode(values)], as_name, comment)


@edit.command("remove-episode")
@click.argument("episode_id", type=int)
@_COMMENT
@_AS
@pass_context
def remove_episode(ctx: Context, episode_id: int, comment: str | None, as_name: str | None) -> None:
    """Remove episode EPISODE_ID (it stays removed against every refresh)."""
    from tvdbd.edits.changes import RemoveRecord

    _apply(ctx, None, [RemoveRecord("episode", episode_id)], as_name, comment)


@edit.command("add-actor")
@click.argument("series_id", type=int)
@click.option("--set", "sets", multiple=True, required=True, help=_SET_HELP)
@_COMMENT
@_AS
@pass_context
def add_actor(
    ctx: Context, series_id: int, sets: tuple[str, ...], comment: str | None, as_name: str | None
) -> None:
    """Add an actor to SERIES_ID (name needed; role, sortOrder, image...); prints its id."""
    from tvdbd.edits.changes import AddActor

    values = dict(_pairs("actor", sets))
    _apply(ctx, series_id, [AddActor(values)], as_name, comment)


@edit.command("remove-actor")
@click.argument("series_id", type=int)
@click.argument("actor_id", type=int)
@_COMMENT
@_AS
@pass_context
def remove_actor(
    ctx: Context, series_id: int, actor_id: int, comment: str | None, as_name: str | None
) -> None:
    """Remove actor ACTOR_ID from SERIES_ID (it stays removed against every refresh)."""
    from tvdbd.edits.changes import RemoveRecord

    _apply(ctx, series_id, [RemoveRecord("actor", actor_id)], as_name, comment)


@edit.command("add-image")
@click.argument("series_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "key_type", required=True, help="poster, fanart, series, season...")
@click.option("--sub-key", default="", help="The season of season artwork, or e.g. graphical.")
@click.option("--language", help="Its language (default: the series' original language).")
@click.option("--resolution", help="Default: the file's own size, e.g. 680x1000.")
@_COMMENT
@_AS
@pass_context
def add_image(
    ctx: Context,
    series_id: int,
    file: Path,
    key_type: str,
    sub_key: str,
    language: str | None,
    resolution: str | None,
    comment: str | None,
    as_name: str | None,
) -> None:
    """Put FILE into the image store as artwork of SERIES_ID."""
    from tvdbd.edits.changes import AddImage

    change = AddImage(file.read_bytes(), key_type, sub_key, language, resolution)
    _apply(ctx, series_id, [change], as_name, comment)


@edit.command("remove-image")
@click.argument("series_id", type=int)
@click.argument("image_id", type=int)
@_COMMENT
@_AS
@pass_context
def remove_image(
    ctx: Context, series_id: int, image_id: int, comment: str | None, as_name: str | None
) -> None:
    """Remove image IMAGE_ID from SERIES_ID (the file stays in the store, for a revert)."""
    from tvdbd.edits.changes import RemoveRecord

    _apply(ctx, series_id, [RemoveRecord("image", image_id)], as_name, comment)


@main.command()
@click.argument("record", type=click.Choice(["series", "episode"]))
@click.argument("record_id", type=int)
@click.option("--limit", default=100, show_default=True, help="At most this many revisions.")
@pass_context
def history(ctx: Context, record: str, record_id: int, limit: int) -> None:
    """List the revisions of a series (with its records') or an episode, newest first."""
    from tvdbd.edits.history import history as read_history

    found = _run(lambda: read_history(ctx.engine(), record, record_id, limit=limit))
    for revision in found:
        when = datetime.fromtimestamp(revision.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        values = ""
        if revision.action == "set" or revision.target.field != "*":
            values = f"\t{_short(revision.old)} -> {_short(revision.new)}"
        reverts = f" (reverts {revision.reverts})" if revision.reverts else ""
        comment = f"\t# {revision.comment}" if revision.comment else ""
        click.echo(
            f"{revision.id}\t{when}\t{revision.editor} ({revision.via})\t{revision.action}"
            f"{reverts}\t{revision.target.label()}{values}{comment}"
        )
    if not found:
        click.echo("No revisions.", err=True)


def _short(value: Any, width: int = 60) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command()
@click.argument("revision_id", type=int)
@click.option("--force", is_flag=True, help="Revert even if the field changed again since.")
@_COMMENT
@_AS
@pass_context
def revert(
    ctx: Context, revision_id: int, force: bool, comment: str | None, as_name: str | None
) -> None:
    """Undo revision REVISION_ID (the undoing is a new revision)."""
    from tvdbd.edits.history import revert as revert_revision
    from tvdbd.images.store import ImageStore

    engine = ctx.engine()
    result = _run(
        lambda: revert_revision(
            engine,
            _editor(as_name),
            revision_id,
            comment=comment,
            force=force,
            images_store=ImageStore(ctx.settings.resolved_image_dir),
        )
    )
    _report(result)


def _lock_command(unlock: bool) -> Callable[..., Any]:
    @click.argument("record", type=click.Choice(["series", "episode", "actor", "image"]))
    @click.argument("record_id", type=int)
    @click.argument("field")
    @click.option("--series", "series_id", type=int, help="The series of an actor or image.")
    @click.option("--language", help="For translated fields (default: the original language).")
    @_COMMENT
    @_AS
    @pass_context
    def command(
        ctx: Context,
        record: str,
        record_id: int,
        field: str,
        series_id: int | None,
        language: str | None,
        comment: str | None,
        as_name: str | None,
    ) -> None:
        from tvdbd.edits.changes import Lock, Unlock

        if record in ("actor", "image") and series_id is None:
            raise click.UsageError(f"an {record} is named with --series SERIES_ID")
        if record == "series":
            series_id = record_id
        kind = Unlock if unlock else Lock
        _apply(ctx, series_id, [kind(record, record_id, field, language)], as_name, comment)

    command.__doc__ = (
        "Unlock FIELD (or * for a whole record): it follows upstream again."
        if unlock
        else "Lock FIELD (or * for a whole record) at its current value."
    )
    return command


main.command("lock")(_lock_command(unlock=False))
main.command("unlock")(_lock_command(unlock=True))


@main.command()
@click.argument("series_id", type=int)
@pass_context
def locks(ctx: Context, series_id: int) -> None:
    """List the locked fields of SERIES_ID with their local and upstream values."""
    from tvdbd.edits import store as edit_store

    with ctx.engine().connect() as conn:
        found = edit_store.locks(conn, [series_id]).get(series_id, [])
    for lock in found:
        upstream = (
            f"\tupstream now says {_short(lock.upstream)}"
            if lock.upstream_seen_at is not None
            else ""
        )
        click.echo(f"{lock.target.label()}\tlocal {_short(lock.local)}{upstream}")
    if not found:
        click.echo("No locks.", err=True)
