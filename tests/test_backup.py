"""`tvdbd backup`: a consistent copy of a live SQLite database while the server writes to it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.support import DEMO_BUNDLE, LiveServer, import_bundles
from tvdbd.bundles.importer import import_file
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import upgrade

SCRUBS = 76156


def tvdbd(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tvdbd", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env})  # fmt: skip


def test_a_backup_taken_while_the_server_writes_is_whole_and_serves(tmp_path: Path) -> None:
    database = tmp_path / "live" / "tvdbd.sqlite3"
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    upgrade(engine)
    assert import_file(engine, DEMO_BUNDLE).ok
    server = LiveServer(url, tmp_path / "live")
    stop = threading.Event()
    writes = 0

    def keep_writing() -> None:
        nonlocal writes
        number = 0
        while not stop.is_set():  # whole series replaced over and over, each in a transaction
            number += 1
            bundle = {"series": {"id": 900000 + number % 50, "seriesName": f"Busy {number}"},
                      "episodes": [{"id": 9_000_000 + (number % 50) * 1000 + e, "airedSeason": 1,
                                    "airedEpisodeNumber": e, "episodeName": f"v{number}"}
                                   for e in range(1, 40)]}  # fmt: skip
            assert import_bundles(engine, [bundle]).ok
            writes += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        time.sleep(0.3)
        copy = tmp_path / "copy.sqlite3"
        env = {"TVDBD_DATABASE_URL": url, "TVDBD_DATA_DIR": str(tmp_path / "live")}
        done = tvdbd("backup", str(copy), env=env)
        assert done.returncode == 0, done.stderr
        assert "Backed up" in done.stderr and "JWT signing key is not in it" in done.stderr
        with server.client() as api:  # the server kept serving throughout
            assert api.get(f"/series/{SCRUBS}").status_code == 200
    finally:
        stop.set()
        writer.join()
        server.stop()
    assert writes > 5
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Every series in the copy has exactly its episodes, all from one version.
    for series_id, name, count in conn.execute(
        "SELECT id, series_name, episode_count FROM series"
    ).fetchall():
        names = {row[0] for row in conn.execute(
            "SELECT episode_name FROM episodes WHERE series_id = ?", (series_id,)
        )}  # fmt: skip
        stored = conn.execute(
            "SELECT count(*) FROM episodes WHERE series_id = ?", (series_id,)
        ).fetchone()[0]
        assert stored == count, series_id
        if name.startswith("Busy "):
            assert names == {f"v{name.split()[1]}"}, (series_id, name, names)
    conn.close()
    restored = LiveServer(f"sqlite:///{copy}", tmp_path / "restored")
    try:
        with restored.client() as api:
            assert api.get(f"/series/{SCRUBS}/episodes").json()["links"]["last"] == 2
    finally:
        restored.stop()


def test_backup_refuses_to_overwrite_or_to_copy_postgresql(tmp_path: Path) -> None:
    env = {"TVDBD_DATA_DIR": str(tmp_path)}
    target = tmp_path / "exists.sqlite3"
    target.write_text("keep me")
    done = tvdbd("backup", str(target), env=env)
    assert done.returncode == 1 and "exists; add --force" in done.stderr
    assert target.read_text() == "keep me"
    postgres = tvdbd("backup", str(tmp_path / "x"), env={
        **env, "TVDBD_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test"})  # fmt: skip
    assert postgres.returncode == 1 and "use pg_dump" in postgres.stderr
