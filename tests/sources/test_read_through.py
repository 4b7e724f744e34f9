"""Read-through from TheTVDB v4, through a live tvdbd and a fixture server: a series missing
from the catalogue is fetched on first request, stored whole, and answered as after an import;
upstream trouble gives the stored answer (or the contract's 404) within the bound."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.sources.fixture_server import FixtureServer
from tests.sources.v4_fixtures import DELETED_SERIES
from tests.support import Databases, LiveServer
from tvdbd.bundles.exporter import export_file
from tvdbd.bundles.importer import import_file
from tvdbd.db.engine import make_engine

SCRUBS, LOST, FIREFLY = 76156, 73739, 78874
MakeServer = Callable[..., LiveServer]


def v4_env(v4: FixtureServer, **extra: str) -> dict[str, str]:
    return {
        "TVDBD_TVDB_V4_API_KEY": "test-v4-key",
        "TVDBD_TVDB_V4_URL": v4.base_url,
        "TVDBD_TVDB_V4_ARTWORK_URL": f"{v4.base_url}/banners/",
        "TVDBD_SOURCE_RETRIES": "2",
        "TVDBD_READ_THROUGH": "auto",  # the default: TheTVDB v4, as a key is set
        **extra,
    }


@pytest.fixture
def make_server(backend: str, databases: Databases, tmp_path: Path) -> Iterator[MakeServer]:
    servers: list[LiveServer] = []

    def make(**env: str) -> LiveServer:
        url, engine = databases.new_engine(backend)
        engine.dispose()
        server = LiveServer(url, tmp_path / f"server-{len(servers)}", **env)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def get(server: LiveServer, path: str, **headers: str) -> httpx.Response:
    with server.client(**headers) as client:
        return client.get(path)


def test_an_unknown_series_is_fetched_and_answered_as_after_an_import(
    make_server: MakeServer, v4: FixtureServer, tmp_path: Path
) -> None:
    reading = make_server(**v4_env(v4))
    assert "fetched from TheTVDB v4" in reading.log_path.read_text()  # said at start
    paths = [f"/series/{SCRUBS}", f"/series/{SCRUBS}/episodes?page=2",
             f"/series/{SCRUBS}/actors", f"/series/{SCRUBS}/images/query?keyType=season",
             f"/series/{SCRUBS}/episodes/summary"]  # fmt: skip
    first = {p: get(reading, p, **{"Accept-Language": "fr"}) for p in paths}
    assert all(r.status_code == 200 for r in first.values()), {
        p: r.status_code for p, r in first.items()
    }
    assert first[f"/series/{SCRUBS}"].json()["data"]["seriesName"] == "Scrubs"
    assert len(v4.requests_to(f"/series/{SCRUBS}/extended")) == 1
    # The same series imported from a bundle into another server answers the same bytes.
    bundle = tmp_path / "scrubs.jsonl"
    export_file(make_engine(reading.database_url), bundle)
    imported = make_server()
    assert import_file(make_engine(imported.database_url), bundle).imported == 1
    for path, response in first.items():
        again = get(reading, path, **{"Accept-Language": "fr"})
        elsewhere = get(imported, path, **{"Accept-Language": "fr"})
        assert again.content == response.content == elsewhere.content, path


def test_a_series_is_still_served_when_the_source_is_gone(
    make_server: MakeServer, v4: FixtureServer
) -> None:
    server = make_server(**v4_env(v4))
    first = get(server, f"/series/{FIREFLY}/episodes")
    assert first.status_code == 200 and len(first.json()["data"]) == 17
    v4.stop()
    assert get(server, f"/series/{FIREFLY}/episodes").content == first.content
    missing = get(server, f"/series/{LOST}")
    assert missing.status_code == 404 and missing.json() == {"Error": f"ID: {LOST} not found"}


def test_an_upstream_outage_is_the_contract_404_within_the_bound_then_heals(
    make_server: MakeServer, v4: FixtureServer
) -> None:
    server = make_server(**v4_env(v4, TVDBD_SOURCE_TIMEOUT_SECONDS="1"))
    v4.fault(f"/series/{FIREFLY}/extended", "500", times=100)
    started = time.monotonic()
    answer = get(server, f"/series/{FIREFLY}")
    assert answer.status_code == 404
    assert answer.json() == {"Error": f"ID: {FIREFLY} not found"}
    assert time.monotonic() - started < 2.5
    v4.faults.clear()
    time.sleep(3.5)  # the source is left alone 3 timeouts after a failure
    healed = get(server, f"/series/{FIREFLY}")
    assert healed.status_code == 200, "a 404 of a failed read-through must not be cached"


def test_a_slow_source_answers_at_the_bound_and_the_next_request_finds_the_series(
    make_server: MakeServer, v4: FixtureServer
) -> None:
    server = make_server(**v4_env(v4, TVDBD_SOURCE_TIMEOUT_SECONDS="1"))
    v4.fault(f"/series/{LOST}/episodes/official", "slow", times=1, delay=1.5)
    started = time.monotonic()
    assert get(server, f"/series/{LOST}").status_code == 404
    assert time.monotonic() - started < 2
    deadline = time.monotonic() + 15
    while get(server, f"/series/{LOST}").status_code != 200:
        assert time.monotonic() < deadline, "the fetch went on and was stored"
        time.sleep(0.3)
    assert len(v4.requests_to(f"/series/{LOST}/extended")) == 1


def test_many_clients_asking_at_once_cause_one_fetch(
    make_server: MakeServer, v4: FixtureServer
) -> None:
    server = make_server(**v4_env(v4))
    token = server.token()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(
            lambda _: httpx.get(f"{server.base_url}/series/{LOST}",
                                headers={"Authorization": f"Bearer {token}"}, timeout=30),
            range(8),
        ))  # fmt: skip
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert len(v4.requests_to(f"/series/{LOST}/extended")) == 1


def test_an_id_the_source_does_not_have_is_not_asked_again_at_once(
    make_server: MakeServer, v4: FixtureServer
) -> None:
    server = make_server(**v4_env(v4))
    for _ in range(3):
        answer = get(server, f"/series/{DELETED_SERIES}")
        assert answer.json() == {"Error": f"ID: {DELETED_SERIES} not found"}
    assert len(v4.requests_to(f"/series/{DELETED_SERIES}/extended")) == 1


def test_a_search_that_finds_nothing_stored_asks_the_source(
    make_server: MakeServer, v4: FixtureServer
) -> None:
    server = make_server(**v4_env(v4))
    hits = get(server, "/search/series?name=scrubs")
    assert hits.status_code == 200
    assert [h["id"] for h in hits.json()["data"]] == [SCRUBS]
    by_imdb = get(server, "/search/series?imdbId=tt0303461")
    assert [h["seriesName"] for h in by_imdb.json()["data"]] == ["Firefly"]
    nothing = get(server, "/search/series?name=no%20such%20show")
    assert nothing.status_code == 404 and nothing.json() == {"Error": "Resource not found"}


def test_an_unknown_episode_brings_its_series(make_server: MakeServer, v4: FixtureServer) -> None:
    server = make_server(**v4_env(v4))
    episode = get(server, "/episodes/297989")
    assert episode.status_code == 200
    assert episode.json()["data"]["episodeName"] == "The Train Job"
    assert get(server, f"/series/{FIREFLY}").status_code == 200


def test_the_artwork_of_a_fetched_series_is_downloaded_into_the_image_store(
    make_server: MakeServer, v4: FixtureServer
) -> None:
    server = make_server(**v4_env(v4))
    series = get(server, f"/series/{FIREFLY}").json()["data"]
    deadline = time.monotonic() + 15
    while httpx.get(f"{server.base_url}/banners/{series['poster']}").status_code != 200:
        assert time.monotonic() < deadline, "the poster never arrived"
        time.sleep(0.2)
    v4.stop()
    poster = httpx.get(f"{server.base_url}/banners/{series['poster']}")
    assert poster.headers["content-type"] == "image/jpeg" and poster.content[:2] == b"\xff\xd8"
    episode = get(server, f"/series/{FIREFLY}/episodes").json()["data"][0]
    assert httpx.get(f"{server.base_url}/banners/{episode['filename']}").status_code == 200


def test_no_request_reaches_the_source_without_a_valid_token(
    make_server: MakeServer, v4: FixtureServer
) -> None:
    server = make_server(**v4_env(v4))
    answer = httpx.get(f"{server.base_url}/series/{LOST}")
    assert answer.status_code == 401
    assert v4.seen == []


def test_a_refused_key_gives_404s_and_is_not_tried_again_for_a_while(
    make_server: MakeServer, v4: FixtureServer
) -> None:
    server = make_server(**v4_env(v4, TVDBD_TVDB_V4_API_KEY="wrong-key"))
    assert get(server, f"/series/{LOST}").status_code == 404
    assert get(server, f"/series/{FIREFLY}").status_code == 404
    assert [s.path for s in v4.seen] == ["/login"]
    assert "wrong-key" not in server.log_path.read_text()


def test_without_a_key_auto_reads_through_tvmaze_and_never_v4(
    make_server: MakeServer, v4: FixtureServer, tvmaze: FixtureServer
) -> None:
    server = make_server(TVDBD_READ_THROUGH="auto", TVDBD_TVDB_V4_URL=v4.base_url,
                         TVDBD_TVMAZE_URL=tvmaze.base_url)  # fmt: skip
    assert get(server, f"/series/{LOST}").status_code == 404  # TVmaze's fixtures lack Lost
    assert v4.seen == []
    assert [s.query for s in tvmaze.requests_to("/lookup/shows")] == [{"thetvdb": str(LOST)}]
