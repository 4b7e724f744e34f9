"""A record's history (newest first) and reverts: a revert is itself a new revision."""

from __future__ import annotations

from sqlalchemy import Engine

from tvdbd.edits import store as edit_store
from tvdbd.edits.changes import (
    NO_BASE,
    Change,
    Editor,
    EditResult,
    Lock,
    SetField,
    Unlock,
    _PutRecord,
    apply_changes,
)
from tvdbd.edits.store import Revision
from tvdbd.edits.targets import RECORDS, WHOLE
from tvdbd.errors import BadRequest, NotFound
from tvdbd.images.store import ImageStore

PAGE_SIZE = 100


def history(
    engine: Engine,
    record: str,
    record_id: int,
    *,
    series_id: int | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[Revision]:
    """Revisions newest first: of a series and all its records, or of one other record
    (an actor's or image's ids are per series: give `series_id`)."""
    if record not in RECORDS:
        raise BadRequest(f"record must be one of {', '.join(RECORDS)}, got {record!r}")
    if not 1 <= limit <= 1000:
        raise BadRequest("field limit: must be 1 to 1000")
    with engine.connect() as conn:
        if record == "series":
            return edit_store.revisions(conn, series_id=record_id, before=before, limit=limit)
        return edit_store.revisions(
            conn, series_id=series_id, record=(record, record_id), before=before, limit=limit
        )


def recent(engine: Engine, *, before: int | None = None, limit: int = PAGE_SIZE) -> list[Revision]:
    """The latest revisions of every series, newest first (the primary key's order)."""
    if not 1 <= limit <= 1000:
        raise BadRequest("field limit: must be 1 to 1000")
    with engine.connect() as conn:
        return edit_store.revisions(conn, before=before, limit=limit)


def get_revision(engine: Engine, revision_id: int) -> Revision:
    with engine.connect() as conn:
        found = edit_store.get_revision(conn, revision_id)
    if found is None:
        raise NotFound(f"revision {revision_id} not found")
    return found


def revert(
    engine: Engine,
    editor: Editor,
    revision_id: int,
    *,
    comment: str | None = None,
    force: bool = False,
    images_store: ImageStore | None = None,
) -> EditResult:
    """Undo one revision with a new one. If the field was changed again since, 409 with
    its current value (unless ``force``): a revert never silently drops a later edit."""
    revision = get_revision(engine, revision_id)
    change = _inverse(revision, force)
    return apply_changes(
        engine,
        editor,
        revision.series_id,
        [change],
        comment=comment or f"revert of revision {revision.id}",
        reverts=revision.id,
        images_store=images_store,
    )


def _inverse(revision: Revision, force: bool) -> Change:
    t = revision.target
    language = t.language or None
    if revision.action == "lock":
        return Unlock(t.record, t.record_id, t.field, language)
    if t.field == WHOLE:
        if revision.action in ("add", "remove"):
            return _PutRecord(
                t.record,
                t.record_id,
                revision.old,
                expect_present=None if force else revision.new is not None,
            )
        # An unlock of a whole record: lock it again with the record it had.
        return _PutRecord(t.record, t.record_id, revision.old)
    if revision.action == "unlock":
        # Lock it again at the local value it had.
        if revision.new == revision.old:
            return Lock(t.record, t.record_id, t.field, language)
        return SetField(t.record, t.record_id, t.field, revision.old, language)
    return SetField(
        t.record,
        t.record_id,
        t.field,
        revision.old,
        language,
        base=NO_BASE if force else revision.new,
    )
