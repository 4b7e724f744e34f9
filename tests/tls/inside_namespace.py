"""The drop-in checks, run by tests/tls/test_drop_in_namespace.py inside a private mount and
network namespace (`unshare --mount --net`): its own loopback, its own /etc/hosts sending the
TheTVDB names to 127.0.0.1, and no other interface, so nothing can leave it.

There `tvdbd serve --drop-in --workers 2` listens on 443 and 80 with the certificate of
`tvdbd tls init`; the clients run as published, at their built-in https://api.thetvdb.com,
trusting the CA only through REQUESTS_CA_BUNDLE, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS and
CURL_CA_BUNDLE, and must get what they get over plain http://api.thetvdb.com (port 80).
Outside that namespace every test here is skipped (pytest does not collect this file).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import tvdb_api
import tvdbsimple
from tvdbsimple.base import TVDB

from tests.clients.test_node_tvdb import CHECKS, NODE_DIR, SCRIPT
from tests.support import DEMO_BUNDLE

NAMES = ["api.thetvdb.com", "thetvdb.com", "www.thetvdb.com", "artworks.thetvdb.com"]
SCRUBS = 76156
POSTER = "posters/76156-1.jpg"
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE")


def _demo_bundle(series_id: int) -> dict[str, Any]:
    for line in DEMO_BUNDLE.read_text(encoding="utf-8").splitlines():
        bundle: dict[str, Any] = json.loads(line)
        if bundle.get("series", {}).get("id") == series_id:
            return bundle
    raise KeyError(series_id)


@pytest.fixture(scope="module", autouse=True)
def drop_in() -> Iterator[Path]:
    """Loopback up, the hosts file bound over /etc/hosts, `serve --drop-in` running; the
    data dir. The CA is trusted through the environment only, for the rest of the run."""
    if os.environ.get("TVDBD_IN_NAMESPACE") != "1":
        pytest.skip("runs only inside the namespace of tests/tls/test_drop_in_namespace.py")
    data = Path(os.environ["TVDBD_DATA_DIR"])
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["mount", "--bind", os.environ["TVDBD_NS_HOSTS"], "/etc/hosts"], check=True)
    ca = str(data / "tls" / "tvdbd-ca.crt")
    os.environ.update(dict.fromkeys(CA_VARIABLES, ca))
    log = (data / "drop-in.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "tvdbd", "serve", "--drop-in", "--workers", "2"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(server, data)
        yield data
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def _wait_for(server: subprocess.Popen[bytes], data: Path) -> None:
    # The demo catalogue and its images are made first, then the workers start: up to 3 min
    # on a busy machine (and a cold worker's first answer may take seconds).
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"tvdbd exited: {(data / 'drop-in.log').read_text()}")
        try:
            requests.get("https://api.thetvdb.com/health", timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    pytest.fail(f"tvdbd did not start: {(data / 'drop-in.log').read_text()}")


class PlainHttp(requests.Session):
    """A session that sends tvdb_api's https://api.thetvdb.com requests to plain HTTP."""

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        url = str(url).replace("https://api.thetvdb.com", "http://api.thetvdb.com", 1)
        return super().request(method, url, *args, **kwargs)


def test_the_names_resolve_to_loopback_and_nothing_can_leave_the_namespace() -> None:
    for name in NAMES:
        assert socket.gethostbyname(name) == "127.0.0.1"
    # The only interface is this namespace's own loopback: no route to anywhere else.
    assert [name for _, name in socket.if_nameindex()] == ["lo"]
    routes = subprocess.run(["ip", "route", "show"], capture_output=True, text=True, check=True)
    assert routes.stdout.strip() == ""


def _tvdb_api_view(t: tvdb_api.Tvdb) -> dict[str, Any]:
    show = t["Scrubs"]
    return {
        "search": [hit["id"] for hit in t.search("Scrubs")],
        "series": {k: v for k, v in show.data.items() if k != "_banners"},
        "season 1": [episode["episodeName"] for episode in show[1].values()],
        "actors": [actor["name"] for actor in show["_actors"]],
        "banners": show["_banners"],
    }


def test_tvdb_api_at_its_built_in_url_gets_what_plain_http_gets() -> None:
    over_https = _tvdb_api_view(tvdb_api.Tvdb(apikey="drop-in", cache=False, actors=True,
                                              banners=True))  # fmt: skip
    over_http = _tvdb_api_view(
        tvdb_api.Tvdb(apikey="drop-in", cache=PlainHttp(), actors=True, banners=True)
    )
    assert over_https == over_http
    scrubs = _demo_bundle(SCRUBS)
    assert over_https["series"]["seriesName"] == "Scrubs"
    assert over_https["search"][0] == SCRUBS
    firsts = [e["episodeName"] for e in scrubs["episodes"] if e["airedSeason"] == 1]
    assert over_https["season 1"] == firsts
    assert over_https["actors"] == [actor["name"] for actor in scrubs["actors"]]


def test_tvdb_api_banner_urls_download_the_stored_artwork(drop_in: Path) -> None:
    t = tvdb_api.Tvdb(apikey="drop-in", cache=False, banners=True)
    posters = t["Scrubs"]["_banners"]["poster"]
    url = next(iter(next(iter(posters.values())).values()))["_bannerpath"]
    assert url.startswith("http://thetvdb.com/banners/")  # tvdb_api's own artwork root
    path = url.removeprefix("http://thetvdb.com/banners/")
    stored = (drop_in / "banners" / path).read_bytes()
    assert requests.get(url, timeout=30).content == stored
    assert requests.get(f"https://thetvdb.com/banners/{path}", timeout=30).content == stored


