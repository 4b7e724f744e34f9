"""Name search queries: the best MAX_HITS series for a query, in rank order.

tvdbd.search defines matching and ranking and describes the index tables. Every step below
runs only while fewer than MAX_HITS series are found, and skips series an earlier step found
(a series ranks by its best reading, and the steps go from the best tier down). An ordered
stream is read with a LIMIT, raised while the rows read hold too few new series.

One distinct word q:

1. a query of q repeated ("q q"): the readings equal to it (EXACT);
2. WORDS: q's `search_words` rows in index order (position, name_length, series_id); the
   one-word EXACT hits (the reading "q") come first by themselves;
3. PREFIX: for q of 1-3 characters, q's `search_prefixes` rows in index order; for longer q
   the vocabulary words q is a strict prefix of, each read in index order, merged by SQL;
4. STEM: the same for the vocabulary words whose stem starts with q's stem (and that do not
   start with q).

A prefix or stem matching more than MAX_EXPANSION vocabulary words is read as one range,
sorted by SQL (only a catalogue with that many words of one 4+ letter prefix gets there).

Several distinct words:

1. a word matching no vocabulary word means no hit;
2. EXACT: readings equal to the query, found through a pair of its words at position 0;
3. two words a, b: the `search_pairs` rows of (a, b) in index order are the WORDS tier in
   rank order (the earlier of the two positions is the rank's position). The PREFIX and
   STEM tiers read the pair keys (x, y) of every vocabulary word x matching a and y matching
   b that give that tier, merged in index order: a row's position bounds its reading's
   from below (x may be a worse match than another word of the reading), so each reading is
   ranked in Python and a series is taken once no unread row can rank before it. This
   needs every hit to hold such a pair: no vocabulary word may match both a and b;
4. otherwise (more words, a word matching both, more than STREAM_KEYS keys) every candidate
   reading is ranked in Python (tvdbd.search.rank_reading), after SQL kept those where each
   other query word matches by prefix or stem (LIKE on the reading's words and stems). The
   candidates: the pair rows of the two query words with the fewest pair keys, else the
   rows of the words matching the query word with the fewest rows. At most SCAN_CAP rows
   are read: beyond that the answer is the best among them (only when every word of the
   query matches very many names; docs/api-contract-decisions.md).

Only the first FILTER_WORDS distinct words take part in SQL; ranking checks every word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import combinations
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Connection,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from tvdbd.db.prepared import Prepared
from tvdbd.db.schema import (
    search_names,
    search_pairs,
    search_prefixes,
    search_vocabulary,
    search_words,
    series_aliases,
    series_table,
    series_translations,
)
from tvdbd.search import (
    MAX_HITS,
    NO_MATCH,
    PREFIX,
    PREFIX_CHARS,
    STEM,
    WORDS,
    SeriesIndex,
    rank_reading,
    stem,
)

# Sorts after every character a word can hold, so [prefix, prefix + HIGH) is a prefix range.
HIGH = "\U0010ffff"
MAX_EXPANSION = 64
MAX_PAIR_KEYS = 64
# Rows read first from an ordered stream (multiplied by 4 while too few).
FIRST_ROWS = 256
# Two-word queries read the lower tiers as ordered streams when they have this few keys.
STREAM_KEYS = 64
SCAN_CAP = 5000
FILTER_WORDS = 8
# Enough to tell a rare word from a common one when choosing which word drives a query.
COUNT_CAP = 1000

_w = search_words.c
_p = search_pairs.c
_n = search_names.c
_v = search_vocabulary.c

Params = dict[str, Any]


class _Hits:
    """Series ids found so far, best first."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.seen: set[int] = set()

    @property
    def room(self) -> int:
        return MAX_HITS - len(self.ids)

    def add(self, series_ids: Iterable[int]) -> None:
        for series_id in series_ids:
            if not self.room:
                return
            if series_id not in self.seen:
                self.seen.add(series_id)
                self.ids.append(series_id)


def find_series(conn: Connection, query_words: Sequence[str]) -> list[int]:
    """Ids of the best MAX_HITS series for the (normalized) query words, best first."""
    query = list(query_words)
    distinct = list(dict.fromkeys(query))
    hits = _Hits()
    if len(distinct) == 1:
        _one_word(conn, hits, query, distinct[0])
    elif distinct:
        _many_words(conn, hits, query, distinct)
    return hits.ids


def _ranges(q: str, suffix: str = "") -> Params:
    """Parameters of the word range (lo, hi) and stem range (slo, shi) of q."""
    s = stem(q)
    return {f"lo{suffix}": q, f"hi{suffix}": q + HIGH, f"slo{suffix}": s, f"shi{suffix}": s + HIGH}


