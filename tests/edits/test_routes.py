"""The JSON edit API under /edits/ against a live server: editors only, JSON errors naming the
field, 409 on a stale base; an edit is seen at once by the v2 routes (through the response
cache), by /updated/query and by the published client tvdb_api."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import tvdb_api
from PIL import Image

from tests.api.accounts import APIKEY, engine_of, unique_name, writable_demo_server
from tests.support import Databases, LiveServer
from tests.test_tvdb_api_client import RedirectingSession
from tvdbd.db import users

SCRUBS, FIRST_EPISODE = 76156, 184602


@dataclass
class Editing:
    server: LiveServer
    editor: httpx.Client
    user: httpx.Client
    anonymous: httpx.Client


def _login(server: LiveServer, role: str) -> httpx.Client:
    name = unique_name(role)
    with engine_of(server).begin() as conn:
        key = users.create_user(conn, name, role=role)
    response = httpx.post(
        f"{server.base_url}/login",
        json={"apikey": APIKEY, "username": name, "userkey": key},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return server.client(token=response.json()["token"])


@pytest.fixture(scope="module")
def editing(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Editing]:
    """A writable demo server (its response cache on, as by default) and three clients."""
    with writable_demo_server(backend, databases, tmp_path_factory.mktemp("edits")) as server:
        editor, user = _login(server, "editor"), _login(server, "user")
        anonymous = httpx.Client(base_url=server.base_url, timeout=30)
        yield Editing(server, editor, user, anonymous)
        for client in (editor, user, anonymous):
            client.close()


def _change(field: str, value: object, **extra: object) -> dict[str, object]:
    return {"changes": [{"field": field, "value": value, **extra}]}


def test_no_token_is_401_and_an_account_without_the_editor_role_403(editing: Editing) -> None:
    body = _change("network", "X")
    response = editing.anonymous.post(f"/edits/series/{SCRUBS}", json=body)
    assert (response.status_code, response.json()) == (401, {"Error": "Not authorized"})
    response = editing.user.post(f"/edits/series/{SCRUBS}", json=body)
    assert response.status_code == 403 and "editor" in response.json()["Error"]
    plain = editing.server.client()  # an API-key token, no account
    assert plain.post(f"/edits/series/{SCRUBS}", json=body).status_code == 403
    assert editing.user.get(f"/edits/series/{SCRUBS}/history").status_code == 403


def test_an_edited_title_is_served_at_once_through_the_cache_and_listed_as_updated(
    editing: Editing,
) -> None:
    api = editing.server.client(**{"Accept-Language": "en"})
    assert api.get(f"/series/{SCRUBS}").json()["data"]["seriesName"] == "Scrubs"
    api.get(f"/series/{SCRUBS}")  # now a cached answer
    started = int(time.time())
    response = editing.editor.post(
        f"/edits/series/{SCRUBS}",
        json={**_change("seriesName", "Scrubs (fixed)", base="Scrubs"), "comment": "api"},
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    (revision,) = data["revisions"]
    assert (revision["field"], revision["old"], revision["new"], revision["via"]) == (
        "seriesName", "Scrubs", "Scrubs (fixed)", "api",
    )  # fmt: skip
    served = api.get(f"/series/{SCRUBS}").json()["data"]
    assert served["seriesName"] == "Scrubs (fixed)"
    assert served["lastUpdated"] == data["lastUpdated"] >= started
    updated = api.get(f"/updated/query?fromTime={started}").json()["data"]
    assert {"id": SCRUBS, "lastUpdated": data["lastUpdated"]} in updated
    # The published client sees the new title.
    session = RedirectingSession(editing.server.base_url)
    client = tvdb_api.Tvdb(apikey="client-test", cache=session)
    assert client[SCRUBS]["seriesName"] == "Scrubs (fixed)"
    api.close()


def test_an_episode_edit_is_served_by_episodes_and_the_episode_pages(editing: Editing) -> None:
    api = editing.server.client(**{"Accept-Language": "en"})
    api.get(f"/episodes/{FIRST_EPISODE}")
    api.get(f"/series/{SCRUBS}/episodes")
    response = editing.editor.post(
        f"/edits/episodes/{FIRST_EPISODE}", json=_change("episodeName", "My Very First Day")
    )
    assert response.status_code == 200, response.text
    assert api.get(f"/episodes/{FIRST_EPISODE}").json()["data"]["episodeName"] == (
        "My Very First Day"
    )
    page = api.get(f"/series/{SCRUBS}/episodes").json()["data"]
    assert next(e for e in page if e["id"] == FIRST_EPISODE)["episodeName"] == ("My Very First Day")
    history = editing.editor.get(f"/edits/episodes/{FIRST_EPISODE}/history").json()["data"]
    assert history[0]["new"] == "My Very First Day"
    api.close()


def test_bad_changes_are_400_json_naming_the_field(editing: Editing) -> None:
    post = editing.editor.post
    response = post(f"/edits/episodes/{FIRST_EPISODE}", json=_change("airedSeason", "one"))
    assert response.status_code == 400
    assert response.json() == {
        "Error": f"episode {FIRST_EPISODE} field airedSeason: must be an integer, got 'one'",
        "field": "airedSeason",
    }
    assert post(f"/edits/series/{SCRUBS}", json=_change("nope", 1)).status_code == 400
    assert post(f"/edits/series/{SCRUBS}", content=b"{").json() == {
        "Error": "Invalid JSON in request body"
    }
    assert post(f"/edits/series/{SCRUBS}", json={"changes": []}).status_code == 400
    assert post(f"/edits/series/{SCRUBS}", json=[1]).status_code == 400
    response = post("/edits/series/424242", json=_change("network", "X"))
    assert response.status_code == 404 and response.json() == {"Error": "series 424242 not found"}
    assert post("/edits/series/abc", json=_change("network", "X")).status_code == 404


def test_a_stale_base_is_409_with_the_current_value(editing: Editing) -> None:
    post = editing.editor.post
    assert post(f"/edits/series/{SCRUBS}", json=_change("network", "ABC", base="NBC")).is_success
    response = post(f"/edits/series/{SCRUBS}", json=_change("network", "CBS", base="NBC"))
    assert response.status_code == 409
    body = response.json()
    assert (body["field"], body["current"]) == ("network", "ABC")
    assert "changed since your base" in body["Error"]


def test_history_revert_and_locks_over_http(editing: Editing) -> None:
    post, get = editing.editor.post, editing.editor.get
    done = post(f"/edits/series/{SCRUBS}", json=_change("runtime", "99")).json()["data"]
    revision = done["revisions"][0]["revision"]
    assert get(f"/edits/revisions/{revision}").json()["data"]["new"] == "99"
    listed = get(f"/edits/series/{SCRUBS}/history?limit=1").json()["data"]
    assert [r["revision"] for r in listed] == [revision]
    undone = post(f"/edits/revisions/{revision}/revert", json={"comment": "no"}).json()["data"]
    assert undone["revisions"][0]["reverts"] == revision
    api = editing.server.client()
    assert api.get(f"/series/{SCRUBS}").json()["data"]["runtime"] != "99"
    locked = get(f"/edits/series/{SCRUBS}/locks").json()["data"]
    assert any(lock["field"] == "runtime" and lock["local"] != "99" for lock in locked)
    response = post(f"/edits/series/{SCRUBS}/unlock", json={"field": "runtime"})
    assert response.status_code == 200
    again = post(f"/edits/series/{SCRUBS}/unlock", json={"field": "runtime"})
    assert again.status_code == 404
    response = post(f"/edits/series/{SCRUBS}/locks", json={"field": "status"})
    assert response.json()["data"]["revisions"][0]["action"] == "lock"
    assert post("/edits/revisions/999999/revert", json={}).status_code == 404
    api.close()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (34, 50), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def test_episodes_and_images_can_be_added_and_removed(editing: Editing) -> None:
    post = editing.editor.post
    response = post(
        f"/edits/series/{SCRUBS}/episodes",
        json={"episode": {"airedSeason": 9, "airedEpisodeNumber": 14, "episodeName": "Extra"}},
    )
    assert response.status_code == 201, response.text
    new_id = response.json()["data"]["revisions"][0]["id"]
    assert 1_900_000_000 <= new_id < 2_000_000_000
    api = editing.server.client()
    assert api.get(f"/episodes/{new_id}").json()["data"]["episodeName"] == "Extra"
    assert editing.editor.delete(f"/edits/episodes/{new_id}?comment=dup").status_code == 200
    assert api.get(f"/episodes/{new_id}").status_code == 404

    response = post(
        f"/edits/series/{SCRUBS}/images?keyType=poster&subKey=graphical",
        content=_png(),
        headers={"Content-Type": "image/png"},
    )
    assert response.status_code == 201, response.text
    image_id = response.json()["data"]["revisions"][0]["id"]
    posters = api.get(f"/series/{SCRUBS}/images/query?keyType=poster").json()["data"]
    added = next(p for p in posters if p["id"] == image_id)
    assert added["resolution"] == "34x50"
    file = httpx.get(f"{editing.server.base_url}/banners/{added['fileName']}", timeout=10)
    assert file.status_code == 200 and file.content == _png()
    bad = post(f"/edits/series/{SCRUBS}/images?keyType=poster", content=b"text")
    assert bad.status_code == 400
    gone = editing.editor.delete(f"/edits/series/{SCRUBS}/images/{image_id}")
    assert gone.status_code == 200
    posters = api.get(f"/series/{SCRUBS}/images/query?keyType=poster").json()["data"]
    assert image_id not in [p["id"] for p in posters]
    api.close()


def test_actors_can_be_added_and_removed(editing: Editing) -> None:
    response = editing.editor.post(
        f"/edits/series/{SCRUBS}/actors",
        json={"actor": {"name": "Jane Doe", "role": "Dr. Jane"}, "comment": "missing"},
    )
    assert response.status_code == 201, response.text
    actor_id = response.json()["data"]["revisions"][0]["id"]
    assert 1_900_000_000 <= actor_id < 2_000_000_000
    api = editing.server.client()
    listed = {a["id"]: a for a in api.get(f"/series/{SCRUBS}/actors").json()["data"]}
    assert listed[actor_id]["name"] == "Jane Doe" and listed[actor_id]["role"] == "Dr. Jane"
    bad = editing.editor.post(f"/edits/series/{SCRUBS}/actors", json={"actor": {"role": "x"}})
    assert bad.status_code == 400 and bad.json()["field"] == "name"
    refused = editing.user.post(f"/edits/series/{SCRUBS}/actors", json={"actor": {"name": "x"}})
    assert refused.status_code == 403
    gone = editing.editor.delete(f"/edits/series/{SCRUBS}/actors/{actor_id}")
    assert gone.status_code == 200, gone.text
    listed = {a["id"] for a in api.get(f"/series/{SCRUBS}/actors").json()["data"]}
    assert actor_id not in listed
    api.close()


def test_the_edit_routes_are_in_the_openapi_document(editing: Editing) -> None:
    document = httpx.get(f"{editing.server.base_url}/openapi.json", timeout=10).json()
    assert "/edits/series/{id}" in document["paths"]
    operation = document["paths"]["/edits/series/{id}"]["post"]
    assert operation["tags"] == ["Edits"] and {"401", "403", "409"} <= set(operation["responses"])
    # The v2 routes stay read-only.
    assert set(document["paths"]["/series/{id}"]) == {"get", "head"}
