"""The pages' session: a signed cookie (itsdangerous) holding the signed-in account and the
CSRF token, and the visit (session, account, language) every page handler starts from.

The cookie holds no secret: the account id, its key generation (so a reset user key or a
deleted account ends the session, as it ends the account's API tokens), the CSRF token and a
one-shot notice. It is signed with a key derived from the JWT signing key in the data dir,
so nothing new has to be kept; it is HttpOnly, SameSite=Lax, and Secure over HTTPS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import RowMapping
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.db import users
from tvdbd.languages import known_abbreviations, pick_language
from tvdbd.roles import has_role

COOKIE = "tvdbd_session"
LANGUAGE_COOKIE = "tvdbd_language"
MAX_AGE_SECONDS = 30 * 24 * 3600
LANGUAGE_MAX_AGE_SECONDS = 365 * 24 * 3600


@dataclass
class Session:
    """What the cookie says; ``changed`` tells the response to send it again."""

    user_id: int | None = None
    keygen: int | None = None
    csrf: str | None = None
    notice: str | None = None
    changed: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"c": self.csrf}
        if self.user_id is not None:
            data.update(u=self.user_id, g=self.keygen)
        if self.notice:
            data["n"] = self.notice
        return data


class Sessions:
    """Reads and writes the session cookie."""

    def __init__(self, jwt_signing_key: bytes):
        # A key of its own, derived from the JWT key: a cookie can never pass as a token.
        secret = hmac.new(jwt_signing_key, b"tvdbd pages session cookie", hashlib.sha256)
        self._serializer = URLSafeTimedSerializer(secret.hexdigest(), salt="tvdbd.pages")

    def load(self, request: Request) -> Session:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return Session()
        try:
            data = self._serializer.loads(raw, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return Session(changed=True)  # forged or expired: replaced by an empty one
        if not isinstance(data, dict):
            return Session(changed=True)
        user_id, keygen = data.get("u"), data.get("g")
        csrf, notice = data.get("c"), data.get("n")
        return Session(
            user_id=user_id if isinstance(user_id, int) else None,
            keygen=keygen if isinstance(keygen, int) else None,
            csrf=csrf if isinstance(csrf, str) else None,
            notice=notice if isinstance(notice, str) else None,
        )

    def save(self, request: Request, response: Response, session: Session) -> None:
        if not session.changed:
            return
        response.set_cookie(
            COOKIE,
            self._serializer.dumps(session.to_dict()),
            max_age=MAX_AGE_SECONDS,
            path="/pages",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


def csrf_token(session: Session) -> str:
    """The session's CSRF token, made on first use (a form is about to be shown)."""
    if not session.csrf:
        session.csrf = secrets.token_urlsafe(24)
        session.changed = True
    return session.csrf


def csrf_matches(session: Session, given: str | None) -> bool:
    return bool(session.csrf and given) and hmac.compare_digest(
        str(session.csrf).encode(), str(given).encode()
    )


@dataclass
class Visit:
    """One request to the pages: who asks (if anyone signed in) and in which language."""

    request: Request
    session: Session
    user: RowMapping | None
    language: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def user_id(self) -> int:
        assert self.user is not None
        return int(self.user["id"])

    def may(self, role: str) -> bool:
        return self.user is not None and has_role(str(self.user["role"]), role)

    def take_notice(self) -> str | None:
        notice = self.session.notice
        if notice:
            self.session.notice = None
            self.session.changed = True
        return notice

    def tell(self, notice: str) -> None:
        """A one-line notice for the next page shown (after a redirect)."""
        self.session.notice = notice
        self.session.changed = True

    def sign_in(self, user: RowMapping) -> None:
        # A new CSRF token with the new identity: one seen before signing in is no good after.
        self.session = Session(
            user_id=int(user["id"]),
            keygen=int(user["key_generation"]),
            csrf=secrets.token_urlsafe(24),
            changed=True,
        )
        self.user = user

    def sign_out(self) -> None:
        self.session = Session(csrf=secrets.token_urlsafe(24), changed=True)
        self.user = None


def language_of(request: Request) -> str:
    """The language chosen on the pages (a cookie), else the browser's Accept-Language."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen and chosen in known_abbreviations():
        return chosen
    return pick_language(request.headers.get("accept-language"))


def visit_of(request: Request) -> Visit:
    state = request.app.state
    session = state.sessions.load(request)
    user = None
    if session.user_id is not None:
        with state.main.readers.connect() as conn:
            user = users.get_user(conn, session.user_id)
        if user is None or user["key_generation"] != session.keygen:
            user = None  # deleted, or its user key was reset: the session ends
            session = Session(csrf=session.csrf, changed=True)
    return Visit(request=request, session=session, user=user, language=language_of(request))
