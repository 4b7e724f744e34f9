"""The demo catalogue shipped with the package, loaded on first start of an empty database."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, func, select

from tvdbd.bundles.importer import ImportReport, import_file
from tvdbd.db.schema import series_table


def demo_bundle_path() -> Path:
    return Path(str(resources.files("tvdbd").joinpath("data/demo-catalogue.jsonl")))


def catalogue_is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(series_table)).scalar_one() == 0


def load_demo_if_empty(engine: Engine) -> ImportReport | None:
    if not catalogue_is_empty(engine):
        return None
    return import_file(engine, demo_bundle_path())
