"""User accounts, favorites and ratings. Every query is scoped by the caller's user id."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tvdbd.auth import hash_secret, new_secret
from tvdbd.db.prepared import Prepared
from tvdbd.db.schema import (
    episodes,
    images,
    series_rating_changes,
    series_table,
    user_favorites,
    user_ratings,
    users,
)
from tvdbd.errors import TvdbdError
from tvdbd.roles import ROLES

RATING_TYPES = ("series", "episode", "image")
DEFAULT_DISPLAY_MODE = "poster"


class UserError(TvdbdError):
    """An operator command about users that cannot be done (named user missing, taken...)."""


# --- accounts (CLI) -------------------------------------------------------------------------


def create_user(
    conn: Connection,
    username: str,
    *,
    language: str = "en",
    display_mode: str = "",
    role: str = "user",
) -> str:
    """Create an account; return its user key (shown once, only its hash is stored)."""
    _check_role(role)
    if not username.strip():
        raise UserError("A user name may not be empty.")
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise UserError(f"A user named {username!r} already exists.")
    userkey = new_secret()
    conn.execute(
        insert(users).values(
            username=username,
            userkey_hash=hash_secret(userkey),
            # Random, not 1: SQLite hands a deleted user's id out again, and a token of the
            # deleted user (userid + keygen) must not fit the new account.
            key_generation=secrets.randbelow(2**30) + 1,
            language=language,
            favorites_display_mode=display_mode or DEFAULT_DISPLAY_MODE,
            created_at=int(time.time()),
            role=role,
        )
    )
    return userkey


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"{role!r} is not a role; the roles are {', '.join(ROLES)}.")


def set_role(conn: Connection, username: str, role: str) -> None:
    """Give user NAME a role (user, editor, admin)."""
    _check_role(role)
    result = conn.execute(update(users).where(users.c.username == username).values(role=role))
    if not result.rowcount:
        raise UserError(f"No user named {username!r}.")


def list_users(conn: Connection) -> list[RowMapping]:
    favorites = (
        select(func.count())
        .where(user_favorites.c.user_id == users.c.id)
        .scalar_subquery()
        .label("favorites")
    )
    ratings = (
        select(func.count())
        .where(user_ratings.c.user_id == users.c.id)
        .scalar_subquery()
        .label("ratings")
    )
    rows = conn.execute(
        select(
            users.c.id,
            users.c.username,
            users.c.language,
            users.c.created_at,
            users.c.role,
            favorites,
            ratings,
        ).order_by(users.c.username)
    )
    return [row._mapping for row in rows]


def reset_key(conn: Connection, username: str) -> str:
    userkey = new_secret()
    result = conn.execute(
        update(users)
        .where(users.c.username == username)
        .values(userkey_hash=hash_secret(userkey), key_generation=users.c.key_generation + 1)
    )
    if not result.rowcount:
        raise UserError(f"No user named {username!r}.")
    return userkey


def delete_user(conn: Connection, username: str) -> None:
    """Delete an account with its favorites and ratings (and so their effect on site ratings)."""
    user_id = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if user_id is None:
        raise UserError(f"No user named {username!r}.")
    mark_ratings_changed(conn, series_rated_by(conn, user_id))
    conn.execute(delete(user_favorites).where(user_favorites.c.user_id == user_id))
    conn.execute(delete(user_ratings).where(user_ratings.c.user_id == user_id))
    conn.execute(delete(users).where(users.c.id == user_id))


def series_rated_by(conn: Connection, user_id: int) -> list[int]:
    """Every series whose routes show one of this user's ratings (three queries, no N+1)."""
    r = user_ratings.c
    mine = select(r.item_id).where(r.user_id == user_id)
    found = set(conn.execute(mine.where(r.item_type == "series")).scalars())
    found.update(
        conn.execute(
            select(episodes.c.series_id).where(
                episodes.c.id.in_(mine.where(r.item_type == "episode"))
            )
        ).scalars()
    )
    found.update(
        conn.execute(
            select(images.c.series_id).where(images.c.id.in_(mine.where(r.item_type == "image")))
        ).scalars()
    )
    known = conn.execute(select(series_table.c.id).where(series_table.c.id.in_(found))).scalars()
    return sorted(int(i) for i in known)


def authenticate(conn: Connection, username: str, userkey: str) -> RowMapping | None:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        return None
    if not hmac.compare_digest(row.userkey_hash, hash_secret(userkey)):
        return None
    return row._mapping


def get_user(conn: Connection, user_id: int) -> RowMapping | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return row._mapping if row else None


# --- favorites --------------------------------------------------------------------------------


def favorites(conn: Connection, user_id: int) -> list[int]:
    rows = conn.execute(
        select(user_favorites.c.series_id)
        .where(user_favorites.c.user_id == user_id)
        .order_by(user_favorites.c.id)
    )
    return [int(series_id) for (series_id,) in rows]


def add_favorite(conn: Connection, user_id: int, series_id: int) -> bool:
    """Add; False when it was already there (a concurrent duplicate is not an error)."""
    statement = (
        _insert_ignoring_duplicates(conn, user_favorites)
        .values(user_id=user_id, series_id=series_id)
        # The row it returns tells; rowcount does not (-1 on PostgreSQL with RETURNING).
        .returning(user_favorites.c.id)
    )
    return conn.execute(statement).first() is not None


def remove_favorite(conn: Connection, user_id: int, series_id: int) -> bool:
    result = conn.execute(
        delete(user_favorites).where(
            user_favorites.c.user_id == user_id, user_favorites.c.series_id == series_id
        )
    )
    return bool(result.rowcount)


