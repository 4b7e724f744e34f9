"""GetSeries and GetSeriesByRemoteID: which series, in which language (contract §4.5).

decided: case-insensitive, punctuation ignored, every query word must equal a word of the
name or of one alias (the recorded `house` search: 27 hits, none where "house" is only
part of a word); an exact name or alias first, then by siteRatingCount descending, ties by
id; at most 100 hits. Candidates come from the v2 search index (any language), checked here
against the names of the languages served.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from tvdbd import search as words_of
from tvdbd.db import v1 as queries
from tvdbd.v1.languages import CODES, ENGLISH
from tvdbd.v1.series import SearchHit, aliases_in

MAX_HITS = 100
BATCH = 400
# Candidates read at most: only a query whose every word is in very many names in
# languages not served can leave hits beyond this unread.
SCAN_CAP = 4000

Row = Mapping[Any, Any]


def _matches(name: str, query: list[str]) -> tuple[bool, bool]:
    """(every query word is a word of the name, the name is the query), in either reading
    of the name (split at punctuation, or punctuation dropped: `S.H.I.E.L.D.`)."""
    readings = (words_of.words(name), words_of.joined_words(name))
    matched = any(set(query) <= set(reading) for reading in readings)
    return matched, any(reading == query for reading in readings)


class _Candidate:
    def __init__(
        self,
        row: Row,
        translations: dict[str, Row],
        aliases: Mapping[tuple[int, str], Sequence[str]],
    ):
        self.row = row
        self.translations = translations
        self.aliases = aliases

    def name_in(self, language: str) -> str | None:
        if language == self.row["original_language"]:
            return str(self.row["series_name"])
        translation = self.translations.get(language)
        name = translation["series_name"] if translation else None
        return str(name) if name else None

    def names_in(self, language: str) -> list[str]:
        name = self.name_in(language)
        own = aliases_in(self.row, self.translations, self.aliases, language)
        return ([name] if name else []) + own

    def match(self, languages: Sequence[str], query: list[str]) -> tuple[bool, bool]:
        matched = exact = False
        for language in languages:
            for name in self.names_in(language):
                m, e = _matches(name, query)
                matched, exact = matched or m, exact or e
        return matched, exact


def _served_languages(candidate: _Candidate, language: str) -> list[str]:
    """Names searched for `language=L`: L's and English; when neither has a name, the
    original record's (the name the series is then served under, §8)."""
    languages = list(dict.fromkeys([language, ENGLISH]))
    if not any(candidate.name_in(lang) for lang in languages):
        languages.append(str(candidate.row["original_language"]))
    return languages


def _all_languages(candidate: _Candidate) -> list[str]:
    """`language=all`: every language of the 23 the series has a name in; English first,
    then the original, then the others by code — a hit is served in the first that matches."""
    original = str(candidate.row["original_language"])
    others = sorted(lang for lang in candidate.translations if lang in CODES)
    ordered = [ENGLISH, original, *others]
    return [lang for lang in dict.fromkeys(ordered) if lang in CODES and candidate.name_in(lang)]


def find(conn: Connection, seriesname: str, language: str) -> list[SearchHit]:
    query = words_of.words_of_query(seriesname)
    if not query:
        return []
    exact_hits: list[SearchHit] = []
    other_hits: list[SearchHit] = []
    offset = 0
    while len(exact_hits) + len(other_hits) < MAX_HITS and offset < SCAN_CAP:
        ids = queries.search_candidates(conn, query, offset=offset, limit=BATCH)
        if not ids:
            break
        offset += len(ids)
        rows = queries.series_rows(conn, ids)
        translations: dict[int, dict[str, Row]] = {}
        wanted = None if language == "all" else list(dict.fromkeys([language, ENGLISH]))
        for (series_id, lang), tr in queries.series_translations_in(conn, ids, wanted).items():
            translations.setdefault(series_id, {})[lang] = tr
        aliases = queries.aliases_of(conn, ids)
        for series_id in ids:
            candidate = _Candidate(rows[series_id], translations.get(series_id, {}), aliases)
            hit = _hit(candidate, language, query)
            if hit is not None:
                (exact_hits if hit[1] else other_hits).append(hit[0])
        if len(ids) < BATCH:
            break
    return (exact_hits + other_hits)[:MAX_HITS]


def hits_for(conn: Connection, series_ids: list[int], language: str) -> list[SearchHit]:
    """These series as search records in ``language`` (GetSeriesByRemoteID)."""
    rows = queries.series_rows(conn, series_ids)
    translations: dict[int, dict[str, Row]] = {}
    wanted = list(dict.fromkeys([language, ENGLISH]))
    for (series_id, lang), tr in queries.series_translations_in(conn, series_ids, wanted).items():
        translations.setdefault(series_id, {})[lang] = tr
    aliases = queries.aliases_of(conn, series_ids)
    return [
        _search_hit(_Candidate(rows[i], translations.get(i, {}), aliases), language)
        for i in series_ids
        if i in rows
    ]


def _hit(candidate: _Candidate, language: str, query: list[str]) -> tuple[SearchHit, bool] | None:
    if language == "all":
        for lang in _all_languages(candidate):
            matched, exact = candidate.match([lang], query)
            if matched:
                return _search_hit(candidate, lang), exact
        return None
    matched, exact = candidate.match(_served_languages(candidate, language), query)
    return (_search_hit(candidate, language), exact) if matched else None


def _search_hit(candidate: _Candidate, language: str) -> SearchHit:
    return SearchHit(
        row=candidate.row,
        language=language,
        translations=candidate.translations,
        aliases=aliases_in(candidate.row, candidate.translations, candidate.aliases, language),
    )


def imdb_candidates(raw: str) -> list[str]:
    """`tt0460681` or `0460681` (pytvdbapi strips the `tt`)."""
    value = raw.strip()
    digits = value[2:] if value.lower().startswith("tt") else value
    return [f"tt{digits}", digits, value]


def zap2it_candidates(raw: str) -> list[str]:
    """Case-insensitive, and decided (§2): also without a leading `EP` — pytvdbapi prefixes
    `EP` even to `SH…` ids (`EPSH01308836` finds `SH01308836`)."""
    value = raw.strip()
    found = [value, value.upper(), value.lower()]
    if value.upper().startswith("EP"):
        rest = value[2:]
        found += [rest, rest.upper(), rest.lower()]
    return found
