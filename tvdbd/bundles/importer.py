"""Import series bundles: streamed line by line, each series replaced whole in a transaction.

A bad line is reported and skipped while everything already stored stays intact; with
``strict`` the whole file is one transaction and any bad line refuses all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from tvdbd.bundles.files import open_for_reading
from tvdbd.bundles.movies import MovieBundle, store_movies, unchanged_movies
from tvdbd.bundles.parse import SeriesBundle, parse_line
from tvdbd.bundles.users import UserBundle
from tvdbd.bundles.users import store_user as store_user_bundle
from tvdbd.cache.marks import bump_for
from tvdbd.db import search as search_db
from tvdbd.db.engine import write_transaction
from tvdbd.db.schema import (
    CATALOGUE_CHILD_TABLES,
    actors,
    episode_pages,
    episode_translations,
    episodes,
    images,
    series_aliases,
    series_genres,
    series_sources,
    series_table,
    series_translations,
)
from tvdbd.edits.incoming import OVERWRITE_LOCKED, prepare_incoming
from tvdbd.errors import BundleError
from tvdbd.records.pages import EpisodeText, page_rows
from tvdbd.records.render import stored_episode_json

BATCH_SERIES = 200
# A batch holds its series and all their rows (with stored records) in memory: at 20,000
# episodes the peak RSS of a 10% import was 176 MB, at 5,000 it is 127 MB, equally fast.
BATCH_EPISODES = 5_000


@dataclass
class ImportReport:
    imported: int = 0  # series
    movies: int = 0
    users: int = 0
    unchanged: int = 0  # series and movie lines already stored as they are
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changed_series: list[int] = field(default_factory=list)
    changed_movies: list[int] = field(default_factory=list)
    refused: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class _Refused(Exception):
    """Rolls back a strict import after every line was checked."""


def import_file(
    engine: Engine,
    path: str | Path,
    *,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    progress_total: Callable[[int | None], None] | None = None,
    overwrite_locked: bool | None = None,
) -> ImportReport:
    """Import a bundle file (`.gz` and `-` accepted)."""
    with open_for_reading(path) as (stream, total, raw):
        if progress_total:
            progress_total(total)
        return import_lines(
            engine,
            _lines(stream, raw, progress),
            strict=strict,
            overwrite_locked=overwrite_locked,
        )


def _lines(
    stream: IO[bytes], raw: IO[bytes], progress: Callable[[int], None] | None
) -> Iterable[bytes]:
    last = 0
    for line in stream:
        if progress:
            position = raw.tell() if raw.seekable() else last + len(line)
            progress(position - last)
            last = position
        yield line


def import_lines(
    engine: Engine,
    lines: Iterable[bytes],
    *,
    strict: bool = False,
    overwrite_locked: bool | None = None,
) -> ImportReport:
    """Import bundle lines. Locally edited fields keep their local value (tvdbd.edits)
    unless ``overwrite_locked`` (None: as tvdbd.edits.incoming.overwriting_locked says)."""
    if overwrite_locked is None:
        overwrite_locked = OVERWRITE_LOCKED.get()
    report = ImportReport()
    batch: list[tuple[int, SeriesBundle]] = []
    movie_batch: list[tuple[int, MovieBundle]] = []
    batch_episodes = 0

    def flush(conn: Connection | None = None) -> None:
        nonlocal batch, movie_batch, batch_episodes
        if batch or movie_batch:
            if conn is None:
                already = len(report.changed_series)
                movies_already = len(report.changed_movies)
                with write_transaction(engine) as own:
                    _store_batch(own, batch, report, overwrite_locked)
                    _store_movie_batch(own, movie_batch, report)
                # After the commit: cached answers of these series (and search, and movie
                # answers, which depend on the catalogue mark alone) go stale.
                changed = report.changed_series[already:]
                if changed or len(report.changed_movies) > movies_already:
                    bump_for(engine, changed, catalogue=True)
            else:
                _store_batch(conn, batch, report, overwrite_locked)
                _store_movie_batch(conn, movie_batch, report)
        batch, movie_batch, batch_episodes = [], [], 0

    def full() -> bool:
        return len(batch) + len(movie_batch) >= BATCH_SERIES or batch_episodes >= BATCH_EPISODES

    def store_user(number: int, bundle: UserBundle, conn: Connection | None = None) -> None:
        # Users come after the series they refer to: store the series read so far first.
        flush(conn)
        try:
            if conn is None:
                with write_transaction(engine) as own:
                    store_user_bundle(own, bundle)
                bump_for(engine, catalogue=True)  # the user's ratings show in site ratings
            else:
                with conn.begin_nested():
                    store_user_bundle(conn, bundle)
        except BundleError as exc:
            exc.line = number
            report.errors.append(str(exc))
            return
        report.users += 1

    def parsed() -> Iterable[tuple[int, SeriesBundle | MovieBundle | UserBundle]]:
        for number, line in _numbered(lines, report):
            if not line.strip():
                continue
            try:
                bundle = parse_line(line)
            except BundleError as exc:
                exc.line = number
                report.errors.append(str(exc))
                continue
            report.warnings.extend(f"line {number}, {w}" for w in bundle.warnings)
            yield number, bundle

    if strict:
        # Every line is checked and stored (so that storage errors such as an episode id
        # taken by another series are reported too), then everything is rolled back if
        # any line was bad.
        try:
            with write_transaction(engine) as conn:
                for number, bundle in parsed():
                    if isinstance(bundle, UserBundle):
                        store_user(number, bundle, conn)
                        continue
                    if isinstance(bundle, MovieBundle):
                        movie_batch.append((number, bundle))
                    else:
                        batch.append((number, bundle))
                        batch_episodes += len(bundle.episodes)
                    if full():
                        flush(conn)
                flush(conn)
                if report.errors:
                    raise _Refused
            if report.changed_series or report.changed_movies or report.users:
                bump_for(engine, report.changed_series, catalogue=True)
        except _Refused:
            report.refused = True
            report.imported = report.movies = report.unchanged = report.users = 0
            report.changed_series.clear()
            report.changed_movies.clear()
        return report

    for number, bundle in parsed():
        if isinstance(bundle, UserBundle):
            store_user(number, bundle)
            continue
        if isinstance(bundle, MovieBundle):
            movie_batch.append((number, bundle))
        else:
            batch.append((number, bundle))
            batch_episodes += len(bundle.episodes)
        if full():
            flush()
    flush()
    return report


def _numbered(lines: Iterable[bytes], report: ImportReport) -> Iterator[tuple[int, bytes]]:
    """The lines with their numbers; a file that cannot be read to its end (a cut gzip
    stream, a read error) is reported as a bad line and ends the import there."""
    number = 0
    iterator = iter(lines)
    while True:
        try:
            line = next(iterator)
        except StopIteration:
            return
        except (OSError, EOFError) as exc:
            report.errors.append(f"line {number + 1}: the file cannot be read further ({exc})")
            return
        number += 1
        yield number, line


def _store_batch(
    conn: Connection,
    batch: list[tuple[int, SeriesBundle]],
    report: ImportReport,
    overwrite_locked: bool = False,
) -> None:
    """Store each series of the batch in its own savepoint: a failure undoes that series only."""
    # The one hook of local edits: locked fields get their local values back, and their
    # upstream values are kept beside them (or, restoring an export, its locks and history).
    batch = prepare_incoming(conn, batch, report.errors, overwrite_locked=overwrite_locked)
    ids = [bundle.series_id for _, bundle in batch]
    stored_hashes = dict(
        conn.execute(
            select(series_table.c.id, series_table.c.bundle_hash).where(series_table.c.id.in_(ids))
        ).all()
    )
    todo = []
    for number, bundle in batch:
        if stored_hashes.get(bundle.series_id) == bundle.bundle_hash:
            report.unchanged += 1
        else:
            todo.append((number, bundle))
    if _store_together(conn, [bundle for _, bundle in todo], set(stored_hashes)):
        report.imported += len(todo)
        report.changed_series.extend(bundle.series_id for _, bundle in todo)
        return
    # Something in the batch is wrong: store series by series to keep the good ones and
    # name the bad ones.
    for number, bundle in todo:
        try:
            with conn.begin_nested():
                _replace_series(conn, bundle, exists=bundle.series_id in stored_hashes)
        except BundleError as exc:
            exc.line = number
            report.errors.append(str(exc))
            continue
        except SQLAlchemyError as exc:
            report.errors.append(
                f"line {number}, series {bundle.series_id}: could not be stored "
                f"({type(getattr(exc, 'orig', None) or exc).__name__}: "
                f"{str(getattr(exc, 'orig', None) or exc).strip().splitlines()[0]})"
            )
            continue
        stored_hashes[bundle.series_id] = bundle.bundle_hash
        report.imported += 1
        report.changed_series.append(bundle.series_id)


def _store_movie_batch(
    conn: Connection, batch: list[tuple[int, MovieBundle]], report: ImportReport
) -> None:
    """Store the batch's movies in one savepoint; if that fails, one by one, naming the bad."""
    if not batch:
        return
    same = unchanged_movies(conn, [bundle for _, bundle in batch])
    todo = [(number, bundle) for number, bundle in batch if bundle.movie_id not in same]
    report.unchanged += len(batch) - len(todo)
    try:
        with conn.begin_nested():
            store_movies(conn, [bundle for _, bundle in todo])
    except SQLAlchemyError:
        pass
    else:
        report.movies += len(todo)
        report.changed_movies.extend(bundle.movie_id for _, bundle in todo)
        return
    for number, bundle in todo:
        try:
            with conn.begin_nested():
                store_movies(conn, [bundle])
        except SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None) or exc
            report.errors.append(
                f"line {number}, movie {bundle.movie_id}: could not be stored "
                f"({type(orig).__name__}: {str(orig).strip().splitlines()[0]})"
            )
            continue
        report.movies += 1
        report.changed_movies.append(bundle.movie_id)


