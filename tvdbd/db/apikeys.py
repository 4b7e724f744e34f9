"""Registered API keys: only their sha256 is stored."""

from __future__ import annotations

import time

from sqlalchemy import Connection, RowMapping, insert, select, update

from tvdbd.auth import hash_secret, new_secret
from tvdbd.db.schema import api_keys
from tvdbd.errors import TvdbdError


def create(conn: Connection, name: str) -> str:
    """Register a key under ``name``; return the key (shown once, never stored)."""
    if conn.execute(select(api_keys.c.id).where(api_keys.c.name == name)).first():
        raise TvdbdError(f"An API key named {name!r} already exists.")
    key = new_secret()
    conn.execute(
        insert(api_keys).values(
            name=name, key_hash=hash_secret(key), created_at=int(time.time()), revoked_at=None
        )
    )
    return key


def list_keys(conn: Connection) -> list[RowMapping]:
    rows = conn.execute(
        select(
            api_keys.c.id, api_keys.c.name, api_keys.c.created_at, api_keys.c.revoked_at
        ).order_by(api_keys.c.id)
    )
    return [row._mapping for row in rows]


def revoke(conn: Connection, name: str) -> bool:
    result = conn.execute(
        update(api_keys)
        .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=int(time.time()))
    )
    return bool(result.rowcount)


def find_active(conn: Connection, key: str) -> RowMapping | None:
    row = conn.execute(
        select(api_keys.c.id, api_keys.c.name).where(
            api_keys.c.key_hash == hash_secret(key), api_keys.c.revoked_at.is_(None)
        )
    ).first()
    return row._mapping if row else None


def active_ids(conn: Connection) -> set[int]:
    """Ids of the keys not revoked (what tokens may still be used with)."""
    return set(conn.execute(select(api_keys.c.id).where(api_keys.c.revoked_at.is_(None))).scalars())
