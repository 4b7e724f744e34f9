"""The /user routes (contract §2, §3.11, §4, §9, Part 3) and the site ratings users move.

Each test makes its own accounts on a server of this module, so no test sees another's
favorites or ratings. The site-rating tests have a server of their own: they compare served
figures with the imported ones, which only their own ratings may move.
"""

from __future__ import annotations

import re
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
    combined,
    create_account,
    engine_of,
    log_in,
    login,
    tvdbd,
    tvdbd_ok,
    unique_name,
    writable_demo_server,
)
from tests.api.wire import (
    NOT_AUTHORIZED,
    V3,
    assert_error,
    assert_id_not_found,
    assert_json_error,
    assert_ok,
    demo_bundle,
    demo_episode,
    page_links,
)
from tests.support import Databases, LiveServer

CONFLICT = b'{"Error":"Conflict"}'
VALID_USER_REQUIRED = "Valid User Account Required"
EMPTY_RATINGS = b'{"links":{"first":1,"last":1,"next":null,"prev":null},"data":[]}'


@pytest.fixture(scope="module")
def server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with writable_demo_server(backend, databases, tmp_path_factory.mktemp("users")) as live:
        yield live


@pytest.fixture
def alice(server: LiveServer) -> Account:
    return create_account(server, "alice")


@pytest.fixture
def user_api(alice: Account) -> Iterator[httpx.Client]:
    """A client logged in as a new user with no favorites and no ratings."""
    with alice.client() as client:
        yield client


@pytest.fixture(scope="module")
def key_only_api(server: LiveServer) -> Iterator[httpx.Client]:
    """A client whose token came from an API key alone (no user)."""
    with server.client() as client:
        yield client