def _store_together(conn: Connection, bundles: list[SeriesBundle], stored: set[int]) -> bool:
    """Store the whole batch with one statement per table (COPY on PostgreSQL), in one
    savepoint; False, with nothing stored, if anything in it fails.

    Per series, the same work took about ten round trips and a savepoint; this is the path
    every clean import takes.
    """
    ids = [bundle.series_id for bundle in bundles]
    if not bundles or len(set(ids)) != len(ids):
        return not bundles  # the same series twice: in file order, one by one
    try:
        with conn.begin_nested():
            owners = _stored_owners(conn, [e["id"] for b in bundles for e in b.episodes])
            for bundle in bundles:
                _check_episode_owner(bundle, owners)
            replaced = [i for i in ids if i in stored]
            if replaced:
                for table in CATALOGUE_CHILD_TABLES:
                    conn.execute(delete(table).where(table.c.series_id.in_(replaced)))
            for bundle in bundles:
                if bundle.series_id in stored:
                    _update_series_row(conn, bundle)
            _insert_many(
                conn, series_table, [b.series_row for b in bundles if b.series_id not in stored]
            )
            merged: dict[Any, list[dict[str, Any]]] = {}
            for bundle in bundles:
                for table, rows in _child_rows(bundle):
                    merged.setdefault(table, []).extend(rows)
            for table, rows in merged.items():
                _insert_many(conn, table, rows)
            search_db.add_vocabulary(
                conn, {entry for b in bundles for entry in b.search_index.vocabulary}
            )
            for bundle in bundles:
                if bundle.edit_work is not None:
                    bundle.edit_work(conn)
    except (BundleError, SQLAlchemyError):
        return False
    return True


