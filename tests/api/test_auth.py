"""POST /login and GET /refresh_token, and the token check of every other route."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import Engine

from tests.api.wire import (
    NOT_AUTHORIZED,
    PROTECTED_ROUTES,
    V2,
    V3,
    assert_error,
    assert_ok,
    assert_wire_headers,
    example_url,
)
from tests.support import Databases, LiveServer
from tvdbd.db import apikeys


def login(server: LiveServer, body: object = None, **kwargs: object) -> httpx.Response:
    return httpx.post(f"{server.base_url}/login", json=body, timeout=10, **kwargs)  # type: ignore[arg-type]


def claims_of(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


# --- /login -------------------------------------------------------------------------------


def test_login_answers_a_bare_token_that_opens_the_api(demo_server: LiveServer) -> None:
    body = assert_ok(login(demo_server, {"apikey": "any-key"}))
    assert list(body) == ["token"]
    token = body["token"]
    assert isinstance(token, str) and token.count(".") == 2
    with demo_server.client(token=token) as client:
        assert client.get("/series/76156").status_code == 200


def test_login_token_carries_gin_jwt_claims_and_lives_a_day(demo_server: LiveServer) -> None:
    claims = claims_of(login(demo_server, {"apikey": "any-key"}).json()["token"])
    assert {"id", "exp", "orig_iat"} <= set(claims)
    assert claims["exp"] - claims["orig_iat"] == 86400  # type: ignore[operator]


@pytest.mark.parametrize(
    "body",
    [
        {"apikey": "k", "username": None, "userkey": None},  # tvdbsimple
        {"apikey": "k", "username": "", "userkey": ""},  # tvdbAPI
        {"apikey": "k"},  # node-tvdb, pytvdb
    ],
    ids=["null-user", "empty-user", "apikey-only"],
)
def test_login_with_an_api_key_alone_succeeds(demo_server: LiveServer, body: object) -> None:
    assert list(assert_ok(login(demo_server, body))) == ["token"]


@pytest.mark.parametrize(
    "body",
    [{}, {"apikey": ""}, {"apikey": "   "}, {"apikey": None}, {"apikey": 42}, {"userkey": "X"}],
    ids=["no-apikey", "empty", "blank", "null", "number", "userkey-only"],
)
def test_login_without_a_usable_apikey_is_401_not_authorized_capital_a(
    demo_server: LiveServer, body: object
) -> None:
    response = login(demo_server, body)
    assert_error(response, 401, "Not Authorized")
    assert response.content == b'{"Error":"Not Authorized"}'


def test_login_with_an_empty_body_is_401_not_authorized(demo_server: LiveServer) -> None:
    response = httpx.post(f"{demo_server.base_url}/login", timeout=10)
    assert_error(response, 401, "Not Authorized")


@pytest.mark.parametrize(
    "body",
    [
        {"apikey": "k", "username": "nobody", "userkey": "ABCDEF0123456789"},
        {"apikey": "k", "username": "nobody"},
        {"apikey": "k", "userkey": "ABCDEF0123456789"},
        # Only null and "" mean "no user" (found by the schemathesis run: 0 was let through).
        {"apikey": "k", "userkey": 0},
        {"apikey": "k", "username": False},
        {"apikey": "k", "username": [], "userkey": None},
    ],
    ids=["both", "username-only", "userkey-only", "userkey-0", "username-false", "username-[]"],
)
def test_login_naming_a_user_that_does_not_exist_is_401_valid_user_account_required(
    demo_server: LiveServer, body: object
) -> None:
    assert_error(login(demo_server, body), 401, "Valid User Account Required")


def test_login_accepts_the_versioned_accept_header_node_tvdb_sends(
    demo_server: LiveServer, negotiating_server: LiveServer
) -> None:
    node_tvdb = {"Accept": "application/vnd.thetvdb.v2.1.1"}
    response = login(demo_server, {"apikey": "k"}, headers=node_tvdb)
    assert response.status_code == 200
    assert_wire_headers(response, V3)
    negotiated = login(negotiating_server, {"apikey": "k"}, headers=node_tvdb)
    assert negotiated.status_code == 200
    assert_wire_headers(negotiated, V2)


# --- the token check ----------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), PROTECTED_ROUTES)
def test_every_route_but_login_is_401_without_a_token(
    demo_server: LiveServer, method: str, path: str
) -> None:
    response = httpx.request(method, demo_server.base_url + example_url(path), timeout=10)
    assert response.status_code == 401
    assert_wire_headers(response)
    if method != "HEAD":
        assert response.content == NOT_AUTHORIZED


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-jwt",
        "Bearer undefined",  # what a JavaScript client sends before its first login
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl",
        # Well formed, signed with a key this server never had.
        "Bearer "
        + jwt.encode({"id": "x", "exp": 4102444800, "orig_iat": 0}, "k" * 64, algorithm="HS256"),
        # Signed with no key at all.
        "Bearer " + jwt.encode({"id": "x", "exp": 4102444800}, None, algorithm="none"),
    ],
    ids=["garbage", "undefined", "bare-scheme", "basic", "no-scheme", "foreign-key", "alg-none"],
)
def test_a_bad_token_is_401_not_authorized(demo_server: LiveServer, authorization: str) -> None:
    response = httpx.get(
        f"{demo_server.base_url}/series/76156",
        headers={"Authorization": authorization},
        timeout=10,
    )
    assert_error(response, 401, "Not authorized")


def test_a_tampered_token_is_401(demo_server: LiveServer) -> None:
    header, _, signature = demo_server.token().split(".")
    forged = jwt.encode({"id": "admin", "exp": 4102444800}, "x" * 64, algorithm="HS256")
    tampered = f"{header}.{forged.split('.')[1]}.{signature}"
    with demo_server.client(token=tampered) as client:
        assert_error(client.get("/languages"), 401, "Not authorized")


def test_the_bearer_scheme_is_case_insensitive(demo_server: LiveServer) -> None:
    response = httpx.get(
        f"{demo_server.base_url}/languages/7",
        headers={"Authorization": f"bearer {demo_server.token()}"},
        timeout=10,
    )
    assert response.status_code == 200


# --- /refresh_token -----------------------------------------------------------------------


def test_refresh_token_answers_a_bare_token_that_works(
    api: httpx.Client, demo_server: LiveServer
) -> None:
    body = assert_ok(api.get("/refresh_token"))
    assert list(body) == ["token"]
    with demo_server.client(token=body["token"]) as client:
        assert client.get("/series/78874").status_code == 200


def test_refresh_token_keeps_the_identity_and_extends_the_expiry(
    demo_server: LiveServer,
) -> None:
    old = demo_server.token("my-project")
    with demo_server.client(token=old) as client:
        new = client.get("/refresh_token").json()["token"]
    old_claims, new_claims = claims_of(old), claims_of(new)
    assert new_claims["id"] == old_claims["id"]
    assert new_claims["exp"] >= old_claims["exp"]  # type: ignore[operator]


def test_refresh_token_tolerates_the_empty_credentials_client_for_tvdb_sends(
    api: httpx.Client, demo_server: LiveServer
) -> None:
    body = assert_ok(api.get("/refresh_token?apikey=&userkey=&username="))
    assert list(body) == ["token"]
    with demo_server.client(token=body["token"]) as client:
        assert client.get("/languages/7").status_code == 200


def test_refresh_token_without_a_token_is_401(demo_server: LiveServer) -> None:
    response = httpx.get(f"{demo_server.base_url}/refresh_token", timeout=10)
    assert_error(response, 401, "Not authorized")


# --- token lifetime and the signing key --------------------------------------------------


@pytest.fixture(scope="module")
def short_lived_server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    url, engine = databases.new_engine(backend)
    engine.dispose()
    server = LiveServer(
        url, tmp_path_factory.mktemp("short-lived"), TVDBD_TOKEN_LIFETIME_SECONDS="2"
    )
    yield server
    server.stop()


def test_an_expired_token_is_401_everywhere_including_refresh(
    short_lived_server: LiveServer,
) -> None:
    token = short_lived_server.token()
    expiry = claims_of(token)["exp"]
    assert expiry - claims_of(token)["orig_iat"] == 2  # type: ignore[operator]
    with short_lived_server.client(token=token) as client:
        assert client.get("/languages/7").status_code == 200  # served and remembered
        time.sleep(max(0.0, expiry - time.time()) + 1.1)  # type: ignore[operator]
        assert_error(client.get("/languages/7"), 401, "Not authorized")
        assert_error(client.get("/refresh_token"), 401, "Not authorized")


def test_tokens_survive_a_restart_because_the_signing_key_is_kept(
    backend: str, databases: Databases, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    engine.dispose()
    first = LiveServer(url, tmp_path)
    try:
        token = first.token()
    finally:
        first.stop()
    assert (tmp_path / "jwt-signing.key").exists()
    second = LiveServer(url, tmp_path)
    try:
        with second.client(token=token) as client:
            assert client.get("/languages/7").status_code == 200
    finally:
        second.stop()


# --- the `registered` API-key policy -----------------------------------------------------


@pytest.fixture(scope="module")
def registered_keys(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, str, str]]:
    """A server that accepts only registered keys: (server, active key, revoked key)."""
    url, engine = databases.new_engine(backend)
    active, revoked = _register_keys(engine)
    engine.dispose()
    server = LiveServer(
        url, tmp_path_factory.mktemp("registered"), TVDBD_API_KEY_POLICY="registered"
    )
    yield server, active, revoked
    server.stop()


def _register_keys(engine: Engine) -> tuple[str, str]:
    with engine.begin() as conn:
        active = apikeys.create(conn, "my-app")
        revoked = apikeys.create(conn, "old-app")
        assert apikeys.revoke(conn, "old-app")
    return active, revoked


def test_registered_policy_accepts_a_registered_key(
    registered_keys: tuple[LiveServer, str, str],
) -> None:
    server, active, _ = registered_keys
    token = assert_ok(login(server, {"apikey": active}))["token"]
    assert claims_of(token)["id"] == "my-app"
    with server.client(token=token) as client:
        assert client.get("/languages/7").status_code == 200


@pytest.mark.parametrize("which", ["unknown", "revoked", "empty"])
def test_registered_policy_refuses_other_keys_with_not_authorized(
    registered_keys: tuple[LiveServer, str, str], which: str
) -> None:
    server, _, revoked = registered_keys
    apikey = {"unknown": "0123456789ABCDEF", "revoked": revoked, "empty": ""}[which]
    assert_error(login(server, {"apikey": apikey}), 401, "Not Authorized")