def claims_of(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def rating(item_type: str, item_id: int, value: int) -> dict[str, Any]:
    """Contract §3.11 / Part 3: `{ratingType, ratingItemId, rating}`, the id an int."""
    return {"ratingType": item_type, "ratingItemId": item_id, "rating": value}


def favorites_body(*series_ids: int) -> bytes:
    """Ids as strings in the order added; no `favorites` key at all when there are none."""
    data = {"favorites": [str(i) for i in series_ids]} if series_ids else {}
    return orjson.dumps({"data": data})


# --- GET /user ------------------------------------------------------------------------------


def test_user_answers_exactly_display_mode_language_and_name(
    user_api: httpx.Client, alice: Account
) -> None:
    response = user_api.get("/user")
    assert_ok(response)
    assert response.content == orjson.dumps(
        {"data": {"favoritesDisplaymode": "poster", "language": "en", "userName": alice.name}}
    )


def test_user_create_sets_the_language_and_display_mode_get_user_answers(
    server: LiveServer,
) -> None:
    name = unique_name("bruno")
    output = tvdbd_ok(
        server, "user", "create", name, "--language", "de", "--favorites-display-mode", "banner"
    )
    key = output.strip()
    assert re.fullmatch(r"[0-9A-Za-z]{16,}", key), output
    with log_in(server, name, key).client() as client:
        assert assert_ok(client.get("/user")) == {
            "data": {"favoritesDisplaymode": "banner", "language": "de", "userName": name}
        }


def test_user_create_refuses_a_taken_name_and_an_unknown_language(
    server: LiveServer, alice: Account
) -> None:
    taken = tvdbd(server, "user", "create", alice.name)
    assert taken.exit_code != 0 and "already exists" in taken.output
    unknown = tvdbd(server, "user", "create", unique_name("x"), "--language", "xx")
    assert unknown.exit_code != 0 and "xx" in unknown.output


def test_user_list_shows_counts_and_never_a_key(user_api: httpx.Client, alice: Account) -> None:
    user_api.put("/user/favorites/76156")
    user_api.put("/user/ratings/series/76156/8")
    user_api.put("/user/ratings/episode/184602/7")
    listing = tvdbd_ok(alice.server, "user", "list")
    line = next(x for x in listing.splitlines() if x.startswith(alice.name + "\t"))
    assert "1 favorites" in line and "2 ratings" in line
    assert alice.key not in listing
    assert alice.key.lower() not in listing.lower()


def test_user_key_is_stored_only_as_a_hash(server: LiveServer, alice: Account) -> None:
    with engine_of(server).connect() as conn:
        stored = " ".join(
            str(v)
            for v in conn.execute(
                text("SELECT * FROM users WHERE username = :n"), {"n": alice.name}
            ).one()
        )
    assert alice.key not in stored and alice.key.lower() not in stored


def test_user_answers_3_0_0_whatever_accept_by_default(user_api: httpx.Client) -> None:
    assert_ok(user_api.get("/user", headers={"Accept": "application/vnd.thetvdb.v2.1.1"}), V3)


# --- favorites ------------------------------------------------------------------------------


NO_FAVORITES = b'{"data":{"favorites":[]}}'


def test_favorites_of_a_new_user_is_an_empty_favorites_list(user_api: httpx.Client) -> None:
    # Contract Part 1 §5: the real API sent `{"data":{}}` (§3.11, M0NK), and clients that
    # read data["favorites"] crashed on it.
    response = user_api.get("/user/favorites")
    assert_ok(response)
    assert response.content == NO_FAVORITES


def test_put_favorite_answers_the_updated_list_of_string_ids_in_add_order(
    user_api: httpx.Client,
) -> None:
    for added in ([78874], [78874, 73739], [78874, 73739, 76156]):
        response = user_api.put(f"/user/favorites/{added[-1]}")
        assert_ok(response)
        assert response.content == favorites_body(*added)
    assert user_api.get("/user/favorites").content == favorites_body(78874, 73739, 76156)


def test_put_favorite_accepts_a_series_without_episodes(user_api: httpx.Client) -> None:
    assert user_api.put("/user/favorites/80288").content == favorites_body(80288)


def test_put_favorite_twice_is_409_conflict_and_keeps_one(user_api: httpx.Client) -> None:
    user_api.put("/user/favorites/76156")
    response = user_api.put("/user/favorites/76156")
    assert_error(response, 409, "Conflict")
    assert response.content == CONFLICT
    assert user_api.get("/user/favorites").content == favorites_body(76156)


@pytest.mark.parametrize("series_id", ["1", "999999999", "abc", "99999999999999999999999"])
def test_put_favorite_of_an_unknown_series_is_404_id_not_found(
    user_api: httpx.Client, series_id: str
) -> None:
    assert_id_not_found(user_api.put(f"/user/favorites/{series_id}"), series_id)
    assert user_api.get("/user/favorites").content == NO_FAVORITES


def test_delete_favorite_answers_the_updated_list(user_api: httpx.Client) -> None:
    for series_id in (78874, 73739, 76156):
        user_api.put(f"/user/favorites/{series_id}")
    response = user_api.delete("/user/favorites/73739")
    assert_ok(response)
    assert response.content == favorites_body(78874, 76156)
    assert user_api.get("/user/favorites").content == favorites_body(78874, 76156)


def test_deleting_the_last_favorite_answers_an_empty_favorites_list(
    user_api: httpx.Client,
) -> None:
    user_api.put("/user/favorites/78874")
    response = user_api.delete("/user/favorites/78874")
    assert_ok(response)
    assert response.content == NO_FAVORITES
    assert user_api.get("/user/favorites").content == NO_FAVORITES


@pytest.mark.parametrize("series_id", ["73739", "1", "abc"])
def test_delete_favorite_that_is_not_there_is_409_conflict(
    user_api: httpx.Client, series_id: str
) -> None:
    user_api.put("/user/favorites/78874")
    response = user_api.delete(f"/user/favorites/{series_id}")
    if series_id == "abc":
        assert_id_not_found(response, "abc")
    else:
        assert_error(response, 409, "Conflict")
    assert user_api.get("/user/favorites").content == favorites_body(78874)


def test_delete_favorite_twice_is_409_the_second_time(user_api: httpx.Client) -> None:
    user_api.put("/user/favorites/78874")
    assert user_api.delete("/user/favorites/78874").status_code == 200
    assert_error(user_api.delete("/user/favorites/78874"), 409, "Conflict")


def test_a_favorite_added_again_goes_to_the_end(user_api: httpx.Client) -> None:
    for series_id in (78874, 73739, 76156):
        user_api.put(f"/user/favorites/{series_id}")
    user_api.delete("/user/favorites/78874")
    assert user_api.put("/user/favorites/78874").content == favorites_body(73739, 76156, 78874)


# --- ratings: PUT and DELETE -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_type", "item_id"), [("series", 76156), ("episode", 184602), ("image", 25663)]
)
def test_put_rating_answers_the_one_rating_set(
    user_api: httpx.Client, item_type: str, item_id: int
) -> None:
    response = user_api.put(f"/user/ratings/{item_type}/{item_id}/7")
    assert_ok(response)
    assert response.content == orjson.dumps({"data": [rating(item_type, item_id, 7)]})


@pytest.mark.parametrize("value", [1, 10])
def test_put_rating_accepts_the_ends_of_one_to_ten(user_api: httpx.Client, value: int) -> None:
    response = user_api.put(f"/user/ratings/series/78874/{value}")
    assert assert_ok(response) == {"data": [rating("series", 78874, value)]}


@pytest.mark.parametrize("value", ["0", "11", "-1", "abc", "5.5", "100", "1e1", "%20"])
def test_put_rating_outside_one_to_ten_is_409_conflict_and_stores_nothing(
    user_api: httpx.Client, value: str
) -> None:
    response = user_api.put(f"/user/ratings/series/76156/{value}")
    assert_error(response, 409, "Conflict")
    assert response.content == CONFLICT
    assert user_api.get("/user/ratings").content == EMPTY_RATINGS


