"""Apply typed changes to a series: checked against the record specs, stored whole in one
transaction with a revision per change, the changed fields locked.

The edit API, the CLI and the pages call `apply_changes` (and tvdbd.edits.history's
`revert`); errors are tvdbd.errors API errors (400 naming the field, 404, 409 with the
current value), so every caller reports them the same way.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, select, text, update

from tvdbd.bundles.exporter import series_bundle
from tvdbd.bundles.importer import replace_series
from tvdbd.bundles.parse import SeriesBundle, parse_line
from tvdbd.cache.marks import bump_for
from tvdbd.db.engine import write_transaction
from tvdbd.db.schema import actors, episodes, images, series_sources, series_table
from tvdbd.edits import store as edit_store
from tvdbd.edits.targets import (
    WHOLE,
    Target,
    children,
    dumps,
    exists,
    field_spec,
    find,
    original_language,
    read,
    target,
    write,
)
from tvdbd.errors import BadRequest, BundleError, EditConflict, NotFound
from tvdbd.images.store import MEDIA_TYPES, ImageStore
from tvdbd.languages import known_abbreviations
from tvdbd.records.artwork import KEY_TYPES
from tvdbd.records.fields import check_value

# Ids of episodes, actors and images added here: a block no source uses (TheTVDB's ids were about 11
# million in 2026; TVmaze's records take 2,000,000,000 and up) and within the int of Java
# and C# clients. docs/edits.md.
LOCAL_IDS = range(1_900_000_000, 2_000_000_000)
VIAS = ("api", "cli", "pages")


class _NoBase:
    def __repr__(self) -> str:
        return "NO_BASE"


NO_BASE: Any = _NoBase()


@dataclass(frozen=True)
class Editor:
    """Who makes a change: an account's user name (API, pages) or a local operator (CLI)."""

    name: str
    via: str = "api"


@dataclass(frozen=True)
class SetField:
    """Set one field. `language` for translated fields (default: the original language);
    `base` is the value the editor started from: if the field holds something else now,
    409 with the current value."""

    record: str
    record_id: int
    field: str
    value: Any
    language: str | None = None
    base: Any = NO_BASE


@dataclass(frozen=True)
class AddEpisode:
    """Add an episode: wire keys of an episode record (`airedSeason` and
    `airedEpisodeNumber` required; `translations` as in bundles). The id is the next free
    one of LOCAL_IDS unless given."""

    values: dict[str, Any]
    episode_id: int | None = None


@dataclass(frozen=True)
class AddActor:
    """Add an actor: wire keys of an actor record (`name` required: `role`, `sortOrder`,
    `image`...). The id is the next free one of LOCAL_IDS."""

    values: dict[str, Any]


@dataclass(frozen=True)
class RemoveRecord:
    """Remove an episode, image or actor from its series."""

    record: str
    record_id: int


@dataclass(frozen=True)
class AddImage:
    """Put an image file into the image store and add its record to the series."""

    data: bytes
    key_type: str
    sub_key: str = ""
    language: str | None = None  # default: the series' original language
    resolution: str | None = None  # default: the file's own size


@dataclass(frozen=True)
class Lock:
    """Lock a field at its current value without changing it (WHOLE: the record)."""

    record: str
    record_id: int
    field: str
    language: str | None = None


@dataclass(frozen=True)
class Unlock:
    """Follow upstream again; when a refresh has given an upstream value, it is stored now."""

    record: str
    record_id: int
    field: str
    language: str | None = None


@dataclass(frozen=True)
class _PutRecord:
    """A whole record back in (or, with None, out): what reverts of adds and removes do."""

    record: str
    record_id: int
    value: dict[str, Any] | None
    expect_present: bool | None = None


Change = SetField | AddEpisode | AddActor | RemoveRecord | AddImage | Lock | Unlock | _PutRecord


@dataclass
class _Step:
    target: Target
    action: str
    old: Any
    new: Any
    lock: str  # "put" (local value: `new`), "drop", or "none"
    changes_values: bool = True


@dataclass
class EditResult:
    series_id: int
    revisions: list[edit_store.Revision] = field(default_factory=list)
    last_updated: int | None = None


