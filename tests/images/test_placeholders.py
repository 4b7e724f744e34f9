"""The demo's drawn placeholders: one per referred-to file, at the record's size, deterministic."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from PIL import Image

from tests.support import DEMO_BUNDLE
from tvdbd.demo import draw_demo_images
from tvdbd.images.placeholders import Placeholder, draw, placeholders_for
from tvdbd.images.references import bundle_image_paths


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo-art")
    draw_demo_images(directory)
    return directory


def demo_bundles() -> list[dict[str, object]]:
    return [orjson.loads(line) for line in DEMO_BUNDLE.read_bytes().splitlines() if line.strip()]


def test_every_file_the_demo_refers_to_is_drawn_and_nothing_else(drawn: Path) -> None:
    wanted = {path for bundle in demo_bundles() for path in bundle_image_paths(bundle)}
    files = {str(p.relative_to(drawn)) for p in drawn.rglob("*") if p.is_file()}
    assert files == wanted
    assert len(files) > 500


def test_image_records_are_drawn_at_their_resolution(drawn: Path) -> None:
    checked = 0
    for bundle in demo_bundles():
        for image in bundle.get("images", []):  # type: ignore[attr-defined]
            width, height = map(int, image["resolution"].split("x"))
            with Image.open(drawn / image["fileName"]) as picture:
                assert picture.size == (width, height), image["fileName"]
                assert picture.format == "JPEG"
            checked += 1
    assert checked == 173


def test_movie_artwork_is_drawn_at_its_size_with_the_primary_name(drawn: Path) -> None:
    movies = [b["movie"] for b in demo_bundles() if "movie" in b]
    assert len(movies) == 3
    for movie in movies:
        for artwork in movie["artworks"]:  # type: ignore[index]
            with Image.open(drawn / artwork["url"]) as picture:
                assert picture.size == (artwork["width"], artwork["height"])
        (poster, *_) = list(placeholders_for({"movie": movie}))
        assert poster.title.startswith("The Lord of the Rings: ")
        assert poster.label == "movie poster"


def test_the_demo_art_stays_small(drawn: Path) -> None:
    total = sum(p.stat().st_size for p in drawn.rglob("*") if p.is_file())
    assert total < 10_000_000


def test_drawing_is_deterministic(drawn: Path) -> None:
    scrubs = next(b for b in demo_bundles() if b.get("series", {}).get("id") == 76156)  # type: ignore[attr-defined]
    for placeholder in list(placeholders_for(scrubs))[:5]:
        assert draw(placeholder) == (drawn / placeholder.path).read_bytes()


def test_sizes_come_from_the_record_then_the_folder() -> None:
    bundle = {
        "series": {"id": 1, "seriesName": "S", "poster": "posters/1.jpg", "banner": "text/1.jpg"},
        "images": [{"fileName": "fanart/original/1.jpg", "resolution": "1280x720"},
                   {"fileName": "fanart/original/2.jpg", "resolution": "99999x1"}],
        "episodes": [{"filename": "episodes/1/2.jpg", "thumbWidth": "400", "thumbHeight": "225"}],
    }  # fmt: skip
    sizes = {p.path: (p.width, p.height) for p in placeholders_for(bundle)}
    assert sizes == {
        "posters/1.jpg": (680, 1000),
        "text/1.jpg": (758, 140),
        "fanart/original/1.jpg": (1280, 720),
        "fanart/original/2.jpg": (1920, 1080),  # a silly resolution falls back
        "episodes/1/2.jpg": (400, 225),
    }


def test_a_long_title_still_fits() -> None:
    data = draw(Placeholder("graphical/1.jpg", 758, 140, "A" * 80, "banner", 1))
    assert Image.open(io.BytesIO(data)).size == (758, 140)
