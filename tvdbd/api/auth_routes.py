"""POST /login and GET /refresh_token: bare `{"token": ...}` bodies."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.api.context import authenticate
from tvdbd.api.envelope import json_response
from tvdbd.db import apikeys, users
from tvdbd.errors import BadRequest, LoginRefused, NotAuthorized
from tvdbd.http.text import require_clean
from tvdbd.records.render import V3

VALID_USER_REQUIRED = "Valid User Account Required"


async def login(request: Request) -> Response:
    """Log in; failures count against the client address and name (tvdbd.http.login_guard)."""
    raw = await request.body()
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        raise BadRequest("Invalid JSON in request body") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    for field in ("apikey", "username", "userkey"):
        if isinstance(body.get(field), str):
            require_clean(body[field], field)
    guard = request.app.state.login_guard
    named = body.get("username")
    username = named if isinstance(named, str) else None
    ip = request.client.host if request.client else "-"
    attempt = await guard.admit(username, ip)  # counted before it is checked
    try:
        response = await _login(request, body)
    except (LoginRefused, NotAuthorized):
        await guard.failed(attempt)
        raise
    except BaseException:  # no answer either way (e.g. the database is down): not a failure
        await guard.abandoned(attempt)
        raise
    await guard.succeeded(attempt)
    return response


async def _login(request: Request, body: dict[str, Any]) -> Response:
    apikey = body.get("apikey")
    if not isinstance(apikey, str) or not apikey.strip():
        raise LoginRefused()
    claims: dict[str, Any] = {"id": "tvdbd"}
    state = request.app.state
    if state.settings.api_key_policy == "registered":
        key = _find_key(state.engine, apikey.strip())  # a read by primary key: inline
        if key is None:
            raise LoginRefused()
        claims = {"id": key["name"], "apikey_id": key["id"]}
    username, userkey = body.get("username"), body.get("userkey")
    # null or "" for both is an API-key-only login (tvdbsimple sends null, tvdbAPI "");
    # anything else (0, false, [] included) names an account, and must match one.
    if username not in (None, "") or userkey not in (None, ""):
        if not (isinstance(username, str) and isinstance(userkey, str)):
            raise NotAuthorized(VALID_USER_REQUIRED)
        user = _find_user(state.engine, username, userkey)  # one indexed read: inline
        if user is None:
            raise NotAuthorized(VALID_USER_REQUIRED)
        claims.update(userid=user["id"], username=user["username"], keygen=user["key_generation"])
    token = state.tokens.issue(claims)
    # Same version header as every other answer to this Accept (node-tvdb sends v2.1.1).
    return json_response(
        {"token": token}, request=request, shape=request.scope.get("tvdbd.shape", V3)
    )


def _find_user(engine: Any, username: str, userkey: str) -> Any:
    with engine.connect() as conn:
        return users.authenticate(conn, username, userkey)


def _find_key(engine: Any, key: str) -> Any:
    with engine.connect() as conn:
        return apikeys.find_active(conn, key)


def refresh_token(request: Request) -> Response:
    """A new token for a valid one; not for a revoked key (tvdbd.auth.LiveKeys) nor for a
    user who was deleted or got a new key since (checked here: refreshes are rare)."""
    call = authenticate(request)
    user_id = call.claims.get("userid")
    if user_id is not None:
        with call.connect() as conn:
            user = users.get_user(conn, user_id) if isinstance(user_id, int) else None
        if user is None or user["key_generation"] != call.claims.get("keygen"):
            raise NotAuthorized()
    token = request.app.state.tokens.refresh(call.claims)
    return json_response({"token": token}, request=request, shape=call.shape)