# --- one word ---------------------------------------------------------------------------


def _one_word(conn: Connection, hits: _Hits, query: list[str], q: str) -> None:
    if len(query) > 1:
        _exact(conn, hits, query, [q])
    _take(conn, hits, _word_stream(1), {"w0": q})
    if not hits.room:
        return
    ranges = _ranges(q)
    if len(q) <= PREFIX_CHARS:
        _take(conn, hits, _prefix_stream(), {"q": q})
    else:
        longer = _vocabulary(conn, False, ranges)
        _take_words(conn, hits, longer, False, ranges)
    if hits.room:
        _take_words(conn, hits, _vocabulary(conn, True, ranges), True, ranges)


def _take_words(
    conn: Connection, hits: _Hits, words: list[str] | None, stem_only: bool, ranges: Params
) -> None:
    """Take from the ordered rows of these words, or of the range sorted by SQL if too many."""
    if words is None:
        _take(conn, hits, _range_stream(stem_only), ranges)
    elif words:
        _take(conn, hits, _word_stream(len(words)), {f"w{i}": w for i, w in enumerate(words)})


def _take(conn: Connection, hits: _Hits, stream: Prepared, params: Params) -> None:
    """Add the series of an ordered stream of rows (series id first) until hits are full.

    A series has a row per matching reading and rows of series already found come too, so
    the LIMIT grows until the rows read hold enough new series or the stream ends.
    """
    limit = FIRST_ROWS
    while hits.room:
        rows = stream.rows(conn, **params, limit=limit)
        new = [i for i in dict.fromkeys(int(row[0]) for row in rows) if i not in hits.seen]
        if len(new) >= hits.room or len(rows) < limit:
            hits.add(new)
            return
        limit *= 4


def _vocabulary(conn: Connection, stem_only: bool, ranges: Params) -> list[str] | None:
    """The vocabulary words longer than q that start with it, or those that match it by stem
    only; None if more than MAX_EXPANSION."""
    rows = _vocabulary_query(stem_only).rows(conn, **ranges, limit=MAX_EXPANSION + 1)
    found = [word for (word,) in rows]
    return None if len(found) > MAX_EXPANSION else found


# --- several words ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Matches:
    """The vocabulary words a query word matches; None where more than MAX_EXPANSION."""

    prefixed: list[str] | None  # starting with the query word (itself included)
    stemmed: list[str] | None  # the others whose stem starts with the query word's stem

    @property
    def words(self) -> list[str] | None:
        if self.prefixed is None or self.stemmed is None:
            return None
        return sorted({*self.prefixed, *self.stemmed})


def _many_words(conn: Connection, hits: _Hits, query: list[str], distinct: list[str]) -> None:
    checked = distinct[:FILTER_WORDS]
    matches = _expansions(conn, checked)
    if any(m.prefixed == [] and m.stemmed == [] for m in matches.values()):
        return
    _exact(conn, hits, query, distinct)
    if len(distinct) == 2:
        a, b = sorted(distinct)
        _take(conn, hits, _pair_stream(1, False), {"x0": a, "y0": b})
        keys = _pair_keys(a, b, matches)
        if keys is not None and len(keys) <= STREAM_KEYS:
            for tier in (PREFIX, STEM):
                tier_keys = [key for key, key_tier in keys if key_tier == tier]
                if tier_keys and hits.room:
                    _take_ranked(conn, hits, query, tier, tier_keys)
            return
    if hits.room:
        _rank_candidates(conn, hits, query, checked, matches)


def _expansions(conn: Connection, checked: list[str]) -> dict[str, _Matches]:
    """For each query word, the vocabulary words it matches, in one query."""
    params: Params = {"limit": MAX_EXPANSION + 1}
    for i, q in enumerate(checked):
        params.update(_ranges(q, str(i)))
    read: dict[int, list[str]] = defaultdict(list)
    for branch, word in _expansions_query(len(checked)).rows(conn, **params):
        read[int(branch)].append(word)

    def found(branch: int) -> list[str] | None:
        return None if len(read[branch]) > MAX_EXPANSION else sorted(read[branch])

    return {q: _Matches(found(2 * i), found(2 * i + 1)) for i, q in enumerate(checked)}


def _exact(conn: Connection, hits: _Hits, query: list[str], distinct: list[str]) -> None:
    """Series with a reading equal to the query, by id: found at position 0 of its length."""
    params: Params = {"length": len(query), "name": " ".join(query)}
    if len(distinct) == 1:
        params["x"] = distinct[0]
    else:
        # The first word is at position 0 of an equal reading; the longest other is rarest.
        other = max((q for q in distinct if q != query[0]), key=len)
        params["x"], params["y"] = sorted((query[0], other))
    found = _exact_query(len(distinct) > 1).rows(conn, **params)
    hits.add(int(i) for (i,) in found)


