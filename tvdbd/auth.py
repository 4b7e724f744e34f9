"""JWTs for /login and /refresh_token, the signing key, and API key hashing."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections import OrderedDict
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


class TokenIssuer:
    """Issues and verifies tokens; verified tokens are remembered until they expire."""

    def __init__(self, signing_key: bytes, lifetime_seconds: int):
        self._key = signing_key
        self.lifetime = lifetime_seconds
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
        return claims