def apply_changes(
    engine: Engine,
    editor: Editor,
    series_id: int,
    changes: Sequence[Change],
    *,
    comment: str | None = None,
    images_store: ImageStore | None = None,
    reverts: int | None = None,
    now: int | None = None,
) -> EditResult:
    """Apply every change or none: the series is stored whole again (records, pages, search
    index) with `lastUpdated` moved, and each change becomes a revision."""
    if editor.via not in VIAS or not editor.name:
        raise BadRequest("an edit needs an editor name and a way in (api, cli, pages)")
    if not changes:
        raise BadRequest("field changes: at least one change is needed")
    now = int(time.time()) if now is None else now
    files: list[tuple[str, bytes]] = []
    with write_transaction(engine) as conn:
        bundle = _bundle_for_update(conn, series_id)
        steps: list[_Step] = []
        for change in changes:
            steps.extend(_plan(conn, bundle, change, files, now))
        result = EditResult(series_id)
        if not steps:
            return result
        if any(step.changes_values for step in steps):
            result.last_updated = _store(conn, bundle, now)
        if files:
            if images_store is None:
                raise BadRequest("this server has no image store to add files to")
            for path, data in files:
                images_store.add_bytes(path, data)
        for step in steps:
            _lock_step(conn, series_id, step, editor, now)
            revision_id = edit_store.add_revision(
                conn,
                {
                    "series_id": series_id,
                    "record_type": step.target.record,
                    "record_id": step.target.record_id,
                    "field": step.target.field,
                    "language": step.target.language,
                    "action": step.action,
                    "old_value": None if step.action == "lock" else dumps(step.old),
                    "new_value": None if step.action == "lock" else dumps(step.new),
                    "comment": comment,
                    "editor": editor.name,
                    "via": editor.via,
                    "created_at": now,
                    "reverts": reverts,
                },
            )
            stored = edit_store.get_revision(conn, revision_id)
            assert stored is not None
            result.revisions.append(stored)
    episode_ids = [s.target.record_id for s in steps if s.target.record == "episode"]
    bump_for(engine, [series_id], episode_ids=episode_ids, catalogue=True)
    return result


def series_of(engine: Engine, record: str, record_id: int) -> int:
    """The series an episode belongs to (a series is its own); 404 when there is none."""
    with engine.connect() as conn:
        if record == "series":
            found = conn.execute(select(series_table.c.id).where(series_table.c.id == record_id))
        elif record == "episode":
            found = conn.execute(select(episodes.c.series_id).where(episodes.c.id == record_id))
        else:
            raise BadRequest(f"record: a {record} is named by its series and its id")
        value = found.scalar_one_or_none()
    if value is None:
        raise NotFound(f"{record} {record_id} not found")
    return int(value)


# ----------------------------------------------------------------------------- planning


