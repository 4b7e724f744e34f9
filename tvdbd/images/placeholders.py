"""Placeholder artwork for the demo catalogue, drawn instead of shipped.

Each file shows the series (or movie) title and the kind of image, at the size its record gives
(`resolution`, or an episode's `thumbWidth` x `thumbHeight`, else the usual size for its
folder). Drawing is deterministic: the same catalogue and the pinned Pillow (with its bundled
font) give the same bytes, so the demo's ETags are stable across machines.
"""

from __future__ import annotations

import colorsys
import io
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from PIL import Image, ImageDraw, ImageFont

from tvdbd.images.store import ImageStore, is_storable, write_atomically
from tvdbd.records.movie import primary_name

# Sizes TheTVDB used per kind (see the contract, §3.5), by the path's first folder.
SIZES_BY_FOLDER = {
    "fanart": (1920, 1080),
    "posters": (680, 1000),
    "seasons": (680, 1000),
    "graphical": (758, 140),
    "text": (758, 140),
    "blank": (758, 140),
    "seasonswide": (758, 140),
    "actors": (300, 450),
    "episodes": (640, 360),
    "series": (640, 360),  # `series/<id>/episodes/<id>.jpg`, an older episode image path
}
DEFAULT_SIZE = (680, 1000)
MAX_SIDE = 4000  # a bad resolution in a bundle must not make a huge canvas
JPEG_QUALITY = 60  # flat colour and text: small files, no visible loss


@dataclass(frozen=True)
class Placeholder:
    path: str
    width: int
    height: int
    title: str
    label: str
    series_id: int


def placeholders_for(bundle: dict[str, Any]) -> Iterator[Placeholder]:
    """One placeholder per file the bundle refers to (first mention wins)."""
    if isinstance(bundle.get("movie"), dict):
        yield from _movie_placeholders(bundle["movie"])
        return
    series = bundle.get("series") or {}
    title = str(series.get("seriesName") or "")
    series_id = int(series.get("id") or 0)
    seen: set[str] = set()

    def make(path: Any, label: str, size: tuple[int, int] | None = None) -> Iterator[Placeholder]:
        if not isinstance(path, str) or path in seen or not is_storable(path):
            return
        seen.add(path)
        width, height = size or SIZES_BY_FOLDER.get(path.split("/")[0], DEFAULT_SIZE)
        yield Placeholder(path, width, height, title, label, series_id)

    for key in ("poster", "banner", "fanart"):
        yield from make(series.get(key), key)
    for language, translation in (bundle.get("translations") or {}).items():
        for key in ("poster", "banner", "fanart"):
            yield from make(translation.get(key), f"{key} ({language})")
    for image in bundle.get("images") or []:
        label = image.get("keyType") or "image"
        if label in ("season", "seasonwide"):
            label = f"{label} {image.get('subKey', '')}".strip()
        yield from make(image.get("fileName"), label, _size(image.get("resolution")))
    for actor in bundle.get("actors") or []:
        yield from make(actor.get("image"), f"actor: {actor.get('name') or ''}".strip())
    for episode in bundle.get("episodes") or []:
        season, number = episode.get("airedSeason") or 0, episode.get("airedEpisodeNumber") or 0
        size = _size(f"{episode.get('thumbWidth')}x{episode.get('thumbHeight')}")
        yield from make(episode.get("filename"), f"episode S{season:02}E{number:02}", size)


# Sizes of movie artwork by `artwork_type` when the record gives none.
MOVIE_SIZES = {"poster": (680, 1000), "background": (1920, 1080), "banner": (758, 140)}


def _movie_placeholders(movie: dict[str, Any]) -> Iterator[Placeholder]:
    title = primary_name(movie)
    seen: set[str] = set()
    for artwork in movie.get("artworks") or []:
        path = artwork.get("url") if isinstance(artwork, dict) else None
        if not isinstance(path, str) or path in seen or not is_storable(path):
            continue
        seen.add(path)
        kind = str(artwork.get("artwork_type") or "artwork")
        width, height = _size(f"{artwork.get('width')}x{artwork.get('height')}") or (
            MOVIE_SIZES.get(kind, DEFAULT_SIZE)
        )
        yield Placeholder(path, width, height, title, f"movie {kind}", int(movie.get("id") or 0))


def _size(resolution: Any) -> tuple[int, int] | None:
    """`"680x1000"` -> (680, 1000); None when missing or not a sane size."""
    if not isinstance(resolution, str):
        return None
    width, _, height = resolution.partition("x")
    if not (width.isdigit() and height.isdigit()):
        return None
    size = (int(width), int(height))
    return size if all(0 < side <= MAX_SIDE for side in size) else None


def draw(placeholder: Placeholder) -> bytes:
    """A JPEG: a colour of the series, its title, and the kind of image below it."""
    width, height = placeholder.width, placeholder.height
    hue = (placeholder.series_id * 0.618034) % 1.0
    # Vary the shade per kind so a series' poster and fanart are told apart at a glance.
    shade = 0.35 + (zlib.crc32(placeholder.label.encode()) % 20) / 100
    red, green, blue = (round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.5, shade))
    image = Image.new("RGB", (width, height), (red, green, blue))
    pen = ImageDraw.Draw(image)
    border = max(2, min(width, height) // 60)
    pen.rectangle((0, 0, width - 1, height - 1), outline=(235, 235, 235), width=border)
    title_font = _fitting_font(pen, placeholder.title or "tvdbd", width * 0.9, height / 5)
    label_font = _fitting_font(pen, placeholder.label, width * 0.9, height / 10)
    middle = height / 2
    pen.text((width / 2, middle), placeholder.title, font=title_font, fill="white", anchor="md")
    pen.text((width / 2, middle + height / 20), placeholder.label, font=label_font,
             fill=(230, 230, 230), anchor="ma")  # fmt: skip
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _fitting_font(
    pen: ImageDraw.ImageDraw, text: str, max_width: float, max_height: float
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = max(8, int(max_height))
    font = ImageFont.load_default(size=size)
    width = pen.textlength(text, font=font)
    if width > max_width:
        font = ImageFont.load_default(size=max(8, int(size * max_width / width)))
    return font


def draw_missing(store: ImageStore, bundle_lines: Iterable[bytes]) -> int:
    """Draw every placeholder the bundles need that the store lacks; the number drawn.

    Files already there are left alone: they may be real artwork put in their place.
    """
    drawn = 0
    for line in bundle_lines:
        if not line.strip():
            continue
        for placeholder in placeholders_for(orjson.loads(line)):
            target = store.root.joinpath(*placeholder.path.split("/"))
            if target.exists():
                continue
            write_atomically(target, draw(placeholder))
            drawn += 1
    return drawn
