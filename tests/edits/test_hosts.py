"""An edit on one host is seen by the next request on another (two servers on one PostgreSQL
database that share no temporary folder, so no change-marks file: NOTIFY carries it)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.cache.test_invalidation import SCRUBS, scrubs, seen_within
from tests.support import BACKENDS, Databases, LiveServer, import_bundles
from tvdbd.db import users

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="needs PostgreSQL")


def test_an_edit_on_one_host_drops_the_cached_answer_on_another(
    databases: Databases, tmp_path: Path
) -> None:
    url, engine = databases.new_engine("postgresql")
    assert import_bundles(engine, [scrubs()]).ok
    with engine.begin() as conn:
        key = users.create_user(conn, "host-editor", role="editor")
    engine.dispose()
    hosts = []
    for name in ("a", "b"):
        temp = tmp_path / f"tmp-{name}"
        temp.mkdir()
        hosts.append(LiveServer(url, tmp_path / name, TMPDIR=str(temp)))
    a, b = hosts
    try:
        with b.client() as api:
            for _ in range(3):  # cached on b
                assert api.get(f"/series/{SCRUBS}").json()["data"]["seriesName"] == "Scrubs"
        token = httpx.post(
            f"{a.base_url}/login",
            json={"apikey": "k", "username": "host-editor", "userkey": key},
            timeout=10,
        ).json()["token"]
        with a.client(token=token) as editor:
            response = editor.post(
                f"/edits/series/{SCRUBS}",
                json={"changes": [{"field": "seriesName", "value": "Scrubs (edited on a)"}]},
            )
        assert response.status_code == 200, response.text
        waited = seen_within(
            b,
            f"/series/{SCRUBS}",
            lambda answer: answer["data"]["seriesName"] == "Scrubs (edited on a)",
        )
        assert waited < 2.0
    finally:
        for host in hosts:
            host.stop()
