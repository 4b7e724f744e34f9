"""Favorites and ratings written at once through two server processes on one database.

20 users send 200 writes over 40 clients, spread over two `tvdbd serve` processes that share
one database (and one signing key). Each user's favorite writes form one lane and their rating
writes another; a lane runs in order, all 40 lanes run at the same time. Lanes touch disjoint
state (one user's favorites, or one user's ratings), so every interleaving must end as a serial
run of the same lanes on a fresh database does: same answers, same lists, same site ratings.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.api.accounts import APIKEY, engine_of, unique_name, writable_demo_server
from tests.api.wire import demo_bundle, demo_episode
from tests.support import Databases, LiveServer
from tvdbd.db import users

USERS = 20
OPS_PER_LANE = 5  # 20 users x 2 lanes x 5 = 200 writes
SEED = 20261127
FAVORITE_SERIES = [73739, 76156, 78874, 80288, 105611, 167151]
# Shared by every user, so that writes of different users meet on the same items.
RATED_ITEMS = [
    ("series", 76156),
    ("series", 80288),
    ("episode", 184626),
    ("episode", 298409),
    ("image", 20311),
    ("image", 20386),
]
HAMMERED_EPISODE = 184627  # rated by no lane
SECONDS_PER_BACKEND = 30


@dataclass(frozen=True)
class Op:
    method: str
    path: str


Lane = list[Op]
Answer = tuple[int, str]


def make_lanes(rng: random.Random) -> list[tuple[int, Lane]]:
    """(user index, ops) for each lane: a favorites lane and a ratings lane per user."""
    lanes = []
    for user in range(USERS):
        favorites = []
        for _ in range(OPS_PER_LANE):
            series_id = rng.choice(FAVORITE_SERIES)
            method = "PUT" if rng.random() < 0.6 else "DELETE"
            favorites.append(Op(method, f"/user/favorites/{series_id}"))
        ratings = []
        for _ in range(OPS_PER_LANE):
            item_type, item_id = rng.choice(RATED_ITEMS)
            roll = rng.random()
            if roll < 0.65:
                ratings.append(
                    Op("PUT", f"/user/ratings/{item_type}/{item_id}/{rng.randint(1, 10)}")
                )
            elif roll < 0.95:
                ratings.append(Op("DELETE", f"/user/ratings/{item_type}/{item_id}"))
            else:
                ratings.append(Op("PUT", f"/user/ratings/{item_type}/{item_id}/11"))  # 409
        lanes += [(user, favorites), (user, ratings)]
    return lanes


@dataclass
class Site:
    """Server processes on one database, and its users' tokens (valid on every process)."""

    servers: list[LiveServer]
    tokens: list[str]

    @property
    def engine(self) -> Engine:
        return engine_of(self.servers[0])

    def client(self, server: int, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.servers[server].base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )


