"""The image store: a folder holding artwork at the relative paths that API records use.

`/banners/<path>` serves what is here. Paths come from clients and from bundles, so every one
is checked before it touches the file system: plain relative segments only, and the file it
names (after following symlinks) must lie inside the store.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

# The only files the store serves; anything else in the folder stays private.
MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
# The legacy thumbnail URL prefix (`_cache/posters/1-1.jpg`) doubles as the on-disk folder of
# generated thumbnails, so both thumbnail spellings share one file.
THUMBNAIL_DIR = "_cache"
_THUMBNAIL_NAME = re.compile(r"(?P<stem>.+)_t(?P<ext>\.[^./]+)")


def safe_parts(relative: str) -> list[str] | None:
    """The segments of a plain relative path (`posters/1-1.jpg`), or None for anything else.

    Refuses absolute paths, empty segments, `.` and `..`, hidden names (our temporary files
    start with a dot), backslashes and NUL bytes.
    """
    if not relative or "\x00" in relative or "\\" in relative:
        return None
    parts = relative.split("/")
    if any(not part or part.startswith(".") for part in parts):
        return None
    return parts


def media_type(name: str) -> str | None:
    return MEDIA_TYPES.get(os.path.splitext(name)[1].lower())


def is_storable(relative: str) -> bool:
    """Whether a record's path can name an original in the store."""
    parts = safe_parts(relative)
    return parts is not None and parts[0] != THUMBNAIL_DIR and media_type(parts[-1]) is not None


@dataclass(frozen=True)
class StoredImage:
    """What a `/banners/` path names: a file to send, and for a thumbnail its original."""

    path: Path
    media_type: str
    thumbnail_of: Path | None = None


class ImageStore:
    """Originals at `<root>/<path>`, generated thumbnails at `<root>/_cache/<path>`."""

    def __init__(self, root: Path):
        self.root = root

    def original(self, relative: str) -> Path | None:
        """The original file at `relative`, if it exists inside the store."""
        if not is_storable(relative):
            return None
        candidate = self.root.joinpath(*relative.split("/"))
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):  # missing, or a symlink loop
            return None
        if not self._inside(real) or not real.is_file():
            return None
        return real

    def thumbnail_path(self, relative: str) -> Path:
        return self.root.joinpath(THUMBNAIL_DIR, *relative.split("/"))

    def locate(self, relative: str) -> StoredImage | None:
        """What `/banners/<relative>` serves, or None: an original, `<name>_t.<ext>` or
        `_cache/<path>` (a thumbnail of an existing original, possibly not made yet)."""
        parts = safe_parts(relative)
        if parts is None:
            return None
        kind = media_type(parts[-1])
        if kind is None:
            return None
        if parts[0] == THUMBNAIL_DIR:
            return self._thumbnail("/".join(parts[1:]), kind)
        original = self.original(relative)
        if original is not None:
            return StoredImage(original, kind)
        # An original whose own name ends in `_t` was served above; otherwise `_t` names
        # the thumbnail of the file without it.
        match = _THUMBNAIL_NAME.fullmatch(parts[-1])
        if match is None:
            return None
        return self._thumbnail("/".join([*parts[:-1], match["stem"] + match["ext"]]), kind)

    def _thumbnail(self, relative: str, kind: str) -> StoredImage | None:
        original = self.original(relative)
        if original is None:
            return None
        target = self.thumbnail_path(relative)
        if not self._inside(target.resolve()):
            return None
        return StoredImage(target, kind, thumbnail_of=original)

    def add(self, relative: str, source: Path) -> bool:
        """Copy `source` to `relative` (a storable path); False when the same bytes are there.

        The copy is written beside the target and renamed over it, so a server reading the
        store never sees half a file; a replaced original's thumbnail is dropped.
        """
        target = self.root.joinpath(*relative.split("/"))
        if target.is_file() and filecmp.cmp(source, target, shallow=False):
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        if not self._inside(target.resolve()):
            raise OSError(f"{relative} would be written outside the image store")
        write_atomically(target, source=source)
        self.thumbnail_path(relative).unlink(missing_ok=True)
        return True

    def add_bytes(self, relative: str, data: bytes) -> None:
        """Write `data` as the original at `relative` (a storable path), atomically."""
        if not is_storable(relative):
            raise OSError(f"{relative!r} is not a path the image store can hold")
        target = self.root.joinpath(*relative.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if not self._inside(target.resolve()):
            raise OSError(f"{relative} would be written outside the image store")
        write_atomically(target, data=data)
        self.thumbnail_path(relative).unlink(missing_ok=True)

    def _inside(self, real: Path) -> bool:
        return real.is_relative_to(self.root.resolve())


def write_atomically(target: Path, data: bytes | None = None, source: Path | None = None) -> None:
    """Write `data` (or a copy of `source`) to `target` via a hidden temporary file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        if source is not None:
            shutil.copyfile(source, temporary)
        else:
            temporary.write_bytes(data or b"")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
