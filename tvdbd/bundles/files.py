"""Opening bundle files: plain or gzip, or standard input/output for `-`."""

from __future__ import annotations

import gzip
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast


@contextmanager
def open_for_reading(path: str | Path) -> Iterator[tuple[IO[bytes], int | None, IO[bytes]]]:
    """Yield (stream of bundle bytes, total size for progress or None, raw file for position)."""
    if str(path) == "-":
        raw: IO[bytes] = sys.stdin.buffer
        stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw)) if _peek_gzip(raw) else raw
        yield stream, None, raw
        return
    file_path = Path(path)
    with file_path.open("rb") as raw_file:
        size = file_path.stat().st_size
        if file_path.suffix == ".gz":
            with gzip.GzipFile(fileobj=raw_file) as unzipped:
                yield cast(IO[bytes], unzipped), size, raw_file
        else:
            yield raw_file, size, raw_file


def _peek_gzip(raw: IO[bytes]) -> bool:
    peek = getattr(raw, "peek", None)
    return bool(peek and peek(2)[:2] == b"\x1f\x8b")


@contextmanager
def open_for_writing(path: str | Path) -> Iterator[IO[bytes]]:
    if str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    file_path = Path(path)
    if file_path.suffix == ".gz":
        with gzip.open(file_path, "wb") as compressed:
            yield cast(IO[bytes], compressed)
    else:
        with file_path.open("wb") as plain:
            yield plain


def spool_standard_input(target: Path) -> None:
    """Copy the bundle on standard input (gunzipped if it is gzip) to a plain file, for an
    import that reads its bundle twice (`import --images`: the records, then the files)."""
    with open_for_reading("-") as (stream, _, _), target.open("wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
