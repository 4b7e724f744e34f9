"""Name search words and ranking (tvdbd.search), without a database."""

from __future__ import annotations

import pytest

from tvdbd.search import NO_MATCH, index_rows, joined_words, rank_series, words


def _order(query: str, names: dict[int, list[str]]) -> list[int]:
    query_words = words(query)
    ranked = sorted((rank_series(n, query_words), i) for i, n in names.items())
    return [i for rank, i in ranked if rank != NO_MATCH]


def test_the_recorded_firefly_order_comes_out() -> None:
    names = {
        368583: ["Grave of the fireflies"],
        105611: ["Glow of Fireflies", "Hotaru no Hikari", "螢之光"],
        80288: ["Fireflies"],
        333690: ["Firefly (2017)"],
        78874: ["Firefly", "Firefly - Der Aufbruch der Serenity", "Serenity"],
    }
    assert _order("Firefly", names) == [78874, 333690, 80288, 105611, 368583]


@pytest.mark.parametrize("query", ["Scrubs", "sCruBs", "scrubs"])
def test_the_recorded_scrubs_order_comes_out(query: str) -> None:
    names = {
        274735: ["Scrubbing In", "Enfermeros en LA"],
        167151: ["Wormwood Scrubs"],
        76156: ["Scrubs", "Scrubs - Die Anfänger"],
    }
    assert _order(query, names) == [76156, 167151, 274735]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("shield", "Marvel's Agents of S.H.I.E.L.D."),
        ("agents of s.h.i.e.l.d.", "Marvel's Agents of S.H.I.E.L.D."),
        ("greys anatomy", "Grey's Anatomy"),
        ("grey's", "Grey's Anatomy"),
        ("dont trust", "Don't Trust the B---- in Apartment 23"),
        ("spider man", "Spider-Man"),
        ("spiderman", "Spider-Man"),
    ],
)
def test_punctuation_is_ignored_both_ways(query: str, name: str) -> None:
    assert rank_series([name], words(query)) != NO_MATCH
    # The stored words let the database find the same candidates.
    stored = {word for _, word, *_ in index_rows([name]).words}
    assert all(any(w.startswith(q) for w in stored) for q in words(query))


def test_joined_words_drop_the_punctuation_inside_words() -> None:
    assert joined_words("Marvel's Agents of S.H.I.E.L.D.") == ["marvels", "agents", "of", "shield"]
    assert joined_words("Scrubs - Die Anfänger") == ["scrubs", "die", "anfanger"]
