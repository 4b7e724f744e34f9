"""The demo catalogue shipped with the package, loaded on first start of an empty database."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, func, select

from tvdbd.bundles.importer import ImportReport, import_file
from tvdbd.db.schema import movies, series_table


def demo_bundle_path() -> Path:
    return Path(str(resources.files("tvdbd").joinpath("data/demo-catalogue.jsonl")))


def catalogue_is_empty(engine: Engine) -> bool:
    """No series and no movie: a database the demo may fill."""
    with engine.connect() as conn:
        return all(
            conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
            for table in (series_table, movies)
        )


def load_demo_if_empty(engine: Engine) -> ImportReport | None:
    if not catalogue_is_empty(engine):
        return None
    return import_file(engine, demo_bundle_path())


def draw_demo_images(image_dir: Path) -> int:
    """Draw the demo's placeholder artwork into the image store; the number of files drawn.

    Drawn rather than shipped: about 500 files (6.5 MB) stay out of the repository and the
    package, and drawing the missing ones takes a few seconds on first start.
    """
    from tvdbd.images.placeholders import draw_missing
    from tvdbd.images.store import ImageStore

    with demo_bundle_path().open("rb") as lines:
        return draw_missing(ImageStore(image_dir), lines)
