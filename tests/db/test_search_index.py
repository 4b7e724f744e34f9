"""Name search through the ranked index (tvdbd.db.search) agrees with tvdbd.search's ranking."""

from __future__ import annotations

import random
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support import Databases, import_bundles
from tvdbd.db import search as search_db
from tvdbd.search import MAX_HITS, NO_MATCH, rank_series, words_of_query


def find(engine: Engine, query: str) -> list[int]:
    with engine.connect() as conn:
        return search_db.find_series(conn, words_of_query(query))


def oracle(catalogue: dict[int, list[str]], query: str) -> list[int]:
    """The best MAX_HITS series as tvdbd.search.rank_series orders them."""
    key = (id(catalogue), query)
    if key not in _oracle_answers:
        _oracle_answers[key] = _rank_all(catalogue, query)
    return _oracle_answers[key]


# Ranking every series in Python is the slow part of these tests: once per query suffices.
_oracle_answers: dict[tuple[int, str], list[int]] = {}


def _rank_all(catalogue: dict[int, list[str]], query: str) -> list[int]:
    query_words = words_of_query(query)
    ranked = sorted((rank_series(names, query_words), i) for i, names in catalogue.items())
    return [i for rank, i in ranked if rank != NO_MATCH][:MAX_HITS]


def bundle(series_id: int, name: str, *aliases: str, **translated: str) -> dict[str, Any]:
    record = {"id": series_id, "seriesName": name, "aliases": list(aliases)}
    translations = {language: {"seriesName": n} for language, n in translated.items()}
    return {"series": record, "translations": translations} if translations else {"series": record}


def names_of(bundles: list[dict[str, Any]]) -> dict[int, list[str]]:
    return {
        b["series"]["id"]: [
            b["series"]["seriesName"],
            *(t["seriesName"] for t in b.get("translations", {}).values()),
            *b["series"]["aliases"],
        ]
        for b in bundles
    }


# --- tiers on a small catalogue -------------------------------------------------------------

SMALL = [
    bundle(1, "Lone Star"),  # star at position 1
    bundle(2, "Starling"),  # a prefix of star...
    bundle(3, "Stars"),
    bundle(4, "Star"),  # the whole name
    bundle(5, "Star Trek"),  # star at 0, two words
    bundle(6, "Dark Star Rising"),  # star at 1, three words
    bundle(7, "Morning", "Star Trek Voyager"),  # an alias: star at 0, three words
    bundle(8, "Starry Eyed Stars", de="Sterne"),
    bundle(9, "Trek of the Star", fr="Étoile"),
    bundle(10, "Grey's Anatomy"),
    bundle(11, "Greys"),
    bundle(12, "Of the Star Kings"),
]


@pytest.fixture(scope="module")
def small(backend: str, databases: Databases) -> Iterator[Engine]:
    _, engine = databases.new_engine(backend)
    report = import_bundles(engine, SMALL)
    assert report.ok, report.errors
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the whole name; every word exactly: earlier, then fewer words (an alias counts);
        # then by prefix, where a tie goes to the lower id
        ("star", [4, 5, 7, 1, 6, 12, 9, 2, 3, 8]),
        # "stars" itself, then by stem: "starling" and "star" share the stem "star"
        ("stars", [3, 8, 2, 4, 5, 7, 1, 6, 12, 9]),
        ("star trek", [5, 7, 9]),  # exact; then both words at position 0: fewer words first
        ("trek star", [5, 7, 9]),  # word order does not matter, only the earliest match
        ("star tr", [5, 7, 9]),  # the last word by prefix: a lower tier, same order
        ("st", [2, 3, 4, 8, 5, 7, 1, 6, 12, 9]),  # prefix only: earlier, fewer words, then id
        ("star star", [4, 5, 7, 1, 6, 12, 9, 2, 3, 8]),  # a repeated word: "Star" is not exact
        ("sterne", [8]),  # a translated name
        ("grey s", [10]),  # "Grey's" read split at the apostrophe
        ("greys", [11, 10]),  # and read with it dropped
        ("voyager", [7]),
        ("nothing", []),
    ],
)
def test_hits_come_in_tier_order(small: Engine, query: str, expected: list[int]) -> None:
    assert find(small, query) == expected
    assert find(small, query) == oracle(names_of(SMALL), query)