@pytest.mark.parametrize("item_type", ["series", "episode", "image"])
@pytest.mark.parametrize("item_id", ["1", "999999999", "abc", "99999999999999999999999"])
def test_put_rating_of_an_unknown_item_is_404_id_not_found(
    user_api: httpx.Client, item_type: str, item_id: str
) -> None:
    assert_id_not_found(user_api.put(f"/user/ratings/{item_type}/{item_id}/5"), item_id)
    assert user_api.get("/user/ratings").content == EMPTY_RATINGS


def test_put_rating_checks_the_id_against_the_item_type(user_api: httpx.Client) -> None:
    # 76156 is a series, not an episode; 184602 an episode, not an image.
    assert_id_not_found(user_api.put("/user/ratings/episode/76156/5"), "76156")
    assert_id_not_found(user_api.put("/user/ratings/image/184602/5"), "184602")


@pytest.mark.parametrize("item_type", ["movie", "Series", "banners", "0"])
def test_put_rating_of_an_unknown_item_type_is_a_json_400(
    user_api: httpx.Client, item_type: str
) -> None:
    assert_json_error(user_api.put(f"/user/ratings/{item_type}/76156/5"), 400)
    assert_json_error(user_api.delete(f"/user/ratings/{item_type}/76156"), 400)


def test_a_second_put_replaces_the_first_rating_in_place(user_api: httpx.Client) -> None:
    user_api.put("/user/ratings/series/76156/3")
    user_api.put("/user/ratings/episode/184602/4")
    response = user_api.put("/user/ratings/series/76156/9")
    assert assert_ok(response) == {"data": [rating("series", 76156, 9)]}
    assert user_api.get("/user/ratings").json()["data"] == [
        rating("series", 76156, 9),
        rating("episode", 184602, 4),
    ]


def test_the_same_id_as_another_item_type_is_a_separate_rating(user_api: httpx.Client) -> None:
    # A series and an image may share a number; ratings are per (type, id).
    images = demo_bundle(76156)["images"]
    image_id = images[0]["id"]
    user_api.put(f"/user/ratings/image/{image_id}/2")
    user_api.put("/user/ratings/series/76156/8")
    user_api.delete(f"/user/ratings/image/{image_id}")
    assert user_api.get("/user/ratings").json()["data"] == [rating("series", 76156, 8)]


def test_delete_rating_answers_an_empty_data_list(user_api: httpx.Client) -> None:
    user_api.put("/user/ratings/episode/184602/6")
    user_api.put("/user/ratings/series/76156/8")
    response = user_api.delete("/user/ratings/episode/184602")
    assert_ok(response)
    assert response.content == b'{"data":[]}'
    assert user_api.get("/user/ratings").json()["data"] == [rating("series", 76156, 8)]


@pytest.mark.parametrize(
    ("item_type", "item_id"),
    [("series", "76156"), ("episode", "184602"), ("image", "25663"), ("series", "1")],
)
def test_delete_rating_that_does_not_exist_is_409_conflict(
    user_api: httpx.Client, item_type: str, item_id: str
) -> None:
    # The seed doc says 404; the real API answered 409 (contract §4, UWE deleteRating).
    response = user_api.delete(f"/user/ratings/{item_type}/{item_id}")
    assert_error(response, 409, "Conflict")
    assert response.content == CONFLICT


def test_delete_rating_twice_is_409_the_second_time(user_api: httpx.Client) -> None:
    user_api.put("/user/ratings/image/25663/6")
    assert user_api.delete("/user/ratings/image/25663").status_code == 200
    assert_error(user_api.delete("/user/ratings/image/25663"), 409, "Conflict")


# --- ratings: GET, query, params, pages ------------------------------------------------------


def test_ratings_of_a_new_user_is_200_with_links_and_an_empty_list(
    user_api: httpx.Client,
) -> None:
    # tvdbsimple reads an empty list; the seed doc's 404 broke it (contract Part 3).
    response = user_api.get("/user/ratings")
    assert_ok(response)
    assert response.content == EMPTY_RATINGS


def test_ratings_lists_links_first_then_every_rating_in_the_order_rated(
    user_api: httpx.Client,
) -> None:
    user_api.put("/user/ratings/episode/184603/5")
    user_api.put("/user/ratings/series/78874/10")
    user_api.put("/user/ratings/image/25663/1")
    response = user_api.get("/user/ratings")
    assert_ok(response)
    assert response.content == orjson.dumps(
        {
            "links": page_links(1, 1),
            "data": [
                rating("episode", 184603, 5),
                rating("series", 78874, 10),
                rating("image", 25663, 1),
            ],
        }
    )


@pytest.fixture(scope="module")
def many_ratings(server: LiveServer) -> tuple[Account, list[dict[str, Any]]]:
    """A user with 150 episode ratings and then one series rating, and what they rated."""
    account = create_account(server, "rater")
    episodes = [e["id"] for e in demo_bundle(76156)["episodes"]][:150]
    expected = []
    with account.client() as client:
        for n, episode_id in enumerate(episodes):
            value = n % 10 + 1
            assert client.put(f"/user/ratings/episode/{episode_id}/{value}").status_code == 200
            expected.append(rating("episode", episode_id, value))
        assert client.put("/user/ratings/series/73739/6").status_code == 200
    expected.append(rating("series", 73739, 6))
    return account, expected


