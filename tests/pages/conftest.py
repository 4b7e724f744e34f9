"""A live server per backend for the page tests: the demo catalogue, a German show with
translations (tests/api/tiny.py), a series named `<script>...`, an admin, an editor and two
plain users, and the `registered` API key policy so that keys made on the pages count."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.api import tiny
from tests.support import DEMO_BUNDLE, Databases, LiveServer, import_bundles
from tests.web.conftest import ARTIFACTS
from tvdbd.bundles.importer import import_file
from tvdbd.db import apikeys, users
from tvdbd.demo import draw_demo_images
from tvdbd.images.placeholders import draw_missing
from tvdbd.images.store import ImageStore

SCRIPT_SERIES = 990001
SCRIPT_EPISODE = 991001
SCRIPT_NAME = '<script>alert("owned")</script> & Co'
API_KEY_NAME = "page-tests"


def script_show() -> dict[str, Any]:
    """A series whose every text is markup: the pages must show it as text."""
    bundle = copy.deepcopy(tiny.german_show())
    series = bundle["series"]
    series.update(
        id=SCRIPT_SERIES,
        seriesName=SCRIPT_NAME,
        overview='<img src=x onerror="alert(1)">',
        network="<b>Net</b>",
        language="en",
        slug="script-show",
        imdbId="",
        zap2itId="",
        genre=["<i>Drama</i>"],
        aliases=["<svg onload=alert(2)>"],
    )
    bundle["translations"] = {}
    bundle["episodes"] = [
        {
            "id": SCRIPT_EPISODE,
            "airedSeason": 1,
            "airedEpisodeNumber": 1,
            "episodeName": "<script>document.title='x'</script>",
            "overview": "</p><h1>fake</h1>",
            "firstAired": "2001-01-05",
            "guestStars": ["<u>Guest</u>"],
            "writers": [],
            "directors": [],
        }
    ]
    bundle["actors"] = [{"id": 995001, "name": "<em>Actor</em>", "role": "<b>Role</b>"}]
    bundle["images"] = []
    return bundle


@dataclass
class Site:
    server: LiveServer
    keys: dict[str, str]  # user name -> user key
    api_key: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def browser(self) -> Browser:
        return Browser(httpx.Client(base_url=self.base_url, timeout=30))

    def api(self, username: str | None = None) -> httpx.Client:
        """An API client logged in with the registered key, as ``username`` if given."""
        body: dict[str, str] = {"apikey": self.api_key}
        if username:
            body.update(username=username, userkey=self.keys[username])
        response = httpx.post(f"{self.base_url}/login", json=body, timeout=10)
        response.raise_for_status()
        token = response.json()["token"]
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )


@dataclass
class Browser:
    """A person with a browser: cookies kept, redirects not followed (tests look at them)."""

    client: httpx.Client
    last_csrf: str = ""
    history: list[str] = field(default_factory=list)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client.get(path, **kwargs)
        self.history.append(path)
        found = re.search(r'name="csrf" value="([^"]+)"', response.text)
        if found:
            self.last_csrf = found[1]
        return response

    def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> httpx.Response:
        fields = {"csrf": self.last_csrf, **data} if csrf else data
        return self.client.post(path, data=fields)

    def sign_in(self, site: Site, username: str) -> None:
        self.get("/pages/signin")
        response = self.post(
            "/pages/signin", {"username": username, "userkey": site.keys[username]}
        )
        assert response.status_code == 303, response.text
        self.get(response.headers["location"])

    def close(self) -> None:
        self.client.close()


def make_site(
    backend: str, databases: Databases, data_dir: Path, *, images: bool = False, **env: str
) -> Site:
    """``images``: draw the demo's placeholder artwork too (for screenshots)."""
    url, engine = databases.new_engine(backend)
    own = [tiny.german_show(), script_show()]
    if images:
        draw_demo_images(data_dir / "banners")
        draw_missing(ImageStore(data_dir / "banners"), [orjson.dumps(b) for b in own])
    report = import_file(engine, DEMO_BUNDLE)
    assert report.ok, report.errors
    report = import_bundles(engine, own)
    assert report.ok, report.errors
    keys = {}
    with engine.begin() as conn:
        keys["boss"] = users.create_user(conn, "boss", role="admin")
        keys["ed"] = users.create_user(conn, "ed", role="editor")
        keys["alice"] = users.create_user(conn, "alice")
        keys["bob"] = users.create_user(conn, "bob", language="de")
        api_key = apikeys.create(conn, API_KEY_NAME)
    engine.dispose()
    server = LiveServer(url, data_dir, TVDBD_API_KEY_POLICY="registered", **env)
    return Site(server, keys, api_key)


@pytest.fixture(scope="module")
def site(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    made = make_site(backend, databases, Path(tmp_path_factory.mktemp(f"pages-{backend}")))
    yield made
    made.server.stop()


@pytest.fixture
def browser(site: Site) -> Iterator[Browser]:
    person = site.browser()
    yield person
    person.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ under the repository (gitignored): the screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