# --- ratings ----------------------------------------------------------------------------------


def rated_series(conn: Connection, item_type: str, item_id: int) -> list[int]:
    """The series an item belongs to (an image id may appear in more than one); [] if none."""
    if item_type == "series":
        query = select(series_table.c.id).where(series_table.c.id == item_id)
    elif item_type == "episode":
        query = select(episodes.c.series_id).where(episodes.c.id == item_id)
    else:
        query = select(images.c.series_id).where(images.c.id == item_id).distinct()
    return [int(series_id) for (series_id,) in conn.execute(query)]


def mark_ratings_changed(conn: Connection, series_ids: Sequence[int]) -> None:
    """Record that what these series' routes serve changed (see series_rating_changes).

    The mark moves forward at least one second each time: HTTP dates have one-second
    resolution, and two changes within one second must still give two Last-Modified values.
    """
    now = int(time.time())
    later = series_rating_changes.c.changed_at + 1
    newest = (
        func.greatest(now, later) if conn.dialect.name == "postgresql" else func.max(now, later)
    )
    for series_id in series_ids:
        statement = _dialect_insert(conn, series_rating_changes).values(
            series_id=series_id, changed_at=now
        )
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["series_id"], set_={"changed_at": newest}
            )
        )


def set_rating(conn: Connection, user_id: int, item_type: str, item_id: int, rating: int) -> None:
    """Set or replace one rating in a single atomic statement (no lost update).

    The caller also calls mark_ratings_changed in the same transaction.
    """
    statement = _dialect_insert(conn, user_ratings).values(
        user_id=user_id, item_type=item_type, item_id=item_id, rating=rating
    )
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "item_type", "item_id"], set_={"rating": rating}
    )
    conn.execute(statement)


def delete_rating(conn: Connection, user_id: int, item_type: str, item_id: int) -> bool:
    result = conn.execute(
        delete(user_ratings).where(
            user_ratings.c.user_id == user_id,
            user_ratings.c.item_type == item_type,
            user_ratings.c.item_id == item_id,
        )
    )
    return bool(result.rowcount)


def count_ratings(conn: Connection, user_id: int, item_type: str | None = None) -> int:
    query = select(func.count()).where(user_ratings.c.user_id == user_id)
    if item_type:
        query = query.where(user_ratings.c.item_type == item_type)
    return int(conn.execute(query).scalar_one())


def ratings_page(
    conn: Connection, user_id: int, item_type: str | None, *, offset: int, limit: int
) -> list[tuple[str, int, int]]:
    query = select(user_ratings.c.item_type, user_ratings.c.item_id, user_ratings.c.rating).where(
        user_ratings.c.user_id == user_id
    )
    if item_type:
        query = query.where(user_ratings.c.item_type == item_type)
    rows = conn.execute(query.order_by(user_ratings.c.id).offset(offset).limit(limit))
    return [(str(t), int(i), int(r)) for t, i, r in rows]


def _totals_by_item(rows: Any) -> dict[int, tuple[int, int]]:
    """{item id: (count, sum of ratings)} from (item id, count, sum) rows."""
    return {int(i): (int(n), int(total)) for i, n, total in rows}


def rating_totals(
    conn: Connection, item_type: str, item_ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """Users' (count, sum of ratings) per item, to combine with the imported figures."""
    if not item_ids:
        return {}
    rows = conn.execute(
        select(user_ratings.c.item_id, func.count(), func.sum(user_ratings.c.rating))
        .where(user_ratings.c.item_type == item_type, user_ratings.c.item_id.in_(item_ids))
        .group_by(user_ratings.c.item_id)
    )
    return _totals_by_item(rows)


_IMAGE_RATINGS_OF_SERIES = Prepared(
    select(user_ratings.c.item_id, func.count(), func.sum(user_ratings.c.rating))
    .where(
        user_ratings.c.item_type == "image",
        user_ratings.c.item_id.in_(
            select(images.c.id).where(images.c.series_id == bindparam("series_id"))
        ),
    )
    .group_by(user_ratings.c.item_id)
)


def image_rating_totals(conn: Connection, series_id: int) -> dict[int, tuple[int, int]]:
    """Users' (count, sum of ratings) per image of a series: one prepared statement, where
    rating_totals' IN list of a series' 100-200 image ids cost ~200 µs to build."""
    rows = _IMAGE_RATINGS_OF_SERIES.rows(conn, series_id=series_id)
    return _totals_by_item(rows)


_RATINGS_BETWEEN = Prepared(
    select(user_ratings.c.item_id, func.count(), func.sum(user_ratings.c.rating))
    .where(
        user_ratings.c.item_type == bindparam("item_type"),
        user_ratings.c.item_id.between(bindparam("low"), bindparam("high")),
    )
    .group_by(user_ratings.c.item_id)
)


def rating_totals_between(
    conn: Connection, item_type: str, low: int, high: int
) -> dict[int, tuple[int, int]]:
    """Users' (count, sum of ratings) per item with an id from ``low`` to ``high``.

    For a page of episodes (ids ascending): one range scan of the (item_type, item_id) index,
    where an IN list of 100 ids cost 250 µs to build and run even on an empty table. Items
    in the range that are not on the page are returned too; callers look up their own.
    """
    rows = _RATINGS_BETWEEN.rows(conn, item_type=item_type, low=low, high=high)
    return _totals_by_item(rows)


def _dialect_insert(conn: Connection, table: Any) -> Any:
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def _insert_ignoring_duplicates(conn: Connection, table: Any) -> Any:
    return _dialect_insert(conn, table).on_conflict_do_nothing()
