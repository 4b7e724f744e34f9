"""Two users on one server: nothing one does shows in, or changes, the other's data.

The user is whoever the server's signature vouches for in the token; ids in paths, query
parameters and request bodies name series and items, never users.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import orjson
import pytest
from sqlalchemy import text

from tests.api.accounts import (
    APIKEY,
    Account,
    create_account,
    engine_of,
    login,
    tvdbd_ok,
    writable_demo_server,
)
from tests.api.wire import assert_error, assert_ok, page_links
from tests.support import Databases, LiveServer

EMPTY_RATINGS = {"links": page_links(1, 1), "data": []}
USER_READS = [
    "/user",
    "/user/favorites",
    "/user/ratings",
    "/user/ratings/query?itemType=series",
    "/user/ratings/query?itemType=episode",
    "/user/ratings/query?itemType=banner",
]


@pytest.fixture(scope="module")
def server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with writable_demo_server(backend, databases, tmp_path_factory.mktemp("isolation")) as live:
        yield live


@pytest.fixture
def alice(server: LiveServer) -> Iterator[tuple[Account, httpx.Client]]:
    account = create_account(server, "alice")
    with account.client() as client:
        yield account, client


@pytest.fixture
def bob(server: LiveServer) -> Iterator[tuple[Account, httpx.Client]]:
    account = create_account(server, "bob")
    with account.client() as client:
        yield account, client


def rating(item_type: str, item_id: int, value: int) -> dict[str, Any]:
    return {"ratingType": item_type, "ratingItemId": item_id, "rating": value}


def everything(client: httpx.Client) -> dict[str, Any]:
    """All a user can read about themself."""
    return {path: client.get(path).json() for path in USER_READS}


def claims_of(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def with_payload(token: str, claims: dict[str, Any]) -> str:
    """`token` with its payload replaced and its header and signature kept."""
    header, _, signature = token.split(".")
    return f"{header}.{_b64(orjson.dumps(claims))}.{signature}"


# --- favorites ------------------------------------------------------------------------------


def test_each_user_sees_only_their_own_favorites(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    _, a = alice
    _, b = bob
    a.put("/user/favorites/76156")
    b.put("/user/favorites/73739")
    a.put("/user/favorites/78874")
    assert a.get("/user/favorites").json() == {"data": {"favorites": ["76156", "78874"]}}
    assert b.get("/user/favorites").json() == {"data": {"favorites": ["73739"]}}


def test_the_same_favorite_is_no_conflict_for_another_user(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    _, a = alice
    _, b = bob
    assert a.put("/user/favorites/76156").status_code == 200
    response = b.put("/user/favorites/76156")
    assert assert_ok(response) == {"data": {"favorites": ["76156"]}}
    assert a.delete("/user/favorites/76156").status_code == 200
    assert b.get("/user/favorites").json() == {"data": {"favorites": ["76156"]}}
    assert a.get("/user/favorites").json() == {"data": {"favorites": []}}


def test_deleting_a_favorite_only_the_other_user_has_is_409_and_leaves_it(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    _, a = alice
    _, b = bob
    for series_id in (76156, 78874, 73739):
        a.put(f"/user/favorites/{series_id}")
    before = everything(a)
    for series_id in (76156, 78874, 73739):
        assert_error(b.delete(f"/user/favorites/{series_id}"), 409, "Conflict")
    assert everything(a) == before
    assert b.get("/user/favorites").json() == {"data": {"favorites": []}}


# --- ratings --------------------------------------------------------------------------------


def test_each_user_sees_only_their_own_ratings(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    _, a = alice
    _, b = bob
    a.put("/user/ratings/series/76156/8")
    a.put("/user/ratings/episode/184602/7")
    a.put("/user/ratings/image/25663/6")
    b.put("/user/ratings/series/78874/2")
    assert a.get("/user/ratings").json()["data"] == [
        rating("series", 76156, 8),
        rating("episode", 184602, 7),
        rating("image", 25663, 6),
    ]
    assert b.get("/user/ratings").json()["data"] == [rating("series", 78874, 2)]
    assert b.get("/user/ratings/query?itemType=episode").json() == EMPTY_RATINGS
    assert b.get("/user/ratings/query?itemType=banner").json() == EMPTY_RATINGS


def test_rating_an_item_the_other_user_rated_changes_only_ones_own(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    _, a = alice
    _, b = bob
    a.put("/user/ratings/episode/184602/9")
    assert assert_ok(b.put("/user/ratings/episode/184602/1")) == {
        "data": [rating("episode", 184602, 1)]
    }
    b.put("/user/ratings/episode/184602/2")
    assert a.get("/user/ratings").json()["data"] == [rating("episode", 184602, 9)]
    assert b.get("/user/ratings").json()["data"] == [rating("episode", 184602, 2)]
    assert b.delete("/user/ratings/episode/184602").status_code == 200
    assert a.get("/user/ratings").json()["data"] == [rating("episode", 184602, 9)]


@pytest.mark.parametrize(
    ("item_type", "item_id"), [("series", 76156), ("episode", 184602), ("image", 25663)]
)
def test_deleting_a_rating_only_the_other_user_has_is_409_and_leaves_it(
    alice: tuple[Account, httpx.Client],
    bob: tuple[Account, httpx.Client],
    item_type: str,
    item_id: int,
) -> None:
    _, a = alice
    _, b = bob
    a.put(f"/user/ratings/{item_type}/{item_id}/4")
    before = everything(a)
    assert_error(b.delete(f"/user/ratings/{item_type}/{item_id}"), 409, "Conflict")
    assert everything(a) == before
    assert b.get("/user/ratings").json() == EMPTY_RATINGS


# --- guessed ids and parameters naming users -------------------------------------------------


def test_guessing_the_other_users_id_or_name_in_paths_finds_no_route(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    account_a, a = alice
    _, b = bob
    a.put("/user/favorites/76156")
    a.put("/user/ratings/series/76156/8")
    before = everything(a)
    user_id = claims_of(account_a.token)["userid"]
    for guess in (str(user_id), account_a.name):
        for path in (
            f"/user/{guess}",
            f"/user/{guess}/favorites",
            f"/user/{guess}/ratings",
            f"/users/{guess}/favorites",
            f"/user/favorites/{guess}/76156",
        ):
            for method in ("GET", "PUT", "DELETE"):
                assert_error(b.request(method, path), 404, "Resource not found")
    assert everything(a) == before


def test_query_parameters_naming_the_other_user_are_ignored(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    account_a, a = alice
    _, b = bob
    a.put("/user/favorites/76156")
    a.put("/user/ratings/series/76156/8")
    user_id = claims_of(account_a.token)["userid"]
    bobs = everything(b)
    for params in ({"userid": user_id}, {"username": account_a.name}, {"user": user_id}):
        assert b.get("/user/favorites", params=params).json() == bobs["/user/favorites"]
        ratings = b.get("/user/ratings", params=params).json()
        assert ratings["data"] == []
        assert ratings["errors"] == {"invalidQueryParams": list(params)}
        assert b.get("/user", params=params).json() == bobs["/user"]
        assert_error(b.delete("/user/favorites/76156", params=params), 409, "Conflict")
        assert_error(b.delete("/user/ratings/series/76156", params=params), 409, "Conflict")
    assert a.get("/user/favorites").json() == {"data": {"favorites": ["76156"]}}


def test_user_fields_in_a_request_body_are_ignored(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    account_a, a = alice
    _, b = bob
    user_id = claims_of(account_a.token)["userid"]
    body = {"userid": user_id, "username": account_a.name, "userName": account_a.name}
    assert b.request("PUT", "/user/favorites/78874", json=body).status_code == 200
    assert b.request("PUT", "/user/ratings/series/78874/3", json=body).status_code == 200
    assert everything(a)["/user/favorites"] == {"data": {"favorites": []}}
    assert a.get("/user/ratings").json() == EMPTY_RATINGS


# --- tokens ---------------------------------------------------------------------------------


def test_a_token_with_its_userid_changed_fails_the_signature(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    account_a, a = alice
    account_b, _ = bob
    a.put("/user/favorites/76156")
    a_claims = claims_of(account_a.token)
    b_claims = claims_of(account_b.token)
    forgeries = [
        {**b_claims, "userid": a_claims["userid"]},
        {**b_claims, "userid": a_claims["userid"], "username": a_claims["username"]},
        {**b_claims, **{k: a_claims[k] for k in ("userid", "username", "keygen")}},
    ]
    for claims in forgeries:
        forged = with_payload(account_b.token, claims)
        with account_b.server.client(token=forged) as client:
            for path in USER_READS:
                assert_error(client.get(path), 401, "Not authorized")
            assert_error(client.delete("/user/favorites/76156"), 401, "Not authorized")
    assert a.get("/user/favorites").json() == {"data": {"favorites": ["76156"]}}


def test_a_token_signed_with_another_key_or_none_is_401(
    alice: tuple[Account, httpx.Client],
) -> None:
    account_a, _ = alice
    claims = claims_of(account_a.token)
    for token in (
        jwt.encode(claims, "k" * 64, algorithm="HS256"),
        jwt.encode(claims, None, algorithm="none"),
        with_payload(account_a.token, claims)[:-2] + "AA",
    ):
        with account_a.server.client(token=token) as client:
            for path in USER_READS:
                assert_error(client.get(path), 401, "Not authorized")


def test_a_users_token_acts_only_on_that_user(
    server: LiveServer, alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    account_a, a = alice
    account_b, b = bob
    a_id = claims_of(account_a.token)["userid"]
    b_id = claims_of(account_b.token)["userid"]
    assert a_id != b_id
    assert a.get("/user").json()["data"]["userName"] == account_a.name
    assert b.get("/user").json()["data"]["userName"] == account_b.name
    a.put("/user/favorites/76156")
    a.put("/user/ratings/series/76156/8")
    b.put("/user/favorites/78874")
    b.put("/user/ratings/episode/184602/5")
    with engine_of(server).connect() as conn:
        favorites = conn.execute(
            text("SELECT user_id, series_id FROM user_favorites WHERE user_id IN (:a, :b)"),
            {"a": a_id, "b": b_id},
        ).all()
        ratings = conn.execute(
            text("SELECT user_id, item_type, item_id FROM user_ratings WHERE user_id IN (:a, :b)"),
            {"a": a_id, "b": b_id},
        ).all()
    assert sorted(map(tuple, favorites)) == sorted([(a_id, 76156), (b_id, 78874)])
    assert sorted(map(tuple, ratings)) == sorted(
        [(a_id, "series", 76156), (b_id, "episode", 184602)]
    )


def test_a_refreshed_token_stays_with_its_user(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    account_a, a = alice
    _, b = bob
    a.put("/user/favorites/76156")
    refreshed = a.get("/refresh_token").json()["token"]
    with account_a.server.client(token=refreshed) as client:
        assert client.get("/user").json()["data"]["userName"] == account_a.name
        assert client.get("/user/favorites").json() == {"data": {"favorites": ["76156"]}}
    assert b.get("/user/favorites").json() == {"data": {"favorites": []}}


def test_login_pairs_a_name_only_with_its_own_key(
    alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    account_a, _ = alice
    account_b, _ = bob
    for name, key in ((account_a.name, account_b.key), (account_b.name, account_a.key)):
        response = login(account_a.server, {"apikey": APIKEY, "username": name, "userkey": key})
        assert_error(response, 401, "Valid User Account Required")
    # Extra fields naming the other user change nothing.
    b_id = claims_of(account_b.token)["userid"]
    response = login(
        account_a.server,
        {
            "apikey": APIKEY,
            "username": account_a.name,
            "userkey": account_a.key,
            "userid": b_id,
            "id": b_id,
        },
    )
    claims = claims_of(response.json()["token"])
    assert (claims["userid"], claims["username"]) == (
        claims_of(account_a.token)["userid"],
        account_a.name,
    )


# --- the operator's commands ----------------------------------------------------------------


def test_reset_key_and_delete_of_one_user_leave_the_other_alone(
    server: LiveServer, alice: tuple[Account, httpx.Client], bob: tuple[Account, httpx.Client]
) -> None:
    _, a = alice
    account_b, b = bob
    a.put("/user/favorites/76156")
    a.put("/user/ratings/episode/184602/7")
    b.put("/user/favorites/76156")
    b.put("/user/ratings/episode/184602/3")
    before = everything(a)
    tvdbd_ok(server, "user", "reset-key", account_b.name)
    assert everything(a) == before
    tvdbd_ok(server, "user", "delete", account_b.name, "--yes")
    assert everything(a) == before
    assert_error(b.get("/user"), 401, "Not authorized")
