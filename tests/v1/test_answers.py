"""v1 answers are kept and rebuilt on the same change marks as v2: an import or a rating
shows at once, and the zip of a series is built once per change, not per request."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Mount
from starlette.testclient import TestClient

from tests.support import DEMO_BUNDLE, Databases, import_bundles
from tvdbd.app import create_app
from tvdbd.bundles.importer import import_file
from tvdbd.settings import Settings
from tvdbd.v1.answers import Answers

SERIES = 4_100_001


def bundle(name: str, episodes: int = 3) -> dict[str, Any]:
    return {
        "series": {"id": SERIES, "seriesName": name, "lastUpdated": 1_600_000_000},
        "episodes": [
            {"id": SERIES * 10 + n, "airedSeason": 1, "airedEpisodeNumber": n + 1}
            for n in range(episodes)
        ],
    }


@pytest.fixture
def app_client(
    backend: str, databases: Databases, tmp_path: Path
) -> Iterator[tuple[TestClient, Any, Answers]]:
    url, engine = databases.new_engine(backend)
    assert import_file(engine, DEMO_BUNDLE).ok
    assert import_bundles(engine, [bundle("Before")]).ok
    app = create_app(Settings(data_dir=tmp_path, database_url=url, read_through="off"), engine)
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/api")
    answers: Answers = mount.app.state.v1.answers  # type: ignore[attr-defined]
    with TestClient(app) as client:
        yield client, engine, answers
    engine.dispose()


def name_of(response: httpx.Response) -> str:
    return ET.fromstring(response.content).findtext("Series/SeriesName") or ""


def test_the_zip_is_built_once_per_change(app_client: tuple[TestClient, Any, Answers]) -> None:
    client, engine, answers = app_client
    first = client.get(f"/api/k/series/{SERIES}/all/en.zip")
    built = answers.misses
    for _ in range(5):
        assert client.get(f"/api/k/series/{SERIES}/all/en.zip").content == first.content
    assert answers.misses == built  # five stored answers, nothing rendered

    assert import_bundles(engine, [bundle("After", episodes=4)]).ok
    changed = client.get(f"/api/k/series/{SERIES}/all/en.zip")
    assert changed.content != first.content
    assert answers.misses > built


def test_an_import_shows_at_once_on_every_cached_route(
    app_client: tuple[TestClient, Any, Answers],
) -> None:
    client, engine, _ = app_client
    assert name_of(client.get(f"/api/k/series/{SERIES}/en.xml")) == "Before"
    search = client.get("/api/GetSeries.php", params={"seriesname": "after"})
    assert b"<Series>" not in search.content
    assert import_bundles(engine, [bundle("After")]).ok
    assert name_of(client.get(f"/api/k/series/{SERIES}/en.xml")) == "After"
    search = client.get("/api/GetSeries.php", params={"seriesname": "after"})
    assert f"<id>{SERIES}</id>".encode() in search.content


def test_an_unknown_series_found_later_is_not_a_stored_404(
    app_client: tuple[TestClient, Any, Answers],
) -> None:
    client, engine, _ = app_client
    assert client.get("/api/k/series/4100002/en.xml").status_code == 404
    assert import_bundles(engine, [{"series": {"id": 4_100_002, "seriesName": "Late"}}]).ok
    assert client.get("/api/k/series/4100002/en.xml").status_code == 200


def test_a_vignette_path_serves_the_original_fanart(
    app_client: tuple[TestClient, Any, Answers], tmp_path: Path
) -> None:
    client, _, _ = app_client
    original = tmp_path / "banners" / "fanart" / "original" / "4100001-1.jpg"
    original.parent.mkdir(parents=True, exist_ok=True)
    original.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    vignette = client.get("/banners/fanart/vignette/4100001-1.jpg")
    assert vignette.status_code == 200
    assert vignette.content == original.read_bytes()
    assert client.get("/banners/fanart/vignette/4100001-2.jpg").status_code == 404
