"""The real client library tvdbsimple 1.0.6 (PyPI): favorites as a real user, on a live server.

tvdbsimple's base URL is the class attribute `TVDB._BASE_URI` (https://api.thetvdb.com); the
tests set it to the server's URL. Its token lives in the module-wide `KEYS`, and it logs in
again with the user's credentials whenever an answer is not a 200.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import tvdbsimple
from tvdbsimple.base import TVDB

from tests.api.accounts import APIKEY, Account, create_account, writable_demo_server
from tests.support import Databases, LiveServer

SCRUBS, LOST, FIREFLY = 76156, 73739, 78874


@pytest.fixture(scope="module")
def server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with writable_demo_server(
        backend, databases, Path(tmp_path_factory.mktemp("tvdbsimple"))
    ) as live:
        yield live


@pytest.fixture
def account(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Account:
    """A new user; tvdbsimple pointed at the server with no token yet."""
    monkeypatch.setattr(TVDB, "_BASE_URI", server.base_url)
    monkeypatch.setattr(TVDB, "_headers", dict(TVDB._headers))
    monkeypatch.setattr(tvdbsimple.KEYS, "API_KEY", APIKEY)
    monkeypatch.setattr(tvdbsimple.KEYS, "API_TOKEN", "")
    return create_account(server, "simple")


def test_a_new_user_has_an_empty_favorites_list(account: Account) -> None:
    user = tvdbsimple.User(account.name, account.key)
    assert user.favorites() == []
    assert user.favorites == []  # tvdbsimple also sets the attribute from data["favorites"]


def _listed(account: Account) -> object:
    """`User.favorites()` on a fresh User: the call replaces the method with its answer
    (tvdbsimple sets every key of `data` as an attribute), so it works once per instance."""
    return tvdbsimple.User(account.name, account.key).favorites()


def test_favorites_add_list_and_delete_as_a_real_user(account: Account) -> None:
    user = tvdbsimple.User(account.name, account.key)
    assert user.info()["userName"] == account.name
    assert user.add_favorite(FIREFLY) == [str(FIREFLY)]
    assert user.add_favorite(LOST) == [str(FIREFLY), str(LOST)]
    assert user.add_favorite(SCRUBS) == [str(FIREFLY), str(LOST), str(SCRUBS)]
    assert _listed(account) == [str(FIREFLY), str(LOST), str(SCRUBS)]
    assert user.delete_favorite(LOST) == [str(FIREFLY), str(SCRUBS)]
    assert user.delete_favorite(FIREFLY) == [str(SCRUBS)]
    # The DELETE that empties the list answers an empty list too.
    assert user.delete_favorite(SCRUBS) == []
    assert _listed(account) == []


def test_a_token_without_the_user_is_replaced_by_a_user_login(
    account: Account, server: LiveServer
) -> None:
    # An API-key-only token gets 401 on /user routes; tvdbsimple logs in again with the user.
    tvdbsimple.KEYS.API_TOKEN = server.token(APIKEY)
    user = tvdbsimple.User(account.name, account.key)
    assert user.favorites() == []
    claims = jwt.decode(tvdbsimple.KEYS.API_TOKEN, options={"verify_signature": False})
    assert claims["username"] == account.name


def test_a_wrong_user_key_fails_with_the_servers_error(account: Account) -> None:
    user = tvdbsimple.User(account.name, "0" * 16)
    with pytest.raises(Exception, match="Valid User Account Required"):
        user.favorites()
