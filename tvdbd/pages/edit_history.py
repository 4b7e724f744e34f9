"""History, reverts, locks and the recent edits of the pages (editors and admins only): thin
callers of tvdbd.edits.history and tvdbd.edits.store, as tvdbd.pages.edits is of changes.

A revert whose field was changed again since is shown as a 409 page with the value the
field holds now and a "revert anyway" button (`force`); locks show the local value and,
once a refresh brought one, what upstream says now.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from tvdbd.db import pages as pages_db
from tvdbd.edits import history as edit_history
from tvdbd.edits import store as edit_store
from tvdbd.edits.changes import series_of
from tvdbd.edits.store import Revision
from tvdbd.edits.targets import RECORDS, WHOLE
from tvdbd.errors import ApiError, BadRequest, IdNotFound
from tvdbd.pages import PREFIX
from tvdbd.pages.edit_fields import Problem, problem_of, short
from tvdbd.pages.edits import editor_of, for_editors, path_id
from tvdbd.pages.forms import read_form
from tvdbd.pages.people import redirect
from tvdbd.pages.render import page, safe_next
from tvdbd.pages.session import Visit

PAGE_SIZE = 50


def _before(visit: Visit) -> int | None:
    raw = visit.request.query_params.get("before")
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadRequest("field before: must be a revision number.")
    return int(raw)


def _entries(visit: Visit, revisions: list[Revision]) -> list[dict[str, Any]]:
    """What the history table shows of each revision, with names and links."""
    episode_ids = sorted({r.target.record_id for r in revisions if r.target.record == "episode"})
    series_ids = sorted({r.series_id for r in revisions})
    with visit.request.app.state.main.readers.connect() as conn:
        names = pages_db.series_names(conn, series_ids, visit.language)
        episodes = pages_db.episode_labels(conn, episode_ids, visit.language)
    found = []
    for r in revisions:
        t = r.target
        if t.record == "series":
            record, href = "Series", f"{PREFIX}/series/{t.record_id}"
        elif t.record == "episode":
            label = episodes.get(t.record_id)
            numbers = f" {label['season']}×{label['number']}" if label else ""
            record = f"Episode{numbers} ({t.record_id})"
            href = f"{PREFIX}/episodes/{t.record_id}" if label else ""
        else:
            section = "actors" if t.record == "actor" else "artwork"
            record = f"{t.record.capitalize()} {t.record_id}"
            href = f"{PREFIX}/series/{r.series_id}/{section}"
        found.append(
            {
                "revision": r,
                "series_name": names.get(r.series_id, str(r.series_id)),
                "record": record,
                "href": href,
                "field": "whole record" if t.field == WHOLE else t.field,
                "old": short(r.old),
                "new": short(r.new),
                "shows_values": r.action in ("set", "unlock") and t.field != WHOLE,
            }
        )
    return found


def _history_page(
    visit: Visit,
    *,
    title: str,
    heading: str,
    revisions: list[Revision],
    here: str,
    context: dict[str, Any],
) -> Response:
    more = len(revisions) > PAGE_SIZE
    shown = revisions[:PAGE_SIZE]
    return page(
        visit,
        "edits/history.html",
        title=title,
        heading=heading,
        entries=_entries(visit, shown),
        older=f"{here}?before={shown[-1].id}" if more else "",
        newer=here if _before(visit) is not None else "",
        back=here,
        **context,
    )


def _series_context(visit: Visit, series_id: int, section: str) -> dict[str, Any]:
    with visit.request.app.state.main.readers.connect() as conn:
        names = pages_db.series_names(conn, [series_id], visit.language)
    if series_id not in names:
        raise IdNotFound(str(series_id))
    return {"series_id": series_id, "series_name": names[series_id], "section": section}


@for_editors
async def series_history(visit: Visit) -> Response:
    series_id = path_id(visit)
    context = _series_context(visit, series_id, "history")
    revisions = await run_in_threadpool(
        edit_history.history,
        visit.request.app.state.main.engine,
        "series",
        series_id,
        before=_before(visit),
        limit=PAGE_SIZE + 1,
    )
    return _history_page(
        visit,
        title=f"History: {context['series_name']}",
        heading=f"History of {context['series_name']}",
        revisions=revisions,
        here=f"{PREFIX}/series/{series_id}/history",
        context=context,
    )


@for_editors
async def episode_history(visit: Visit) -> Response:
    episode_id = path_id(visit)
    engine = visit.request.app.state.main.engine
    series_id = await run_in_threadpool(series_of, engine, "episode", episode_id)
    context = _series_context(visit, series_id, "history")
    revisions = await run_in_threadpool(
        edit_history.history,
        engine,
        "episode",
        episode_id,
        before=_before(visit),
        limit=PAGE_SIZE + 1,
    )
    return _history_page(
        visit,
        title=f"History: episode {episode_id}",
        heading=f"History of episode {episode_id}",
        revisions=revisions,
        here=f"{PREFIX}/episodes/{episode_id}/history",
        context={**context, "episode_id": episode_id},
    )


@for_editors
async def recent_edits(visit: Visit) -> Response:
    revisions = await run_in_threadpool(
        edit_history.recent,
        visit.request.app.state.main.engine,
        before=_before(visit),
        limit=PAGE_SIZE + 1,
    )
    return _history_page(
        visit,
        title="Recent edits",
        heading="Recent edits",
        revisions=revisions,
        here=f"{PREFIX}/edits",
        context={"series_id": None, "section": "recent"},
    )


@for_editors
async def revert(visit: Visit) -> Response:
    form = await read_form(visit)
    revision_id = path_id(visit)
    engine = visit.request.app.state.main.engine
    back = safe_next(form.get("back"))
    force = form.get("force") == "yes"

    def work() -> Any:
        return edit_history.revert(
            engine,
            editor_of(visit),
            revision_id,
            comment=form.get("comment", "").strip() or None,
            force=force,
            images_store=visit.request.app.state.main.images,
        )

    try:
        result = await run_in_threadpool(work)
    except ApiError as exc:
        if exc.status not in (400, 409):
            raise
        revision = await run_in_threadpool(edit_history.get_revision, engine, revision_id)
        problem = problem_of(exc)
        return page(
            visit,
            "edits/revert.html",
            status=exc.status,
            title=f"Revision {revision_id} could not be reverted",
            entry=_entries(visit, [revision])[0],
            problem=problem,
            current=short(problem.current),
            back=back,
            comment=form.get("comment", ""),
            series_id=revision.series_id,
            section="history",
        )
    count = len(result.revisions)
    visit.tell(f"Reverted revision {revision_id}." if count else "Nothing to revert.")
    return redirect(visit, back)


# --- locks --------------------------------------------------------------------------------


def locks_form(
    visit: Visit,
    series_id: int,
    *,
    typed: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> Response:
    context = _series_context(visit, series_id, "locks")
    with visit.request.app.state.main.readers.connect() as conn:
        found = edit_store.locks(conn, [series_id]).get(series_id, [])
    locks = [
        {
            "lock": lock,
            "field": "whole record" if lock.target.field == WHOLE else lock.target.field,
            "local": short(lock.local),
            "upstream": None if lock.upstream_seen_at is None else short(lock.upstream),
        }
        for lock in found
    ]
    return page(
        visit,
        "edits/locks.html",
        status=problem.status if problem else 200,
        title=f"Locks: {context['series_name']}",
        locks=locks,
        records=RECORDS,
        typed=typed or {},
        problem=problem,
        **context,
    )


@for_editors
async def locks_page(visit: Visit) -> Response:
    return locks_form(visit, path_id(visit))
