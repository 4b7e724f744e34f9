"""tvdbd.edits.changes: every change checked against the record specs, stored whole in one
transaction with a revision each, its field locked; history newest first; reverts."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine, select

from tests.api import tiny
from tests.edits.helpers import (
    ALICE,
    BOB,
    episode_of,
    locks,
    revision_count,
    served_episode,
    stored,
)
from tvdbd.cache.marks import ChangeMarks, marks_for
from tvdbd.db import catalogue
from tvdbd.db.schema import search_names, series_table
from tvdbd.edits.changes import (
    LOCAL_IDS,
    AddActor,
    AddEpisode,
    AddImage,
    Editor,
    Lock,
    RemoveRecord,
    SetField,
    Unlock,
    apply_changes,
)
from tvdbd.edits.history import history, revert
from tvdbd.errors import BadRequest, EditConflict, NotFound
from tvdbd.images.store import ImageStore

GERMAN = tiny.GERMAN
FIRST, SECOND, SPECIAL = 910001, 910002, 910003


def test_a_series_name_edit_is_stored_served_and_kept_as_a_revision(engine: Engine) -> None:
    before = stored(engine, GERMAN)["series"]["lastUpdated"]
    result = apply_changes(
        engine,
        ALICE,
        GERMAN,
        [
            SetField("series", GERMAN, "seriesName", "Kleine Serie (neu)"),
            SetField("series", GERMAN, "seriesName", "Little Show, revised", language="en"),
        ],
        comment="typo",
    )
    bundle = stored(engine, GERMAN)
    assert bundle["series"]["seriesName"] == "Kleine Serie (neu)"
    assert bundle["translations"]["en"]["seriesName"] == "Little Show, revised"
    assert bundle["series"]["lastUpdated"] > before
    assert result.last_updated == bundle["series"]["lastUpdated"]
    first, second = result.revisions
    assert (first.target.field, first.target.language, first.old, first.new) == (
        "seriesName", "de", "Kleine Serie", "Kleine Serie (neu)",
    )  # fmt: skip
    assert (second.target.language, second.old, second.comment, second.editor) == (
        "en", "Little Show", "typo", "alice",
    )  # fmt: skip
    # The search index was rebuilt with the series.
    with engine.connect() as conn:
        names = set(
            conn.execute(
                select(search_names.c.name).where(search_names.c.series_id == GERMAN)
            ).scalars()
        )
    assert "little show revised" in names and "little show" not in names


def test_an_episode_edit_rebuilds_the_stored_records_in_every_language(engine: Engine) -> None:
    apply_changes(
        engine,
        ALICE,
        GERMAN,
        [
            SetField("episode", FIRST, "episodeName", "Die allererste Folge"),
            SetField("episode", FIRST, "episodeName", "The Very First", language="en"),
            SetField("episode", FIRST, "guestStars", ["Gast Eins", "Gast Zwei"]),
            SetField("episode", FIRST, "dvdEpisodeNumber", 1.5),
            SetField("episode", FIRST, "absoluteNumber", 7),
            SetField("episode", FIRST, "firstAired", "2001-01-06"),
        ],
    )
    original = served_episode(engine, FIRST)
    assert original["episodeName"] == "Die allererste Folge"
    assert original["guestStars"] == ["Gast Eins", "Gast Zwei"]
    assert (original["dvdEpisodeNumber"], original["absoluteNumber"]) == (1.5, 7)
    assert original["firstAired"] == "2001-01-06"
    english = served_episode(engine, FIRST, "en")
    assert english["episodeName"] == "The Very First" and english["guestStars"] == [
        "Gast Eins",
        "Gast Zwei",
    ]
    # The episode's own lastUpdated moved with the series'.
    assert english["lastUpdated"] >= int(time.time()) - 60


def test_a_bad_value_is_a_400_naming_the_field_and_nothing_is_written(engine: Engine) -> None:
    before = stored(engine, GERMAN)
    with pytest.raises(BadRequest) as refused:
        apply_changes(
            engine,
            ALICE,
            GERMAN,
            [
                SetField("series", GERMAN, "seriesName", "Would be fine"),
                SetField("episode", SECOND, "airedSeason", "two"),
            ],
        )
    assert refused.value.status == 400
    assert "airedSeason" in refused.value.message and "integer" in refused.value.message
    assert refused.value.details == {"field": "airedSeason"}
    assert stored(engine, GERMAN) == before
    assert revision_count(engine, GERMAN) == 0 and locks(engine, GERMAN) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (SetField("series", GERMAN, "nonsense", 1), "nonsense"),
        (SetField("series", GERMAN, "id", 5), "id"),
        (SetField("series", GERMAN, "seriesName", None), "seriesName"),
        (SetField("series", GERMAN, "genre", "Drama"), "genre"),
        (SetField("series", GERMAN, "network", "ZDF", language="en"), "network"),
        (SetField("series", GERMAN, "overview", "x", language="xx"), "language"),
        (SetField("episode", FIRST, "airedEpisodeNumber", 1.5), "airedEpisodeNumber"),
        (SetField("image", 7001, "language", "klingon"), "language"),
        (SetField("image", 7001, "keyType", "wallpaper"), "keyType"),
        (SetField("actor", 5001, "sortOrder", "first"), "sortOrder"),
        (AddEpisode({"airedSeason": 1}), "airedEpisodeNumber"),
    ],
)
def test_every_bad_change_is_a_400_that_names_its_field(
    engine: Engine, change: SetField, named: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        apply_changes(engine, ALICE, GERMAN, [change])
    assert named in refused.value.message


def test_unknown_records_are_404(engine: Engine) -> None:
    with pytest.raises(NotFound):
        apply_changes(engine, ALICE, 424242, [SetField("series", 424242, "seriesName", "x")])
    with pytest.raises(NotFound):
        apply_changes(engine, ALICE, GERMAN, [SetField("episode", 1, "episodeName", "x")])


def test_history_is_newest_first_and_a_revert_is_a_new_revision(engine: Engine) -> None:
    for name in ("Eins", "Zwei", "Drei"):
        apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "network", name)])
    apply_changes(engine, BOB, GERMAN, [SetField("episode", SECOND, "overview", "Neu.")])
    listed = history(engine, "series", GERMAN)
    assert [r.id for r in listed] == sorted((r.id for r in listed), reverse=True)
    assert [(r.target.record, r.new) for r in listed] == [
        ("episode", "Neu."), ("series", "Drei"), ("series", "Zwei"), ("series", "Eins"),
    ]  # fmt: skip
    assert [r.new for r in history(engine, "episode", SECOND)] == ["Neu."]
    assert [r.new for r in history(engine, "series", GERMAN, limit=2)] == ["Neu.", "Drei"]
    assert [r.new for r in history(engine, "series", GERMAN, before=listed[1].id)] == [
        "Zwei",
        "Eins",
    ]
    undone = revert(engine, BOB, listed[1].id)
    assert stored(engine, GERMAN)["series"]["network"] == "Zwei"
    (revision,) = undone.revisions
    assert (revision.old, revision.new, revision.reverts) == ("Drei", "Zwei", listed[1].id)
    assert history(engine, "series", GERMAN)[0].id == revision.id


def test_a_stale_base_is_409_with_the_current_value_never_a_silent_overwrite(
    engine: Engine,
) -> None:
    # Two editors opened the series when its network was ZDF.
    apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "network", "ARD", base="ZDF")])
    with pytest.raises(EditConflict) as conflict:
        apply_changes(
            engine, BOB, GERMAN, [SetField("series", GERMAN, "network", "RTL", base="ZDF")]
        )
    assert conflict.value.status == 409
    assert conflict.value.details == {"field": "network", "current": "ARD"}
    assert stored(engine, GERMAN)["series"]["network"] == "ARD"


def test_reverting_a_field_changed_since_is_409_unless_forced(engine: Engine) -> None:
    first = apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "runtime", "31")])
    apply_changes(engine, BOB, GERMAN, [SetField("series", GERMAN, "runtime", "32")])
    with pytest.raises(EditConflict) as conflict:
        revert(engine, ALICE, first.revisions[0].id)
    assert conflict.value.details["current"] == "32"
    revert(engine, ALICE, first.revisions[0].id, force=True)
    assert stored(engine, GERMAN)["series"]["runtime"] == "30"


def test_an_added_episode_takes_an_id_of_the_local_block_and_can_be_removed(
    engine: Engine,
) -> None:
    added = apply_changes(
        engine,
        ALICE,
        GERMAN,
        [
            AddEpisode(
                {
                    "airedSeason": 1,
                    "airedEpisodeNumber": 3,
                    "episodeName": "Dritte Folge",
                    "translations": {"en": {"episodeName": "Third", "overview": None}},
                }
            )
        ],
    )
    (revision,) = added.revisions
    new_id = revision.target.record_id
    assert new_id == LOCAL_IDS.start and new_id < 2**31
    assert served_episode(engine, new_id, "en")["episodeName"] == "Third"
    again = apply_changes(
        engine, ALICE, GERMAN, [AddEpisode({"airedSeason": 1, "airedEpisodeNumber": 4})]
    )
    assert again.revisions[0].target.record_id == new_id + 1
    apply_changes(engine, BOB, GERMAN, [RemoveRecord("episode", SECOND)])
    ids = [e["id"] for e in stored(engine, GERMAN)["episodes"]]
    assert SECOND not in ids and new_id in ids
    # Reverting the removal brings the episode back with its translations.
    removal = history(engine, "episode", SECOND)[0]
    revert(engine, ALICE, removal.id)
    back = episode_of(stored(engine, GERMAN), SECOND)
    assert back["translations"]["en"]["episodeName"] == "Second Episode"


def test_an_added_actor_takes_an_id_of_the_local_block_is_served_and_reverts(
    engine: Engine,
) -> None:
    added = apply_changes(
        engine, ALICE, GERMAN, [AddActor({"name": "Jane Neu", "role": "Nachbarin", "sortOrder": 2})]
    )
    (revision,) = added.revisions
    actor_id = revision.target.record_id
    assert actor_id in LOCAL_IDS and (revision.action, revision.target.field) == ("add", "*")
    with engine.connect() as conn:
        served = {a["id"]: a for a in catalogue.get_actors(conn, GERMAN)}
    assert (served[actor_id]["name"], served[actor_id]["role"]) == ("Jane Neu", "Nachbarin")
    assert [(lock.target.record, lock.target.field) for lock in locks(engine, GERMAN)] == [
        ("actor", "*")
    ]
    second = apply_changes(engine, BOB, GERMAN, [AddActor({"name": "Max"})])
    assert second.revisions[0].target.record_id == actor_id + 1
    revert(engine, ALICE, revision.id)
    assert actor_id not in [a["id"] for a in stored(engine, GERMAN)["actors"]]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"role": "x"}, "name"),
        ({"name": " "}, "name"),
        ({"name": "A", "sortOrder": "1"}, "sortOrder"),
        ({"name": "A", "colour": "red"}, "colour"),
    ],
)
def test_an_actor_without_a_name_or_with_bad_fields_is_400_naming_the_field(
    engine: Engine, values: dict[str, object], field: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        apply_changes(engine, ALICE, GERMAN, [AddActor(values)])
    assert f"field {field}" in refused.value.message
    assert revision_count(engine, GERMAN) == 0


def test_actor_and_image_fields_can_be_changed(engine: Engine) -> None:
    apply_changes(
        engine,
        ALICE,
        GERMAN,
        [
            SetField("actor", 5001, "role", "Ärztin"),
            SetField("image", 7001, "language", "en"),
            SetField("image", 7001, "subKey", "text"),
        ],
    )
    bundle = stored(engine, GERMAN)
    actor = next(a for a in bundle["actors"] if a["id"] == 5001)
    image = next(i for i in bundle["images"] if i["id"] == 7001)
    assert actor["role"] == "Ärztin"
    assert (image["language"], image["subKey"]) == ("en", "text")
    # Order is kept: the image is where it was.
    assert [i["id"] for i in bundle["images"]] == [7003, 7001, 7002]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (68, 100), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_an_added_image_goes_into_the_store_and_a_removed_one_leaves_the_series(
    engine: Engine, tmp_path: Path
) -> None:
    store = ImageStore(tmp_path / "banners")
    added = apply_changes(
        engine,
        ALICE,
        GERMAN,
        [AddImage(_png(), "poster", "graphical", "en")],
        images_store=store,
    )
    image_id = added.revisions[0].target.record_id
    image = next(i for i in stored(engine, GERMAN)["images"] if i["id"] == image_id)
    assert image["resolution"] == "68x100" and image["language"] == "en"
    path = store.original(image["fileName"])
    assert path is not None and path.read_bytes() == _png()
    with pytest.raises(BadRequest):
        apply_changes(
            engine, ALICE, GERMAN, [AddImage(b"not an image", "poster")], images_store=store
        )
    apply_changes(engine, ALICE, GERMAN, [RemoveRecord("image", 7003)])
    assert [i["id"] for i in stored(engine, GERMAN)["images"]] == [7001, 7002, image_id]


def test_an_edited_field_is_locked_and_lock_and_unlock_are_revisions(engine: Engine) -> None:
    apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "status", "Ended")])
    apply_changes(engine, ALICE, GERMAN, [Lock("series", GERMAN, "overview")])
    held = {(lock.target.field, lock.target.language): lock.local for lock in locks(engine, GERMAN)}
    assert held == {("status", ""): "Ended", ("overview", "de"): "Eine kleine Serie."}
    # Locking without a change leaves the record (and its lastUpdated) alone.
    assert stored(engine, GERMAN)["series"]["overview"] == "Eine kleine Serie."
    apply_changes(engine, BOB, GERMAN, [Unlock("series", GERMAN, "overview")])
    assert [lock.target.field for lock in locks(engine, GERMAN)] == ["status"]
    assert [r.action for r in history(engine, "series", GERMAN)] == ["unlock", "lock", "set"]
    with pytest.raises(NotFound):
        apply_changes(engine, BOB, GERMAN, [Unlock("series", GERMAN, "overview")])


def test_an_edit_moves_the_change_marks_of_the_series_and_the_catalogue(engine: Engine) -> None:
    marks = marks_for(engine)
    slot = ChangeMarks.slot_of(GERMAN)
    episode_slot = ChangeMarks.episode_slot_of(FIRST)
    before = (marks.read(0), marks.read(slot), marks.read(episode_slot))
    apply_changes(engine, ALICE, GERMAN, [SetField("episode", FIRST, "episodeName", "Neu")])
    after = (marks.read(0), marks.read(slot), marks.read(episode_slot))
    assert all(b < a for b, a in zip(before, after, strict=True))


def test_updated_query_lists_an_edited_series(engine: Engine) -> None:
    start = int(time.time())
    apply_changes(engine, ALICE, GERMAN, [SetField("series", GERMAN, "rating", "TV-14")])
    with engine.connect() as conn:
        changed = catalogue.updated_between(conn, start, start + 7 * 86400)
        last = conn.execute(
            select(series_table.c.last_updated).where(series_table.c.id == GERMAN)
        ).scalar_one()
    assert (GERMAN, last) in changed


def test_an_edit_needs_an_editor_name(engine: Engine) -> None:
    with pytest.raises(BadRequest):
        apply_changes(
            engine, Editor("", "api"), GERMAN, [SetField("series", GERMAN, "runtime", "1")]
        )
