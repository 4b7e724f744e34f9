"""The real client library node-tvdb 4.1.0 (npm) against a live tvdbd with the demo catalogue.

tests/clients/node/ holds the pinned package.json and package-lock.json (`scripts/test` runs
`npm ci` there) and node-tvdb.test.js, which makes each listed call and checks real values.
Node runs it once per backend; every one of its checks is a test here, so a failing client
call is a failing test. How node-tvdb is pointed at the server without patching it: see the
top of node-tvdb.test.js.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import DEMO_BUNDLE, LiveServer

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "node-tvdb.test.js"
CHECKS = [
    "every request goes to tvdbd with the v2.1.1 Accept header",
    "getLanguages lists the 184 languages with English as 7",
    "getSeriesById reads the 3.0.0 fields",
    "getSeriesById in French serves the translation node-tvdb asks for",
    "getSeriesByName finds Scrubs first with its image and poster",
    "getSeriesByImdbId finds one series",
    "getSeriesByName with no hit rejects with Resource not found",
    "getSeriesById of an unknown id rejects with the id message",
    "getEpisodesBySeriesId follows links.next over both pages",
    "getEpisodesByAirDate finds the episodes of that day",
    "getEpisodesByAirDate of a day without episodes rejects",
    "getEpisodeById has the 3.0.0 contentRating",
    "getEpisodesSummaryBySeriesId counts the aired episodes",
    "getSeriesImages returns the records of every key type",
    "getSeriesPosters and getSeasonPosters filter by key type and season",
    "getSeriesBanner reads banner from the filter route",
    "getActors lists the actors in catalogue order",
    "getSeriesAllById gives the series with all its episodes",
    "getUpdates lists the series changed in the window",
]
_RESULT = re.compile(r"^(ok|not ok) \d+ - (.+?)(?: # .*)?$")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is missing: the client tests need Node.js and npm")
        pytest.skip("node is missing (install Node.js 18+ and run npm ci in tests/clients/node)")
    if not (NODE_DIR / "node_modules" / "node-tvdb" / "package.json").exists():
        pytest.fail(f"node-tvdb is not installed: run `npm ci` in {NODE_DIR} (scripts/test does)")
    return node


@pytest.fixture(scope="module")
def node_run(demo_server: LiveServer) -> tuple[dict[str, bool], str]:
    """Every check of node-tvdb.test.js against the demo server: {name: passed}, and the log."""
    done = subprocess.run(
        [_node(), "--test", "--test-reporter=tap", SCRIPT.name],
        cwd=NODE_DIR,
        env={
            **os.environ,
            "TVDBD_BASE_URL": demo_server.base_url,
            "TVDBD_DEMO_BUNDLE": str(DEMO_BUNDLE),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The file's tests are the top-level TAP results (lines without indentation).
    results = {
        match[2]: match[1] == "ok"
        for match in map(_RESULT.match, done.stdout.splitlines())
        if match is not None
    }
    log = done.stdout + done.stderr
    return results, log


def test_node_tvdb_ran_exactly_the_listed_checks(node_run: tuple[dict[str, bool], str]) -> None:
    results, log = node_run
    assert sorted(results) == sorted(CHECKS), log[-3000:]


@pytest.mark.parametrize("check", CHECKS)
def test_node_tvdb(node_run: tuple[dict[str, bool], str], check: str) -> None:
    results, log = node_run
    assert check in results, log[-3000:]
    if not results[check]:
        start = log.find(f"# Subtest: {check}")
        pytest.fail(f"node-tvdb: {check}\n{log[start : start + 3000]}")