def _replace_series(conn: Connection, bundle: SeriesBundle, *, exists: bool) -> None:
    """Replace one series whole: its row is updated in place so references to it survive."""
    _check_episode_owner(bundle, _stored_owners(conn, [e["id"] for e in bundle.episodes]))
    if exists:
        for table in CATALOGUE_CHILD_TABLES:
            conn.execute(delete(table).where(table.c.series_id == bundle.series_id))
        _update_series_row(conn, bundle)
    else:
        conn.execute(insert(series_table).values(bundle.series_row))
    for table, rows in _child_rows(bundle):
        _insert_many(conn, table, rows)
    search_db.add_vocabulary(conn, bundle.search_index.vocabulary)
    if bundle.edit_work is not None:
        bundle.edit_work(conn)


def replace_series(conn: Connection, bundle: SeriesBundle) -> None:
    """Store one parsed series whole in the caller's transaction, as an import does (the
    path of local edits: stored records, pages and the search index are rebuilt)."""
    exists = conn.execute(
        select(series_table.c.id).where(series_table.c.id == bundle.series_id)
    ).first()
    _replace_series(conn, bundle, exists=exists is not None)


def _stored_owners(conn: Connection, episode_ids: list[int]) -> dict[int, int]:
    """The series each of these episode ids is stored under, for those already stored."""
    owners: dict[int, int] = {}
    for start in range(0, len(episode_ids), _IDS_PER_QUERY):
        chunk = episode_ids[start : start + _IDS_PER_QUERY]
        # No LIMIT and no filter on series_id: the query must stay a primary-key lookup
        # (PostgreSQL picked a sequential scan for the filtered form once it was prepared).
        owners.update(
            conn.execute(
                select(episodes.c.id, episodes.c.series_id).where(episodes.c.id.in_(chunk))
            ).all()
        )
    return owners


