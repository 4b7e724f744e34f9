"""The v1 user routes: `accountid` is the v2 user key, so both APIs share favorites and
ratings; one account never reaches another's (contract §4.10)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.accounts import Account, create_account, writable_demo_server
from tests.support import Databases, LiveServer

SCRUBS, FIREFLY, LOST = 76156, 78874, 73739
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


@pytest.fixture(scope="module")
def server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    data_dir = Path(tmp_path_factory.mktemp(f"v1-users-{backend}"))
    with writable_demo_server(backend, databases, data_dir) as live:
        yield live


@pytest.fixture
def v1(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url + "/api", timeout=30) as client:
        yield client


@pytest.fixture
def account(server: LiveServer) -> Account:
    return create_account(server, "v1user")


def favorites(v1: httpx.Client, account: Account, **params: object) -> list[int]:
    response = v1.get("/User_Favorites.php", params={"accountid": account.key, **params})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    root = ET.fromstring(response.content)
    assert root.tag == "Favorites"
    return [int(s.text or 0) for s in root.findall("Series")]


def v2_favorites(account: Account) -> list[int]:
    with account.client() as client:
        response = client.get("/user/favorites")
    assert response.status_code == 200
    return [int(i) for i in response.json()["data"]["favorites"]]


def test_favorites_added_through_v1_are_seen_in_v2(v1: httpx.Client, account: Account) -> None:
    assert favorites(v1, account) == []
    assert favorites(v1, account, type="add", seriesid=FIREFLY) == [FIREFLY]
    assert favorites(v1, account, type="add", seriesid=SCRUBS) == [FIREFLY, SCRUBS]
    assert v2_favorites(account) == [FIREFLY, SCRUBS]  # oldest first, as v2 lists them
    assert favorites(v1, account, type="remove", seriesid=FIREFLY) == [SCRUBS]
    assert v2_favorites(account) == [SCRUBS]


def test_favorites_added_through_v2_are_seen_in_v1(v1: httpx.Client, account: Account) -> None:
    with account.client() as client:
        assert client.put(f"/user/favorites/{LOST}").status_code == 200
    assert favorites(v1, account) == [LOST]


def test_adding_twice_or_removing_an_absent_series_answers_the_list(
    v1: httpx.Client, account: Account
) -> None:
    favorites(v1, account, type="add", seriesid=SCRUBS)
    assert favorites(v1, account, type="add", seriesid=SCRUBS) == [SCRUBS]
    assert favorites(v1, account, type="remove", seriesid=LOST) == [SCRUBS]
    assert favorites(v1, account, type="add", seriesid=999999) == [SCRUBS]  # unknown series


def test_one_account_never_sees_or_changes_another(
    v1: httpx.Client, server: LiveServer, account: Account
) -> None:
    other = create_account(server, "other")
    favorites(v1, account, type="add", seriesid=SCRUBS)
    assert favorites(v1, other) == []
    favorites(v1, other, type="add", seriesid=LOST)
    assert favorites(v1, account) == [SCRUBS]


@pytest.mark.parametrize(
    "path", ["/User_Favorites.php", "/User_PreferredLanguage.php", "/User_Rating.php"]
)
def test_unknown_or_missing_account_is_404(v1: httpx.Client, path: str) -> None:
    for params in ({"accountid": "not-a-key"}, {}):
        response = v1.get(path, params=params)
        assert response.status_code == 404
        assert response.content == NOT_FOUND


def _community(v1: httpx.Client, series_id: int) -> tuple[str, str]:
    root = ET.fromstring(v1.get(f"/k/series/{series_id}/en.xml").content)
    series = root.find("Series")
    assert series is not None
    return series.findtext("Rating", ""), series.findtext("RatingCount", "")


def test_a_rating_set_through_v1_shows_in_v2_and_in_the_records(
    v1: httpx.Client, account: Account
) -> None:
    before_rating, before_count = _community(v1, LOST)
    response = v1.get(
        "/User_Rating.php",
        params={"accountid": account.key, "itemtype": "series", "itemid": LOST, "rating": 10},
    )
    assert response.status_code == 200
    answered = ET.fromstring(response.content).findtext("Series/Rating")
    rating, count = _community(v1, LOST)  # the cached record was rebuilt
    assert int(count) == int(before_count) + 1
    assert answered == rating
    with account.client() as client:
        data = client.get("/user/ratings").json()["data"]
    assert {"ratingType": "series", "ratingItemId": LOST, "rating": 10} in data

    mine = ET.fromstring(
        v1.get("/GetRatingsForUser.php", params={"apikey": "k", "accountid": account.key}).content
    )
    assert [(s.findtext("seriesid"), s.findtext("UserRating")) for s in mine] == [(str(LOST), "10")]
    assert mine[0].findtext("CommunityRating") == rating

    removed = v1.get(
        "/User_Rating.php",
        params={"accountid": account.key, "itemtype": "series", "itemid": LOST, "rating": 0},
    )
    assert removed.status_code == 200
    assert _community(v1, LOST) == (before_rating, before_count)


def _episode_rating_count(v1: httpx.Client, episode_id: int) -> int:
    root = ET.fromstring(v1.get(f"/k/series/{FIREFLY}/all/en.xml").content)
    episode = next(e for e in root.findall("Episode") if e.findtext("id") == str(episode_id))
    return int(episode.findtext("RatingCount", ""))


def test_an_episode_rating_set_through_v2_shows_in_v1(v1: httpx.Client, account: Account) -> None:
    before = _episode_rating_count(v1, 297989)
    with account.client() as client:
        assert client.put("/user/ratings/episode/297989/1").status_code == 200
    assert _episode_rating_count(v1, 297989) == before + 1


@pytest.mark.parametrize(
    "params",
    [
        {"itemtype": "banner", "itemid": LOST, "rating": 5},
        {"itemtype": "series", "itemid": LOST, "rating": 11},
        {"itemtype": "series", "itemid": "x", "rating": 5},
        {"itemtype": "series", "itemid": 999999, "rating": 5},
    ],
)
def test_bad_or_unknown_rated_items_are_404(
    v1: httpx.Client, account: Account, params: dict[str, object]
) -> None:
    response = v1.get("/User_Rating.php", params={"accountid": account.key, **params})
    assert response.status_code == 404


def test_preferred_language_is_the_v2_user_language(v1: httpx.Client, account: Account) -> None:
    root = ET.fromstring(
        v1.get("/User_PreferredLanguage.php", params={"accountid": account.key}).content
    )
    language = root.find("Language")
    assert language is not None
    assert [(c.tag, c.text) for c in language] == [
        ("id", "7"), ("name", "English"), ("abbreviation", "en")
    ]  # fmt: skip
