"""The image files a bundle's records point to, and copying them into the store on import."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tvdbd.bundles.files import open_for_reading
from tvdbd.images.store import ImageStore, is_storable

SERIES_ARTWORK = ("banner", "poster", "fanart")


def bundle_image_paths(bundle: dict[str, Any]) -> list[str]:
    """Every file a bundle line refers to, first mention first: the series' (and its
    translations') banner, poster and fanart, image `fileName`s, actor `image`s, episode
    `filename`s and a movie line's artwork `url`s. Thumbnails (`thumb_url` too) are not
    listed: the server makes them."""
    found: list[Any] = []
    series = bundle.get("series")
    if isinstance(series, dict):
        found.extend(series.get(key) for key in SERIES_ARTWORK)
    translations = bundle.get("translations")
    if isinstance(translations, dict):
        for translation in translations.values():
            if isinstance(translation, dict):
                found.extend(translation.get(key) for key in SERIES_ARTWORK)
    found.extend(_values(bundle.get("images"), "fileName"))
    found.extend(_values(bundle.get("actors"), "image"))
    found.extend(_values(bundle.get("episodes"), "filename"))
    movie = bundle.get("movie")
    if isinstance(movie, dict):
        found.extend(_values(movie.get("artworks"), "url"))
    return list(dict.fromkeys(p for p in found if isinstance(p, str) and p))


def _values(records: Any, key: str) -> Iterator[Any]:
    if isinstance(records, list):
        for record in records:
            if isinstance(record, dict):
                yield record.get(key)


@dataclass
class ImageCopyReport:
    copied: int = 0
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)  # referred to, but not in the source folder
    refused: list[str] = field(default_factory=list)  # not a path the store can hold
    failed: list[str] = field(default_factory=list)  # could not be copied (with the reason)

    @property
    def warnings(self) -> list[str]:
        return (
            [f"{path}: not found in the images folder" for path in self.missing]
            + [
                f"{path}: not a relative image path the store can hold; skipped"
                for path in self.refused
            ]
            + self.failed
        )


def copy_bundle_images(bundle_path: str | Path, source: Path, store: ImageStore) -> ImageCopyReport:
    """Copy every file the bundle refers to from `source` (same relative paths) into the store.

    Lines that are not JSON objects are skipped here: the import has reported them already.
    """
    report = ImageCopyReport()
    seen: set[str] = set()
    with open_for_reading(bundle_path) as (stream, _, _):
        for line in stream:
            if not line.strip():
                continue
            try:
                bundle = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(bundle, dict):
                continue
            for relative in bundle_image_paths(bundle):
                if relative in seen:
                    continue
                seen.add(relative)
                _copy_one(relative, source, store, report)
    return report


def _copy_one(relative: str, source: Path, store: ImageStore, report: ImageCopyReport) -> None:
    if not is_storable(relative):
        report.refused.append(relative)
        return
    original = source.joinpath(*relative.split("/"))
    if not original.is_file():
        report.missing.append(relative)
        return
    try:
        if store.add(relative, original):
            report.copied += 1
        else:
            report.unchanged += 1
    except OSError as exc:
        report.failed.append(f"{relative}: could not be copied ({exc})")
