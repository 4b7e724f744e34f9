"""`tvdbd export --with-users` and `tvdbd import`: a restore gives every user back their data.

Accounts are made with the real `tvdbd user create`, so their keys are the printed ones; after
export and import on a fresh database, the same keys log in and see the same favorites and
ratings, and the site ratings are those of the original server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.api.accounts import (
    Account,
    engine_of,
    log_in,
    tvdbd_ok,
    tvdbd_on,
    unique_name,
    writable_demo_server,
)
from tests.support import Databases, LiveServer

RATED = [("series", 76156), ("series", 80288), ("episode", 184626), ("image", 20311)]


@dataclass
class Original:
    server: LiveServer
    accounts: list[Account]


def _new_account(server: LiveServer, *options: str) -> Account:
    name = unique_name("backup")
    key = tvdbd_ok(server, "user", "create", name, *options).strip()
    return log_in(server, name, key)


@pytest.fixture(scope="module")
def original(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Original]:
    """A server with three users: two with favorites and ratings, one with nothing."""
    with writable_demo_server(backend, databases, tmp_path_factory.mktemp("original")) as live:
        rich = _new_account(live, "--language", "de", "--favorites-display-mode", "banner")
        other = _new_account(live)
        empty = _new_account(live)
        with rich.client() as client:
            for path in (
                "/user/favorites/78874",
                "/user/favorites/73739",
                "/user/favorites/76156",
                "/user/ratings/series/76156/3",
                "/user/ratings/episode/184626/9",
                "/user/ratings/image/20311/4",
                "/user/ratings/series/80288/6",
                "/user/ratings/series/76156/5",  # replaces the first
            ):
                assert client.put(path).status_code == 200
            assert client.delete("/user/favorites/73739").status_code == 200
        with other.client() as client:
            for path in (
                "/user/favorites/76156",
                "/user/ratings/series/80288/9",
                "/user/ratings/image/20311/7",
            ):
                assert client.put(path).status_code == 200
        yield Original(live, [rich, other, empty])


def everything(server: LiveServer, account: Account, key: str | None = None) -> dict[str, Any]:
    """What the user reads through the API after logging in with their key."""
    fresh = log_in(server, account.name, key or account.key)
    with fresh.client() as client:
        return {
            path: client.get(path).json() for path in ("/user", "/user/favorites", "/user/ratings")
        }


def site_figures(server: LiveServer) -> dict[str, Any]:
    with server.client() as client:
        images = {
            i["id"]: i["ratingsInfo"]
            for i in client.get("/series/76156/images/query").json()["data"]
        }
        figures: dict[str, Any] = {}
        for item_type, item_id in RATED:
            if item_type == "series":
                data = client.get(f"/series/{item_id}").json()["data"]
            elif item_type == "episode":
                data = client.get(f"/episodes/{item_id}").json()["data"]
            else:
                figures[f"image/{item_id}"] = images[item_id]
                continue
            figures[f"{item_type}/{item_id}"] = [data["siteRating"], data["siteRatingCount"]]
    return figures


def user_lines(path: Path) -> list[dict[str, Any]]:
    lines = [orjson.loads(x) for x in path.read_bytes().splitlines() if x.strip()]
    return [x for x in lines if "user" in x]


@pytest.fixture(scope="module")
def backup(original: Original, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backup") / "backup.jsonl"
    tvdbd_ok(original.server, "export", "--with-users", str(path))
    return path


@pytest.fixture(scope="module")
def restored(
    backend: str,
    databases: Databases,
    tmp_path_factory: pytest.TempPathFactory,
    backup: Path,
) -> Iterator[LiveServer]:
    """A fresh database filled only by `tvdbd import` of the backup, and a server on it."""
    url = databases.new_url(backend)
    data_dir = tmp_path_factory.mktemp("restored")
    result = tvdbd_on(url, data_dir, "import", str(backup))
    assert result.exit_code == 0, result.output
    server = LiveServer(url, data_dir)
    yield server
    server.stop()


def test_export_with_users_writes_one_line_per_account_after_the_series(
    original: Original, backup: Path
) -> None:
    lines = [orjson.loads(x) for x in backup.read_bytes().splitlines() if x.strip()]
    kinds = ["user" if "user" in x else "series" for x in lines]
    assert kinds == sorted(kinds, key=lambda k: k == "user")  # series first, then users
    names = {x["user"]["userName"] for x in user_lines(backup)}
    assert {a.name for a in original.accounts} <= names


def test_export_carries_the_key_only_as_its_sha256(original: Original, backup: Path) -> None:
    text = backup.read_text()
    by_name = {x["user"]["userName"]: x["user"] for x in user_lines(backup)}
    for account in original.accounts:
        assert account.key not in text and account.key.lower() not in text
        record = by_name[account.name]
        assert record["userKeyHash"] == hashlib.sha256(account.key.encode()).hexdigest()


def test_export_lists_favorites_and_ratings_as_the_api_does(
    original: Original, backup: Path
) -> None:
    by_name = {x["user"]["userName"]: x["user"] for x in user_lines(backup)}
    for account in original.accounts:
        seen = everything(original.server, account)
        record = by_name[account.name]
        assert record["favorites"] == seen["/user/favorites"]["data"].get("favorites", [])
        assert record["ratings"] == seen["/user/ratings"]["data"]
        assert record["language"] == seen["/user"]["data"]["language"]
        assert record["favoritesDisplaymode"] == seen["/user"]["data"]["favoritesDisplaymode"]


def test_plain_export_leaves_users_out(original: Original, tmp_path: Path) -> None:
    path = tmp_path / "catalogue.jsonl"
    tvdbd_ok(original.server, "export", str(path))
    assert user_lines(path) == []
    text = path.read_text()
    for account in original.accounts:
        assert account.name not in text
        assert hashlib.sha256(account.key.encode()).hexdigest() not in text


def test_a_restore_gives_every_user_back_their_data_and_their_key(
    original: Original, restored: LiveServer
) -> None:
    for account in original.accounts:
        assert everything(restored, account) == everything(original.server, account)


def test_a_restore_gives_the_same_site_ratings(original: Original, restored: LiveServer) -> None:
    assert site_figures(restored) == site_figures(original.server)


def test_a_restored_user_keeps_writing(original: Original, restored: LiveServer) -> None:
    account = original.accounts[2]
    with log_in(restored, account.name, account.key).client() as client:
        assert client.put("/user/favorites/78874").json() == {"data": {"favorites": ["78874"]}}
        assert client.put("/user/favorites/78874").status_code == 409
        assert client.delete("/user/favorites/78874").json() == {"data": {"favorites": []}}


def test_a_wrong_key_still_fails_after_a_restore(original: Original, restored: LiveServer) -> None:
    account = original.accounts[0]
    response = httpx.post(
        f"{restored.base_url}/login",
        json={"apikey": "k", "username": account.name, "userkey": original.accounts[1].key},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json() == {"Error": "Valid User Account Required"}


def test_export_of_a_restore_has_the_same_user_lines(
    original: Original, restored: LiveServer, backup: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.jsonl"
    tvdbd_ok(restored, "export", "--with-users", str(again))
    assert user_lines(again) == user_lines(backup)


def test_importing_the_backup_over_changed_data_puts_it_back(
    original: Original, backup: Path
) -> None:
    # Restoring onto the same database: each account named in the backup is replaced.
    account = original.accounts[1]
    before = everything(original.server, account)
    with account.client() as client:
        client.put("/user/favorites/78874")
        client.delete("/user/ratings/series/80288")
        client.put("/user/ratings/episode/184626/2")
    assert everything(original.server, account) != before
    tvdbd_ok(original.server, "import", str(backup))
    assert everything(original.server, account) == before
    with engine_of(original.server).connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM users").scalar_one() >= 3
