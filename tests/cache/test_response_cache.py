"""The response cache never serves an answer that an import or a rating made stale.

Two worker processes share one database; every change is made by another process (the
importer here, the other worker for ratings), and every answer after it must be new.
"""

from __future__ import annotations

import copy
import multiprocessing
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from tests.support import DEMO_BUNDLE, Databases, LiveServer, import_bundles
from tvdbd.bundles.importer import import_file
from tvdbd.cache.marks import SLOTS, ChangeMarks, marks_for, marks_path
from tvdbd.db import users

SERIES_ID = 990_001
EPISODE_ID = 9_900_011
REPEAT = 12  # enough requests that both workers answer several times

BUNDLE: dict[str, Any] = {
    "series": {"id": SERIES_ID, "seriesName": "Cache Probe", "lastUpdated": 1_600_000_000,
               "siteRating": 8, "siteRatingCount": 1},
    "episodes": [{"id": EPISODE_ID, "airedSeason": 1, "airedEpisodeNumber": 1,
                  "episodeName": "First", "siteRating": 6, "siteRatingCount": 1}],
}  # fmt: skip


@pytest.fixture(scope="module")
def cached(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Engine]]:
    url, engine = databases.new_engine(backend)
    report = import_bundles(engine, [BUNDLE])
    assert report.ok, report.errors
    server = LiveServer(url, Path(tmp_path_factory.mktemp(f"cache-{backend}")), workers=2)
    yield server, engine
    server.stop()
    engine.dispose()


def _get(
    client: httpx.Client, path: str, *, plain: bool, accept: str | None = None
) -> httpx.Response:
    """A GET on a fresh connection; ``plain`` leaves out Accept-Encoding, so that a stored
    answer is sent before the middleware stack (serve_hit) rather than by the middleware."""
    headers = {"Connection": "close", **({"Accept": accept} if accept else {})}
    request = client.build_request("GET", path, headers=headers)
    if plain:
        del request.headers["accept-encoding"]
    return client.send(request)


def _answers(client: httpx.Client, path: str) -> list[Any]:
    """The same request many times, both ways, over fresh connections so both workers answer."""
    answers = []
    for attempt in range(REPEAT):
        response = _get(client, path, plain=attempt % 2 == 0)
        answers.append((response.status_code, response.json()))
    return answers


@pytest.mark.parametrize("path", [f"/series/{SERIES_ID}", "/search/series?name=nothing"])
def test_a_stored_answer_sent_early_is_the_same_bytes_as_the_first(
    cached: tuple[LiveServer, Engine], path: str
) -> None:
    server, _ = cached
    with server.client() as client:
        first, *again = [_get(client, path, plain=True) for _ in range(REPEAT)]
    for response in again:
        assert response.status_code == first.status_code
        assert response.content == first.content
        assert {k: v for k, v in response.headers.items() if k != "date"} == {
            k: v for k, v in first.headers.items() if k != "date"
        }


@pytest.mark.parametrize("plain", [True, False], ids=["sent-early", "by-the-middleware"])
def test_by_default_a_stored_answer_is_the_same_whatever_accept(
    cached: tuple[LiveServer, Engine], plain: bool
) -> None:
    server, _ = cached
    path = f"/series/{SERIES_ID}/episodes"
    node_tvdb = "application/vnd.thetvdb.v2.1.1"
    with server.client() as client:
        first = _get(client, path, plain=plain, accept=node_tvdb)
        for attempt in range(REPEAT):
            again = _get(client, path, plain=plain, accept=node_tvdb if attempt % 2 else None)
            assert again.content == first.content
            assert again.headers["x-thetvdb-api-version"] == "3.0.0"
            assert again.headers["etag"] == first.headers["etag"]


def test_an_import_is_seen_by_every_worker_at_once(cached: tuple[LiveServer, Engine]) -> None:
    server, engine = cached
    with server.client() as client:
        assert {a[1]["data"]["seriesName"] for a in _answers(client, f"/series/{SERIES_ID}")} == {
            "Cache Probe"
        }
        _answers(client, "/search/series?name=renamed")  # a cached 404
        changed = copy.deepcopy(BUNDLE)
        changed["series"]["seriesName"] = "Cache Probe Renamed"
        assert import_bundles(engine, [changed]).imported == 1
        after = _answers(client, f"/series/{SERIES_ID}")
        assert {a[1]["data"]["seriesName"] for a in after} == {"Cache Probe Renamed"}
        searched = _answers(client, "/search/series?name=renamed")
        assert {status for status, _ in searched} == {200}
        import_bundles(engine, [BUNDLE])  # put it back for the other tests


MOVIE_ID = 990_777


def _movie_line(runtime: int, last_updated: int) -> dict[str, Any]:
    return {"movie": {"id": MOVIE_ID, "runtime": runtime}, "lastUpdated": last_updated}


