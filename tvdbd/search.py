"""Series name search: words, stems, the rows of the search index and the ranking of hits.

Matching. Every query word must be a prefix of some word of a name or alias (in any language),
or share its English stem ("scrubs" finds "Scrubbing In"). Punctuation is ignored both ways: a
name is read split at its punctuation ("Grey's" -> "grey", "s") and with the punctuation
inside a word dropped ("S.H.I.E.L.D." -> "shield"), so either spelling finds it.

Ranking (`rank_series` is the reference). Each of those two *readings* of a name is ranked and
a series takes its best reading: the whole reading equal to the query (EXACT), then every
query word matched exactly (WORDS), then by prefix (PREFIX), then by stem (STEM) — a reading's
tier is its worst-matched word's; then the earliest position of a query word's best match;
then the fewer words; then the series id. At most MAX_HITS series are answered.

The index (issue 6: a full catalogue has 170,000 series; ranking every candidate in Python
took 100+ ms for one letter). It stores what ranking needs, so that SQL hands over series in
rank order and stops after MAX_HITS (tvdbd.db.search runs the queries):

* `search_names`: each distinct reading of a series (numbered `name_no`), its words joined
  by spaces, and their stems. Multi-word candidates are ranked from these in Python.
* `search_words`: one row per reading and distinct word, with the word's first position and
  the reading's length in words. Ordered by (word, position, name_length, series_id) the rows
  of one word are already in rank order for a one-word query: an index scan that stops after
  MAX_HITS series. (A one-word EXACT hit is the reading of that word alone, position 0 and
  length 1: it sorts first by itself.)
* `search_prefixes`: for prefixes of 1 to PREFIX_CHARS characters, the series' best (position,
  name_length) of a word that is longer than the prefix. A one-letter prefix
  matches a large share of all words, so this is what keeps `h` a LIMIT-ed index scan.
* `search_pairs`: one row per reading and pair of its distinct words (`word` < `other`), with
  the earlier of their first positions. For a two-word query that is the WORDS-tier rank, in
  index order; otherwise the pairs of words matching two of the query words hold every
  candidate reading, far fewer than the readings holding one of them.
* `search_vocabulary`: every indexed word once, with its stem. It turns a longer prefix or a
  stem into the few words it matches, each an ordered index scan, instead of sorting a range.
  It only grows (a word a re-import removed stays, matching nothing): stale words cost a probe.

Limits, for a bounded index: a reading keeps its first MAX_NAME_WORDS words and a word its first
MAX_WORD_CHARS characters (query words are cut the same way); PostgreSQL's btree refuses
larger keys. A multi-word query whose lower tiers cannot be read in rank order ranks at most
tvdbd.db.search.SCAN_CAP candidate names, so only a query whose every word matches very many
names can miss a hit (docs/api-contract-decisions.md). Everything else answers exactly what
`rank_series` ranks (tests/db/test_search_index.py compares the two).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import snowballstemmer

MAX_HITS = 100
PREFIX_CHARS = 3
MAX_NAME_WORDS = 32
MAX_WORD_CHARS = 100
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


def words_of_query(text: str) -> list[str]:
    """The words of a query, cut like indexed words."""
    return [word[:MAX_WORD_CHARS] for word in words(text)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def readings(names: Iterable[str]) -> list[tuple[str, ...]]:
    """The distinct readings of names (split at punctuation, punctuation dropped), as indexed."""
    found: dict[tuple[str, ...], None] = {}
    for name in names:
        for reading in (words(name), joined_words(name)):
            cut = tuple(word[:MAX_WORD_CHARS] for word in reading[:MAX_NAME_WORDS])
            if cut:
                found.setdefault(cut, None)
    return list(found)


@dataclass
class SeriesIndex:
    """The search index rows of one series (series id left out)."""

    names: list[tuple[int, str, str]] = field(default_factory=list)  # name_no, name, stems
    # name_no, word, stem, position, name_length
    words: list[tuple[int, str, str, int, int]] = field(default_factory=list)
    # name_no, word, other, position, name_length; word < other
    pairs: list[tuple[int, str, str, int, int]] = field(default_factory=list)
    prefixes: list[tuple[str, int, int]] = field(default_factory=list)  # prefix, position, length
    vocabulary: set[tuple[str, str]] = field(default_factory=set)  # word, stem


def index_rows(names: Iterable[str]) -> SeriesIndex:
    """The search index rows for a series' names, translated names and aliases."""
    index = SeriesIndex()
    best_prefix: dict[str, tuple[int, int]] = {}
    for name_no, reading in enumerate(readings(names)):
        length = len(reading)
        stems = [stem(word) for word in reading]
        index.names.append((name_no, " ".join(reading), " ".join(stems)))
        first: dict[str, int] = {}
        for position, word in enumerate(reading):
            first.setdefault(word, position)
        for word, position in first.items():
            index.words.append((name_no, word, stem(word), position, length))
            index.vocabulary.add((word, stem(word)))
            for size in range(1, min(PREFIX_CHARS, len(word) - 1) + 1):
                prefix = word[:size]
                best_prefix[prefix] = min(best_prefix.get(prefix, (position, length)),
                                          (position, length))  # fmt: skip
        for (a, pa), (b, pb) in combinations(sorted(first.items()), 2):
            index.pairs.append((name_no, a, b, min(pa, pb), length))
    index.prefixes = [(prefix, pos, length) for prefix, (pos, length) in best_prefix.items()]
    return index


EXACT, WORDS, PREFIX, STEM = 0, 1, 2, 3
NO_MATCH = (99, 0, 0)


def rank_name(name: str, query_words: list[str]) -> tuple[int, int, int]:
    """(tier, position of the first match, number of words) of one name; lower is better.

    The name is ranked in both readings (split at punctuation, punctuation dropped).
    """
    split, joined = words(name), joined_words(name)
    rank = rank_words(split, query_words)
    if joined != split:
        rank = min(rank, rank_words(joined, query_words))
    return rank


def rank_words(name_words: list[str], query_words: list[str]) -> tuple[int, int, int]:
    """The rank of one reading (its words) for the query words."""
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


def rank_reading(
    name_words: list[str], name_stems: list[str], query_words: list[str], query_stems: list[str]
) -> tuple[int, int, int]:
    """rank_words for a reading stored with its stems, faster (candidates are ranked by the
    thousand): a query word's best match is its first exact one, else its first prefix one,
    else its first stem one. `query_stems` are the stems of the distinct query words."""
    if name_words == query_words:
        return (EXACT, 0, len(name_words))
    worst = WORDS
    first_position = len(name_words)
    for q, q_stem in zip(dict.fromkeys(query_words), query_stems, strict=True):
        if q in name_words:
            kind, position = WORDS, name_words.index(q)
        else:
            position = next((i for i, w in enumerate(name_words) if w.startswith(q)), -1)
            kind = PREFIX
            if position < 0:
                position = next((i for i, s in enumerate(name_stems) if s.startswith(q_stem)), -1)
                kind = STEM
                if position < 0:
                    return NO_MATCH
        worst = max(worst, kind)
        first_position = min(first_position, position)
    return (worst, first_position, len(name_words))
