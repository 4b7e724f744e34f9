"""The edit forms of the pages (editor and admin accounts; others get 403, the signed-out a
sign-in): a series' fields per language, an episode's, adding and removing episodes, actors
and artwork, and locking or unlocking a field without editing it.

Thin callers of tvdbd.edits, in process: `apply_changes` checks and stores every change, so a
bad value is shown on the form naming its field (400), a value changed meanwhile with its
current value (409), and what the person typed is kept. Every form carries the session's
CSRF token (tvdbd.pages.forms) and the value each field was shown with as its `base`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.bundles.exporter import series_bundle
from tvdbd.db import catalogue
from tvdbd.edits import store as edit_store
from tvdbd.edits.changes import (
    AddActor,
    AddEpisode,
    AddImage,
    Change,
    Editor,
    EditResult,
    Lock,
    RemoveRecord,
    Unlock,
    apply_changes,
    series_of,
)
from tvdbd.edits.targets import TRANSLATED, editable_fields, find, original_language
from tvdbd.errors import ApiError, Forbidden, IdNotFound
from tvdbd.languages import known_abbreviations
from tvdbd.pages import PREFIX
from tvdbd.pages.edit_fields import (
    Problem,
    changes_from,
    lock_map,
    problem_of,
    rows,
    values_from,
)
from tvdbd.pages.forms import read_form, read_upload
from tvdbd.pages.people import redirect
from tvdbd.pages.render import page, safe_next
from tvdbd.pages.session import Visit, visit_of
from tvdbd.records.artwork import KEY_TYPES

Handler = Callable[[Visit], Awaitable[Response]]

# The fields people look for first; the rest follow in the record spec's order.
_SERIES_FIRST = ["seriesName", "overview", "aliases", "poster", "banner", "fanart"]
_EPISODE_FIRST = [
    "episodeName", "overview", "airedSeason", "airedEpisodeNumber", "dvdSeason",
    "dvdEpisodeNumber", "absoluteNumber", "airsAfterSeason", "airsBeforeSeason",
    "airsBeforeEpisode", "firstAired", "guestStars", "directors", "writers",
]  # fmt: skip
NEW_EPISODE_FIELDS = [
    "airedSeason", "airedEpisodeNumber", "episodeName", "firstAired", "overview",
    "dvdSeason", "dvdEpisodeNumber", "absoluteNumber",
]  # fmt: skip
ACTOR_FIELDS = ["name", "role", "sortOrder", "image"]
IMAGE_FIELDS = ["keyType", "subKey", "language", "resolution"]


def _ordered(record: str, first: Sequence[str]) -> list[str]:
    rest = [name for name in editable_fields(record) if name not in first]
    return [*first, *rest]


def for_editors(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Only editors and admins: the signed-out are sent to sign in, others get 403."""

    async def endpoint(request: Request) -> Response:
        visit = visit_of(request)
        if not visit.signed_in:
            back = request.url.path if request.method == "GET" else PREFIX + "/"
            return redirect(visit, f"{PREFIX}/signin?next={quote(back)}")
        if not visit.may("editor"):
            raise Forbidden("Editing is for accounts with the editor or admin role.")
        return await handler(visit)

    return endpoint


def editor_of(visit: Visit) -> Editor:
    assert visit.user is not None
    return Editor(str(visit.user["username"]), "pages")


def path_id(visit: Visit, name: str = "id") -> int:
    raw = visit.request.path_params[name]
    value = catalogue.parse_id(raw)
    if value is None:
        raise IdNotFound(raw)
    return value


def _main(visit: Visit) -> Any:
    return visit.request.app.state.main


def apply(visit: Visit, series_id: int, changes: list[Change], comment: str) -> EditResult:
    """The change, made as the signed-in editor (in a worker thread: it writes)."""
    return apply_changes(
        _main(visit).engine,
        editor_of(visit),
        series_id,
        changes,
        comment=comment.strip() or None,
        images_store=_main(visit).images,
    )


