"""Stored episode pages: the `data` array of each 3.0.0 `/series/{id}/episodes` page, per
language, made at import from the stored episode records (render.stored_episode_json).

With the response cache off, a page was one query of 100 records (and OFFSET stepping for
deep pages) and their assembly; a stored page is one row. The bytes are those the per-record
path serves: orjson writes a list of Fragments as `[` + records joined by `,` + `]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tvdbd.records.episode import PAGE_SIZE
from tvdbd.records.render import untranslated_json


@dataclass(frozen=True)
class EpisodeText:
    """One episode as stored: its id, its original-language record and episode name, and
    its translations' records and names by language."""

    id: int
    record: str | None
    name: str | None
    translations: dict[str, tuple[str | None, str | None]]  # language -> (record, name)


def page_rows(
    series_id: int, original_language: str, episodes: Iterable[EpisodeText]
) -> Iterator[dict[str, object]]:
    """The episode_pages rows of a series: each page of its episodes in id order, in the
    original language and in each language any of its episodes is translated into.

    A page holding an episode without a stored record is not stored (it is rendered per
    request, as before).
    """
    ordered = sorted(episodes, key=lambda e: e.id)
    languages = {original_language} | {lang for e in ordered for lang in e.translations}
    for start in range(0, len(ordered), PAGE_SIZE):
        chunk = ordered[start : start + PAGE_SIZE]
        for language in sorted(languages):
            texts: list[str] = []
            missing = False
            for e in chunk:
                if language == original_language:
                    record, name = e.record, e.name
                elif language in e.translations:
                    record, name = e.translations[language]
                elif e.record is not None:
                    record, name = untranslated_json(e.record, language), None
                else:
                    record, name = None, None
                if record is None:
                    break
                texts.append(record)
                missing = missing or name is None
            else:
                yield {
                    "series_id": series_id,
                    "language": language,
                    "page": start // PAGE_SIZE + 1,
                    "first_id": chunk[0].id,
                    "last_id": chunk[-1].id,
                    "name_missing": missing,
                    "records": "[" + ",".join(texts) + "]",
                }