# Well under SQLite's limit of 32,766 parameters a statement.
_IDS_PER_QUERY = 5_000


def _check_episode_owner(bundle: SeriesBundle, owners: dict[int, int]) -> None:
    for episode in bundle.episodes:
        owner = owners.get(episode["id"], bundle.series_id)
        if owner != bundle.series_id:
            raise BundleError(
                f"episode id {episode['id']} already belongs to series {owner}",
                field="episodes.id",
                series_id=bundle.series_id,
            )


def _update_series_row(conn: Connection, bundle: SeriesBundle) -> None:
    conn.execute(
        update(series_table).where(series_table.c.id == bundle.series_id).values(bundle.series_row)
    )


def _child_rows(bundle: SeriesBundle) -> list[tuple[Any, list[dict[str, Any]]]]:
    """Every row the series owns besides its own, by table, parents before children."""
    series_id = bundle.series_id
    episode_rows, translation_rows = _with_stored_records(bundle)
    return [
        (series_translations, bundle.translations),
        (
            series_aliases,
            [
                {"series_id": series_id, "language": lang, "position": position, "alias": alias}
                for position, (lang, alias) in enumerate(bundle.aliases)
            ],
        ),
        (
            series_genres,
            [
                {"series_id": series_id, "position": position, "genre": genre}
                for position, genre in enumerate(bundle.genres)
            ],
        ),
        (episodes, episode_rows),
        (episode_translations, translation_rows),
        (episode_pages, _pages(bundle, episode_rows, translation_rows)),
        (actors, bundle.actors),
        (images, bundle.images),
        (series_sources, [bundle.source] if bundle.source else []),
        *search_db.index_tables(series_id, bundle.search_index),
    ]


def _with_stored_records(
    bundle: SeriesBundle,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The series' episode and episode translation rows with their served 3.0.0 records
    (``wire_v3``, see render.stored_episode_json).

    New rows, made while storing this series: an import holds them for one series at a time.
    """
    series_id = bundle.series_id
    original = bundle.series_row["original_language"]
    by_id: dict[int, dict[str, Any]] = {}
    episode_rows = []
    for row in bundle.episodes:
        by_id[row["id"]] = row
        record = stored_episode_json(
            row, series_id=series_id, original_language=original, language=original
        )
        episode_rows.append({**row, "wire_v3": record})
    translation_rows = []
    for tr in bundle.episode_translations:
        translated = {
            **by_id[tr["episode_id"]],
            "tr_episode_name": tr["episode_name"],
            "tr_overview": tr["overview"],
        }
        record = stored_episode_json(
            translated, series_id=series_id, original_language=original, language=tr["language"]
        )
        translation_rows.append({**tr, "wire_v3": record})
    return episode_rows, translation_rows


def _pages(
    bundle: SeriesBundle,
    episode_rows: list[dict[str, Any]],
    translation_rows: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The series' stored episode pages (tvdbd.records.pages), from the records just made;
    none when the store_episode_pages setting is off (its pages are then made per request)."""
    if not pages_wanted():
        return []
    translated: dict[int, dict[str, tuple[str | None, str | None]]] = {}
    for tr in translation_rows:
        translated.setdefault(tr["episode_id"], {})[tr["language"]] = (
            tr["wire_v3"],
            tr["episode_name"],
        )
    texts = [
        EpisodeText(row["id"], row["wire_v3"], row["episode_name"], translated.get(row["id"], {}))
        for row in episode_rows
    ]
    return list(page_rows(bundle.series_id, bundle.series_row["original_language"], texts))


def pages_wanted() -> bool:
    """The store_episode_pages setting of this process (TVDBD_STORE_EPISODE_PAGES), read on
    its own: all the settings take ~90 µs to read and check, a series ~4 ms to import."""
    import os

    from tvdbd.settings import Settings, parse_value

    raw = os.environ.get("TVDBD_STORE_EPISODE_PAGES")
    if raw is None:
        return bool(Settings.store_episode_pages)
    return bool(parse_value("store_episode_pages", "bool", raw))


def _insert_many(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql" and len(rows) >= _COPY_FROM:
        _copy_rows(conn, table, rows)
    else:
        conn.execute(insert(table), rows)


# From this many rows COPY beats a pipelined INSERT on PostgreSQL (one stream, no per-row
# statement); measured with bench/import_scale.py --postgres.
_COPY_FROM = 8


def _copy_rows(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])
