"""The API key in a v1 path is checked by v2's policy (`api_key_policy`): any non-empty key
by default, only active registered keys when configured; a refused key is 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.bundles.importer import import_file
from tvdbd.db import apikeys

SCRUBS = 76156


@pytest.fixture(scope="module")
def registered(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, str, httpx.Client]]:
    """A server accepting registered keys only, with one registered key and one revoked."""
    url, engine = databases.new_engine(backend)
    assert import_file(engine, DEMO_BUNDLE).ok
    with engine.begin() as conn:
        key = apikeys.create(conn, "v1-client")
        revoked = apikeys.create(conn, "v1-revoked")
        apikeys.revoke(conn, "v1-revoked")
    server = LiveServer(
        url, Path(tmp_path_factory.mktemp("v1-keys")), TVDBD_API_KEY_POLICY="registered"
    )
    try:
        with httpx.Client(base_url=server.base_url + "/api", timeout=30) as client:
            yield server, f"{key}|{revoked}", client
    finally:
        server.stop()
        engine.dispose()


KEYED = [
    "/{key}/mirrors.xml",
    "/{key}/languages.xml",
    "/{key}/series/76156/en.xml",
    "/{key}/series/76156/all/en.zip",
    "/{key}/series/76156/banners.xml",
    "/{key}/episodes/297989/en.xml",
    "/{key}/updates/updates_day.xml",
    "/GetEpisodeByAirDate.php?apikey={key}&seriesid=78874&airdate=2002-09-20",
]


@pytest.mark.parametrize("path", KEYED)
def test_registered_keys_pass_and_others_are_404(
    registered: tuple[LiveServer, str, httpx.Client], path: str
) -> None:
    _, keys, client = registered
    key, revoked = keys.split("|")
    assert client.get(path.format(key=key)).status_code == 200
    for refused in ("not-registered", revoked):
        response = client.get(path.format(key=refused))
        assert response.status_code == 404, refused
        assert b"404 Not Found" in response.content


def test_php_routes_take_no_key(registered: tuple[LiveServer, str, httpx.Client]) -> None:
    _, _, client = registered
    assert client.get("/GetSeries.php", params={"seriesname": "scrubs"}).status_code == 200
    assert client.get("/Updates.php", params={"type": "none"}).status_code == 200


def test_any_key_is_accepted_by_default(demo_server: LiveServer) -> None:
    response = httpx.get(f"{demo_server.base_url}/api/whatever-key/series/{SCRUBS}/en.xml")
    assert response.status_code == 200
