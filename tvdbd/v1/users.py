"""The user routes of v1 (contract §4.10): User_Favorites, User_Rating, GetRatingsForUser,
User_PreferredLanguage.

`accountid` is the v2 user key ("Account Identifier", decided): the same favorites and
ratings as v2's `/user` routes, so either API sees what the other set. Every query is
scoped by the account the key names; an unknown account is 404. Plain handlers: writes
wait for a database lock in Starlette's thread pool, not on the event loop.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.cache.marks import bump_for
from tvdbd.db import catalogue, users
from tvdbd.db import v1 as queries
from tvdbd.db.engine import write_transaction
from tvdbd.v1 import documents
from tvdbd.v1.answers import Answer
from tvdbd.v1.errors import V1NotFound
from tvdbd.v1.handlers import NO_STORE, XML, check_key, param, send, state_of
from tvdbd.v1.languages import BY_CODE, ENGLISH
from tvdbd.v1.series import site_rating

_RATED_TYPES = ("series", "episode")


def _account(conn: Connection, request: Request) -> Any:
    user = queries.user_by_account_id(conn, param(request, "accountid"))
    if user is None:
        raise V1NotFound()
    return user


def _send(body: bytes) -> Response:
    return send(Answer(body, XML), cache_control=NO_STORE)


def favorites(request: Request) -> Response:
    """The list, oldest first; `type=add|remove&seriesid=N` changes it first. decided:
    adding a present (or unknown) series or removing an absent one leaves the list as it
    is and still answers 200 with it — v1 clients expect the list back (v2 says 409)."""
    state = state_of(request)
    change = param(request, "type")
    series_id = catalogue.parse_id(param(request, "seriesid"))
    if change not in ("add", "remove") or series_id is None:
        with state.readers.connect() as conn:  # only the list: no write lock taken
            listed = users.favorites(conn, _account(conn, request)["id"])
        return _send(documents.favorites(listed))
    with write_transaction(state.engine) as conn:
        user = _account(conn, request)
        if change == "remove":
            users.remove_favorite(conn, user["id"], series_id)
        elif catalogue.get_series(conn, series_id) is not None:
            users.add_favorite(conn, user["id"], series_id)
        listed = users.favorites(conn, user["id"])
    return _send(documents.favorites(listed))


def _community_rating(conn: Connection, item_type: str, item_id: int) -> str:
    row: Any = (
        catalogue.get_series(conn, item_id)
        if item_type == "series"
        else queries.episode_by_id(conn, item_id)
    )
    if row is None:
        return ""
    totals = users.rating_totals(conn, item_type, [item_id]).get(item_id)
    return site_rating(row["site_rating"], row["site_rating_count"], totals)[0]


def rating(request: Request) -> Response:
    """`itemtype=series|episode&itemid=N&rating=0..10`: sets the user's rating (0 removes
    it) and answers the new community rating, one decimal (inferred, §4.10). A bad item
    type, id or rating is 404 like an unknown item: v1 had no other error answer."""
    state = state_of(request)
    item_type = param(request, "itemtype").lower()
    item_id = catalogue.parse_id(param(request, "itemid"))
    raw_rating = param(request, "rating")
    digits = raw_rating.lstrip("0") or "0"
    valid_rating = raw_rating.isascii() and raw_rating.isdigit() and len(digits) <= 2
    if item_type not in _RATED_TYPES or item_id is None or not valid_rating or int(digits) > 10:
        with state.readers.connect() as conn:
            _account(conn, request)  # an unknown account is 404 first, as everywhere
        raise V1NotFound()
    value = int(digits)
    with write_transaction(state.engine) as conn:
        user = _account(conn, request)
        series_ids = users.rated_series(conn, item_type, item_id)
        if not series_ids:
            raise V1NotFound()
        if value == 0:
            users.delete_rating(conn, user["id"], item_type, item_id)
        else:
            users.set_rating(conn, user["id"], item_type, item_id, value)
        users.mark_ratings_changed(conn, series_ids)
        community = _community_rating(conn, item_type, item_id)
    # After the commit, as v2 does: cached answers showing this rating are rebuilt.
    episode_ids = [item_id] if item_type == "episode" else []
    bump_for(state.engine, series_ids, episode_ids=episode_ids)
    return _send(documents.user_rating(item_type, community))


def ratings_for_user(request: Request) -> Response:
    """GetRatingsForUser.php: `apikey=` (checked), `accountid=`, optional `seriesid=`."""
    check_key(request, param(request, "apikey"))
    state = state_of(request)
    raw_series = param(request, "seriesid")
    only = catalogue.parse_id(raw_series) if raw_series else None
    if raw_series and only is None:
        raise V1NotFound()
    with state.readers.connect() as conn:
        user = _account(conn, request)
        rated = queries.user_series_ratings(conn, user["id"], only)
        rows = queries.series_rows(conn, [i for i, _ in rated])
        totals = users.rating_totals(conn, "series", list(rows))
        listed = [
            (
                series_id,
                value,
                site_rating(
                    rows[series_id]["site_rating"],
                    rows[series_id]["site_rating_count"],
                    totals.get(series_id),
                )[0],
            )
            for series_id, value in rated
            if series_id in rows
        ]
    return _send(documents.user_ratings(listed))


def preferred_language(request: Request) -> Response:
    """From v2 `/user` `language`; one outside the 23 codes answers English (decided)."""
    state = state_of(request)
    with state.readers.connect() as conn:
        user = _account(conn, request)
    code = user["language"] if user["language"] in BY_CODE else ENGLISH
    name, language_id = BY_CODE[code]
    return _send(documents.preferred_language(code, name, language_id))