def _bundle_for_update(conn: Connection, series_id: int) -> dict[str, Any]:
    """The series as a bundle, its row locked until the commit (PostgreSQL: two editors of a
    series queue here, so the second sees the first's values and gets its 409)."""
    query = select(series_table.c.id).where(series_table.c.id == series_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    if conn.execute(query).first() is None:
        raise NotFound(f"series {series_id} not found")
    bundle = series_bundle(conn, series_id)
    assert bundle is not None
    return bundle


def _same(a: Any, b: Any) -> bool:
    options = orjson.OPT_SORT_KEYS
    return orjson.dumps(a, option=options) == orjson.dumps(b, option=options)


def _checked(t: Target, value: Any) -> Any:
    spec = field_spec(t.record, t.field)
    try:
        check_value(spec, value)
    except BundleError as exc:
        raise _field_error(t, exc.reason) from None
    if t.record == "image" and t.field == "language" and value not in known_abbreviations():
        raise _field_error(t, f"must be a known language abbreviation, got {value!r}")
    if t.record == "image" and t.field == "keyType" and value not in KEY_TYPES:
        raise _field_error(t, f"must be one of {', '.join(KEY_TYPES)}, got {value!r}")
    return value


def _field_error(t: Target, reason: str) -> BadRequest:
    error = BadRequest(f"{t.label()}: {reason}")
    error.details = {"field": t.field}
    return error


def _must_exist(bundle: dict[str, Any], record: str, record_id: int) -> dict[str, Any]:
    found = find(bundle, record, record_id)
    if found is None:
        raise NotFound(f"{record} {record_id} not found in series {bundle['series']['id']}")
    return found


def _plan(
    conn: Connection,
    bundle: dict[str, Any],
    change: Change,
    files: list[tuple[str, bytes]],
    now: int,
) -> list[_Step]:
    """Apply one change to the bundle; the steps it made (none when it changed nothing)."""
    original = original_language(bundle)
    if isinstance(change, SetField):
        t = target(change.record, change.record_id, change.field, change.language, original)
        _must_exist(bundle, t.record, t.record_id)
        current = read(bundle, t)
        if change.base is not NO_BASE and not _same(current, change.base):
            raise EditConflict(
                f"{t.label()} changed since your base: it is now {dumps(current)}",
                field=change.field,
                current=current,
            )
        value = _checked(t, change.value)
        if _same(current, value):
            return _plan(conn, bundle, Lock(t.record, t.record_id, t.field, t.language), files, now)
        write(bundle, t, value)
        if t.record == "episode":
            _must_exist(bundle, "episode", t.record_id)["lastUpdated"] = now
        return [_Step(t, "set", current, value, "put")]
    if isinstance(change, AddEpisode):
        return [_add_episode(conn, bundle, change, now)]
    if isinstance(change, AddActor):
        return [_add_actor(conn, bundle, change)]
    if isinstance(change, AddImage):
        return [_add_image(conn, bundle, change, files)]
    if isinstance(change, RemoveRecord):
        if change.record not in ("episode", "image", "actor"):
            raise BadRequest("record: only an episode, image or actor can be removed")
        old = _must_exist(bundle, change.record, change.record_id)
        t = Target(change.record, change.record_id, WHOLE)
        write(bundle, t, None)
        return [_Step(t, "remove", old, None, "put")]
    if isinstance(change, _PutRecord):
        t = Target(change.record, change.record_id, WHOLE)
        present = find(bundle, change.record, change.record_id)
        if change.expect_present is not None and (present is not None) != change.expect_present:
            state = "is there" if present is not None else "is gone"
            raise EditConflict(f"{t.label()} {state} now", field=WHOLE, current=present)
        if change.value is not None and not isinstance(change.value, dict):
            raise BadRequest(f"{change.record}: must be an object")
        write(bundle, t, change.value)
        action = "add" if change.value is not None else "remove"
        return [_Step(t, action, present, change.value, "put")]
    if isinstance(change, Lock):
        t = _lock_target(bundle, change.record, change.record_id, change.field, change.language)
        if edit_store.get_lock(conn, int(bundle["series"]["id"]), t) is not None:
            return []
        value = find(bundle, t.record, t.record_id) if t.field == WHOLE else read(bundle, t)
        return [_Step(t, "lock", None, value, "put", changes_values=False)]
    if isinstance(change, Unlock):
        t = _lock_target(bundle, change.record, change.record_id, change.field, change.language)
        lock = edit_store.get_lock(conn, int(bundle["series"]["id"]), t)
        if lock is None:
            raise NotFound(f"{t.label()} is not locked")
        if lock.upstream_seen_at is None:
            return [_Step(t, "unlock", lock.local, lock.local, "drop", changes_values=False)]
        if t.field != WHOLE and not exists(bundle, t):
            return [_Step(t, "unlock", lock.local, None, "drop", changes_values=False)]
        write(bundle, t, lock.upstream)
        return [_Step(t, "unlock", lock.local, lock.upstream, "drop")]
    raise TypeError(f"not a change: {change!r}")


def _lock_target(
    bundle: dict[str, Any], record: str, record_id: int, name: str, language: str | None
) -> Target:
    if name == WHOLE:
        if record not in ("episode", "image", "actor"):
            raise BadRequest("field *: only an episode, image or actor is locked whole")
        return Target(record, record_id, WHOLE)
    t = target(record, record_id, name, language, original_language(bundle))
    _must_exist(bundle, record, record_id)
    return t


def _next_local_id(conn: Connection, table: Any) -> int:
    """The next free id of LOCAL_IDS in a table (PostgreSQL: one allocation at a time)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": 1_900_000_000})
    highest = conn.execute(
        select(func.max(table.c.id)).where(
            table.c.id >= LOCAL_IDS.start, table.c.id < LOCAL_IDS.stop
        )
    ).scalar_one_or_none()
    next_id = LOCAL_IDS.start if highest is None else int(highest) + 1
    if next_id not in LOCAL_IDS:
        raise BadRequest("the block of local ids is used up")
    return next_id


def _add_episode(conn: Connection, bundle: dict[str, Any], change: AddEpisode, now: int) -> _Step:
    if not isinstance(change.values, dict):
        raise BadRequest("episode: must be an object of episode fields")
    for key, value in change.values.items():
        if key not in ("id", "translations"):
            _checked(Target("episode", 0, key), value)
    for required in ("airedSeason", "airedEpisodeNumber"):
        if change.values.get(required) is None:
            raise _field_error(Target("episode", 0, required), "is required")
    episode_id = change.episode_id
    if episode_id is None:
        episode_id = _next_local_id(conn, episodes)
    elif find(bundle, "episode", episode_id) is not None:
        raise EditConflict(f"episode {episode_id} exists", field="id", current=episode_id)
    record = {**change.values, "id": episode_id, "lastUpdated": now}
    t = Target("episode", episode_id, WHOLE)
    write(bundle, t, record)
    return _Step(t, "add", None, record, "put")


def _add_actor(conn: Connection, bundle: dict[str, Any], change: AddActor) -> _Step:
    if not isinstance(change.values, dict):
        raise BadRequest("actor: must be an object of actor fields")
    for key, value in change.values.items():
        if key != "id":
            _checked(Target("actor", 0, key), value)
    name = change.values.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _field_error(Target("actor", 0, "name"), "is required")
    actor_id = _next_local_id(conn, actors)
    record = {**change.values, "id": actor_id}
    t = Target("actor", actor_id, WHOLE)
    write(bundle, t, record)
    return _Step(t, "add", None, record, "put")


def _add_image(
    conn: Connection,
    bundle: dict[str, Any],
    change: AddImage,
    files: list[tuple[str, bytes]],
) -> _Step:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(change.data)) as opened:
            kind = (opened.format or "").lower()
            width, height = opened.size
    except (UnidentifiedImageError, OSError, ValueError):
        raise BadRequest("field file: is not an image file (JPEG, PNG, GIF, WebP)") from None
    extension = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "webp": ".webp"}.get(kind)
    if extension is None or extension not in MEDIA_TYPES:
        raise BadRequest(f"field file: {kind or 'this'} images cannot be served")
    image_id = _next_local_id(conn, images)
    series_id = int(bundle["series"]["id"])
    language = change.language or original_language(bundle)
    path = f"local/{series_id}/{change.key_type}-{image_id}{extension}"
    record: dict[str, Any] = {
        "id": image_id,
        "keyType": change.key_type,
        "subKey": change.sub_key,
        "fileName": path,
        "language": language,
        "resolution": change.resolution if change.resolution is not None else f"{width}x{height}",
        "ratingsInfo": {"average": 0, "count": 0},
    }
    for key in ("keyType", "subKey", "language", "resolution"):
        _checked(Target("image", image_id, key), record[key])
    files.append((path, change.data))
    t = Target("image", image_id, WHOLE)
    children(bundle, "image").append(record)
    return _Step(t, "add", None, record, "put")


# ----------------------------------------------------------------------------- storing


def _store(conn: Connection, bundle: dict[str, Any], now: int) -> int:
    """Store the edited bundle whole (as an import would); the new lastUpdated."""
    series = bundle["series"]
    # Strictly later: a client that read the series this second must not get a 304.
    series["lastUpdated"] = max(now, int(series.get("lastUpdated") or 0) + 1)
    try:
        parsed = parse_line(orjson.dumps(bundle))
    except BundleError as exc:
        raise BadRequest(f"series {series['id']}: {exc}") from None
    assert isinstance(parsed, SeriesBundle)
    replace_series(conn, parsed)
    return int(series["lastUpdated"])


def _lock_step(conn: Connection, series_id: int, step: _Step, editor: Editor, now: int) -> None:
    if step.lock == "put":
        edit_store.put_lock(conn, series_id, step.target, dumps(step.new), by=editor.name, at=now)
        if step.action == "remove":
            edit_store.drop_record_locks(conn, series_id, step.target.record, step.target.record_id)
    elif step.lock == "drop":
        edit_store.drop_lock(conn, series_id, step.target)
        # The next refresh must store what upstream gives, even if it gave it before.
        conn.execute(
            update(series_sources)
            .where(series_sources.c.series_id == series_id)
            .values(content_hash=None)
        )
        conn.execute(
            update(series_table).where(series_table.c.id == series_id).values(bundle_hash="")
        )
