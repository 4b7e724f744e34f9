"""The records behind `/search/series` hits: what tvdbd.records.render.search_hit reads.

Two prepared statements (tvdbd.db.prepared) per size class of the hit list, not the three
generic reads of whole series, translation and alias rows the handler used to make:

- the hits' series columns that a hit shows, with the name and overview of the asked
  language joined in (a left join: a series without that translation gets NULLs, which
  search_hit treats as it treats a missing translation);
- the original-language aliases of the hits, in their order.

An IN list of bound parameters has one statement per length; the ids are padded (with the
last id again, which changes no answer) to the next of a few sizes, so at most
len(_SIZES) statements of each kind are ever compiled. With the response cache off, this
took a one-hit search from about 0.5 ms of SQLAlchemy work to a few tens of µs.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, select

from tvdbd.db.prepared import Prepared
from tvdbd.db.schema import series_aliases, series_table, series_translations
from tvdbd.search import MAX_HITS

# What a hit shows of its series (tvdbd.records.render.search_hit).
HIT_COLUMNS = (
    "id", "original_language", "series_name", "overview", "banner", "poster", "first_aired",
    "network", "slug", "status",
)  # fmt: skip
_SIZES = (1, 2, 4, 8, 16, 32, 64, MAX_HITS)


def _size_for(count: int) -> int:
    return _SIZES[min(bisect.bisect_left(_SIZES, count), len(_SIZES) - 1)]


def _id_params(size: int) -> list[Any]:
    return [bindparam(f"id{i}") for i in range(size)]


@cache
def _records(size: int) -> Prepared:
    s, t = series_table.c, series_translations.c
    joined = series_table.outerjoin(
        series_translations, (t.series_id == s.id) & (t.language == bindparam("language"))
    )
    return Prepared(
        select(*(s[name] for name in HIT_COLUMNS), t.series_name, t.overview)
        .select_from(joined)
        .where(s.id.in_(_id_params(size)))
    )


@cache
def _aliases(size: int) -> Prepared:
    a = series_aliases.c
    return Prepared(
        select(a.series_id, a.alias)
        .where(a.series_id.in_(_id_params(size)), a.language == "")
        .order_by(a.series_id, a.position)
    )


def _params(series_ids: Sequence[int]) -> dict[str, Any]:
    """id0..id{size - 1}: the ids, padded with the last one."""
    size = _size_for(len(series_ids))
    padded = [*series_ids, *[series_ids[-1]] * (size - len(series_ids))]
    return {f"id{i}": series_id for i, series_id in enumerate(padded)}


def hit_records(
    conn: Connection, series_ids: Sequence[int], language: str
) -> list[tuple[dict[str, Any], dict[str, Any], list[str]]]:
    """(series columns, translation in `language`, aliases) of each stored series of
    `series_ids` (at most MAX_HITS, as a search gives), in that order."""
    if not series_ids:
        return []
    if len(series_ids) > MAX_HITS:
        raise ValueError(f"at most {MAX_HITS} hits, not {len(series_ids)}")
    params, size = _params(series_ids), _size_for(len(series_ids))
    found: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    for row in _records(size).rows(conn, **params, language=language):
        record = dict(zip(HIT_COLUMNS, row[: len(HIT_COLUMNS)], strict=True))
        found[int(record["id"])] = (record, {"series_name": row[-2], "overview": row[-1]})
    aliases: dict[int, list[str]] = {}
    for series_id, alias in _aliases(size).rows(conn, **params):
        aliases.setdefault(int(series_id), []).append(alias)
    return [(*found[i], aliases.get(i, [])) for i in dict.fromkeys(series_ids) if i in found]
