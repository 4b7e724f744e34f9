"""The image store's path checks: no path, however spelled, names a file outside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvdbd.images.store import ImageStore, safe_parts


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ImageStore:
    root = tmp_path_factory.mktemp("store")
    (root / "posters").mkdir()
    (root / "posters" / "1-1.jpg").write_bytes(b"poster")
    (root / "top.png").write_bytes(b"png")
    outside = root.parent / f"{root.name}-outside.jpg"
    outside.write_bytes(b"secret")
    os.symlink(outside, root / "posters" / "escape.jpg")
    return ImageStore(root)


@pytest.mark.parametrize(
    "relative",
    ["", "/etc/passwd", "a//b.jpg", "../x.jpg", "a/../b.jpg", "./a.jpg", "a/./b.jpg", ".x.jpg",
     "a/.hidden/b.jpg", "a\\..\\b.jpg", "a\x00.jpg", "a/", "..", "."],
)  # fmt: skip
def test_only_plain_relative_paths_pass(relative: str) -> None:
    assert safe_parts(relative) is None


def test_plain_paths_are_split_into_their_segments() -> None:
    assert safe_parts("fanart/original/1-1.jpg") == ["fanart", "original", "1-1.jpg"]
    assert safe_parts("a b/ü.jpg") == ["a b", "ü.jpg"]


def test_originals_thumbnails_and_legacy_cache_paths_are_located(store: ImageStore) -> None:
    original = store.locate("posters/1-1.jpg")
    assert original is not None and original.thumbnail_of is None
    assert original.media_type == "image/jpeg"
    for spelling in ("posters/1-1_t.jpg", "_cache/posters/1-1.jpg"):
        thumbnail = store.locate(spelling)
        assert thumbnail is not None
        assert thumbnail.path == store.root / "_cache" / "posters" / "1-1.jpg"
        assert thumbnail.thumbnail_of == original.path
    assert store.locate("_cache/_cache/posters/1-1.jpg") is None
    assert store.locate("posters/escape.jpg") is None
    assert store.locate("posters/escape_t.jpg") is None


segment = st.sampled_from(
    ["..", ".", "", "posters", "1-1.jpg", "1-1_t.jpg", "_cache", "escape.jpg", "top.png",
     "%2e%2e", "\x00", "\\", "/", "..\\..", "~", "a.jpg"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(segment, max_size=6), text=st.text(max_size=20))
def test_nothing_located_lies_outside_the_store(
    store: ImageStore, parts: list[str], text: str
) -> None:
    root = store.root.resolve()
    for relative in ("/".join(parts), "/".join([*parts, text]), text):
        found = store.locate(relative)
        if found is not None:
            assert found.path.resolve().is_relative_to(root)
            assert found.thumbnail_of is None or found.thumbnail_of.is_relative_to(root)
        original = store.original(relative)
        assert original is None or original.is_relative_to(root)


def test_add_replaces_atomically_and_drops_the_old_thumbnail(
    store: ImageStore, tmp_path: Path
) -> None:
    source = tmp_path / "new.jpg"
    source.write_bytes(b"v1")
    assert store.add("added/new.jpg", source) is True
    assert store.add("added/new.jpg", source) is False  # the same bytes are there
    thumbnail = store.thumbnail_path("added/new.jpg")
    thumbnail.parent.mkdir(parents=True, exist_ok=True)
    thumbnail.write_bytes(b"old thumbnail")
    source.write_bytes(b"v2")
    assert store.add("added/new.jpg", source) is True
    assert (store.root / "added" / "new.jpg").read_bytes() == b"v2"
    assert not thumbnail.exists()
    assert not [p for p in (store.root / "added").iterdir() if p.name.startswith(".")]
