"""Signing in and out, favorites and ratings from the pages, and a person's own page.

The same accounts, rows and functions as the API's /user routes (tvdbd.db.users): a favorite
added here is in `GET /user/favorites`, a rating in `GET /user/ratings`, and the other way
round. Every write takes the account from the session, never from the form, and moves the
same change marks as the API does after its commit.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tvdbd.cache.marks import bump_for
from tvdbd.db import catalogue, users
from tvdbd.db import pages as pages_db
from tvdbd.db.engine import write_transaction
from tvdbd.errors import BadRequest, IdNotFound, NotAuthorized
from tvdbd.pages import PREFIX
from tvdbd.pages.forms import read_form
from tvdbd.pages.render import page, safe_next
from tvdbd.pages.session import Visit, csrf_token, visit_of

RATINGS_SHOWN = 500


def redirect(visit: Visit, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    response.headers["cache-control"] = "private, no-store"
    visit.request.app.state.sessions.save(visit.request, response, visit.session)
    return response


def _signed_in(visit: Visit) -> None:
    if not visit.signed_in:
        raise NotAuthorized("Sign in first: favorites and ratings belong to an account.")


# --- signing in and out -------------------------------------------------------------------


async def sign_in_form(request: Request) -> Response:
    visit = visit_of(request)
    target = safe_next(request.query_params.get("next"))
    return _sign_in_page(visit, target)


def _sign_in_page(visit: Visit, target: str, *, error: str = "", username: str = "") -> Response:
    token = csrf_token(visit.session)  # an anonymous visitor gets a session for the form
    return page(
        visit,
        "signin.html",
        status=401 if error else 200,
        title="Sign in",
        form_csrf=token,
        target=target,
        error=error,
        username=username,
    )


async def sign_in(request: Request) -> Response:
    """Check user name and user key as POST /login does, with the same failure limits."""
    visit = visit_of(request)
    form = await read_form(visit)
    target = safe_next(form.get("next"))
    username, userkey = form.get("username", "").strip(), form.get("userkey", "").strip()
    state = request.app.state.main
    guard = state.login_guard
    ip = request.client.host if request.client else "-"
    attempt = await guard.admit(username or None, ip)  # counted before it is checked
    user = None
    if username and userkey:
        try:
            with state.readers.connect() as conn:
                user = users.authenticate(conn, username, userkey)
        except BaseException:  # no answer either way (the database is down): not a failure
            await guard.abandoned(attempt)
            raise
    if user is None:
        await guard.failed(attempt)
        return _sign_in_page(
            visit, target, error="That user name and user key do not match.", username=username
        )
    await guard.succeeded(attempt)
    visit.sign_in(user)
    visit.tell(f"Signed in as {user['username']}.")
    return redirect(visit, target)


async def sign_out(request: Request) -> Response:
    visit = visit_of(request)
    await read_form(visit)
    visit.sign_out()
    visit.tell("Signed out.")
    return redirect(visit, PREFIX + "/")


# --- favorites and ratings ----------------------------------------------------------------


def _item_id(request: Request) -> int:
    raw = request.path_params["id"]
    value = catalogue.parse_id(raw)
    if value is None:
        raise IdNotFound(raw)
    return value


async def change_favorite(request: Request) -> Response:
    visit = visit_of(request)
    form = await read_form(visit)
    _signed_in(visit)
    series_id = _item_id(request)
    action = form.get("action")
    if action not in ("add", "remove"):
        raise BadRequest("Choose to add or to remove the favorite.")
    engine = request.app.state.main.engine

    def write() -> None:
        with write_transaction(engine) as conn:
            if catalogue.get_series(conn, series_id) is None:
                raise IdNotFound(str(series_id))
            if action == "add":
                users.add_favorite(conn, visit.user_id, series_id)
            else:
                users.remove_favorite(conn, visit.user_id, series_id)

    await run_in_threadpool(write)
    visit.tell("Added to your favorites." if action == "add" else "Removed from your favorites.")
    back = form.get("next")
    return redirect(visit, safe_next(back) if back else f"{PREFIX}/series/{series_id}")


async def rate_series(request: Request) -> Response:
    return await _rate(request, "series")


async def rate_episode(request: Request) -> Response:
    return await _rate(request, "episode")


async def _rate(request: Request, item_type: str) -> Response:
    """Set a rating 1 to 10, or remove it (an empty choice or 0), as PUT/DELETE
    /user/ratings/{itemType}/{itemId} do."""
    visit = visit_of(request)
    form = await read_form(visit)
    _signed_in(visit)
    item_id = _item_id(request)
    raw = form.get("rating", "").strip()
    if raw not in ("", "0") and not (raw.isdigit() and 1 <= int(raw) <= 10):
        raise BadRequest("A rating is a whole number from 1 to 10.")
    rating = int(raw) if raw else 0
    engine = request.app.state.main.engine

    def write() -> list[int]:
        with write_transaction(engine) as conn:
            series_ids = users.rated_series(conn, item_type, item_id)
            if not series_ids:
                raise IdNotFound(str(item_id))
            if rating:
                users.set_rating(conn, visit.user_id, item_type, item_id, rating)
            elif not users.delete_rating(conn, visit.user_id, item_type, item_id):
                return series_ids
            users.mark_ratings_changed(conn, series_ids)
        episode_ids = [item_id] if item_type == "episode" else []
        bump_for(engine, series_ids, episode_ids=episode_ids)
        return series_ids

    await run_in_threadpool(write)
    visit.tell(f"Your rating: {rating} of 10." if rating else "Your rating was removed.")
    path = "series" if item_type == "series" else "episodes"
    return redirect(visit, f"{PREFIX}/{path}/{item_id}")


# --- a person's own page ------------------------------------------------------------------


async def my_page(request: Request) -> Response:
    visit = visit_of(request)
    if not visit.signed_in:
        return redirect(visit, f"{PREFIX}/signin?next={PREFIX}/me")
    with request.app.state.main.readers.connect() as conn:
        favorite_ids = users.favorites(conn, visit.user_id)
        rows = catalogue.get_series_many(conn, favorite_ids)
        names = pages_db.series_names(conn, favorite_ids, visit.language)
        rated = users.ratings_page(conn, visit.user_id, None, offset=0, limit=RATINGS_SHOWN)
        total = users.count_ratings(conn, visit.user_id)
        rated_series = [i for t, i, _ in rated if t == "series"]
        rated_episodes = [i for t, i, _ in rated if t == "episode"]
        episodes = pages_db.episode_labels(conn, rated_episodes, visit.language)
        series_ids = set(rated_series) | {e["series_id"] for e in episodes.values()}
        names.update(pages_db.series_names(conn, sorted(series_ids), visit.language))
    favorites = [
        {"id": i, "name": names.get(i, str(i)), "poster": rows[i]["poster"]}
        for i in favorite_ids
        if i in rows
    ]
    ratings: list[dict[str, Any]] = []
    for item_type, item_id, rating in rated:
        if item_type == "series":
            ratings.append(
                {"kind": "Series", "href": f"{PREFIX}/series/{item_id}",
                 "name": names.get(item_id, f"series {item_id}"), "rating": rating}
            )  # fmt: skip
        elif item_type == "episode" and item_id in episodes:
            e = episodes[item_id]
            label = f"{names.get(e['series_id'], '')} {e['season']}×{e['number']} {e['name'] or ''}"
            ratings.append(
                {"kind": "Episode", "href": f"{PREFIX}/episodes/{item_id}",
                 "name": label.strip(), "rating": rating}
            )  # fmt: skip
        else:
            ratings.append(
                {"kind": item_type.capitalize(), "href": "", "name": f"{item_type} {item_id}",
                 "rating": rating}
            )  # fmt: skip
    return page(
        visit,
        "me.html",
        title="Your favorites and ratings",
        favorites=favorites,
        ratings=ratings,
        ratings_total=total,
    )
