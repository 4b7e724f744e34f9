"""The JSON edit API under /edits/: thin handlers around tvdbd.edits (docs/edits.md).

A v2 bearer token from `POST /login` with the username and userkey of an editor or admin
account; no token is 401, another account 403. Bodies are JSON (an added image: the file
itself); answers `{"data": ...}`, errors `{"Error": ...}` through the one handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tvdbd.api.envelope import envelope, json_response
from tvdbd.db import users
from tvdbd.db.catalogue import parse_id
from tvdbd.edits import history as edit_history
from tvdbd.edits import store as edit_store
from tvdbd.edits.changes import (
    NO_BASE,
    AddActor,
    AddEpisode,
    AddImage,
    Change,
    Editor,
    EditResult,
    Lock,
    RemoveRecord,
    SetField,
    Unlock,
    apply_changes,
    series_of,
)
from tvdbd.edits.targets import RECORDS
from tvdbd.errors import BadRequest, Forbidden, NotAuthorized, NotFound
from tvdbd.roles import has_role

_NO_STORE = {"cache-control": "private, no-store"}


def editor_of(request: Request) -> Editor:
    """The editor a request's token names: 401 without a valid token, 403 unless the
    account (still the one the token was made for) is an editor or admin."""
    claims = request.app.state.tokens.verify(request.headers.get("authorization"))
    user_id = claims.get("userid")
    if not isinstance(user_id, int):
        raise Forbidden("Editing needs a login with the username and userkey of an editor")
    with request.app.state.engine.connect() as conn:
        user = users.get_user(conn, user_id)
    if (
        user is None
        or user["key_generation"] != claims.get("keygen")
        or user["username"] != claims.get("username")
    ):
        raise NotAuthorized()
    if not has_role(user["role"], "editor"):
        raise Forbidden("Editing needs an account with the editor or admin role")
    return Editor(str(user["username"]), "api")


def _id(request: Request, name: str = "id") -> int:
    raw = request.path_params[name]
    value = parse_id(raw)
    if value is None:
        raise NotFound(f"ID: {raw} not found")
    return value


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("Invalid JSON in request body") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    return body


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"field {key}: must be a string")
    return value


def _respond(request: Request, data: Any, status: int = 200) -> Response:
    return json_response(envelope(data), request=request, status=status, headers=_NO_STORE)


def _result(request: Request, result: EditResult, status: int = 200) -> Response:
    return _respond(
        request,
        {
            "series": result.series_id,
            "lastUpdated": result.last_updated,
            "revisions": [r.as_json() for r in result.revisions],
        },
        status,
    )


def _set_fields(body: dict[str, Any], record: str | None, record_id: int) -> list[Change]:
    """`{"changes": [{"field", "value", "language"?, "base"?, "record"?, "id"?}]}`."""
    items = body.get("changes")
    if not isinstance(items, list) or not items:
        raise BadRequest("field changes: must be a non-empty list of changes")
    changes: list[Change] = []
    for index, item in enumerate(items):
        where = f"changes[{index}]"
        if not isinstance(item, dict):
            raise BadRequest(f"field {where}: must be an object")
        for key in item:
            if key not in ("record", "id", "field", "value", "language", "base"):
                raise BadRequest(f"field {where}.{key}: unknown key")
        kind = item.get("record", record or "series")
        if record is not None and kind != record:
            raise BadRequest(f"field {where}.record: this route edits a {record}")
        if kind not in RECORDS:
            raise BadRequest(f"field {where}.record: must be one of {', '.join(RECORDS)}")
        target_id = item.get("id", record_id if kind in ("series", record) else None)
        if not isinstance(target_id, int) or isinstance(target_id, bool):
            raise BadRequest(f"field {where}.id: the {kind}'s id (an integer) is needed")
        name = item.get("field")
        if not isinstance(name, str):
            raise BadRequest(f"field {where}.field: must be a field name")
        if "value" not in item:
            raise BadRequest(f"field {where}.value: is required (null is a value)")
        language = item.get("language")
        if language is not None and not isinstance(language, str):
            raise BadRequest(f"field {where}.language: must be a language abbreviation")
        base = item.get("base", NO_BASE)
        changes.append(SetField(kind, target_id, name, item["value"], language, base))
    return changes


async def _editor(request: Request) -> Editor:
    """The editor, checked before the body is read (a database read: in the thread pool)."""
    return await run_in_threadpool(editor_of, request)


def _edit(
    request: Request,
    editor: Editor,
    series_id: int,
    changes: list[Change],
    comment: str | None,
) -> EditResult:
    return apply_changes(
        request.app.state.engine,
        editor,
        series_id,
        changes,
        comment=comment,
        images_store=request.app.state.images,
    )


async def edit_series(request: Request) -> Response:
    editor = await _editor(request)
    series_id = _id(request)
    body = await _json(request)
    changes = _set_fields(body, None, series_id)
    comment = _text(body, "comment")
    result = await run_in_threadpool(_edit, request, editor, series_id, changes, comment)
    return _result(request, result)


async def edit_episode(request: Request) -> Response:
    editor = await _editor(request)
    episode_id = _id(request)
    body = await _json(request)
    changes = _set_fields(body, "episode", episode_id)
    comment = _text(body, "comment")

    def work() -> EditResult:
        series_id = series_of(request.app.state.engine, "episode", episode_id)
        return _edit(request, editor, series_id, changes, comment)

    return _result(request, await run_in_threadpool(work))


async def add_episode(request: Request) -> Response:
    editor = await _editor(request)
    series_id = _id(request)
    body = await _json(request)
    values = body.get("episode")
    if not isinstance(values, dict):
        raise BadRequest("field episode: must be an object of episode fields")
    comment = _text(body, "comment")
    result = await run_in_threadpool(
        _edit, request, editor, series_id, [AddEpisode(values)], comment
    )
    return _result(request, result, 201)


async def remove_episode(request: Request) -> Response:
    editor = await _editor(request)
    episode_id = _id(request)
    comment = request.query_params.get("comment")

    def work() -> EditResult:
        series_id = series_of(request.app.state.engine, "episode", episode_id)
        return _edit(request, editor, series_id, [RemoveRecord("episode", episode_id)], comment)

    return _result(request, await run_in_threadpool(work))


async def add_actor(request: Request) -> Response:
    editor = await _editor(request)
    series_id = _id(request)
    body = await _json(request)
    values = body.get("actor")
    if not isinstance(values, dict):
        raise BadRequest("field actor: must be an object of actor fields")
    comment = _text(body, "comment")
    result = await run_in_threadpool(_edit, request, editor, series_id, [AddActor(values)], comment)
    return _result(request, result, 201)


async def remove_actor(request: Request) -> Response:
    editor = await _editor(request)
    series_id, actor_id = _id(request), _id(request, "actorId")
    change = RemoveRecord("actor", actor_id)
    comment = request.query_params.get("comment")
    result = await run_in_threadpool(_edit, request, editor, series_id, [change], comment)
    return _result(request, result)


async def add_image(request: Request) -> Response:
    editor = await _editor(request)
    series_id = _id(request)
    params = request.query_params
    key_type = params.get("keyType")
    if not key_type:
        raise BadRequest("field keyType: is required (poster, fanart, series, season...)")
    data = await request.body()
    if not data:
        raise BadRequest("field file: the body must be the image file")
    change = AddImage(
        data,
        key_type,
        params.get("subKey", ""),
        params.get("language"),
        params.get("resolution"),
    )
    comment = params.get("comment")
    result = await run_in_threadpool(_edit, request, editor, series_id, [change], comment)
    return _result(request, result, 201)


async def remove_image(request: Request) -> Response:
    editor = await _editor(request)
    series_id, image_id = _id(request), _id(request, "imageId")
    change = RemoveRecord("image", image_id)
    comment = request.query_params.get("comment")
    result = await run_in_threadpool(_edit, request, editor, series_id, [change], comment)
    return _result(request, result)


def _lock_change(body: dict[str, Any], series_id: int, kind: type[Lock] | type[Unlock]) -> Change:
    record = body.get("record", "series")
    record_id = body.get("id", series_id if record == "series" else None)
    name = body.get("field")
    if record not in RECORDS:
        raise BadRequest(f"field record: must be one of {', '.join(RECORDS)}")
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        raise BadRequest(f"field id: the {record}'s id (an integer) is needed")
    if not isinstance(name, str):
        raise BadRequest("field field: must be a field name, or * for a whole record")
    return kind(record, record_id, name, _text(body, "language"))


def _locking(kind: type[Lock] | type[Unlock]) -> Callable[[Request], Any]:
    async def handler(request: Request) -> Response:
        editor = await _editor(request)
        series_id = _id(request)
        body = await _json(request)
        change = _lock_change(body, series_id, kind)
        comment = _text(body, "comment")
        result = await run_in_threadpool(_edit, request, editor, series_id, [change], comment)
        return _result(request, result)

    return handler


def _paging(request: Request) -> tuple[int | None, int]:
    before, limit = request.query_params.get("before"), request.query_params.get("limit")
    try:
        return (
            None if before is None else int(before),
            edit_history.PAGE_SIZE if limit is None else int(limit),
        )
    except ValueError:
        raise BadRequest("field before/limit: must be whole numbers") from None


def series_history(request: Request) -> Response:
    editor_of(request)
    series_id = _id(request)
    before, limit = _paging(request)
    engine = request.app.state.engine
    series_of(engine, "series", series_id)
    found = edit_history.history(engine, "series", series_id, before=before, limit=limit)
    return _respond(request, [r.as_json() for r in found])


def episode_history(request: Request) -> Response:
    editor_of(request)
    episode_id = _id(request)
    before, limit = _paging(request)
    engine = request.app.state.engine
    found = edit_history.history(engine, "episode", episode_id, before=before, limit=limit)
    if not found and before is None:
        series_of(engine, "episode", episode_id)  # 404 for an episode never here
    return _respond(request, [r.as_json() for r in found])


def series_locks(request: Request) -> Response:
    editor_of(request)
    series_id = _id(request)
    engine = request.app.state.engine
    series_of(engine, "series", series_id)
    with engine.connect() as conn:
        found = edit_store.locks(conn, [series_id]).get(series_id, [])
    return _respond(request, [lock.as_json() for lock in found])


def get_revision(request: Request) -> Response:
    editor_of(request)
    revision = edit_history.get_revision(request.app.state.engine, _id(request))
    return _respond(request, revision.as_json())


async def revert_revision(request: Request) -> Response:
    editor = await _editor(request)
    revision_id = _id(request)
    body = await _json(request)
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise BadRequest("field force: must be true or false")

    def work() -> EditResult:
        return edit_history.revert(
            request.app.state.engine,
            editor,
            revision_id,
            comment=_text(body, "comment"),
            force=force,
            images_store=request.app.state.images,
        )

    return _result(request, await run_in_threadpool(work))


def _threaded(handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
    """A plain handler (database reads) run in the thread pool, as Starlette runs one."""

    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(handler, request)

    return endpoint


def _by_method(**handlers: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """One route for a path with several methods, so that a 405 lists them all in Allow."""

    async def endpoint(request: Request) -> Response:
        handler = handlers[request.method.lower()]
        answer = handler(request)
        if isinstance(answer, Response):
            return answer
        response: Response = await answer
        return response

    return endpoint


ROUTES = [
    Route("/edits/series/{id}", edit_series, methods=["POST"]),
    Route("/edits/series/{id}/history", series_history, methods=["GET"]),
    Route(
        "/edits/series/{id}/locks",
        _by_method(get=_threaded(series_locks), head=_threaded(series_locks), post=_locking(Lock)),
        methods=["GET", "POST"],
    ),
    Route("/edits/series/{id}/unlock", _locking(Unlock), methods=["POST"]),
    Route("/edits/series/{id}/episodes", add_episode, methods=["POST"]),
    Route("/edits/series/{id}/actors", add_actor, methods=["POST"]),
    Route("/edits/series/{id}/actors/{actorId}", remove_actor, methods=["DELETE"]),
    Route("/edits/series/{id}/images", add_image, methods=["POST"]),
    Route("/edits/series/{id}/images/{imageId}", remove_image, methods=["DELETE"]),
    Route(
        "/edits/episodes/{id}",
        _by_method(post=edit_episode, delete=remove_episode),
        methods=["POST", "DELETE"],
    ),
    Route("/edits/episodes/{id}/history", episode_history, methods=["GET"]),
    Route("/edits/revisions/{id}", get_revision, methods=["GET"]),
    Route("/edits/revisions/{id}/revert", revert_revision, methods=["POST"]),
]
