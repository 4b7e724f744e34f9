"""Episode answers served from the records stored at import are the rendered answers, byte for
byte, with the response cache off: translated, untranslated and user-rated episodes mixed on one
page, every language and both shapes; and a rating shows on the very next request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.api.accounts import log_in
from tests.api.wire import V2, assert_ok
from tests.support import DEMO_BUNDLE, Databases, LiveServer, import_bundles
from tvdbd.bundles.importer import import_file
from tvdbd.db import users

MIXED = 990001
FIRST = 990101  # episode n is FIRST + n - 1, n = 1..130 (pages of 100 and 30)
# Rated below: n = 1 (translated to en), 3 (not translated), 50, and 101 on page 2.
RATED = [FIRST, FIRST + 2, FIRST + 49, FIRST + 100]
V2_ACCEPT = {"Accept": "application/vnd.thetvdb.v2.1.1"}


def _mixed_show() -> dict[str, Any]:
    """German original; English for two episodes of three, one of those without a name."""
    episodes = []
    for n in range(1, 131):
        record: dict[str, Any] = {
            "id": FIRST + n - 1,
            "airedSeason": 1 + n // 60,
            "airedEpisodeNumber": n,
            "episodeName": f"Folge {n}: Überfall « {n} »",
            "overview": f"Zusammenfassung {n} – 🎬" if n % 7 else None,
            "dvdEpisodeNumber": n + 0.5 if n % 4 == 0 else n,
            "siteRating": n % 10 + 0.5 if n % 2 else n % 10,
            "siteRatingCount": n,
        }
        if n % 3 == 1:
            record["translations"] = {"en": {"episodeName": f"Episode {n}", "overview": "Ok."}}
        elif n % 3 == 2:
            record["translations"] = {"en": {"episodeName": None, "overview": "No name."}}
        if n == 9:  # a translation into the original language is not what de serves
            record["translations"] = {"de": {"episodeName": "Nicht diese", "overview": None}}
        episodes.append(record)
    series = {"id": MIXED, "seriesName": "Gemischte Serie", "language": "de"}
    return {"series": series, "episodes": episodes}


REQUESTS = [
    *((f"/series/{MIXED}/episodes?page={page}", language) for page in (1, 2)
      for language in ("de", "en", "fr")),
    (f"/series/{MIXED}/episodes/query?airedSeason=1", "en"),
    (f"/series/{MIXED}/episodes/query?dvdEpisode=4.5&airedSeason=1", "de"),
    (f"/series/{MIXED}/episodes/query?airedEpisode=3", "en"),
    *((f"/episodes/{episode_id}", language) for episode_id in (*RATED, FIRST + 1, FIRST + 8)
      for language in ("de", "en", "fr")),
    *((f"/series/76156/episodes?page={page}", language) for page in (1, 2)
      for language in ("en", "es", "fr")),
    ("/series/73739/episodes?page=2", "fr"),
    ("/episodes/184602", "es"),
]  # fmt: skip


@pytest.fixture
def server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Engine]]:
    """A server of its own with the response cache off and both shapes (negotiation on):
    the demo and the mixed show."""
    url, engine = databases.new_engine(backend)
    assert import_file(engine, DEMO_BUNDLE).ok
    assert import_bundles(engine, [_mixed_show()]).ok
    data_dir = Path(tmp_path_factory.mktemp("episode-records"))
    live = LiveServer(
        url, data_dir, TVDBD_RESPONSE_CACHE_MB="0", TVDBD_ACCEPT_VERSION_NEGOTIATION="on"
    )
    try:
        yield live, engine
    finally:
        live.stop()
        engine.dispose()


def _rater(live: LiveServer, engine: Engine, name: str) -> httpx.Client:
    with engine.begin() as conn:
        key = users.create_user(conn, name)
    return log_in(live, name, key).client()


def _get(live: LiveServer, path: str, language: str) -> httpx.Response:
    with live.client() as client:
        return client.get(path, headers={"Accept-Language": language})


def _answers(client: httpx.Client) -> dict[tuple[str, str, str], tuple[int, bytes]]:
    answers = {}
    for path, language in REQUESTS:
        for shape, headers in (("3.0.0", {}), (V2, V2_ACCEPT)):
            response = client.get(path, headers={"Accept-Language": language, **headers})
            answers[(path, language, shape)] = (response.status_code, response.content)
    return answers


def test_stored_answers_are_the_rendered_answers_byte_for_byte(
    server: tuple[LiveServer, Engine],
) -> None:
    live, engine = server
    with _rater(live, engine, "mixer") as rater, live.client() as client:
        for rating, episode_id in enumerate(RATED, start=4):
            assert rater.put(f"/user/ratings/episode/{episode_id}/{rating}").status_code == 200
        stored = _answers(client)
        with engine.begin() as conn:  # what a catalogue imported before migration 0004 holds
            conn.execute(text("UPDATE episodes SET wire_v3 = NULL"))
            conn.execute(text("UPDATE episode_translations SET wire_v3 = NULL"))
        rendered = _answers(client)
    assert {key: status for key, (status, _) in stored.items()} == dict.fromkeys(stored, 200)
    for key, answer in stored.items():
        assert answer == rendered[key], key
    # The page did mix all kinds: a rated episode moved, names are missing in English.
    page = assert_ok(_get(live, f"/series/{MIXED}/episodes?page=1", "en"))
    by_id = {record["id"]: record for record in page["data"]}
    assert by_id[FIRST]["siteRatingCount"] == 1 + 1
    assert by_id[FIRST + 1]["episodeName"] is None
    assert by_id[FIRST + 2]["overview"] is None  # no English at all
    assert page["errors"] == {
        "invalidLanguage": "Some translations were not available in the specified language"
    }


def test_a_rating_shows_on_the_next_request_with_the_response_cache_off(
    server: tuple[LiveServer, Engine],
) -> None:
    live, engine = server
    episode_id = FIRST + 60  # n = 61, translated to English, 61 imported ratings of 1.5
    paths = [f"/series/{MIXED}/episodes?page=1", f"/episodes/{episode_id}"]
    with _rater(live, engine, "rater") as rater, live.client() as client:
        before = [client.get(path, headers={"Accept-Language": "en"}).content for path in paths]
        assert rater.put(f"/user/ratings/episode/{episode_id}/10").status_code == 200
        page = assert_ok(client.get(paths[0], headers={"Accept-Language": "en"}))
        (listed,) = [record for record in page["data"] if record["id"] == episode_id]
        single = assert_ok(client.get(paths[1], headers={"Accept-Language": "en"}))["data"]
        # (1.5 x 61 + 10) / 62 = 1.637...
        assert (listed["siteRating"], listed["siteRatingCount"]) == (1.6, 62)
        assert single == listed
        assert rater.delete(f"/user/ratings/episode/{episode_id}").status_code == 200
        after = [client.get(path, headers={"Accept-Language": "en"}).content for path in paths]
    assert after == before
