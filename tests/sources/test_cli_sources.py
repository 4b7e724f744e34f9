"""`tvdbd source tvdb-v4 check|fetch` and `tvdbd sync` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from tests.sources.fixture_server import FixtureServer
from tests.support import Databases
from tvdbd.db.schema import series_sources


def tvdbd(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tvdbd", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})  # fmt: skip


def env_for(v4: FixtureServer, tmp_path: Path, url: str = "", key: str = "test-v4-key") -> dict:
    env = {"TVDBD_DATA_DIR": str(tmp_path), "TVDBD_TVDB_V4_URL": v4.base_url,
           "TVDBD_TVDB_V4_ARTWORK_URL": f"{v4.base_url}/banners/",
           "TVDBD_TVDB_V4_API_KEY": key}  # fmt: skip
    if url:
        env["TVDBD_DATABASE_URL"] = url
    return env


def test_check_says_whether_the_key_is_accepted_and_never_prints_it(
    v4: FixtureServer, tmp_path: Path
) -> None:
    good = tvdbd(["source", "tvdb-v4", "check"], env_for(v4, tmp_path))
    assert good.returncode == 0 and "TheTVDB v4 accepted the API key." in good.stdout
    bad = tvdbd(["source", "tvdb-v4", "check"], env_for(v4, tmp_path, key="secret-but-wrong"))
    assert bad.returncode == 1
    assert "TheTVDB refused the API key (check TVDBD_TVDB_V4_API_KEY)" in bad.stderr
    assert "secret-but-wrong" not in bad.stderr + bad.stdout
    none = tvdbd(
        ["source", "tvdb-v4", "check"], {**env_for(v4, tmp_path), "TVDBD_TVDB_V4_API_KEY": ""}
    )
    assert none.returncode == 1 and "set TVDBD_TVDB_V4_API_KEY" in none.stderr


def test_fetch_stores_series_whole_with_their_artwork_and_refresh_fetches_them_again(
    backend: str, databases: Databases, v4: FixtureServer, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    env = env_for(v4, tmp_path, url)
    done = tvdbd(["source", "tvdb-v4", "fetch", "76156", "78874"], env)
    assert done.returncode == 0, done.stderr
    assert "TheTVDB v4: 2 series stored, 0 unchanged, 0 not found, 0 failed" in done.stderr
    assert (tmp_path / "banners" / "posters" / "76156-6.jpg").is_file()
    assert (tmp_path / "banners" / "episodes" / "76156" / "184602.jpg").is_file()
    with engine.connect() as conn:
        assert sorted(conn.execute(select(series_sources.c.series_id))
                      .scalars()) == [76156, 78874]  # fmt: skip
    again = tvdbd(["source", "tvdb-v4", "fetch", "--refresh", "--no-artwork"], env)
    assert "0 series stored, 2 unchanged" in again.stderr
    listing = tmp_path / "ids.txt"
    listing.write_text("73739\n428202\n")
    mixed = tvdbd(["source", "tvdb-v4", "fetch", "--list", str(listing)], env)
    assert mixed.returncode == 1
    assert "1 series stored" in mixed.stderr and "not found: series 428202" in mixed.stderr
    engine.dispose()


def test_fetch_and_sync_explain_what_is_missing(v4: FixtureServer, tmp_path: Path) -> None:
    env = env_for(v4, tmp_path)
    assert (
        "Give series ids, --list FILE or --refresh."
        in tvdbd(["source", "tvdb-v4", "fetch"], env).stderr
    )
    no_key = {**env, "TVDBD_TVDB_V4_API_KEY": ""}
    assert (
        "needs a TheTVDB v4 key"
        in tvdbd(["serve", "--no-demo"], {**no_key, "TVDBD_SYNC_INTERVAL_SECONDS": "60"}).stderr
    )


def test_sync_with_nothing_stored_from_v4_says_so_and_asks_nothing_and_else_needs_the_key(
    backend: str, databases: Databases, v4: FixtureServer, tmp_path: Path
) -> None:
    url, engine = databases.new_engine(backend)
    engine.dispose()
    env = env_for(v4, tmp_path, url)
    no_key = {**env, "TVDBD_TVDB_V4_API_KEY": ""}
    for run_env in (env, no_key):
        done = tvdbd(["sync"], run_env)
        assert done.returncode == 0, done.stderr
        assert "Nothing is stored from TheTVDB v4, so there is nothing to sync" in done.stderr
        assert "TVDBD_TVDB_V4_API_KEY" in done.stderr
    assert v4.seen == []  # neither a login nor the update feed
    assert tvdbd(["source", "tvdb-v4", "fetch", "78874", "--no-artwork"], env).returncode == 0
    refused = tvdbd(["sync"], no_key)
    assert refused.returncode == 2 and "Set TVDBD_TVDB_V4_API_KEY" in refused.stderr