async def attempt(
    visit: Visit, series_id: int, changes: list[Change], comment: str
) -> EditResult | ApiError:
    """apply(), with a refused change (400, 404, 409) given back to show on the form."""
    try:
        return await run_in_threadpool(apply, visit, series_id, changes, comment)
    except ApiError as exc:
        if exc.status in (400, 404, 409):
            return exc
        raise


def _stored(visit: Visit, series_id: int) -> tuple[dict[str, Any], dict[Any, edit_store.Lock]]:
    """The series as tvdbd.edits sees it (the values every base is compared with), and its
    locks."""
    with _main(visit).readers.connect() as conn:
        bundle = series_bundle(conn, series_id)
        if bundle is None:
            raise IdNotFound(str(series_id))
        locks = edit_store.locks(conn, [series_id]).get(series_id, [])
    return bundle, lock_map(locks)


def _language(bundle: dict[str, Any], raw: str | None) -> str:
    if raw and raw in known_abbreviations():
        return raw
    return original_language(bundle)


def _context(bundle: dict[str, Any], section: str) -> dict[str, Any]:
    series = bundle["series"]
    return {
        "series_id": int(series["id"]),
        "series_name": series.get("seriesName") or str(series["id"]),
        "section": section,
        "original_language": original_language(bundle),
    }


def _saved(visit: Visit, result: EditResult, what: str, target: str) -> Response:
    count = len(result.revisions)
    if count:
        visit.tell(f"Saved {what}: {count} {'change' if count == 1 else 'changes'}.")
    else:
        visit.tell("Nothing changed.")
    return redirect(visit, target)


# --- a series' fields ---------------------------------------------------------------------