def _kind(q: str, word: str) -> int:
    """How a vocabulary word that matches q matches it."""
    return WORDS if word == q else PREFIX if word.startswith(q) else STEM


def _pair_keys(
    a: str, b: str, matches: dict[str, _Matches]
) -> list[tuple[tuple[str, str], int]] | None:
    """The search_pairs keys holding every hit of a and b, with the tier each key gives;
    None if a word matches both (a hit may hold it alone) or there would be too many."""
    ma, mb = matches[a].words, matches[b].words
    if ma is None or mb is None or set(ma) & set(mb) or len(ma) * len(mb) > MAX_PAIR_KEYS:
        return None
    return sorted(((min(x, y), max(x, y)), max(_kind(a, x), _kind(b, y))) for x in ma for y in mb)


def _key_params(keys: Sequence[tuple[str, str]]) -> Params:
    params: Params = {}
    for i, (x, y) in enumerate(keys):
        params[f"x{i}"], params[f"y{i}"] = x, y
    return params


def _take_ranked(
    conn: Connection, hits: _Hits, query: list[str], tier: int, keys: list[tuple[str, str]]
) -> None:
    """Add the series of one tier from the pair rows of its keys, read in order of a bound.

    A pair row's position is the earlier of its two words', which may be a worse match
    than another word of the reading: each reading is ranked in Python, and a series is
    taken once no row still unread can rank before it (all rank at least their row).
    """
    stream, params = _pair_stream(len(keys), True), _key_params(keys)
    query_stems = [stem(q) for q in dict.fromkeys(query)]
    limit = FIRST_ROWS
    while hits.room:
        rows = stream.rows(conn, **params, limit=limit)
        best: dict[int, tuple[int, int]] = {}
        for series_id, _, _, name, stems in rows:
            if series_id in hits.seen:
                continue  # a better tier took it
            rank = rank_reading(name.split(), stems.split(), query, query_stems)
            if rank[0] == tier:
                best[series_id] = min(best.get(series_id, rank[1:]), rank[1:])
        ranked = sorted((key, series_id) for series_id, key in best.items())
        if len(rows) < limit:
            hits.add(series_id for _, series_id in ranked)
            return
        last = ((rows[-1][1], rows[-1][2]), rows[-1][0])
        final = [series_id for key, series_id in ranked if (key, series_id) <= last]
        if len(final) >= hits.room:
            hits.add(final)
            return
        limit *= 4


def _rank_candidates(
    conn: Connection,
    hits: _Hits,
    query: list[str],
    checked: list[str],
    matches: dict[str, _Matches],
) -> None:
    """Rank every candidate reading in Python: those holding the pair of two query words
    with the fewest keys, else those of the query word with the fewest rows."""
    pair = _pick_pair(checked, matches)
    if pair:
        keys = [key for key, _ in _pair_keys(*pair, matches) or ()]
        source, params = ("pair",) * len(keys), _key_params(keys)
        covered = set(pair)
    else:
        driver = _driver(conn, checked, matches)
        source, params = _word_source(driver, matches[driver])
        covered = {driver}
    others = [q for q in checked if q not in covered]
    for j, q in enumerate(others):
        # Words hold no LIKE wildcards (`%` and `_` are not word characters) and are lower
        # case: LIKE is exact on both backends.
        params[f"f{j}"], params[f"g{j}"] = f"% {q}%", f"% {stem(q)}%"
    statement = _candidates_query(source, len(others))
    query_stems = [stem(q) for q in dict.fromkeys(query)]
    ranked = sorted(
        {
            (rank_reading(name.split(), stems.split(), query, query_stems), int(series_id))
            for series_id, name, stems in statement.rows(conn, **params, cap=SCAN_CAP)
        }
    )
    hits.add(series_id for rank, series_id in ranked if rank != NO_MATCH)


def _pick_pair(checked: list[str], matches: dict[str, _Matches]) -> tuple[str, str] | None:
    """The two query words whose pair keys are fewest (see _pair_keys)."""
    best: tuple[tuple[int, int], str, str] | None = None
    for a, b in combinations(sorted(checked), 2):
        keys = _pair_keys(a, b, matches)
        if keys is not None:
            cost = (len(keys), -len(a) - len(b))
            if best is None or cost < best[0]:
                best = (cost, a, b)
    return (best[1], best[2]) if best else None


