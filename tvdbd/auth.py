"""JWTs for /login and /refresh_token, the signing key, and API key hashing."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from threading import Lock
from typing import Any

import jwt

from tvdbd.errors import NotAuthorized

ALGORITHM = "HS256"
_VERIFIED_CACHE_SIZE = 10_000


def load_or_create_signing_key(path: Path) -> bytes:
    """The HS256 key: generated on first start, kept in a 0600 file outside the database."""
    if path.exists():
        key = path.read_bytes().strip()
        if len(key) >= 32:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(64).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def hash_secret(secret: str) -> str:
    """sha256 of a generated high-entropy secret (API keys, user keys); never stored raw."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_hex(16).upper()


Admission = Callable[[dict[str, Any]], bool]


class TokenIssuer:
    """Issues and verifies tokens; verified tokens are remembered until they expire.

    ``admits`` is asked about every verified token, remembered ones included: a token whose
    API key was revoked since is refused from its next request on (see LiveKeys)."""

    def __init__(self, signing_key: bytes, lifetime_seconds: int, admits: Admission | None = None):
        self._key = signing_key
        self.lifetime = lifetime_seconds
        self.admits = admits
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = Lock()

    def issue(self, claims: dict[str, Any], *, orig_iat: int | None = None) -> str:
        now = int(time.time())
        payload = {
            **claims,
            "exp": now + self.lifetime,
            "orig_iat": orig_iat if orig_iat is not None else now,
        }
        return jwt.encode(payload, self._key, algorithm=ALGORITHM)

    def refresh(self, claims: dict[str, Any]) -> str:
        """A new token with the same identity and a new expiry (gin-jwt keeps orig_iat)."""
        kept = {k: v for k, v in claims.items() if k not in ("exp", "orig_iat")}
        return self.issue(kept, orig_iat=int(time.time()))

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """Claims of a valid `Authorization: Bearer <jwt>`; NotAuthorized otherwise."""
        if not authorization:
            raise NotAuthorized()
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorized()
        with self._lock:
            claims = self._verified.get(token)
        if claims is not None:
            if claims["exp"] > time.time():
                if self.admits is not None and not self.admits(claims):
                    raise NotAuthorized()
                return claims
            with self._lock:
                self._verified.pop(token, None)
            raise NotAuthorized()
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM], options={"require": ["exp"]}
            )
        except jwt.PyJWTError:
            raise NotAuthorized() from None
        with self._lock:
            self._verified[token] = claims
            if len(self._verified) > _VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        if self.admits is not None and not self.admits(claims):
            raise NotAuthorized()
        return claims


class LiveKeys:
    """Which registered API keys may still be used, known to every worker and host within
    a second of a revoke, without a database query per request.

    A token names the key it was issued for (`apikey_id`). The ids of the active keys are
    read from the database once, and again only when the keys' change mark moves
    (`tvdbd apikey revoke` moves it on this host, and other hosts' listeners move it on
    theirs, tvdbd.cache.invalidation) — or once a second while this process cannot hear
    other hosts (``unsynced``). A database that does not answer keeps the last set known.
    """

    RELOAD_WHILE_UNSYNCED = 1.0

    def __init__(
        self,
        load: Callable[[], set[int]],
        mark: Callable[[], int],
        unsynced: Callable[[], bool] = lambda: False,
    ):
        self._load = load
        self._mark = mark
        self._unsynced = unsynced
        self._seen: int | None = None
        self._loaded_at = 0.0
        self._active: set[int] | None = None

    def __call__(self, claims: dict[str, Any]) -> bool:
        key_id = claims.get("apikey_id")
        if not isinstance(key_id, int):
            return False  # issued under another policy, for no registered key
        active = self._current()
        return active is not None and key_id in active

    def _current(self) -> set[int] | None:
        mark = self._mark()
        now = time.monotonic()
        stale = mark != self._seen or (
            self._unsynced() and now - self._loaded_at > self.RELOAD_WHILE_UNSYNCED
        )
        if stale or self._active is None:
            try:
                self._active = self._load()
            except Exception:  # the database is down: the last set known holds
                return self._active
            self._seen, self._loaded_at = mark, now
        return self._active
