"""The /user routes: the account, favorites and ratings of the user in the token.

Every query takes the user id from the verified token, never from the request, so one user
can neither read nor change another's data. Writes are plain (non-async) handlers so they
wait for a database lock in Starlette's thread pool, not on the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.api.context import Call, authenticate, page_window
from tvdbd.api.envelope import envelope, json_response, page_links
from tvdbd.cache.marks import bump_for
from tvdbd.db import catalogue, users
from tvdbd.db.engine import write_transaction
from tvdbd.errors import BadRequest, Conflict, IdNotFound, NotAuthorized

RATINGS_PAGE_SIZE = 100
# The PUT/DELETE path says `image`; the query route documents `banner` for the same ratings.
_ITEM_TYPES = {"series": "series", "episode": "episode", "image": "image", "banner": "image"}
RATING_QUERY_PARAMS = ["itemType"]


@dataclass
class UserCall:
    call: Call
    user: Any

    @property
    def user_id(self) -> int:
        return int(self.user["id"])


def _user_call(request: Request) -> UserCall:
    """The caller's account; a token without a user, or for a deleted or re-keyed one, is 401."""
    call = authenticate(request)
    user_id = call.claims.get("userid")
    if not isinstance(user_id, int):
        raise NotAuthorized()
    with call.connect() as conn:
        user = users.get_user(conn, user_id)
    if (
        user is None
        or user["key_generation"] != call.claims.get("keygen")
        or user["username"] != call.claims.get("username")
    ):
        raise NotAuthorized()
    return UserCall(call, user)


@contextmanager
def _writing(request: Request) -> Iterator[Connection]:
    with write_transaction(request.app.state.engine) as conn:
        yield conn


# A user's own lists change with every write: clients may keep them but must revalidate
# (the ETag makes that a cheap 304), unlike catalogue records that stay fresh for a day.
_USER_CACHE_CONTROL = {"cache-control": "private, no-cache"}


def _respond(user_call: UserCall, data: Any, **kwargs: Any) -> Response:
    body = envelope(data, **kwargs)
    return json_response(
        body,
        request=user_call.call.request,
        shape=user_call.call.shape,
        headers=_USER_CACHE_CONTROL,
    )


def get_user(request: Request) -> Response:
    uc = _user_call(request)
    data = {
        "favoritesDisplaymode": uc.user["favorites_display_mode"],
        "language": uc.user["language"],
        "userName": uc.user["username"],
    }
    return _respond(uc, data)


def _favorites_data(conn: Connection, user_id: int) -> dict[str, Any]:
    # Series ids as strings. With none, an empty list: the real API left the key out and
    # clients that read data["favorites"] (tvdbsimple, tvdb-client) crashed (contract Part 1 §5).
    return {"favorites": [str(i) for i in users.favorites(conn, user_id)]}


def get_favorites(request: Request) -> Response:
    uc = _user_call(request)
    with uc.call.connect() as conn:
        return _respond(uc, _favorites_data(conn, uc.user_id))


def put_favorite(request: Request) -> Response:
    uc = _user_call(request)
    series_id, raw = uc.call.path_id()
    with _writing(request) as conn:
        if catalogue.get_series(conn, series_id) is None:
            raise IdNotFound(raw)
        if not users.add_favorite(conn, uc.user_id, series_id):
            raise Conflict()
        data = _favorites_data(conn, uc.user_id)
    return _respond(uc, data)


def delete_favorite(request: Request) -> Response:
    uc = _user_call(request)
    series_id, _ = uc.call.path_id()
    with _writing(request) as conn:
        if not users.remove_favorite(conn, uc.user_id, series_id):
            raise Conflict()
        data = _favorites_data(conn, uc.user_id)
    return _respond(uc, data)


def _mark_cached_answers_stale(
    request: Request, item_type: str, item_id: int, series_ids: list[int]
) -> None:
    """After the commit: answers showing this item's site rating must be rebuilt."""
    episode_ids = [item_id] if item_type == "episode" else []
    bump_for(request.app.state.engine, series_ids, episode_ids=episode_ids)


def change_favorite(request: Request) -> Response:
    """PUT adds, DELETE removes (one route, so a wrong method's Allow names both)."""
    return put_favorite(request) if request.method == "PUT" else delete_favorite(request)


def _rating_record(item_type: str, item_id: int, rating: int) -> dict[str, Any]:
    return {"ratingType": item_type, "ratingItemId": item_id, "rating": rating}


def _ratings_list(uc: UserCall, item_type: str | None, unknown: list[str]) -> Response:
    page = uc.call.page()
    with uc.call.connect() as conn:
        total = users.count_ratings(conn, uc.user_id, item_type)
        offset, last = page_window(total, page, RATINGS_PAGE_SIZE)
        rows = users.ratings_page(
            conn, uc.user_id, item_type, offset=offset, limit=RATINGS_PAGE_SIZE
        )
    data = [_rating_record(*row) for row in rows]
    errors = {"invalidQueryParams": unknown} if unknown else None
    return _respond(uc, data, links=page_links(page, last), errors=errors)


def get_ratings(request: Request) -> Response:
    uc = _user_call(request)
    _, unknown = uc.call.query(())
    return _ratings_list(uc, None, unknown)


def get_ratings_query(request: Request) -> Response:
    uc = _user_call(request)
    params, unknown = uc.call.query(RATING_QUERY_PARAMS)
    raw = params.get("itemType", "").strip()
    if not raw:
        raise BadRequest("No valid query params given")
    if raw not in _ITEM_TYPES:
        raise BadRequest(f"Invalid itemType: {raw} (expected series, episode or banner)")
    return _ratings_list(uc, _ITEM_TYPES[raw], unknown)


def get_ratings_query_params(request: Request) -> Response:
    uc = _user_call(request)
    return _respond(uc, RATING_QUERY_PARAMS)


def _item_type(uc: UserCall) -> str:
    raw = uc.call.request.path_params["itemType"]
    if raw not in _ITEM_TYPES:
        raise BadRequest(f"Invalid itemType: {raw} (expected series, episode or image)")
    return _ITEM_TYPES[raw]


def put_rating(request: Request) -> Response:
    uc = _user_call(request)
    item_type = _item_type(uc)
    item_id, raw = uc.call.path_id("itemId")
    raw_rating = request.path_params["itemRating"]
    # Leading zeros are dropped first: `0100` is 100, not 10.
    digits = raw_rating.lstrip("0")
    if not (raw_rating.isascii() and raw_rating.isdigit() and 1 <= int(digits[:3] or 0) <= 10):
        raise Conflict()  # ratings run from 1 to 10, as on the real API
    rating = int(digits)
    with _writing(request) as conn:
        series_ids = users.rated_series(conn, item_type, item_id)
        if not series_ids:
            raise IdNotFound(raw)
        users.set_rating(conn, uc.user_id, item_type, item_id, rating)
        users.mark_ratings_changed(conn, series_ids)
    _mark_cached_answers_stale(request, item_type, item_id, series_ids)
    return _respond(uc, [_rating_record(item_type, item_id, rating)])


def delete_rating(request: Request) -> Response:
    uc = _user_call(request)
    item_type = _item_type(uc)
    item_id, _ = uc.call.path_id("itemId")
    with _writing(request) as conn:
        if not users.delete_rating(conn, uc.user_id, item_type, item_id):
            raise Conflict()
        series_ids = users.rated_series(conn, item_type, item_id)
        users.mark_ratings_changed(conn, series_ids)
    _mark_cached_answers_stale(request, item_type, item_id, series_ids)
    return _respond(uc, [])