def _make_users(server: LiveServer, names: list[str]) -> list[str]:
    keys = []
    with engine_of(server).begin() as conn:
        for name in names:
            keys.append(users.create_user(conn, name))
    tokens = []
    for name, key in zip(names, keys, strict=True):
        response = httpx.post(
            f"{server.base_url}/login",
            json={"apikey": APIKEY, "username": name, "userkey": key},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        tokens.append(response.json()["token"])
    return tokens


@pytest.fixture(scope="module")
def names() -> list[str]:
    return [unique_name(f"u{i:02d}") for i in range(USERS)]


@pytest.fixture(scope="module")
def shared(
    backend: str,
    databases: Databases,
    tmp_path_factory: pytest.TempPathFactory,
    names: list[str],
) -> Iterator[Site]:
    """Two processes on one database. One data dir, so one signing key for both."""
    data_dir = Path(tmp_path_factory.mktemp(f"concurrent-{backend}"))
    with writable_demo_server(backend, databases, data_dir) as first:
        second = LiveServer(first.database_url, data_dir)
        try:
            assert first.process.pid != second.process.pid
            yield Site([first, second], _make_users(first, names))
        finally:
            second.stop()


@pytest.fixture(scope="module")
def serial(
    backend: str,
    databases: Databases,
    tmp_path_factory: pytest.TempPathFactory,
    names: list[str],
) -> Iterator[Site]:
    """One process on a fresh database: the reference run."""
    data_dir = Path(tmp_path_factory.mktemp(f"serial-{backend}"))
    with writable_demo_server(backend, databases, data_dir) as server:
        yield Site([server], _make_users(server, names))


def run_concurrently(
    site: Site, lanes: list[tuple[int, Lane]]
) -> tuple[list[list[Answer]], float, int]:
    """Every lane in its own thread, all released at once; op k of a lane goes to process
    (user + k) mod 2, so one user's writes alternate between the processes.

    Returns the answers per lane, the wall time and the most requests seen in flight at once.
    """
    start = threading.Barrier(len(lanes))
    spans: list[tuple[float, float]] = []

    def run(user: int, lane: Lane) -> list[Answer]:
        token = site.tokens[user]
        clients = [site.client(i, token) for i in range(len(site.servers))]
        try:
            start.wait()
            answers = []
            for k, op in enumerate(lane):
                client = clients[(user + k) % len(clients)]
                sent = time.monotonic()
                response = client.request(op.method, op.path)
                spans.append((sent, time.monotonic()))
                answers.append((response.status_code, response.text))
            return answers
        finally:
            for client in clients:
                client.close()

    with ThreadPoolExecutor(max_workers=len(lanes)) as pool:
        began = time.monotonic()
        futures = [pool.submit(run, user, lane) for user, lane in lanes]
        results = [f.result(timeout=SECONDS_PER_BACKEND) for f in futures]
        elapsed = time.monotonic() - began
    return results, elapsed, _most_in_flight(spans)


def _most_in_flight(spans: list[tuple[float, float]]) -> int:
    events = sorted([(t, 1) for t, _ in spans] + [(t, -1) for _, t in spans])
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


def run_serially(site: Site, lanes: list[tuple[int, Lane]]) -> list[list[Answer]]:
    results = []
    for user, lane in lanes:
        with site.client(0, site.tokens[user]) as client:
            results.append(
                [(r.status_code, r.text) for r in (client.request(o.method, o.path) for o in lane)]
            )
    return results


def user_state(site: Site) -> list[dict[str, Any]]:
    """Each user's favorites and every page of their ratings, through the API."""
    states = []
    for token in site.tokens:
        with site.client(0, token) as client:
            favorites = client.get("/user/favorites").json()
            ratings: list[Any] = []
            page: int | None = 1
            while page:
                body = client.get(f"/user/ratings?page={page}").json()
                ratings += body["data"]
                page = body["links"]["next"]
        states.append({"favorites": favorites, "ratings": ratings})
    return states


def site_ratings(site: Site, items: list[tuple[str, int]]) -> dict[str, Any]:
    """The served figures of each item, read from every process."""
    figures: dict[str, Any] = {}
    for index, server in enumerate(site.servers):
        with server.client() as client:
            images = {
                i["id"]: i["ratingsInfo"]
                for i in client.get("/series/76156/images/query").json()["data"]
            }
            for item_type, item_id in items:
                key = f"{item_type}/{item_id}@{index}"
                if item_type == "series":
                    data = client.get(f"/series/{item_id}").json()["data"]
                    figures[key] = [data["siteRating"], data["siteRatingCount"]]
                elif item_type == "episode":
                    data = client.get(f"/episodes/{item_id}").json()["data"]
                    figures[key] = [data["siteRating"], data["siteRatingCount"]]
                else:
                    figures[key] = [images[item_id]["average"], images[item_id]["count"]]
    return figures


def imported_figures(item_type: str, item_id: int) -> tuple[Any, int]:
    if item_type == "series":
        record = demo_bundle(item_id)["series"]
        return record.get("siteRating") or 0, record.get("siteRatingCount") or 0
    if item_type == "episode":
        series_id = 73739 if item_id == 298409 else 76156
        episode = demo_episode(series_id, item_id)
        return episode["siteRating"], episode["siteRatingCount"]
    image = next(i for i in demo_bundle(76156)["images"] if i["id"] == item_id)
    return image["ratingsInfo"]["average"], image["ratingsInfo"]["count"]


def assert_duplicate_free(engine: Engine) -> None:
    with engine.connect() as conn:
        for query in (
            "SELECT user_id, series_id, count(*) FROM user_favorites "
            "GROUP BY user_id, series_id HAVING count(*) > 1",
            "SELECT user_id, item_type, item_id, count(*) FROM user_ratings "
            "GROUP BY user_id, item_type, item_id HAVING count(*) > 1",
        ):
            assert conn.execute(text(query)).all() == [], query


def assert_clean_logs(site: Site) -> None:
    for server in site.servers:
        log = server.log_path.read_text(errors="replace")
        for bad in ("database is locked", "Traceback", '" 500'):
            assert bad not in log, (server.log_path, bad)


def test_two_processes_end_with_the_state_a_serial_run_gives(
    backend: str, shared: Site, serial: Site
) -> None:
    lanes = make_lanes(random.Random(SEED))
    assert sum(len(lane) for _, lane in lanes) == 200

    concurrent_answers, elapsed, in_flight = run_concurrently(shared, lanes)
    serial_began = time.monotonic()
    serial_answers = run_serially(serial, lanes)
    serial_elapsed = time.monotonic() - serial_began

    statuses = Counter(status for lane in concurrent_answers for status, _ in lane)
    per_process = Counter((user + k) % 2 for user, lane in lanes for k in range(len(lane)))
    print(
        f"\n[{backend}] {sum(statuses.values())} writes by {USERS} users, {len(lanes)} lanes "
        f"at once over 2 processes (pids {[s.process.pid for s in shared.servers]}, "
        f"requests per process {dict(sorted(per_process.items()))}): "
        f"{elapsed:.2f} s, {sum(statuses.values()) / elapsed:.0f} writes/s, "
        f"up to {in_flight} in flight, statuses {dict(sorted(statuses.items()))}; "
        "same lanes serially on 1 process: "
        f"{serial_elapsed:.2f} s"
    )
    bodies = [body for lane in concurrent_answers for _, body in lane]
    assert 500 not in statuses
    assert not [b for b in bodies if "locked" in b.lower()]
    assert set(statuses) <= {200, 409}
    assert in_flight >= 10  # the writes did overlap

    # Each lane's answers, bodies included, are those of the serial run.
    for (user, lane), got, want in zip(lanes, concurrent_answers, serial_answers, strict=True):
        assert got == want, (user, lane)

    # Final state through the API, per user.
    final = user_state(shared)
    assert final == user_state(serial)

    # Site ratings of the touched items: same on both processes, same as the serial run,
    # and the imported figures combined with the users' final ratings.
    served = site_ratings(shared, RATED_ITEMS)
    reference = site_ratings(serial, RATED_ITEMS)
    for item_type, item_id in RATED_ITEMS:
        key = f"{item_type}/{item_id}"
        assert served[f"{key}@0"] == served[f"{key}@1"] == reference[f"{key}@0"], key
        values = [
            r["rating"]
            for state in final
            for r in state["ratings"]
            if (r["ratingType"], r["ratingItemId"]) == (item_type, item_id)
        ]
        average, count = imported_figures(item_type, item_id)
        assert served[f"{key}@0"][1] == count + len(values), key
        if count + len(values):
            exact = (Fraction(str(average)) * count + sum(values)) / (count + len(values))
            got = served[f"{key}@0"][0]
            assert abs(Fraction(str(got)) - exact) <= Fraction(1, 20), (key, got, float(exact))
            assert isinstance(got, int) == (float(got) == int(got)), (key, got)

    # The rows themselves: no duplicate, one row per listed favorite and rating.
    assert_duplicate_free(shared.engine)
    with shared.engine.connect() as conn:
        favorite_rows = conn.execute(text("SELECT count(*) FROM user_favorites")).scalar()
        rating_rows = conn.execute(text("SELECT count(*) FROM user_ratings")).scalar()
    assert favorite_rows == sum(
        len(s["favorites"].get("data", {}).get("favorites", [])) for s in final
    )
    assert rating_rows == sum(len(s["ratings"]) for s in final)
    assert_clean_logs(shared)


def _hammer(site: Site, token: str, method: str, paths: list[str]) -> Counter[int]:
    """`method` on each path at once, half of the requests on each process."""
    start = threading.Barrier(len(paths))

    def send(index: int) -> tuple[int, str]:
        with site.client(index % len(site.servers), token) as client:
            start.wait()
            response = client.request(method, paths[index])
            return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        answers = list(pool.map(send, range(len(paths))))
    assert not [body for _, body in answers if "locked" in body.lower()]
    return Counter(status for status, _ in answers)


def test_the_same_favorite_put_at_once_is_added_exactly_once(backend: str, shared: Site) -> None:
    name = unique_name("hammer")
    token = _make_users(shared.servers[0], [name])[0]
    began = time.monotonic()
    added = _hammer(shared, token, "PUT", ["/user/favorites/76156"] * 40)
    removed = _hammer(shared, token, "DELETE", ["/user/favorites/76156"] * 40)
    again = _hammer(shared, token, "PUT", ["/user/favorites/76156"] * 40)
    rated = _hammer(
        shared,
        token,
        "PUT",
        [f"/user/ratings/episode/{HAMMERED_EPISODE}/{n % 10 + 1}" for n in range(40)],
    )
    print(
        f"\n[{backend}] 40 identical PUT favorite at once: {dict(added)}; 40 DELETE: "
        f"{dict(removed)}; 40 PUT again: {dict(again)}; 40 PUT rating of one episode: "
        f"{dict(rated)} ({time.monotonic() - began:.2f} s)"
    )
    assert added == Counter({200: 1, 409: 39})
    assert removed == Counter({200: 1, 409: 39})
    assert again == Counter({200: 1, 409: 39})
    assert rated == Counter({200: 40})
    with shared.client(0, token) as client:
        assert client.get("/user/favorites").json() == {"data": {"favorites": ["76156"]}}
        ratings = client.get("/user/ratings").json()["data"]
        assert [(r["ratingType"], r["ratingItemId"]) for r in ratings] == [
            ("episode", HAMMERED_EPISODE)
        ]
        episode = client.get(f"/episodes/{HAMMERED_EPISODE}").json()["data"]
    imported = demo_episode(76156, HAMMERED_EPISODE)
    assert episode["siteRatingCount"] == imported["siteRatingCount"] + 1
    assert_duplicate_free(shared.engine)
    with shared.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT count(*) FROM user_favorites f JOIN users u ON u.id = f.user_id "
                "WHERE u.username = :name AND f.series_id = 76156"
            ),
            {"name": name},
        ).scalar()
    assert rows == 1
    assert_clean_logs(shared)