@pytest.mark.parametrize("page", [None, "0", "1"])
def test_ratings_page_one_has_the_first_hundred_and_links_to_page_two(
    many_ratings: tuple[Account, list[dict[str, Any]]], page: str | None
) -> None:
    account, expected = many_ratings
    with account.client() as client:
        response = client.get("/user/ratings", params={"page": page} if page else None)
    assert_ok(response)
    assert response.content == orjson.dumps({"links": page_links(1, 2), "data": expected[:100]})


def test_ratings_page_two_has_the_rest_and_a_prev_link(
    many_ratings: tuple[Account, list[dict[str, Any]]],
) -> None:
    account, expected = many_ratings
    with account.client() as client:
        response = client.get("/user/ratings?page=2")
    assert_ok(response)
    assert response.content == orjson.dumps({"links": page_links(2, 2), "data": expected[100:]})


def test_ratings_page_past_the_last_is_404_and_a_bad_page_is_400(
    many_ratings: tuple[Account, list[dict[str, Any]]],
) -> None:
    account, _ = many_ratings
    with account.client() as client:
        assert_error(client.get("/user/ratings?page=3"), 404, "Resource not found")
        assert_error(client.get("/user/ratings?page=abc"), 400, "Invalid page: abc")
        assert_error(client.get("/user/ratings?page=-1"), 400, "Invalid page: -1")


def test_ratings_query_pages_the_ratings_of_one_type(
    many_ratings: tuple[Account, list[dict[str, Any]]],
) -> None:
    account, expected = many_ratings
    episodes = [r for r in expected if r["ratingType"] == "episode"]
    with account.client() as client:
        first = client.get("/user/ratings/query?itemType=episode")
        second = client.get("/user/ratings/query?itemType=episode&page=2")
        series = client.get("/user/ratings/query?itemType=series")
        banners = client.get("/user/ratings/query?itemType=banner")
    assert first.content == orjson.dumps({"links": page_links(1, 2), "data": episodes[:100]})
    assert second.content == orjson.dumps({"links": page_links(2, 2), "data": episodes[100:]})
    assert series.content == orjson.dumps(
        {"links": page_links(1, 1), "data": [rating("series", 73739, 6)]}
    )
    assert banners.content == EMPTY_RATINGS


def test_ratings_query_with_banner_lists_the_image_ratings(user_api: httpx.Client) -> None:
    # The query documents `banner` for what the PUT/DELETE paths call `image` (contract §12.14).
    user_api.put("/user/ratings/image/25663/4")
    user_api.put("/user/ratings/series/76156/5")
    user_api.put("/user/ratings/episode/184602/6")
    response = user_api.get("/user/ratings/query", params={"itemType": "banner"})
    assert_ok(response)
    assert response.json() == {"links": page_links(1, 1), "data": [rating("image", 25663, 4)]}
    by_type = {
        t: user_api.get(f"/user/ratings/query?itemType={t}").json()["data"]
        for t in ("series", "episode")
    }
    assert by_type == {
        "series": [rating("series", 76156, 5)],
        "episode": [rating("episode", 184602, 6)],
    }


@pytest.mark.parametrize("query", ["", "?itemType=", "?foo=series"])
def test_ratings_query_without_an_item_type_is_400_no_valid_query_params(
    user_api: httpx.Client, query: str
) -> None:
    assert_error(user_api.get(f"/user/ratings/query{query}"), 400, "No valid query params given")


@pytest.mark.parametrize("item_type", ["movie", "Series", "all", "1"])
def test_ratings_query_with_an_unknown_item_type_is_a_json_400(
    user_api: httpx.Client, item_type: str
) -> None:
    assert_json_error(user_api.get(f"/user/ratings/query?itemType={item_type}"), 400)


def test_ratings_lists_unknown_query_params_next_to_the_data(user_api: httpx.Client) -> None:
    response = user_api.get("/user/ratings?lang=en")
    assert_ok(response)
    assert response.content == (
        b'{"links":{"first":1,"last":1,"next":null,"prev":null},"data":[],'
        b'"errors":{"invalidQueryParams":["lang"]}}'
    )


def test_ratings_query_params_is_the_list_of_item_type(user_api: httpx.Client) -> None:
    response = user_api.get("/user/ratings/query/params")
    assert_ok(response)
    assert response.content == b'{"data":["itemType"]}'


# --- methods --------------------------------------------------------------------------------

_USER_ROUTES = {
    "/user": "GET, HEAD",
    "/user/favorites": "GET, HEAD",
    "/user/favorites/76156": "DELETE, PUT",
    "/user/ratings": "GET, HEAD",
    "/user/ratings/query?itemType=series": "GET, HEAD",
    "/user/ratings/query/params": "GET, HEAD",
    "/user/ratings/series/76156/5": "PUT",
    "/user/ratings/series/76156": "DELETE",
}


