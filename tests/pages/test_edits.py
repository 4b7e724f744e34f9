"""The edit forms of the pages against a live server on both backends: editors and admins
only, CSRF on every form, a bad value shown on the form naming its field (400) with what was
typed, a stale base shown with the current value (409), history with reverts, locks, and
adding or removing episodes, actors and artwork, all seen by the v2 API."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.api import tiny
from tests.pages.conftest import SCRIPT_SERIES, Browser, Site
from tests.pages.html_forms import form_of
from tvdbd.db.engine import make_engine
from tvdbd.edits.changes import Editor, SetField, apply_changes

GERMAN = tiny.GERMAN
FIRST_EPISODE = 910001
EDIT = f"/pages/series/{GERMAN}/edit"
LOCKS = f"/pages/series/{GERMAN}/locks"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _series(site: Site, language: str = "de") -> dict[str, object]:
    with site.api() as api:
        response = api.get(f"/series/{GERMAN}", headers={"Accept-Language": language})
    record: dict[str, object] = response.json()["data"]
    return record


def _editor(site: Site, name: str = "ed") -> Browser:
    person = site.browser()
    person.sign_in(site, name)
    return person


@pytest.fixture
def ed(site: Site) -> Browser:
    person = _editor(site)
    yield person  # type: ignore[misc]
    person.close()


EDIT_PAGES = [
    EDIT,
    f"/pages/series/{GERMAN}/episodes/add",
    f"/pages/series/{GERMAN}/actors",
    f"/pages/series/{GERMAN}/artwork",
    f"/pages/series/{GERMAN}/history",
    LOCKS,
    f"/pages/episodes/{FIRST_EPISODE}/edit",
    f"/pages/episodes/{FIRST_EPISODE}/history",
    "/pages/edits",
]


def test_the_signed_out_are_sent_to_sign_in_and_plain_users_get_403(site: Site) -> None:
    anonymous = site.browser()
    try:
        for path in EDIT_PAGES:
            response = anonymous.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/pages/signin?next=/pages/")
    finally:
        anonymous.close()
    alice = _editor(site, "alice")
    try:
        page = alice.get(f"/pages/series/{GERMAN}").text
        assert "Recent edits" not in page and f"/series/{GERMAN}/edit" not in page
        for path in EDIT_PAGES:
            response = alice.get(path)
            assert response.status_code == 403, path
            assert "editor or admin role" in response.text
        alice.get("/pages/me")  # a page with her CSRF token: only the role refuses her
        for path in (EDIT, LOCKS, f"/pages/series/{GERMAN}/actors", "/pages/revisions/1/revert",
                     f"/pages/series/{GERMAN}/episodes/add",
                     f"/pages/episodes/{FIRST_EPISODE}/remove"):  # fmt: skip
            posted = alice.post(path, {"language": "de", "value-network": "X",
                                       "base-network": '"ZDF"', "confirm": "yes"})  # fmt: skip
            assert posted.status_code == 403, path
    finally:
        alice.close()
    assert _series(site)["network"] == "ZDF"


def test_editors_and_admins_find_the_forms_from_the_series_and_episode_pages(site: Site) -> None:
    for name in ("ed", "boss"):
        person = _editor(site, name)
        try:
            page = person.get(f"/pages/series/{GERMAN}").text
            assert f'href="/pages/series/{GERMAN}/edit"' in page
            assert 'href="/pages/edits"' in page  # the navigation entry
            episode = person.get(f"/pages/episodes/{FIRST_EPISODE}").text
            assert f'href="/pages/episodes/{FIRST_EPISODE}/edit"' in episode
            for path in EDIT_PAGES:
                assert person.get(path).status_code == 200, (name, path)
        finally:
            person.close()


def test_a_title_edited_per_language_is_served_and_listed_in_the_history(
    site: Site, ed: Browser
) -> None:
    form = form_of(ed.get(f"{EDIT}?language=en").text, EDIT)
    assert form["language"] == "en" and form["value-seriesName"] == "Little Show"
    form.update({"value-seriesName": "Little Show (edited)", "comment": "from the page"})
    response = ed.post(EDIT, form)
    assert response.status_code == 303, response.text
    assert "Saved the series: 1 change." in ed.get(response.headers["location"]).text
    assert _series(site, "en")["seriesName"] == "Little Show (edited)"
    assert _series(site, "de")["seriesName"] == "Kleine Serie"  # the other language is kept
    history = _text(ed.get(f"/pages/series/{GERMAN}/history").text)
    assert "seriesName (en)" in history
    assert "Little Show → Little Show (edited)" in history and "from the page" in history
    assert "ed via pages" in history
    assert "Little Show (edited)" in _text(ed.get("/pages/edits").text)
    # Sending the same form again changes nothing.
    form = form_of(ed.get(f"{EDIT}?language=en").text, EDIT)
    again = ed.post(EDIT, form)
    assert "Nothing changed." in ed.get(again.headers["location"]).text


def test_a_bad_value_is_400_on_the_form_naming_the_field_and_keeping_the_text(
    site: Site, ed: Browser
) -> None:
    path = f"/pages/episodes/{FIRST_EPISODE}/edit"
    form = form_of(ed.get(path).text, path)
    form.update({"value-airedSeason": "one", "value-episodeName": "Typed but not saved"})
    response = ed.post(path, form)
    assert response.status_code == 400
    html = response.text
    assert "field airedSeason: must be an integer" in html
    assert 'id="field-airedSeason" name="value-airedSeason" value="one"' in html
    assert 'aria-invalid="true"' in html and 'value="Typed but not saved"' in html
    with site.api() as api:
        stored = api.get(f"/episodes/{FIRST_EPISODE}").json()["data"]
    assert stored["airedSeason"] == 1 and stored["episodeName"] != "Typed but not saved"


def test_a_value_changed_meanwhile_is_409_with_the_current_value_and_sent_again_wins(
    site: Site, ed: Browser
) -> None:
    boss = _editor(site, "boss")
    try:
        mine = form_of(ed.get(EDIT).text, EDIT)
        theirs = form_of(boss.get(EDIT).text, EDIT)
        theirs["value-network"] = "ARD"
        assert boss.post(EDIT, theirs).status_code == 303
    finally:
        boss.close()
    mine["value-network"] = "Das Erste"
    response = ed.post(EDIT, mine)
    assert response.status_code == 409
    assert "Changed meanwhile" in response.text
    assert 'id="now-network">Someone changed it meanwhile: it is now <q>ARD</q>' in response.text
    assert 'value="Das Erste"' in response.text  # what was typed is kept
    assert _series(site)["network"] == "ARD"
    # The form shown with the 409 has the current value as its base: sent again, it wins.
    again = ed.post(EDIT, form_of(response.text, EDIT))
    assert again.status_code == 303
    assert _series(site)["network"] == "Das Erste"


def test_every_form_is_refused_without_its_csrf_token(site: Site, ed: Browser) -> None:
    form = form_of(ed.get(EDIT).text, EDIT)
    form["value-network"] = "Forged"
    del form["csrf"]
    for path in (EDIT, LOCKS, f"/pages/series/{GERMAN}/actors", "/pages/revisions/1/revert",
                 f"/pages/episodes/{FIRST_EPISODE}/remove"):  # fmt: skip
        response = ed.post(path, form, csrf=False)
        assert response.status_code == 403, path
        assert "did not come from this site" in response.text
    upload = ed.client.post(
        f"/pages/series/{GERMAN}/artwork",
        data={"keyType": "poster"},
        files={"file": ("a.png", _png(), "image/png")},
    )
    assert upload.status_code == 403
    assert _series(site)["network"] != "Forged"


def test_a_revert_puts_the_old_value_back_and_asks_before_undoing_a_later_edit(
    site: Site, ed: Browser
) -> None:
    engine = make_engine(site.server.database_url)
    try:
        first = apply_changes(
            engine, Editor("ed", "pages"), GERMAN, [SetField("series", GERMAN, "runtime", "31")]
        ).revisions[0]
        apply_changes(
            engine, Editor("boss", "pages"), GERMAN, [SetField("series", GERMAN, "runtime", "32")]
        )
    finally:
        engine.dispose()
    history = f"/pages/series/{GERMAN}/history"
    form = form_of(ed.get(history).text, f"/pages/revisions/{first.id}/revert")
    response = ed.post(f"/pages/revisions/{first.id}/revert", form)
    assert response.status_code == 409
    assert 'now holds <q class="current">32</q>' in response.text
    assert "Revert anyway" in response.text
    anyway = form_of(response.text, f"/pages/revisions/{first.id}/revert")
    assert anyway["force"] == "yes"
    done = ed.post(f"/pages/revisions/{first.id}/revert", anyway)
    assert done.status_code == 303 and done.headers["location"] == history
    assert _series(site)["runtime"] == "30"
    assert f"reverts {first.id}" in _text(ed.get(history).text)


def test_fields_are_locked_and_unlocked_without_editing(site: Site, ed: Browser) -> None:
    form = form_of(ed.get(f"{EDIT}?language=en").text, EDIT)
    response = ed.post(LOCKS, {**form, "lock": "overview@en"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{EDIT}?language=en"
    assert "Locked overview (en)." in ed.get(response.headers["location"]).text
    locks = _text(ed.get(LOCKS).text)
    assert "series 900001 overview (en)" in locks and "no refresh since" in locks
    bad = ed.post(LOCKS, {"action": "lock", "record": "series", "record_id": str(GERMAN),
                          "field": "colour", "language": ""})  # fmt: skip
    assert bad.status_code == 400 and "field colour" in bad.text
    unlock = form_of(ed.get(LOCKS).text, LOCKS, action="unlock", field="overview", language="en")
    done = ed.post(LOCKS, unlock)
    assert "it follows upstream again" in ed.get(done.headers["location"]).text
    assert "overview (en)" not in _text(ed.get(LOCKS).text)


def test_an_episode_is_added_and_removed_on_the_pages(site: Site, ed: Browser) -> None:
    path = f"/pages/series/{GERMAN}/episodes/add"
    form = form_of(ed.get(path).text, path)
    form.update({"value-airedSeason": "2", "value-episodeName": "Neue Folge"})
    missing = ed.post(path, form)
    assert missing.status_code == 400 and "field airedEpisodeNumber: is required" in missing.text
    assert 'value="Neue Folge"' in missing.text
    form["value-airedEpisodeNumber"] = "1"
    added = ed.post(path, form)
    assert added.status_code == 303
    new_id = int(re.search(r"/episodes/(\d+)/edit", added.headers["location"])[1])  # type: ignore[index]
    assert 1_900_000_000 <= new_id < 2_000_000_000
    with site.api() as api:
        served = api.get(f"/episodes/{new_id}", headers={"Accept-Language": "de"})
        assert served.json()["data"]["episodeName"] == "Neue Folge"
        remove = f"/pages/episodes/{new_id}/remove"
        form = form_of(ed.get(f"/pages/episodes/{new_id}/edit").text, remove)
        unconfirmed = ed.post(remove, form)
        assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
        assert ed.post(remove, {**form, "confirm": "yes"}).status_code == 303
        assert api.get(f"/episodes/{new_id}").status_code == 404


def test_an_actor_is_added_edited_and_removed_on_the_pages(site: Site, ed: Browser) -> None:
    path = f"/pages/series/{GERMAN}/actors"
    form = form_of(ed.get(path).text, path)
    nameless = ed.post(path, {**form, "value-role": "Nachbarin"})
    assert nameless.status_code == 400 and "field name: is required" in nameless.text
    added = ed.post(path, {**form, "value-name": "Jane Neu", "value-role": "Nachbarin"})
    assert added.status_code == 303
    with site.api() as api:
        actors = {a["name"]: a for a in api.get(f"/series/{GERMAN}/actors").json()["data"]}
        actor_id = actors["Jane Neu"]["id"]
        assert actor_id >= 1_900_000_000 and actors["Jane Neu"]["role"] == "Nachbarin"
        edit = f"{path}/{actor_id}"
        form = form_of(ed.get(path).text, edit)
        bad = ed.post(edit, {**form, "value-sortOrder": "first"})
        assert bad.status_code == 400 and "field sortOrder" in bad.text
        assert f'id="field-a{actor_id}-sortOrder" name="value-sortOrder" value="first"' in bad.text
        assert ed.post(edit, {**form, "value-role": "Ärztin"}).status_code == 303
        actors = {a["id"]: a for a in api.get(f"/series/{GERMAN}/actors").json()["data"]}
        assert actors[actor_id]["role"] == "Ärztin"
        remove = form_of(ed.get(path).text, f"{edit}/remove")
        assert ed.post(f"{edit}/remove", remove).status_code == 303
        ids = [a["id"] for a in api.get(f"/series/{GERMAN}/actors").json()["data"]]
        assert actor_id not in ids


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (34, 50), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_artwork_is_uploaded_changed_and_removed_on_the_pages(site: Site, ed: Browser) -> None:
    path = f"/pages/series/{GERMAN}/artwork"
    form = form_of(ed.get(path).text, path)
    fields = {k: v for k, v in form.items() if k != "file"}
    bad = ed.client.post(path, data=fields, files={"file": ("a.png", b"not an image", "image/png")})
    assert bad.status_code == 400 and "is not an image file" in bad.text
    response = ed.client.post(
        path, data={**fields, "subKey": "graphical"}, files={"file": ("a.png", _png(), "image/png")}
    )
    assert response.status_code == 303, response.text
    image_id = int(re.search(r"Added image (\d+)", ed.get(path).text)[1])  # type: ignore[index]
    with site.api() as api:
        posters = api.get(f"/series/{GERMAN}/images/query?keyType=poster").json()["data"]
        added = next(p for p in posters if p["id"] == image_id)
        assert (added["subKey"], added["resolution"], added["language"]) == (
            "graphical",
            "34x50",
            "de",
        )
        file = ed.client.get(f"/banners/{added['fileName']}")
        assert file.status_code == 200 and file.content == _png()
        edit = f"{path}/{image_id}"
        form = form_of(ed.get(path).text, edit)
        assert form["value-language"] == "de"
        assert (
            ed.post(edit, {**form, "value-language": "en", "value-subKey": "text"}).status_code
            == 303
        )
        posters = api.get(f"/series/{GERMAN}/images/query?keyType=poster").json()["data"]
        changed = next(p for p in posters if p["id"] == image_id)
        assert (changed["language"], changed["subKey"]) == ("en", "text")
        remove = form_of(ed.get(path).text, f"{edit}/remove")
        assert ed.post(f"{edit}/remove", remove).status_code == 303
        posters = api.get(f"/series/{GERMAN}/images/query?keyType=poster").json()["data"]
        assert image_id not in [p["id"] for p in posters]


def test_the_history_and_the_recent_edits_are_paged_newest_first(site: Site, ed: Browser) -> None:
    engine = make_engine(site.server.database_url)
    try:
        changes = [SetField("series", SCRIPT_SERIES, "runtime", str(n)) for n in range(1, 56)]
        apply_changes(engine, Editor("ed", "cli"), SCRIPT_SERIES, changes)  # 55 revisions
    finally:
        engine.dispose()
    for path in (f"/pages/series/{SCRIPT_SERIES}/history", "/pages/edits"):
        html = ed.get(path).text
        assert html.count('aria-label="Revert revision') == 50
        numbers = [int(n) for n in re.findall(r'data-label="Revision">(\d+)<', html)]
        assert numbers == sorted(numbers, reverse=True)
        older = re.search(r'href="([^"]+\?before=\d+)" rel="next"', html)
        assert older, path
        rest = ed.get(older[1]).text
        shown = [int(n) for n in re.findall(r'data-label="Revision">(\d+)<', rest)]
        assert shown and max(shown) < min(numbers)
    rest = ed.get(f"/pages/series/{SCRIPT_SERIES}/history?before={min(numbers)}").text
    assert len(re.findall(r'data-label="Revision">', rest)) == 5
    assert 'rel="next"' not in rest
