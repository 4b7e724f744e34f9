"""User lines in bundles: accounts with their favorites and ratings, for backup and restore.

A user line is ``{"user": {...}}`` (see docs/bundle-format.md). The user key travels only as
its sha256, so a restore gives every user back their data and their key keeps working.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from tvdbd.db.schema import series_table, user_favorites, user_ratings, users
from tvdbd.db.users import RATING_TYPES, mark_ratings_changed, series_rated_by
from tvdbd.errors import BundleError
from tvdbd.languages import known_abbreviations
from tvdbd.roles import ROLES

USER_KEYS = (
    "userName", "userKeyHash", "keyGeneration", "language", "favoritesDisplaymode",
    "created", "role", "favorites", "ratings",
)  # fmt: skip
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass
class UserBundle:
    username: str
    row: dict[str, Any]
    favorites: list[int]
    ratings: list[tuple[str, int, int]]
    warnings: list[str]


def _fail(reason: str, key: str) -> BundleError:
    return BundleError(reason, field=f"user.{key}")


def parse_user(data: dict[str, Any]) -> UserBundle:
    record = data["user"]
    if not isinstance(record, dict):
        raise BundleError("must be an object", field="user")
    warnings = [f"unknown key user.{k} ignored" for k in record if k not in USER_KEYS]
    name = record.get("userName")
    if not isinstance(name, str) or not name.strip():
        raise _fail("is required and must be a non-empty string", "userName")
    key_hash = record.get("userKeyHash")
    if not isinstance(key_hash, str) or not _SHA256.fullmatch(key_hash):
        raise _fail("must be the sha256 of the user key (64 hex digits)", "userKeyHash")
    language = record.get("language", "en")
    if language not in known_abbreviations():
        raise _fail(f"must be a known language abbreviation, got {language!r}", "language")
    generation = record.get("keyGeneration", 1)
    created = record.get("created", 0)
    for key, value in (("keyGeneration", generation), ("created", created)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _fail("must be a whole number", key)
    mode = record.get("favoritesDisplaymode", "poster")
    if not isinstance(mode, str):
        raise _fail("must be a string", "favoritesDisplaymode")
    role = record.get("role", "user")
    if role not in ROLES:
        raise _fail(f"must be one of {', '.join(ROLES)}, got {role!r}", "role")
    favorites = record.get("favorites", [])
    if not isinstance(favorites, list) or not all(
        isinstance(f, str) and f.isdigit() for f in favorites
    ):
        raise _fail("must be a list of series ids as strings", "favorites")
    ratings = []
    for index, rating in enumerate(record.get("ratings", [])):
        if (
            not isinstance(rating, dict)
            or rating.get("ratingType") not in RATING_TYPES
            or not isinstance(rating.get("ratingItemId"), int)
            or not isinstance(rating.get("rating"), int)
            or not 1 <= rating["rating"] <= 10
        ):
            raise _fail(
                "must be {ratingType: series|episode|image, ratingItemId: int, rating: 1-10}",
                f"ratings[{index}]",
            )
        ratings.append((rating["ratingType"], rating["ratingItemId"], rating["rating"]))
    row = {
        "username": name,
        "userkey_hash": key_hash,
        "key_generation": generation,
        "language": language,
        "favorites_display_mode": mode,
        "created_at": created,
        "role": role,
    }
    return UserBundle(name, row, [int(f) for f in favorites], ratings, warnings)


def store_user(conn: Connection, bundle: UserBundle) -> None:
    """Create or replace the account named in the bundle, with its favorites and ratings."""
    user_id = conn.execute(select(users.c.id).where(users.c.username == bundle.username)).scalar()
    if bundle.favorites:
        known = set(
            conn.execute(
                select(series_table.c.id).where(series_table.c.id.in_(bundle.favorites))
            ).scalars()
        )
        missing = [f for f in bundle.favorites if f not in known]
        if missing:
            raise _fail(f"series {missing[0]} is not in the catalogue", "favorites")
    if user_id is None:
        conn.execute(insert(users).values(bundle.row))
        user_id = conn.execute(
            select(users.c.id).where(users.c.username == bundle.username)
        ).scalar_one()
    else:
        mark_ratings_changed(conn, series_rated_by(conn, user_id))
        conn.execute(update(users).where(users.c.id == user_id).values(bundle.row))
        conn.execute(delete(user_favorites).where(user_favorites.c.user_id == user_id))
        conn.execute(delete(user_ratings).where(user_ratings.c.user_id == user_id))
    if bundle.favorites:
        conn.execute(
            insert(user_favorites),
            [{"user_id": user_id, "series_id": f} for f in dict.fromkeys(bundle.favorites)],
        )
    if bundle.ratings:
        latest = {(t, i): r for t, i, r in bundle.ratings}
        conn.execute(
            insert(user_ratings),
            [
                {"user_id": user_id, "item_type": t, "item_id": i, "rating": r}
                for (t, i), r in latest.items()
            ],
        )
        mark_ratings_changed(conn, series_rated_by(conn, user_id))


def iter_user_bundles(engine: Engine) -> Iterator[dict[str, Any]]:
    """Every account as a user line, by user name."""
    with engine.connect() as conn:
        accounts = conn.execute(select(users).order_by(users.c.username)).all()
        for account in accounts:
            favorites = conn.execute(
                select(user_favorites.c.series_id)
                .where(user_favorites.c.user_id == account.id)
                .order_by(user_favorites.c.id)
            ).scalars()
            ratings = conn.execute(
                select(user_ratings.c.item_type, user_ratings.c.item_id, user_ratings.c.rating)
                .where(user_ratings.c.user_id == account.id)
                .order_by(user_ratings.c.id)
            ).all()
            yield {
                "user": {
                    "userName": account.username,
                    "userKeyHash": account.userkey_hash,
                    "keyGeneration": account.key_generation,
                    "language": account.language,
                    "favoritesDisplaymode": account.favorites_display_mode,
                    "created": account.created_at,
                    "role": account.role,
                    "favorites": [str(f) for f in favorites],
                    "ratings": [
                        {"ratingType": t, "ratingItemId": i, "rating": r} for t, i, r in ratings
                    ],
                }
            }
