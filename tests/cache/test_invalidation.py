"""Response-cache invalidation across hosts: two server processes that share a PostgreSQL
database but not a temp folder (so not a marks file) — an import or a rating through one is
seen by the next request to the other, over LISTEN/NOTIFY or Redis pub/sub."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.accounts import log_in
from tests.support import BACKENDS, DEMO_BUNDLE, Databases, LiveServer, import_bundles
from tvdbd.cache.invalidation import ALL, MOST_SLOTS, decode, encode
from tvdbd.cache.marks import ALL_SLOTS

SCRUBS = 76156
REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="needs PostgreSQL")


def test_messages_name_slots_or_everything() -> None:
    assert encode([5, 1, 5, 0]) == "0,1,5"
    assert decode("0,1,5") == [0, 1, 5]
    assert encode(range(MOST_SLOTS + 1)) == ALL and decode(ALL) is None
    assert decode("nonsense") == [] and decode(f"1,{ALL_SLOTS},-3") == [1]


def scrubs() -> dict[str, Any]:
    for line in DEMO_BUNDLE.read_text("utf-8").splitlines():
        bundle: dict[str, Any] = json.loads(line)
        if bundle["series"]["id"] == SCRUBS:
            return bundle
    raise KeyError(SCRUBS)


@pytest.fixture(params=["notify", "redis"])
def two_hosts(
    request: pytest.FixtureRequest, databases: Databases, tmp_path: Path
) -> Iterator[tuple[LiveServer, LiveServer, dict[str, str]]]:
    url, engine = databases.new_engine("postgresql")
    assert import_bundles(engine, [scrubs()]).ok
    engine.dispose()
    env: dict[str, str] = {"TVDBD_REDIS_URL": REDIS_URL} if request.param == "redis" else {}
    hosts = []
    for name in ("a", "b"):
        temp = tmp_path / f"tmp-{name}"
        temp.mkdir()
        hosts.append(LiveServer(url, tmp_path / name, TMPDIR=str(temp), **env))
    yield hosts[0], hosts[1], {"TVDBD_DATABASE_URL": url, **env}
    for host in hosts:
        host.stop()


def seen_within(host: LiveServer, path: str, check: Any, seconds: float = 2.0) -> float:
    """How long until `check(answer)` holds on `host`; fails after `seconds`."""
    started = time.monotonic()
    with host.client() as api:
        while True:
            if check(api.get(path).json()):
                return time.monotonic() - started
            assert time.monotonic() - started < seconds, f"{path} stayed stale on the other host"
            time.sleep(0.01)


def test_an_import_on_one_host_is_seen_by_the_next_request_on_another(
    two_hosts: tuple[LiveServer, LiveServer, dict[str, str]], tmp_path: Path
) -> None:
    _, b, env = two_hosts
    with b.client() as api:
        for _ in range(3):  # cached on b
            assert api.get(f"/series/{SCRUBS}").json()["data"]["seriesName"] == "Scrubs"
    renamed = scrubs()
    renamed["series"]["seriesName"] = "Scrubs (renamed on another host)"
    bundle = tmp_path / "renamed.jsonl"
    bundle.write_text(json.dumps(renamed) + "\n")
    third = tmp_path / "tmp-import"
    third.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "tvdbd", "import", str(bundle)],
        env={**os.environ, **env, "TMPDIR": str(third), "TVDBD_DATA_DIR": str(tmp_path / "c")},
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    waited = seen_within(
        b, f"/series/{SCRUBS}",
        lambda answer: answer["data"]["seriesName"] == "Scrubs (renamed on another host)",
    )  # fmt: skip
    assert waited < 2.0
    assert seen_within(b, "/search/series?name=renamed", lambda answer: "data" in answer) < 2.0


def test_a_rating_on_one_host_moves_the_site_rating_on_the_other(
    two_hosts: tuple[LiveServer, LiveServer, dict[str, str]],
) -> None:
    a, b, _ = two_hosts
    with b.client() as api:
        before = api.get(f"/series/{SCRUBS}").json()["data"]["siteRatingCount"]
        api.get(f"/series/{SCRUBS}")
    from tvdbd.db import users
    from tvdbd.db.engine import make_engine

    engine = make_engine(a.database_url)
    with engine.begin() as conn:
        key = users.create_user(conn, "rater")
    engine.dispose()
    user = log_in(a, "rater", key)
    with user.client() as client:
        assert client.put(f"/user/ratings/series/{SCRUBS}/10").status_code == 200
    seen_within(b, f"/series/{SCRUBS}",
                lambda answer: answer["data"]["siteRatingCount"] == before + 1)  # fmt: skip