def _word_source(q: str, matches: _Matches) -> tuple[tuple[str, ...], Params]:
    """search_words rows matching q: per vocabulary word, or as ranges where too many."""
    source: list[str] = []
    params = _ranges(q)
    for words, fallback in ((matches.prefixed, "range"), (matches.stemmed, "stem")):
        if words is None:
            source.append(fallback)
        for word in words or ():
            params[f"x{len(source)}"] = word
            source.append("word")
    return tuple(source), params


def _driver(conn: Connection, checked: list[str], matches: dict[str, _Matches]) -> str:
    """The query word with the fewest matching rows (counted up to COUNT_CAP), else the longest."""

    def count(q: str) -> int:
        source, params = _word_source(q, matches[q])
        return int(_count_query(source).rows(conn, **params, cap=COUNT_CAP)[0][0])

    return min(checked, key=lambda q: (count(q), -len(q)))


# --- statements, built once per shape (building them costs more than running them) ------
#
# Each is a tvdbd.db.prepared.Prepared: compiled once per dialect and run on the driver's
# cursor. A search runs 3 to 8 of them; SQLAlchemy's work per execute (cache key, execution
# context, result rows) cost more than the index reads themselves, about 2 ms per search
# whatever the catalogue's size. They return ids, words and names: plain driver values.


def _bind(name: str) -> BindParameter[Any]:
    return bindparam(name)


def _stem_only(c: Any, suffix: str = "") -> ColumnElement[bool]:
    """Words whose stem starts with q's stem and that do not start with q themselves."""
    stems = (c.stem >= _bind(f"slo{suffix}")) & (c.stem < _bind(f"shi{suffix}"))
    return stems & not_((c.word >= _bind(f"lo{suffix}")) & (c.word < _bind(f"hi{suffix}")))


def _merged(table: Table, conditions: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """(series_id, name_no, position, name_length) rows meeting any of the conditions, in
    rank order, at most :limit: each condition is an ordered index scan, SQL merges them."""
    c = table.c
    columns = [c.series_id, c.position, c.name_length]
    if "name_no" in c:
        columns.insert(1, c.name_no)
    limit = _bind("limit")
    parts = [
        select(*columns).where(condition).order_by(c.position, c.name_length, c.series_id)
        for condition in conditions
    ]
    if len(parts) == 1:
        return parts[0].limit(limit)
    merged = union_all(*(select(part.limit(limit).subquery()) for part in parts)).subquery()
    order = (merged.c.position, merged.c.name_length, merged.c.series_id)
    return select(merged).order_by(*order).limit(limit)


@cache
def _word_stream(n: int) -> Prepared:
    return Prepared(_merged(search_words, [_w.word == _bind(f"w{i}") for i in range(n)]))


@cache
def _range_stream(stem_only: bool) -> Prepared:
    longer = (_w.word > _bind("lo")) & (_w.word < _bind("hi"))
    return Prepared(_merged(search_words, [_stem_only(_w) if stem_only else longer]))


@cache
def _prefix_stream() -> Prepared:
    return Prepared(_merged(search_prefixes, [search_prefixes.c.prefix == _bind("q")]))


@cache
def _pair_stream(n: int, with_names: bool) -> Prepared:
    """Rows of the pair keys (:x0, :y0)..., and with the reading's words and stems."""
    keys = [(_p.word == _bind(f"x{i}")) & (_p.other == _bind(f"y{i}")) for i in range(n)]
    rows = _merged(search_pairs, keys)
    if not with_names:
        return Prepared(rows)
    found = rows.subquery()
    return Prepared(
        select(found.c.series_id, found.c.position, found.c.name_length, _n.name, _n.stems)
        .join_from(found, search_names, _same_reading(found.c))
        .order_by(found.c.position, found.c.name_length, found.c.series_id)
    )


def _same_reading(c: Any) -> ColumnElement[bool]:
    return and_(_n.series_id == c.series_id, _n.name_no == c.name_no)


@cache
def _vocabulary_query(stem_only: bool) -> Prepared:
    longer = (_v.word > _bind("lo")) & (_v.word < _bind("hi"))
    condition = _stem_only(_v) if stem_only else longer
    return Prepared(select(_v.word).where(condition).limit(_bind("limit")))


@cache
def _expansions_query(n: int) -> Prepared:
    """Per query word i: branch 2i, the words starting with it; 2i + 1, by stem only."""
    parts = []
    for i in range(n):
        starts = (_v.word >= _bind(f"lo{i}")) & (_v.word < _bind(f"hi{i}"))
        for branch, condition in enumerate((starts, _stem_only(_v, str(i)))):
            tag = literal_column(str(2 * i + branch), Integer).label("branch")
            part = select(tag, _v.word).where(condition).limit(_bind("limit"))
            parts.append(select(part.subquery()))
    return Prepared(union_all(*parts))


@cache
def _exact_query(pair: bool) -> Prepared:
    c = (search_pairs if pair else search_words).c
    key = (c.word == _bind("x")) & (c.other == _bind("y")) if pair else c.word == _bind("x")
    return Prepared(
        select(c.series_id)
        .join(search_names, _same_reading(c))
        .where(key, c.position == 0, c.name_length == _bind("length"), _n.name == _bind("name"))
        .order_by(c.series_id)
        .limit(MAX_HITS)
    )


def _source_rows(source: tuple[str, ...]) -> Select[Any] | CompoundSelect[Any]:
    """(series_id, name_no) rows: per item, a pair key (:xi, :yi), a word :xi, the word range
    or the stem-only range; at most :cap."""
    parts = []
    for i, item in enumerate(source):
        condition: ColumnElement[bool]
        if item == "pair":
            condition = (_p.word == _bind(f"x{i}")) & (_p.other == _bind(f"y{i}"))
            parts.append(select(_p.series_id, _p.name_no).where(condition))
            continue
        if item == "word":
            condition = _w.word == _bind(f"x{i}")
        elif item == "range":
            condition = (_w.word >= _bind("lo")) & (_w.word < _bind("hi"))
        else:
            condition = _stem_only(_w)
        parts.append(select(_w.series_id, _w.name_no).where(condition))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).limit(_bind("cap"))