@pytest.mark.parametrize("path", list(_USER_ROUTES))
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH"])
def test_a_wrong_method_on_a_user_route_is_405_with_allow(
    user_api: httpx.Client, path: str, method: str
) -> None:
    allowed = _USER_ROUTES[path].split(", ")
    if method in allowed:
        return
    response = user_api.request(method, path)
    assert_error(response, 405, "Method not allowed")
    assert sorted(response.headers["allow"].split(", ")) == allowed


def test_delete_on_ratings_query_params_is_405_not_a_rating_of_item_type_query(
    user_api: httpx.Client,
) -> None:
    # The path also fits DELETE /user/ratings/{itemType}/{itemId}; the literal route owns it.
    response = user_api.delete("/user/ratings/query/params")
    assert_error(response, 405, "Method not allowed")
    assert sorted(response.headers["allow"].split(", ")) == ["GET", "HEAD"]
    # Other item types still reach the rating routes.
    assert_json_error(user_api.delete("/user/ratings/query/other"), 400)
    assert_json_error(user_api.put("/user/ratings/query/params/5"), 400)


# --- who may use the /user routes -----------------------------------------------------------

USER_CALLS = [
    ("GET", "/user"),
    ("GET", "/user/favorites"),
    ("PUT", "/user/favorites/76156"),
    ("DELETE", "/user/favorites/76156"),
    ("GET", "/user/ratings"),
    ("GET", "/user/ratings?page=2"),
    ("GET", "/user/ratings/query?itemType=series"),
    ("GET", "/user/ratings/query"),
    ("GET", "/user/ratings/query/params"),
    ("PUT", "/user/ratings/series/76156/5"),
    ("PUT", "/user/ratings/series/1/99"),
    ("DELETE", "/user/ratings/series/76156"),
]


@pytest.mark.parametrize(("method", "path"), USER_CALLS)
def test_an_api_key_only_token_is_401_on_every_user_route(
    key_only_api: httpx.Client, method: str, path: str
) -> None:
    response = key_only_api.request(method, path)
    assert_error(response, 401, "Not authorized")
    assert response.content == NOT_AUTHORIZED


@pytest.mark.parametrize(("method", "path"), USER_CALLS)
def test_no_token_is_401_on_every_user_route(server: LiveServer, method: str, path: str) -> None:
    response = httpx.request(method, server.base_url + path, timeout=10)
    assert_error(response, 401, "Not authorized")


def test_an_api_key_only_token_still_reads_the_catalogue(key_only_api: httpx.Client) -> None:
    assert key_only_api.get("/series/76156").status_code == 200


def test_login_with_user_credentials_gives_a_token_carrying_the_user(alice: Account) -> None:
    response = alice.login()
    body = assert_ok(response)
    assert list(body) == ["token"]
    claims = claims_of(body["token"])
    assert claims["username"] == alice.name
    assert isinstance(claims["userid"], int)
    assert claims["exp"] - claims["orig_iat"] == 86400
    with alice.server.client(token=body["token"]) as client:
        assert client.get("/user").json()["data"]["userName"] == alice.name
        assert client.get("/series/76156").status_code == 200


def test_login_with_a_wrong_userkey_is_401_valid_user_account_required(alice: Account) -> None:
    wrong = "0" * len(alice.key) if alice.key != "0" * len(alice.key) else "1" * len(alice.key)
    for key in (wrong, alice.key.lower() + "0", alice.key[:-1], " " + alice.key):
        response = alice.login(key)
        assert_error(response, 401, VALID_USER_REQUIRED)
        assert response.content == b'{"Error":"Valid User Account Required"}'


def test_login_with_another_users_key_is_401(server: LiveServer, alice: Account) -> None:
    bob = create_account(server, "bob")
    assert_error(alice.login(bob.key), 401, VALID_USER_REQUIRED)
    assert_error(bob.login(alice.key), 401, VALID_USER_REQUIRED)


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "nobody-here", "userkey": "ABCDEF0123456789ABCDEF0123456789"},
        {"username": "nobody-here"},
        {"userkey": "ABCDEF0123456789ABCDEF0123456789"},
        {"username": "nobody-here", "userkey": ""},
        {"username": 42, "userkey": 42},
    ],
    ids=["both", "name-only", "key-only", "empty-key", "numbers"],
)
def test_login_of_an_unknown_user_is_401_valid_user_account_required(
    server: LiveServer, credentials: dict[str, Any]
) -> None:
    response = login(server, {"apikey": APIKEY, **credentials})
    assert_error(response, 401, VALID_USER_REQUIRED)


def test_login_naming_a_user_without_their_key_is_401(alice: Account) -> None:
    for userkey in ("", None):
        response = login(
            alice.server, {"apikey": APIKEY, "username": alice.name, "userkey": userkey}
        )
        assert_error(response, 401, VALID_USER_REQUIRED)


