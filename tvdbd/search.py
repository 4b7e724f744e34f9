"""Series name search: words, stems and the ranking of hits.

Every query word must be a prefix of some word of a name or alias (in any language), or
share its English stem ("scrubs" finds "Scrubbing In"). Punctuation is ignored both ways: a
name is read split at its punctuation ("Grey's" -> "grey", "s") and with the punctuation
inside a word dropped ("S.H.I.E.L.D." -> "shield"), so either spelling finds it. Hits are
ranked: the whole name equal to the query, then every word matched exactly, then by prefix,
then by stem; earlier matches and shorter names first; then by id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

MAX_HITS = 100
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("english")


def _fold(text: str) -> str:
    """Case-folded, accents removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalize(text: str) -> str:
    """Case-folded, accents removed, punctuation turned into spaces."""
    return _NON_WORD.sub(" ", _fold(text)).strip()


def words(text: str) -> list[str]:
    """The words of a text split at punctuation: `Grey's` -> `grey`, `s`."""
    return normalize(text).split()


def joined_words(text: str) -> list[str]:
    """The words of a text with the punctuation inside a word dropped: `greys`, `shield`."""
    joined = (_NON_WORD.sub("", token) for token in _fold(text).split())
    return [word for word in joined if word]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def index_entries(names: Iterable[str]) -> set[tuple[str, str]]:
    """The (word, stem) pairs stored for a series' names and aliases."""
    return {(word, stem(word)) for name in names for word in (*words(name), *joined_words(name))}


EXACT, WORDS, PREFIX, STEM = 0, 1, 2, 3
NO_MATCH = (99, 0, 0)


def rank_name(name: str, query_words: list[str]) -> tuple[int, int, int]:
    """(tier, position of the first match, number of words) of one name; lower is better.

    The name is ranked in both readings (split at punctuation, punctuation dropped).
    """
    split, joined = words(name), joined_words(name)
    rank = _rank_words(split, query_words)
    if joined != split:
        rank = min(rank, _rank_words(joined, query_words))
    return rank


def _rank_words(name_words: list[str], query_words: list[str]) -> tuple[int, int, int]:
    if not name_words:
        return NO_MATCH
    if name_words == query_words:
        return (EXACT, 0, len(name_words))
    worst = WORDS
    first_position = len(name_words)
    for q in query_words:
        q_stem = stem(q)
        best: tuple[int, int] | None = None
        for position, w in enumerate(name_words):
            if w == q:
                kind = WORDS
            elif w.startswith(q):
                kind = PREFIX
            elif stem(w).startswith(q_stem):
                kind = STEM
            else:
                continue
            if best is None or kind < best[0]:
                best = (kind, position)
        if best is None:
            return NO_MATCH
        worst = max(worst, best[0])
        first_position = min(first_position, best[1])
    return (worst, first_position, len(name_words))


def rank_series(names: Iterable[str], query_words: list[str]) -> tuple[int, int, int]:
    return min((rank_name(name, query_words) for name in names), default=NO_MATCH)
