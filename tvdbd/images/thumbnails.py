"""Thumbnails, made with Pillow on first request and kept in the store's `_cache/` folder."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from PIL import Image

from tvdbd.images.store import write_atomically

log = logging.getLogger("tvdbd")

# Fit within 300 x 450, keeping the aspect ratio and never enlarging: fanart 1920x1080 gives
# 300x169, posters and season art 680x1000 give 300x441, banners 758x140 give 300x55. One
# width for every kind lines thumbnails up in a client's grid; the height cap only bites on
# images taller than a poster.
THUMBNAIL_BOX = (300, 450)
_SAVE_OPTIONS = {"JPEG": {"quality": 85}, "WEBP": {"quality": 85}, "PNG": {}, "GIF": {}}
_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}


def ensure_thumbnail(original: Path, target: Path) -> bool:
    """Make `target` from `original` unless a thumbnail at least as new exists.

    False when the original cannot be read as an image (it is logged; the client gets 404).
    """
    try:
        if target.stat().st_mtime >= original.stat().st_mtime:
            return True
    except FileNotFoundError:
        pass
    try:
        write_atomically(target, thumbnail_bytes(original, target.suffix))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.warning("cannot make a thumbnail of %s: %s", original, exc)
        return False
    return True


def thumbnail_bytes(original: Path, suffix: str) -> bytes:
    """The thumbnail encoded as the format its file name says (what its Content-Type says)."""
    image_format = _FORMATS[suffix.lower()]
    with Image.open(original) as opened:
        # thumbnail() decodes JPEGs at a reduced scale first (draft mode): fast for big art.
        opened.thumbnail(THUMBNAIL_BOX)
        image: Image.Image = opened
        if image_format == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, image_format, **_SAVE_OPTIONS[image_format])
    return out.getvalue()