@pytest.mark.parametrize("empty", [None, ""], ids=["null", "empty-string"])
def test_login_with_null_or_empty_user_fields_is_an_api_key_only_login(
    server: LiveServer, empty: str | None
) -> None:
    # tvdbsimple sends null, tvdbAPI "" (contract Part 3).
    response = login(server, {"apikey": APIKEY, "username": empty, "userkey": empty})
    token = assert_ok(response)["token"]
    assert "userid" not in claims_of(token)
    with server.client(token=token) as client:
        assert client.get("/series/76156").status_code == 200
        assert_error(client.get("/user"), 401, "Not authorized")


def test_refresh_token_keeps_the_user(alice: Account) -> None:
    with alice.client() as client:
        token = assert_ok(client.get("/refresh_token"))["token"]
    assert claims_of(token)["userid"] == claims_of(alice.token)["userid"]
    with alice.server.client(token=token) as client:
        assert client.get("/user").json()["data"]["userName"] == alice.name


def test_reset_key_locks_out_the_old_key_and_its_tokens_and_keeps_the_data(
    alice: Account,
) -> None:
    with alice.client() as client:
        client.put("/user/favorites/78874")
        client.put("/user/ratings/series/78874/9")
        refreshed = client.get("/refresh_token").json()["token"]
    new_key = tvdbd_ok(alice.server, "user", "reset-key", alice.name).strip()
    assert new_key and new_key != alice.key
    for token in (alice.token, refreshed):
        with alice.server.client(token=token) as client:
            for method, path in USER_CALLS:
                assert_error(client.request(method, path), 401, "Not authorized")
            assert client.get("/series/78874").status_code == 200  # still an API-key token
    assert_error(alice.login(), 401, VALID_USER_REQUIRED)
    with log_in(alice.server, alice.name, new_key).client() as client:
        assert client.get("/user/favorites").content == favorites_body(78874)
        assert client.get("/user/ratings").json()["data"] == [rating("series", 78874, 9)]


def test_delete_user_removes_the_account_its_tokens_and_its_rows(
    server: LiveServer, alice: Account
) -> None:
    with alice.client() as client:
        client.put("/user/favorites/78874")
        client.put("/user/ratings/episode/184602/9")
    result = tvdbd(server, "user", "delete", alice.name)  # asks first
    assert result.exit_code != 0
    assert alice.login().status_code == 200
    tvdbd_ok(server, "user", "delete", alice.name, "--yes")
    with alice.client() as client:
        for method, path in USER_CALLS:
            assert_error(client.request(method, path), 401, "Not authorized")
    assert_error(alice.login(), 401, VALID_USER_REQUIRED)
    user_id = claims_of(alice.token)["userid"]
    with engine_of(server).connect() as conn:
        for table in ("user_favorites", "user_ratings"):
            count = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE user_id = :u"), {"u": user_id}
            ).scalar()
            assert count == 0, table
    assert alice.name not in tvdbd_ok(server, "user", "list")


def test_reset_key_and_delete_of_an_unknown_user_fail_cleanly(server: LiveServer) -> None:
    for args in (["reset-key", "nobody-at-all"], ["delete", "nobody-at-all", "--yes"]):
        result = tvdbd(server, "user", *args)
        assert result.exit_code == 1, result.output
        assert "nobody-at-all" in result.output
        assert "Traceback" not in result.output


def test_a_token_of_a_deleted_user_never_acts_on_a_later_account(server: LiveServer) -> None:
    # On SQLite a deleted row's id can be handed out again; the old token must not follow it.
    for _ in range(3):
        gone = create_account(server, "gone")
        tvdbd_ok(server, "user", "delete", gone.name, "--yes")
        later = create_account(server, "later")
        with later.client() as client:
            client.put("/user/favorites/76156")
        with gone.client() as client:
            for method, path in USER_CALLS:
                assert_error(client.request(method, path), 401, "Not authorized")
        with later.client() as client:
            assert client.get("/user/favorites").content == favorites_body(76156)
            assert client.get("/user/ratings").content == EMPTY_RATINGS


# --- site ratings ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rated_server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server of its own: each site-rating test rates items no other test rates."""
    with writable_demo_server(backend, databases, tmp_path_factory.mktemp("rated")) as live:
        yield live


@pytest.fixture
def reader(rated_server: LiveServer) -> Iterator[httpx.Client]:
    with rated_server.client() as client:
        yield client


def _series_figures(reader: httpx.Client, series_id: int) -> tuple[Any, Any]:
    record = assert_ok(reader.get(f"/series/{series_id}"))["data"]
    filtered = assert_ok(reader.get(f"/series/{series_id}/filter?keys=siteRating,siteRatingCount"))[
        "data"
    ]
    assert filtered == {
        "siteRating": record["siteRating"],
        "siteRatingCount": record["siteRatingCount"],
    }
    return record["siteRating"], record["siteRatingCount"]


def _find_in_episode_list(reader: httpx.Client, series_id: int, episode_id: int) -> Any:
    page: int | None = 1
    while page:
        body = assert_ok(reader.get(f"/series/{series_id}/episodes?page={page}"))
        for record in body["data"]:
            if record["id"] == episode_id:
                return record
        page = body["links"]["next"]
    raise AssertionError(f"episode {episode_id} not listed")