def series_form(
    visit: Visit,
    series_id: int,
    language: str | None,
    *,
    typed: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> Response:
    bundle, locks = _stored(visit, series_id)
    language = _language(bundle, language)
    names = _ordered("series", _SERIES_FIRST)
    per_language = [n for n in names if n in TRANSLATED["series"]]
    shared = [n for n in names if n not in TRANSLATED["series"]]
    context = _context(bundle, "fields")
    return page(
        visit,
        "edits/series.html",
        status=problem.status if problem else 200,
        title=f"Edit: {context['series_name']}",
        edit_language=language,
        language_choices=_language_choices(language),
        translated_rows=rows("series", series_id, bundle, per_language, language, locks,
                             typed=typed, problem=problem),
        shared_rows=rows("series", series_id, bundle, shared, language, locks,
                         typed=typed, problem=problem),
        problem=problem,
        comment=(typed or {}).get("comment", ""),
        **context,
    )  # fmt: skip


def _language_choices(selected: str) -> list[tuple[str, str, bool]]:
    from tvdbd.languages import language_list

    return [
        (code, f"{e['englishName']} ({code})", code == selected)
        for e in language_list()
        for code in [e["abbreviation"]]
    ]


@for_editors
async def edit_series_form(visit: Visit) -> Response:
    return series_form(visit, path_id(visit), visit.request.query_params.get("language"))


@for_editors
async def edit_series(visit: Visit) -> Response:
    form = await read_form(visit)
    series_id = path_id(visit)
    language = form.get("language", "")
    changes: list[Change] = list(changes_from(form, "series", series_id, language))
    back = f"{PREFIX}/series/{series_id}/edit?language={quote(language)}"
    if not changes:
        visit.tell("Nothing changed.")
        return redirect(visit, back)
    done = await attempt(visit, series_id, changes, form.get("comment", ""))
    if isinstance(done, ApiError):
        return series_form(visit, series_id, language, typed=form, problem=problem_of(done))
    return _saved(visit, done, "the series", back)


# --- an episode ---------------------------------------------------------------------------


def episode_form(
    visit: Visit,
    episode_id: int,
    language: str | None,
    *,
    typed: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> Response:
    series_id = series_of(_main(visit).engine, "episode", episode_id)
    bundle, locks = _stored(visit, series_id)
    episode = find(bundle, "episode", episode_id)
    if episode is None:
        raise IdNotFound(str(episode_id))
    language = _language(bundle, language)
    names = _ordered("episode", _EPISODE_FIRST)
    context = _context(bundle, "episode")
    return page(
        visit,
        "edits/episode.html",
        status=problem.status if problem else 200,
        title=f"Edit episode {episode.get('airedSeason')}×{episode.get('airedEpisodeNumber')}",
        episode=episode,
        edit_language=language,
        language_choices=_language_choices(language),
        edit_rows=rows("episode", episode_id, bundle, names, language, locks,
                        typed=typed, problem=problem),
        problem=problem,
        comment=(typed or {}).get("comment", ""),
        **context,
    )  # fmt: skip


@for_editors
async def edit_episode_form(visit: Visit) -> Response:
    return episode_form(visit, path_id(visit), visit.request.query_params.get("language"))


@for_editors
async def edit_episode(visit: Visit) -> Response:
    form = await read_form(visit)
    episode_id = path_id(visit)
    language = form.get("language", "")
    series_id = await run_in_threadpool(series_of, _main(visit).engine, "episode", episode_id)
    changes: list[Change] = list(changes_from(form, "episode", episode_id, language))
    back = f"{PREFIX}/episodes/{episode_id}/edit?language={quote(language)}"
    if not changes:
        visit.tell("Nothing changed.")
        return redirect(visit, back)
    done = await attempt(visit, series_id, changes, form.get("comment", ""))
    if isinstance(done, ApiError):
        return episode_form(visit, episode_id, language, typed=form, problem=problem_of(done))
    return _saved(visit, done, "the episode", back)


@for_editors
async def remove_episode(visit: Visit) -> Response:
    form = await read_form(visit)
    episode_id = path_id(visit)
    series_id = await run_in_threadpool(series_of, _main(visit).engine, "episode", episode_id)
    if form.get("confirm") != "yes":
        problem = Problem(400, "Tick the box to confirm removing the episode.", field="confirm")
        return episode_form(visit, episode_id, None, problem=problem)
    change: list[Change] = [RemoveRecord("episode", episode_id)]
    done = await attempt(visit, series_id, change, form.get("comment", ""))
    if isinstance(done, ApiError):
        return episode_form(visit, episode_id, None, problem=problem_of(done))
    visit.tell(f"Removed episode {episode_id} (revert it from the history to bring it back).")
    return redirect(visit, f"{PREFIX}/series/{series_id}/history")


def new_episode_form(
    visit: Visit,
    series_id: int,
    *,
    typed: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> Response:
    bundle, _ = _stored(visit, series_id)
    blank = {"series": {**bundle["series"]}, "episodes": [{"id": 0}]}
    context = _context(bundle, "add-episode")
    return page(
        visit,
        "edits/add_episode.html",
        status=problem.status if problem else 200,
        title=f"Add an episode: {context['series_name']}",
        edit_rows=rows("episode", 0, blank, NEW_EPISODE_FIELDS, context["original_language"],
                        {}, typed=typed, problem=problem),
        problem=problem,
        comment=(typed or {}).get("comment", ""),
        **context,
    )  # fmt: skip


@for_editors
async def add_episode_form(visit: Visit) -> Response:
    return new_episode_form(visit, path_id(visit))


@for_editors
async def add_episode(visit: Visit) -> Response:
    form = await read_form(visit)
    series_id = path_id(visit)
    values = values_from(form, "episode", NEW_EPISODE_FIELDS)
    done = await attempt(visit, series_id, [AddEpisode(values)], form.get("comment", ""))
    if isinstance(done, ApiError):
        return new_episode_form(visit, series_id, typed=form, problem=problem_of(done))
    new_id = done.revisions[0].target.record_id
    visit.tell(f"Added episode {new_id}.")
    return redirect(visit, f"{PREFIX}/episodes/{new_id}/edit")


def _child_forms(
    bundle: dict[str, Any],
    locks: Any,
    record: str,
    key: str,
    fields: Sequence[str],
    typed: dict[str, str] | None,
    problem: Problem | None,
) -> list[tuple[dict[str, Any], Any]]:
    """(record, its form rows) for each actor or image of a series; what was typed and the
    problem go to the one record the failed POST was about."""
    mine = problem.record_id if problem else None
    return [
        (child, rows(record, int(child["id"]), bundle, fields, "", locks,
                     typed=typed if mine == child["id"] else None,
                     problem=problem if mine == child["id"] else None))
        for child in bundle.get(key) or []
    ]  # fmt: skip


# --- actors -------------------------------------------------------------------------------


def actors_form(
    visit: Visit,
    series_id: int,
    *,
    typed: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> Response:
    bundle, locks = _stored(visit, series_id)
    mine = problem.record_id if problem else None
    forms = _child_forms(bundle, locks, "actor", "actors", ACTOR_FIELDS, typed, problem)
    blank = {"series": bundle["series"], "actors": [{"id": 0}]}
    context = _context(bundle, "actors")
    return page(
        visit,
        "edits/actors.html",
        status=problem.status if problem else 200,
        title=f"Actors: {context['series_name']}",
        forms=forms,
        new_rows=rows("actor", 0, blank, ACTOR_FIELDS[:3], "", {},
                      typed=typed if mine == 0 else None, problem=problem if mine == 0 else None),
        problem=problem,
        **context,
    )  # fmt: skip


@for_editors
async def actors_page(visit: Visit) -> Response:
    return actors_form(visit, path_id(visit))


@for_editors
async def add_actor(visit: Visit) -> Response:
    form = await read_form(visit)
    series_id = path_id(visit)
    values = values_from(form, "actor", ACTOR_FIELDS[:3])
    done = await attempt(visit, series_id, [AddActor(values)], form.get("comment", ""))
    if isinstance(done, ApiError):
        return actors_form(visit, series_id, typed=form, problem=problem_of(done, 0))
    visit.tell(f"Added the actor {values.get('name')}.")
    return redirect(visit, f"{PREFIX}/series/{series_id}/actors")


async def _edit_child(
    visit: Visit,
    record: str,
    id_param: str,
    again: Callable[..., Response],
    label: str,
    section: str,
) -> Response:
    """Save the changed fields of one actor or image of a series (its form on ``section``)."""
    form = await read_form(visit)
    series_id, record_id = path_id(visit), path_id(visit, id_param)
    changes: list[Change] = list(changes_from(form, record, record_id, ""))
    back = f"{PREFIX}/series/{series_id}/{section}"
    if not changes:
        visit.tell("Nothing changed.")
        return redirect(visit, back)
    done = await attempt(visit, series_id, changes, form.get("comment", ""))
    if isinstance(done, ApiError):
        return again(visit, series_id, typed=form, problem=problem_of(done, record_id))
    return _saved(visit, done, label, back)


async def _remove_child(
    visit: Visit,
    record: str,
    id_param: str,
    again: Callable[..., Response],
    told: str,
    section: str,
) -> Response:
    """Remove one actor or image of a series (a revision: revert brings it back)."""
    form = await read_form(visit)
    series_id, record_id = path_id(visit), path_id(visit, id_param)
    change: list[Change] = [RemoveRecord(record, record_id)]
    done = await attempt(visit, series_id, change, form.get("comment", ""))
    if isinstance(done, ApiError):
        return again(visit, series_id, problem=problem_of(done, record_id))
    visit.tell(told)
    return redirect(visit, f"{PREFIX}/series/{series_id}/{section}")


@for_editors
async def edit_actor(visit: Visit) -> Response:
    return await _edit_child(visit, "actor", "actorId", actors_form, "the actor", "actors")


@for_editors
async def remove_actor(visit: Visit) -> Response:
    told = "Removed the actor (revert it from the history to bring them back)."
    return await _remove_child(visit, "actor", "actorId", actors_form, told, "actors")


# --- artwork ------------------------------------------------------------------------------


def artwork_form(
    visit: Visit,
    series_id: int,
    *,
    typed: dict[str, str] | None = None,
    problem: Problem | None = None,
) -> Response:
    bundle, locks = _stored(visit, series_id)
    mine = problem.record_id if problem else None
    forms = _child_forms(bundle, locks, "image", "images", IMAGE_FIELDS, typed, problem)
    context = _context(bundle, "artwork")
    upload = typed if mine == 0 else {}
    return page(
        visit,
        "edits/artwork.html",
        status=problem.status if problem else 200,
        title=f"Artwork: {context['series_name']}",
        forms=forms,
        key_types=KEY_TYPES,
        upload=upload or {},
        upload_languages=_language_choices((upload or {}).get("language") or
                                           context["original_language"]),
        upload_limit_mb=_main(visit).settings.page_upload_max_bytes // (1024 * 1024),
        problem=problem,
        **context,
    )  # fmt: skip


@for_editors
async def artwork_page(visit: Visit) -> Response:
    return artwork_form(visit, path_id(visit))


@for_editors
async def add_image(visit: Visit) -> Response:
    form, files = await read_upload(visit)
    series_id = path_id(visit)
    data = files.get("file", b"")
    if not data:
        problem = Problem(400, "field file: choose an image file to upload.", "file", None, 0)
        return artwork_form(visit, series_id, typed=form, problem=problem)
    change = AddImage(
        data, form.get("keyType", ""), form.get("subKey", ""), form.get("language") or None
    )
    done = await attempt(visit, series_id, [change], form.get("comment", ""))
    if isinstance(done, ApiError):
        return artwork_form(visit, series_id, typed=form, problem=problem_of(done, 0))
    visit.tell(f"Added image {done.revisions[0].target.record_id}.")
    return redirect(visit, f"{PREFIX}/series/{series_id}/artwork")


@for_editors
async def edit_image(visit: Visit) -> Response:
    return await _edit_child(visit, "image", "imageId", artwork_form, "the image", "artwork")


@for_editors
async def remove_image(visit: Visit) -> Response:
    told = "Removed the image (its file stays; revert it from the history)."
    return await _remove_child(visit, "image", "imageId", artwork_form, told, "artwork")


# --- locking without editing --------------------------------------------------------------


@for_editors
async def change_lock(visit: Visit) -> Response:
    """Lock or unlock one field: from a button on an edit form (`lock` or `unlock` =
    `field@language`) or from the locks page (`action`, `field`, `language`)."""
    from tvdbd.pages.edit_history import locks_form

    form = await read_form(visit)
    series_id = path_id(visit)
    record = form.get("record", "series")
    raw_id = form.get("record_id", "") or str(series_id)
    if "lock" in form or "unlock" in form:
        action = "lock" if "lock" in form else "unlock"
        name, _, language = form[action].partition("@")
    else:
        action, name, language = (
            form.get("action", ""),
            form.get("field", ""),
            form.get("language", ""),
        )
    if action not in ("lock", "unlock") or not raw_id.strip().isdigit():
        problem = Problem(400, "field id: give the record's id (a whole number).", "id")
        return locks_form(visit, series_id, typed=form, problem=problem)
    kind = Lock if action == "lock" else Unlock
    change: list[Change] = [kind(record, int(raw_id), name.strip(), language.strip() or None)]
    done = await attempt(visit, series_id, change, form.get("comment", ""))
    if isinstance(done, ApiError):
        return locks_form(visit, series_id, typed=form, problem=problem_of(done))
    what = f"{name}" + (f" ({language})" if language else "")
    if action == "lock":
        visit.tell(f"Locked {what}." if done.revisions else f"{what} was locked already.")
    else:
        visit.tell(f"Unlocked {what}: it follows upstream again.")
    return redirect(visit, safe_next(form.get("back")) if form.get("back") else
                    f"{PREFIX}/series/{series_id}/locks")  # fmt: skip
