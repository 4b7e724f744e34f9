"""The operator pages (accounts with the admin role; everyone else gets 403): what the
catalogue holds, the live sources, the latest changes, API keys and user accounts.

Keys and accounts change through the same functions as `tvdbd apikey ...` and `tvdbd user
...`, and the same change marks move afterwards. A new API key or user key is shown once, in
the answer to the form that made it (never kept in the session or a redirect).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.cache.marks import bump_for, bump_keys
from tvdbd.db import apikeys, catalogue, users
from tvdbd.db import pages as pages_db
from tvdbd.db.engine import write_transaction
from tvdbd.errors import BadRequest, Forbidden, TvdbdError
from tvdbd.languages import known_abbreviations
from tvdbd.pages import PREFIX
from tvdbd.pages.browse import SOURCE_NAMES
from tvdbd.pages.forms import read_form
from tvdbd.pages.people import redirect
from tvdbd.pages.render import page
from tvdbd.pages.session import Visit, visit_of
from tvdbd.roles import ROLES
from tvdbd.sources.store import FeedLock

CHANGE_WINDOWS = {"hour": 3600, "day": 86400, "week": 7 * 86400}
CHANGES_SHOWN = 500
NAME_LIMIT = 100


def _operator(request: Request) -> Visit:
    visit = visit_of(request)
    if not visit.may("admin"):
        if visit.signed_in:
            raise Forbidden("The operator pages are for accounts with the admin role.")
        raise Forbidden(
            "The operator pages are for accounts with the admin role: sign in with one."
        )
    return visit


def _main(request: Request) -> Any:
    return request.app.state.main


# --- overview and live sources ------------------------------------------------------------


async def overview(request: Request) -> Response:
    visit = _operator(request)
    state = _main(request)
    settings = state.settings
    with state.readers.connect() as conn:
        counts = pages_db.catalogue_counts(conn)
        sources = pages_db.source_counts(conn)
        feeds = pages_db.checkpoints(conn)
    now = int(time.time())
    followed = await run_in_threadpool(_followed_now, state.engine, [f["name"] for f in feeds])
    feed_rows = [
        {
            "name": f["name"],
            "position": int(f["position"]),
            "lag": max(0, now - int(f["position"])),
            "moved": int(f["updated_at"]),
            "followed": followed.get(f["name"]),
        }
        for f in feeds
    ]
    return page(
        visit,
        "admin/overview.html",
        title="Operator: overview",
        section="overview",
        counts=counts,
        sources=[(SOURCE_NAMES.get(s, s), n, f) for s, n, f in sources],
        feeds=feed_rows,
        read_through=settings.resolved_read_through,
        read_through_setting=settings.read_through,
        sync_interval=settings.sync_interval_seconds,
        mirror_url=settings.mirror_url,
        v4_key_set=bool(settings.tvdb_v4_api_key),
        api_key_policy=settings.api_key_policy,
        read_through_worker=state.read_through is not None,
    )


def _followed_now(engine: Any, names: list[str]) -> dict[str, bool]:
    """Whether some process holds each feed's lock now (tvdbd.sources.store.FeedLock):
    taking it for an instant tells, and lets go at once."""
    found = {}
    for name in names:
        lock = FeedLock(engine, name)
        try:
            taken = lock.acquire()
        except Exception:  # a probe must not break the page; unknown is shown as unknown
            continue
        if taken:
            lock.release()
        found[name] = not taken
    return found


# --- recent changes -----------------------------------------------------------------------


async def changes(request: Request) -> Response:
    """What `/updated/query?fromTime=<now - window>` answers, newest first, with names."""
    visit = _operator(request)
    window = request.query_params.get("window", "day")
    window = window if window in CHANGE_WINDOWS else "day"
    now = int(time.time())
    with _main(request).readers.connect() as conn:
        found = catalogue.updated_between(conn, now - CHANGE_WINDOWS[window], now)
        newest = sorted(found, key=lambda item: (item[1], item[0]), reverse=True)[:CHANGES_SHOWN]
        names = pages_db.series_names(conn, [i for i, _ in newest], visit.language)
    return page(
        visit,
        "admin/changes.html",
        title="Operator: recent changes",
        section="changes",
        window=window,
        windows=list(CHANGE_WINDOWS),
        total=len(found),
        changes=[(i, names.get(i, ""), updated) for i, updated in newest],
        from_time=now - CHANGE_WINDOWS[window],
    )


# --- API keys -----------------------------------------------------------------------------


async def keys(request: Request) -> Response:
    visit = _operator(request)
    return _keys_page(visit)


def _keys_page(
    visit: Visit, *, created: tuple[str, str] | None = None, error: str = ""
) -> Response:
    state = _main(visit.request)
    with state.readers.connect() as conn:
        rows = apikeys.list_keys(conn)
    return page(
        visit,
        "admin/keys.html",
        status=400 if error else 200,
        title="Operator: API keys",
        section="keys",
        keys=rows,
        created=created,
        error=error,
        policy=state.settings.api_key_policy,
    )


async def change_keys(request: Request) -> Response:
    visit = _operator(request)
    form = await read_form(visit)
    action, name = form.get("action"), form.get("name", "").strip()
    engine = _main(request).engine
    if not name or len(name) > NAME_LIMIT:
        return _keys_page(visit, error=f"A key needs a name of 1 to {NAME_LIMIT} characters.")
    if action == "create":
        try:
            key = await run_in_threadpool(_in_transaction, engine, apikeys.create, name)
        except TvdbdError as exc:
            return _keys_page(visit, error=str(exc))
        visit.headers["cache-control"] = "no-store"
        return _keys_page(visit, created=(name, key))
    if action == "revoke":
        revoked = await run_in_threadpool(_in_transaction, engine, apikeys.revoke, name)
        if not revoked:
            return _keys_page(visit, error=f"No active API key named {name!r}.")
        # As `tvdbd apikey revoke`: every server process reloads the active keys, so the
        # tokens issued for this key die too (tvdbd.auth.LiveKeys).
        await run_in_threadpool(bump_keys, engine)
        visit.tell(
            f"Revoked the API key {name!r}: it can no longer log in and its tokens stop working."
        )
        return redirect(visit, f"{PREFIX}/admin/keys")
    raise BadRequest("Choose to create or to revoke a key.")


def _in_transaction(engine: Any, change: Any, *args: Any, **kwargs: Any) -> Any:
    with write_transaction(engine) as conn:
        return change(conn, *args, **kwargs)


# --- users --------------------------------------------------------------------------------


async def accounts(request: Request) -> Response:
    visit = _operator(request)
    return _users_page(visit)


def _users_page(
    visit: Visit, *, shown_key: tuple[str, str] | None = None, error: str = ""
) -> Response:
    with _main(visit.request).readers.connect() as conn:
        rows = users.list_users(conn)
    return page(
        visit,
        "admin/users.html",
        status=400 if error else 200,
        title="Operator: users",
        section="users",
        accounts=rows,
        roles=ROLES,
        shown_key=shown_key,
        error=error,
    )


async def change_accounts(request: Request) -> Response:
    visit = _operator(request)
    form = await read_form(visit)
    action, name = form.get("action"), form.get("name", "").strip()
    engine = _main(request).engine
    if not name or len(name) > NAME_LIMIT:
        return _users_page(visit, error=f"A user needs a name of 1 to {NAME_LIMIT} characters.")
    role = form.get("role", "user")
    try:
        if action == "create":
            language = form.get("language", "en").strip() or "en"
            if language not in known_abbreviations():
                return _users_page(visit, error=f"{language!r} is not a known language.")
            key = await run_in_threadpool(
                _in_transaction, engine, users.create_user, name, language=language, role=role
            )
            visit.headers["cache-control"] = "no-store"
            return _users_page(visit, shown_key=(name, key))
        if action == "reset":
            key = await run_in_threadpool(_in_transaction, engine, users.reset_key, name)
            visit.headers["cache-control"] = "no-store"
            return _users_page(visit, shown_key=(name, key))
        if action == "grant":
            await run_in_threadpool(_in_transaction, engine, users.set_role, name, role)
            visit.tell(f"{name} is now {role}.")
        elif action == "delete":
            if form.get("confirm") != "yes":
                return _users_page(visit, error="Tick the box to confirm deleting the account.")
            await run_in_threadpool(_in_transaction, engine, users.delete_user, name)
            bump_for(engine, catalogue=True)  # their ratings leave the site ratings
            visit.tell(f"Deleted {name} with their favorites and ratings.")
        else:
            raise BadRequest("Choose what to do with the account.")
    except users.UserError as exc:
        return _users_page(visit, error=str(exc))
    return redirect(visit, f"{PREFIX}/admin/users")