def _episode_figures(reader: httpx.Client, series_id: int, episode_id: int) -> tuple[Any, Any]:
    record = assert_ok(reader.get(f"/episodes/{episode_id}"))["data"]
    listed = _find_in_episode_list(reader, series_id, episode_id)
    assert listed == record
    return record["siteRating"], record["siteRatingCount"]


def _image_figures(reader: httpx.Client, series_id: int, image_id: int) -> tuple[Any, Any]:
    images = assert_ok(reader.get(f"/series/{series_id}/images/query"))["data"]
    info = next(i for i in images if i["id"] == image_id)["ratingsInfo"]
    assert list(info) == ["average", "count"]
    return info["average"], info["count"]


def _same_json(served: tuple[Any, Any], expected: tuple[Any, Any]) -> bool:
    """Equal as JSON text: 9 and 9.0 differ (contract Part 1 §8)."""
    return orjson.dumps(list(served)) == orjson.dumps(list(expected))


def _rate_and_check(
    rated_server: LiveServer,
    figures: Any,
    imported: tuple[Any, Any],
    item_path: str,
    steps: list[tuple[str, int]],
) -> None:
    """Two users rate, re-rate and delete; the served figures follow at every step.

    `steps` are (who, rating) with who "a" or "b"; rating 0 deletes that user's rating.
    """
    a = create_account(rated_server, "rater-a")
    b = create_account(rated_server, "rater-b")
    clients = {"a": a.client(), "b": b.client()}
    try:
        assert _same_json(figures(), imported)
        current: dict[str, int] = {}
        for who, value in steps:
            if value:
                assert clients[who].put(f"/user/ratings/{item_path}/{value}").status_code == 200
                current[who] = value
            else:
                assert clients[who].delete(f"/user/ratings/{item_path}").status_code == 200
                del current[who]
            expected = combined(*imported, list(current.values()))
            assert _same_json(figures(), expected), (who, value, figures(), expected)
        assert "b" in current
        tvdbd_ok(rated_server, "user", "delete", b.name, "--yes")
        remaining = [v for w, v in current.items() if w != "b"]
        expected = combined(*imported, remaining) if remaining else imported
        assert _same_json(figures(), expected)
        if current.get("a"):
            clients["a"].delete(f"/user/ratings/{item_path}")
        assert _same_json(figures(), imported)
    finally:
        for client in clients.values():
            client.close()


def test_series_site_rating_follows_users_ratings_and_returns_to_the_imported_figures(
    rated_server: LiveServer, reader: httpx.Client
) -> None:
    # Firefly's imported figures (9.5 by 14470) hardly move; "Fireflies" has none at all.
    for series_id, steps in [
        (80288, [("a", 7), ("b", 8), ("a", 10), ("a", 0), ("a", 3)]),
        (78874, [("a", 1), ("b", 1), ("b", 2), ("a", 0)]),
    ]:
        bundle = demo_bundle(series_id)["series"]
        imported = (bundle.get("siteRating") or 0, bundle.get("siteRatingCount") or 0)
        _rate_and_check(
            rated_server,
            lambda sid=series_id: _series_figures(reader, sid),
            imported,
            f"series/{series_id}",
            steps,
        )


def test_a_whole_site_rating_comes_back_as_the_same_json_literal(
    rated_server: LiveServer, reader: httpx.Client
) -> None:
    # Scrubs is 9 (an int on the wire), Lost 9.1; after a rating and its deletion the bytes
    # are the imported ones again.
    literals = {76156: b'"siteRating":9,"siteRatingCount":8151', 73739: b'"siteRating":9.1,'}
    account = create_account(rated_server, "literal")
    with account.client() as client:
        for series_id, literal in literals.items():
            assert literal in reader.get(f"/series/{series_id}").content
            client.put(f"/user/ratings/series/{series_id}/1")
            moved = reader.get(f"/series/{series_id}").json()["data"]
            bundle = demo_bundle(series_id)["series"]
            assert moved["siteRatingCount"] == bundle["siteRatingCount"] + 1
            assert _same_json(
                (moved["siteRating"], moved["siteRatingCount"]),
                combined(bundle["siteRating"], bundle["siteRatingCount"], [1]),
            )
            client.delete(f"/user/ratings/series/{series_id}")
            assert literal in reader.get(f"/series/{series_id}").content
            assert (
                literal
                in reader.get(f"/series/{series_id}/filter?keys=siteRating,siteRatingCount").content
            )


