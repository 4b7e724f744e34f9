"""Read-through with no settings: a fresh `tvdbd serve` without a TheTVDB v4 key reads
through TVmaze and says so at start; `--read-through off` asks no source; offline, a miss is
the contract's 404 within the source timeout and the source is then left alone. And the
suite itself never reads through to the internet."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.sources.fixture_server import FixtureServer
from tests.support import ROOT, Databases, LiveServer
from tvdbd.settings import Settings
from tvdbd.sources.tvmaze.mapping import TVDBD_ID_BASE

UNDER_THE_DOME, LOST = 264492, 73739
# Nothing set: the defaults of a fresh install (the suite's environment turns them off).
FRESH: dict[str, str | None] = {"TVDBD_READ_THROUGH": None, "TVDBD_TVDB_V4_API_KEY": None}
MakeServer = Callable[..., LiveServer]


@pytest.fixture
def make_server(backend: str, databases: Databases, tmp_path: Path) -> Iterator[MakeServer]:
    servers: list[LiveServer] = []

    def make(*args: str, **env: str | None) -> LiveServer:
        url, engine = databases.new_engine(backend)
        engine.dispose()
        server = LiveServer(url, tmp_path / f"server-{len(servers)}", args=args, **env)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def tvmaze_env(tvmaze: FixtureServer) -> dict[str, str | None]:
    return {
        **FRESH,
        "TVDBD_TVMAZE_URL": tvmaze.base_url,
        "TVDBD_TVMAZE_IMAGE_URL": f"{tvmaze.base_url}/images/",
        "TVDBD_TVMAZE_RATE_PER_SECOND": "50",
    }


def get(server: LiveServer, path: str) -> httpx.Response:
    with server.client() as client:
        return client.get(path)


def test_a_fresh_server_without_a_key_reads_through_tvmaze_and_says_so(
    make_server: MakeServer, tvmaze: FixtureServer
) -> None:
    server = make_server(**tvmaze_env(tvmaze))
    started = server.log_path.read_text()
    assert "Read-through: a series that is not stored is fetched from TVmaze" in started
    assert "CC BY-SA 4.0" in started and "--read-through off" in started
    answer = get(server, f"/series/{UNDER_THE_DOME}")
    assert answer.status_code == 200
    series = answer.json()["data"]
    assert series["seriesName"] == "Under the Dome"
    assert series["genre"] == ["Drama", "Science Fiction", "Thriller"]
    page = get(server, f"/series/{UNDER_THE_DOME}/episodes").json()["data"]
    first = next(e for e in page if (e["airedSeason"], e["airedEpisodeNumber"]) == (1, 1))
    assert first["airedSeasonID"] == TVDBD_ID_BASE + 1
    assert tvmaze.requests_to("/lookup/shows")


def test_read_through_off_asks_no_source(make_server: MakeServer, tvmaze: FixtureServer) -> None:
    server = make_server("--read-through", "off", **tvmaze_env(tvmaze))
    assert "Read-through is off: only the stored catalogue is served." in (
        server.log_path.read_text()
    )
    for path in (f"/series/{UNDER_THE_DOME}", "/search/series?name=under the dome"):
        assert get(server, path).status_code == 404
    assert get(server, f"/series/{UNDER_THE_DOME}").json() == {
        "Error": f"ID: {UNDER_THE_DOME} not found"
    }
    assert tvmaze.seen == []


def test_offline_a_miss_is_the_contract_404_within_the_source_timeout(
    make_server: MakeServer,
) -> None:
    # The suite's TVmaze address: a closed port, as a host with no network answers.
    server = make_server(**FRESH, TVDBD_SOURCE_TIMEOUT_SECONDS="1")
    assert "fetched from TVmaze" in server.log_path.read_text()
    with server.client() as client:  # logged in first: the bound is the request's
        started = time.monotonic()
        answer = client.get(f"/series/{LOST}")
        waited = time.monotonic() - started
    assert answer.status_code == 404 and answer.json() == {"Error": f"ID: {LOST} not found"}
    assert waited < 2.5


def test_a_failing_source_is_left_alone_after_a_miss(
    make_server: MakeServer, blank: FixtureServer
) -> None:
    blank.fault("/", "500", times=1000)
    # No retries: the fetch is over when the first answer is (left alone for 3 x 2 s).
    server = make_server(
        **FRESH, TVDBD_TVMAZE_URL=blank.base_url, TVDBD_SOURCE_TIMEOUT_SECONDS="2",
        TVDBD_SOURCE_RETRIES="0",
    )  # fmt: skip
    with server.client() as client:
        started = time.monotonic()
        assert client.get(f"/series/{LOST}").status_code == 404
        assert time.monotonic() - started < 4.5
        assert [s.path for s in blank.seen] == ["/lookup/shows"]
        assert client.get(f"/series/{UNDER_THE_DOME}").status_code == 404
        assert client.get("/search/series?name=lost").status_code == 404
    assert len(blank.seen) == 1  # left alone


def test_while_a_fetch_retries_a_failing_source_other_misses_do_not_wait_for_it(
    make_server: MakeServer, blank: FixtureServer
) -> None:
    blank.fault("/", "500", times=1000)
    # Four retries with backoff: the first fetch goes on failing for seconds after its
    # request got the 404 at the bound.
    server = make_server(**FRESH, TVDBD_TVMAZE_URL=blank.base_url, TVDBD_SOURCE_TIMEOUT_SECONDS="1")
    with server.client() as client:
        assert client.get(f"/series/{LOST}").status_code == 404
        assert client.get(f"/series/{UNDER_THE_DOME}").status_code == 404
        assert client.get("/search/series?name=lost").status_code == 404
    time.sleep(1)
    asked = {s.query.get("thetvdb") for s in blank.seen}
    assert asked == {str(LOST)}  # only the first miss's fetch asked (and retried)
    assert len(blank.seen) >= 2


def test_the_suite_never_reads_through_to_the_internet() -> None:
    settings = Settings.from_env()
    assert settings.resolved_read_through is None
    for url in (settings.tvmaze_url, settings.tvmaze_image_url, settings.tvdb_v4_url,
                settings.tvdb_v4_artwork_url):  # fmt: skip
        assert urlsplit(url).hostname == "127.0.0.1", url
    # Apps built in-process do not read the environment: each says read_through="off".
    calls = []
    for path in (ROOT / "tests").rglob("*.py"):
        calls += re.findall(r"create_app\(Settings\([^)]*\)", path.read_text(encoding="utf-8"))
    assert calls and all('read_through="off"' in call for call in calls), calls
    # A test that runs `tvdbd serve` with an environment stripped of TVDBD_* settings puts
    # the suite's offline ones back.
    for path in (ROOT / "tests").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if 'startswith("TVDBD_")' in text and '"serve"' in text:
            assert "OFFLINE_ENV" in text, path