def _tvdbsimple_view() -> dict[str, Any]:
    tvdbsimple.KEYS.API_KEY = "drop-in"
    tvdbsimple.KEYS.API_TOKEN = ""
    series = tvdbsimple.Series(SCRUBS)
    return {
        "info": series.info(),
        "actors": series.actors(),
        "episodes": tvdbsimple.Series_Episodes(SCRUBS).all(),
        "search": tvdbsimple.Search().series("Scrubs"),
    }


def test_tvdbsimple_at_its_built_in_url_gets_what_plain_http_gets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert TVDB._BASE_URI == "https://api.thetvdb.com"
    monkeypatch.setattr(TVDB, "_headers", dict(TVDB._headers))
    over_https = _tvdbsimple_view()
    monkeypatch.setattr(TVDB, "_BASE_URI", "http://api.thetvdb.com")
    over_http = _tvdbsimple_view()
    assert over_https == over_http
    assert over_https["info"]["seriesName"] == "Scrubs"
    assert len(over_https["episodes"]) == len(_demo_bundle(SCRUBS)["episodes"])


def test_tvnamer_renames_scrubs_s01e01_to_the_episodes_name(tmp_path: Path) -> None:
    (tmp_path / "scrubs.s01e01.avi").write_bytes(b"")
    done = subprocess.run(
        [sys.executable, "-m", "tvnamer", "--batch", "scrubs.s01e01.avi"],
        cwd=tmp_path,
        env={**os.environ, "HOME": str(tmp_path), "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    first = next(
        e for e in _demo_bundle(SCRUBS)["episodes"]
        if e["airedSeason"] == 1 and e["airedEpisodeNumber"] == 1
    )  # fmt: skip
    renamed = f"Scrubs - [01x01] - {first['episodeName']}.avi"
    assert (tmp_path / renamed).exists(), done.stdout + done.stderr
    assert not (tmp_path / "scrubs.s01e01.avi").exists()


def _node_checks(base_url: str) -> dict[str, bool]:
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "node-tvdb").exists():
        pytest.skip("node or node-tvdb is missing (npm ci in tests/clients/node)")
    done = subprocess.run(
        [node, "--test", "--test-reporter=tap", SCRIPT.name],
        cwd=NODE_DIR,
        env={**os.environ, "TVDBD_BASE_URL": base_url, "TVDBD_DEMO_BUNDLE": str(DEMO_BUNDLE)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = {}
    for line in done.stdout.splitlines():
        for outcome in ("ok", "not ok"):
            prefix = f"{outcome} "
            if line.startswith(prefix) and " - " in line:
                results[line.split(" - ", 1)[1].split(" # ")[0]] = outcome == "ok"
    assert sorted(results) == sorted(CHECKS), done.stdout[-3000:] + done.stderr[-3000:]
    return results


def test_node_tvdb_passes_every_check_at_its_built_in_url_as_over_plain_http() -> None:
    # With TVDBD_BASE_URL at the real API's URL, the script's node-fetch wrapper rewrites
    # nothing: node-tvdb talks to https://api.thetvdb.com itself.
    over_https = _node_checks("https://api.thetvdb.com")
    assert over_https == dict.fromkeys(CHECKS, True)
    assert _node_checks("http://api.thetvdb.com") == over_https


NODE_UNTOUCHED = """
const TVDB = require('node-tvdb');
const tvdb = new TVDB('drop-in');
Promise.all([tvdb.getSeriesById(76156), tvdb.getEpisodesBySeriesId(76156)])
    .then(([series, episodes]) => console.log(JSON.stringify({series, episodes})))
    .catch(error => { console.error(error); process.exit(1); });
"""


def test_node_tvdb_loaded_untouched_gets_the_series_plain_http_serves() -> None:
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "node-tvdb").exists():
        pytest.skip("node or node-tvdb is missing (npm ci in tests/clients/node)")
    done = subprocess.run(
        [node, "-e", NODE_UNTOUCHED], cwd=NODE_DIR, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    with httpx.Client(base_url="http://api.thetvdb.com", timeout=30) as plain:
        token = plain.post("/login", json={"apikey": "drop-in"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en",
                   "Accept": "application/vnd.thetvdb.v2.1.1"}  # fmt: skip
        series = plain.get(f"/series/{SCRUBS}", headers=headers).json()["data"]
        episodes = []
        for page in (1, 2):
            body = plain.get(f"/series/{SCRUBS}/episodes?page={page}", headers=headers).json()
            episodes += body["data"]
    assert answer["series"] == series
    assert answer["episodes"] == episodes


def test_artwork_downloads_from_artworks_thetvdb_com(drop_in: Path) -> None:
    stored = (drop_in / "banners" / POSTER).read_bytes()
    url = f"https://artworks.thetvdb.com/banners/{POSTER}"
    assert requests.get(url, timeout=30).content == stored  # REQUESTS_CA_BUNDLE
    with urllib.request.urlopen(url, timeout=30) as answer:  # SSL_CERT_FILE
        assert answer.read() == stored
    curl = shutil.which("curl")
    if curl is not None:  # CURL_CA_BUNDLE
        done = subprocess.run([curl, "-sSf", url], capture_output=True, timeout=60)
        assert done.returncode == 0 and done.stdout == stored, done.stderr


@pytest.mark.parametrize("base", [f"https://{n}" for n in NAMES] + ["http://api.thetvdb.com"])
def test_the_docs_page_answers_at_every_name(base: str) -> None:
    page = requests.get(f"{base}/", timeout=30)
    assert page.status_code == 200 and "swagger-ui" in page.text