def test_episode_site_rating_follows_users_ratings_on_both_episode_routes(
    rated_server: LiveServer, reader: httpx.Client
) -> None:
    # 184626 has no imported ratings; 298409 (Lost) has 7 by 28, so one rating shows.
    for series_id, episode_id, steps in [
        (76156, 184626, [("a", 8), ("b", 5), ("b", 6), ("a", 0)]),
        (73739, 298409, [("a", 10), ("b", 9), ("a", 1), ("b", 3)]),
    ]:
        episode = demo_episode(series_id, episode_id)
        _rate_and_check(
            rated_server,
            lambda s=series_id, e=episode_id: _episode_figures(reader, s, e),
            (episode["siteRating"], episode["siteRatingCount"]),
            f"episode/{episode_id}",
            steps,
        )


def test_image_ratings_info_follows_users_ratings(
    rated_server: LiveServer, reader: httpx.Client
) -> None:
    images = {i["id"]: i for i in demo_bundle(76156)["images"]}
    no_ratings = next(i for i in images.values() if i["ratingsInfo"]["count"] == 0)["id"]
    one_rating = next(i for i in images.values() if i["ratingsInfo"]["count"] == 1)["id"]
    for image_id, steps in [
        (no_ratings, [("a", 6), ("b", 9), ("a", 2)]),
        (one_rating, [("a", 4), ("b", 10), ("a", 0), ("b", 7)]),
    ]:
        info = images[image_id]["ratingsInfo"]
        _rate_and_check(
            rated_server,
            lambda i=image_id: _image_figures(reader, 76156, i),
            (info["average"], info["count"]),
            f"image/{image_id}",
            steps,
        )


def test_ratings_change_neither_last_updated_nor_updated_query(
    rated_server: LiveServer, reader: httpx.Client
) -> None:
    # (HEAD's Last-Modified does move: it tells HTTP caches the served ratings changed;
    # see test_a_conditional_get_never_hides_a_new_site_rating.)
    def snapshot() -> dict[str, Any]:
        series = reader.get("/series/76156").json()["data"]
        episode = reader.get("/episodes/184603").json()["data"]
        images = reader.get("/series/76156/images/query?keyType=poster").json()["data"]
        return {
            "series": series["lastUpdated"],
            "episode": {k: v for k, v in episode.items() if not k.startswith("siteRating")},
            "images": [i["seriesLastUpdated"] for i in images],
            "updated": reader.get("/updated/query?fromTime=1590000000").content,
        }

    before = snapshot()
    assert before["series"] == demo_bundle(76156)["series"]["lastUpdated"]
    account = create_account(rated_server, "quiet")
    image_id = demo_bundle(76156)["images"][0]["id"]
    with account.client() as client:
        client.put("/user/ratings/series/76156/3")
        client.put("/user/ratings/episode/184603/4")
        client.put(f"/user/ratings/image/{image_id}/5")
        client.put("/user/favorites/76156")
        assert snapshot() == before
        client.put("/user/ratings/series/76156/6")
        client.delete("/user/ratings/episode/184603")
        assert snapshot() == before
    tvdbd_ok(rated_server, "user", "delete", account.name, "--yes")
    assert snapshot() == before


@pytest.mark.parametrize(
    "validator",
    [
        "etag",
        "last-modified",
    ],
)
def test_a_conditional_get_never_hides_a_new_site_rating(
    rated_server: LiveServer, reader: httpx.Client, validator: str
) -> None:
    # A rating changes records without moving lastUpdated: a validator made from lastUpdated
    # alone would answer 304 and keep the old figures in the client's cache.
    paths = ["/series/78874", "/series/78874/episodes", "/episodes/4360465"]
    before = {path: reader.get(path) for path in paths}
    if validator == "etag":
        conditions = {path: {"If-None-Match": before[path].headers["etag"]} for path in paths}
    else:
        last_modified = reader.head("/series/78874").headers["last-modified"]
        conditions = {path: {"If-Modified-Since": last_modified} for path in paths}
    account = create_account(rated_server, "cond")
    with account.client() as client:
        client.put("/user/ratings/series/78874/5")
        client.put("/user/ratings/episode/4360465/5")
        try:
            for path in paths:
                response = reader.get(path, headers=conditions[path])
                assert response.status_code == 200, (path, response.status_code)
                assert response.content != before[path].content, path
        finally:
            client.delete("/user/ratings/series/78874")
            client.delete("/user/ratings/episode/4360465")


def test_rating_an_image_moves_its_ratings_count_on_the_images_query(
    user_api: httpx.Client,
) -> None:
    image = demo_bundle(76156)["images"][0]
    query = f"/series/76156/images/query?keyType={image['keyType']}"
    before = {i["id"]: i["ratingsInfo"] for i in user_api.get(query).json()["data"]}
    user_api.put(f"/user/ratings/image/{image['id']}/7")
    try:
        after = {i["id"]: i["ratingsInfo"] for i in user_api.get(query).json()["data"]}
    finally:
        user_api.delete(f"/user/ratings/image/{image['id']}")
    assert after[image["id"]]["count"] == before[image["id"]]["count"] + 1
    assert {k: v for k, v in after.items() if k != image["id"]} == {
        k: v for k, v in before.items() if k != image["id"]
    }
    restored = {i["id"]: i["ratingsInfo"] for i in user_api.get(query).json()["data"]}
    assert restored == before