def test_a_movie_import_is_seen_by_every_worker_at_once(cached: tuple[LiveServer, Engine]) -> None:
    server, engine = cached
    movie, updates = f"/movies/{MOVIE_ID}", "/movieupdates?since=1700000000"
    with server.client() as client:
        assert {status for status, _ in _answers(client, movie)} == {404}  # cached 404s
        assert {orjson.dumps(b) for _, b in _answers(client, updates)} == {b'{"movies":[]}'}
        assert import_bundles(engine, [_movie_line(90, 1_700_000_000)]).movies == 1
        assert {a[1]["data"]["runtime"] for a in _answers(client, movie)} == {90}
        assert {tuple(a[1]["movies"]) for a in _answers(client, updates)} == {(MOVIE_ID,)}
        assert import_bundles(engine, [_movie_line(95, 1_600_000_000)]).movies == 1
        assert {a[1]["data"]["runtime"] for a in _answers(client, movie)} == {95}
        assert {tuple(a[1]["movies"]) for a in _answers(client, updates)} == {()}


def test_a_rating_is_seen_in_every_cached_answer_at_once(
    cached: tuple[LiveServer, Engine],
) -> None:
    server, engine = cached
    name = f"cache-rater-{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        key = users.create_user(conn, name)
    login = httpx.post(
        f"{server.base_url}/login", json={"apikey": "k", "username": name, "userkey": key}
    )
    user_token = login.json()["token"]
    paths = [f"/episodes/{EPISODE_ID}", f"/series/{SERIES_ID}/episodes", f"/series/{SERIES_ID}"]
    with server.client() as reader, server.client(token=user_token) as rater:
        for path in paths:
            _answers(reader, path)  # warm both workers
        assert rater.put(f"/user/ratings/episode/{EPISODE_ID}/10").status_code == 200
        assert rater.put(f"/user/ratings/series/{SERIES_ID}/2").status_code == 200
        episode = {a[1]["data"]["siteRating"] for a in _answers(reader, paths[0])}
        listed = {a[1]["data"][0]["siteRating"] for a in _answers(reader, paths[1])}
        series = {a[1]["data"]["siteRating"] for a in _answers(reader, paths[2])}
        assert episode == listed == {8}  # (6 * 1 + 10) / 2
        assert series == {5}  # (8 * 1 + 2) / 2
        assert rater.delete(f"/user/ratings/episode/{EPISODE_ID}").status_code == 200
        assert {a[1]["data"]["siteRating"] for a in _answers(reader, paths[0])} == {6}


def _bump_many(path: str, times: int) -> None:
    marks = ChangeMarks(Path(path))
    for _ in range(times):
        marks.bump([SERIES_ID], catalogue=True)


def test_marks_bumped_by_several_processes_add_up(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3-marks"
    processes = [
        multiprocessing.get_context("spawn").Process(target=_bump_many, args=(str(path), 200))
        for _ in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    marks = ChangeMarks(path)
    assert marks.read(0) == 600
    assert marks.read(ChangeMarks.slot_of(SERIES_ID)) == 600
    assert 0 < ChangeMarks.slot_of(SERIES_ID) < SLOTS


def test_every_process_with_the_same_database_url_finds_the_same_marks(
    cached: tuple[LiveServer, Engine],
) -> None:
    server, engine = cached
    assert marks_for(engine).path == marks_path(server.database_url)


@pytest.fixture(scope="module")
def demo_server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    url, engine = databases.new_engine(backend)
    assert import_file(engine, DEMO_BUNDLE).ok
    engine.dispose()
    server = LiveServer(url, Path(tmp_path_factory.mktemp(f"cache-demo-{backend}")), workers=2)
    yield server
    server.stop()


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_stored_answer_asked_compressed_or_conditionally_is_the_same_every_time(
    demo_server: LiveServer, coding: str
) -> None:
    # Real clients send Accept-Encoding: their hits are sent early too, through the same
    # compression and conditional layer as the first answer went through the middleware.
    server = demo_server
    path = "/series/76156/episodes"
    with server.client() as client:
        plain = _get(client, path, plain=True)

        def asked(**headers: str) -> httpx.Response:
            request = client.build_request(
                "GET", path, headers={"Connection": "close", "Accept-Encoding": coding, **headers}
            )
            return client.send(request)

        first, *again = [asked() for _ in range(REPEAT)]
        assert first.headers["content-encoding"] == coding
        assert first.headers["etag"] == plain.headers["etag"][:-1] + f'-{coding}"'
        assert "Accept-Encoding" in first.headers["vary"]
        assert first.json() == plain.json()  # httpx decodes the coding
        for response in again:
            assert response.status_code == 200
            assert response.content == first.content
            assert {k: v for k, v in response.headers.items() if k != "date"} == {
                k: v for k, v in first.headers.items() if k != "date"
            }
        for _ in range(REPEAT):
            unchanged = asked(**{"If-None-Match": first.headers["etag"]})
            assert unchanged.status_code == 304 and unchanged.content == b""
            assert unchanged.headers["etag"] == first.headers["etag"]
            assert "content-encoding" not in unchanged.headers