def test_the_whole_name_comes_first_even_when_few_candidates_are_ranked(
    small: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_db, "SCAN_CAP", 1)
    assert find(small, "of the star kings")[:1] == [12]


# --- the best 100 of many, against the reference ranking ----------------------------------

VOCABULARY = [
    "star", "stars", "starling", "start", "started", "king", "kings", "kingdom", "kin", "night",
    "nights", "knight", "lost", "lose", "loser", "love", "lovely", "city", "cities", "citizen",
    "run", "running", "runner", "fly", "flies", "firefly", "fireflies", "the", "of", "a",
    "café", "cafe", "東京", "物語", "ñandú", "über", "x",
]  # fmt: skip
SERIES = 2500


def generated_name(rng: random.Random) -> str:
    parts = [rng.choice(VOCABULARY) for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 5)))]
    roll = rng.random()
    if roll < 0.1:
        parts.append(f"({rng.choice((1999, 2005, 2017))})")
    elif roll < 0.2 and len(parts) > 1:
        parts[0] = f"{parts[0]}'s"  # "star's": read "star s" and "stars"
    elif roll < 0.25 and len(parts) > 1:
        parts[0:2] = [f"{parts[0]}-{parts[1]}"]  # "spider-man": "spider man" and "spiderman"
    name = " ".join(parts)
    return name.title() if rng.random() < 0.5 else name


@cache
def generated_catalogue(seed: int = 6) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    bundles = []
    for index in range(SERIES):
        aliases = [generated_name(rng) for _ in range(rng.choice((0, 0, 1, 2)))]
        translated = {
            language: generated_name(rng)
            for language in rng.sample(["de", "fr", "ja", "es"], rng.choice((0, 0, 1, 2)))
        }
        bundles.append(bundle(100_000 + index, generated_name(rng), *aliases, **translated))
    return bundles


@cache
def generated_names() -> dict[int, list[str]]:
    return names_of(generated_catalogue())


def generated_queries(catalogue: dict[int, list[str]], seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    queries = [*VOCABULARY, "s", "k", "ki", "kin", "lo", "lov", "ru", "runs", "flying", "cit"]
    queries += ["star star", "kin king", "stars star", "star 2017", "a of the", "x x x", "café x"]
    names = [name for names in catalogue.values() for name in names]
    for name in rng.sample(names, 60):
        query_words = words_of_query(name)
        queries.append(name)  # every word, maybe the exact name
        if len(query_words) > 1:
            cut = query_words[-1][: rng.randint(1, 3)]
            queries.append(" ".join([*query_words[:-1], cut]))  # the last word half typed
            queries.append(" ".join(rng.sample(query_words, len(query_words))))
    return queries


@pytest.fixture(scope="module")
def generated(backend: str, databases: Databases) -> Iterator[tuple[Engine, dict[int, list[str]]]]:
    _, engine = databases.new_engine(backend)
    report = import_bundles(engine, generated_catalogue())
    assert report.ok, report.errors
    yield engine, generated_names()
    engine.dispose()


@pytest.fixture(params=["as configured", "few rows at a time", "narrow expansions"])
def limits(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lower limits force the other plans: streams read three rows at a time (so each
    stream is cut and resumed); prefixes and stems read as ranges and multi-word queries
    driven by one word (as when a word matches very many words)."""
    if request.param == "few rows at a time":
        monkeypatch.setattr(search_db, "FIRST_ROWS", 3)
    if request.param == "narrow expansions":
        monkeypatch.setattr(search_db, "MAX_EXPANSION", 1)
        monkeypatch.setattr(search_db, "MAX_PAIR_KEYS", 1)


@pytest.mark.usefixtures("limits")
def test_the_best_100_hits_come_in_the_reference_order(
    generated: tuple[Engine, dict[int, list[str]]],
) -> None:
    engine, catalogue = generated
    queries = generated_queries(catalogue)
    full = 0
    for query in queries:
        expected = oracle(catalogue, query)
        assert find(engine, query) == expected, query
        full += len(expected) == MAX_HITS
    assert full >= 20  # many queries have more hits than are answered