@lru_cache(maxsize=256)
def _candidates_query(source: tuple[str, ...], filters: int) -> Prepared:
    """Candidate readings with their words and stems, where filter j holds: a word LIKE :fj
    or a stem LIKE :gj."""
    found = _source_rows(source).subquery()
    conditions = [
        or_((literal(" ") + _n.name).like(_bind(f"f{j}")),
                (literal(" ") + _n.stems).like(_bind(f"g{j}")))
        for j in range(filters)
    ]  # fmt: skip
    return Prepared(
        select(found.c.series_id, _n.name, _n.stems)
        .join_from(found, search_names, _same_reading(found.c))
        .where(*conditions)
    )


@lru_cache(maxsize=256)
def _count_query(source: tuple[str, ...]) -> Prepared:
    return Prepared(select(func.count()).select_from(_source_rows(source).subquery()))


# --- writing the index ------------------------------------------------------------------


def index_tables(series_id: int, index: SeriesIndex) -> list[tuple[Table, list[dict[str, Any]]]]:
    """The per-series search rows to insert, by table (the vocabulary goes to add_vocabulary)."""
    return [
        (search_names, [
            {"series_id": series_id, "name_no": no, "name": name, "stems": stems}
            for no, name, stems in index.names
        ]),
        (search_words, [
            {"series_id": series_id, "name_no": no, "word": word, "stem": word_stem,
             "position": position, "name_length": length}
            for no, word, word_stem, position, length in index.words
        ]),
        (search_pairs, [
            {"series_id": series_id, "name_no": no, "word": word, "other": other,
             "position": position, "name_length": length}
            for no, word, other, position, length in index.pairs
        ]),
        (search_prefixes, [
            {"series_id": series_id, "prefix": prefix, "position": position,
             "name_length": length}
            for prefix, position, length in index.prefixes
        ]),
    ]  # fmt: skip


def add_vocabulary(conn: Connection, entries: Iterable[tuple[str, str]]) -> None:
    """Add (word, stem) entries the vocabulary does not hold yet."""
    rows = [{"word": word, "stem": word_stem} for word, word_stem in sorted(set(entries))]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # Sorted rows take their locks in one order, so concurrent imports cannot deadlock.
    conn.execute(dialect.insert(search_vocabulary).on_conflict_do_nothing(), rows)


# --- names of given series (searches narrowed by imdbId, zap2itId or slug) ---------------


def names_of(conn: Connection, series_ids: Sequence[int]) -> dict[int, list[str]]:
    """Every name and alias of each series, in every language."""
    names: dict[int, list[str]] = defaultdict(list)
    s, t, a = series_table.c, series_translations.c, series_aliases.c
    for query in (
        select(s.id, s.series_name).where(s.id.in_(series_ids)),
        select(t.series_id, t.series_name).where(t.series_id.in_(series_ids)),
        select(a.series_id, a.alias).where(a.series_id.in_(series_ids)),
    ):
        for series_id, name in conn.execute(query):
            if name is not None:
                names[series_id].append(name)
    return names
