"""The sessions bench/workload.py replays: what real clients of a TVDB v2 server send.

A catalogue is summed up once (ids, names, episode counts, image key types, last changes),
then session number ``i`` is drawn from its own seeded generator, so every server of a run
(and every rerun) gets exactly the same sequence of sessions. Three kinds:

- a tvdb_api 3.1-style full fetch: login with an API key, a search for what the person
  typed, the series, its images summary and one images query per key type, its actors, and
  every episodes page (tvdb_api follows ``links.next``), with tvdb_api's headers
  (Accept-Language of the chosen language, Accept and Content-Type JSON, and the
  ``Accept-Encoding: gzip, deflate`` that requests adds);
- a poller (a media server refreshing its library): ``/updated/query?fromTime=`` of its own
  last poll, then the series record and every episodes page of each changed series it holds;
- a person with an account: login with user name and key, ``/user``, the favorites, a look
  at some of them, a new favorite, a rating of it, the ratings, and the favorite removed
  again (so favorites do not pile up over a long run; ratings are overwritten).

Series popularity is Zipf-distributed over a seeded shuffle of the catalogue. Search terms
come from the names (the whole name, a word, a prefix, a name with a typo, a word that
names nothing), so that searches mostly miss the response cache as real typing does.
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import itertools
import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import orjson

PAGE_SIZE = 100  # tvdbd.records.episode.PAGE_SIZE
ROUTE_CLASSES = (
    "login", "search", "series", "episodes page", "images", "actors", "updated",
    "user reads", "user writes",
)  # fmt: skip
SESSION_MIX = (("full fetch", 0.60), ("poller", 0.15), ("person", 0.25))
OTHER_LANGUAGE_SHARE = 0.2  # sessions asking for a language other than English
WEEK = 7 * 24 * 3600
_Add = Callable[..., None]


@dataclass(frozen=True)
class Request:
    """One request of a session: ``key`` names its answer for the replaying baseline."""

    route_class: str
    method: str
    target: str
    language: str
    encoding: str
    body: bytes = b""
    user: str = ""  # the account whose token the request carries ("" for an API-key token)

    @property
    def key(self) -> str:
        return f"{self.method} {self.target} {self.language} {self.encoding} {self.user}"


@dataclass
class Session:
    kind: str
    requests: list[Request] = field(default_factory=list)


@dataclass
class Catalogue:
    """What sessions need to know of a catalogue, by popularity rank (0 = most popular)."""

    ids: list[int]
    names: list[str]
    episodes: list[int]
    key_types: list[list[str]]
    last_updated: list[int]
    languages: list[str]

    @classmethod
    def read(cls, path: Path, seed: int, cache_dir: Path | None = None) -> Catalogue:
        """Sum up a bundle file (``.jsonl`` or ``.jsonl.gz``); cached beside it or in
        ``cache_dir``, as reading the 10 % catalogue takes half a minute."""
        cache_dir = cache_dir or path.parent
        stat = path.stat()
        cached = cache_dir / f".{path.name}.{stat.st_size}-{int(stat.st_mtime)}.summary.json"
        if cached.exists():
            rows, languages = orjson.loads(cached.read_bytes())
        else:
            rows, found = [], set()
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rb") as handle:
                for line in handle:
                    bundle = orjson.loads(line)
                    series = bundle.get("series")
                    if series is None:
                        continue  # a movie
                    key_types = sorted({i["keyType"] for i in bundle.get("images", ())})
                    found.update(bundle.get("translations", {}))
                    rows.append([
                        series["id"], series["seriesName"] or "", len(bundle.get("episodes", ())),
                        key_types, int(series.get("lastUpdated") or 0),
                    ])  # fmt: skip
            languages = sorted(found - {"en"})
            with contextlib.suppress(OSError):  # read-only: sum it up again next time
                cached.write_bytes(orjson.dumps([rows, languages]))
        rows.sort(key=lambda row: row[0])
        random.Random(seed).shuffle(rows)  # popularity has nothing to do with ids
        return cls(
            ids=[r[0] for r in rows],
            names=[r[1] for r in rows],
            episodes=[r[2] for r in rows],
            key_types=[r[3] for r in rows],
            last_updated=[r[4] for r in rows],
            languages=languages or ["de", "fr"],
        )


class Sessions:
    """Session ``i`` of a run, always the same for the same catalogue, seed and users."""

    def __init__(
        self,
        catalogue: Catalogue,
        users: dict[str, str],
        *,
        seed: int = 20,
        zipf: float = 1.0,
        compression: bool = True,
    ):
        self.catalogue = catalogue
        self.users = sorted(users.items())
        self.seed = seed
        self.compression = compression
        weights = [1 / (rank + 1) ** zipf for rank in range(len(catalogue.ids))]
        self.cumulative = list(itertools.accumulate(weights))
        self.by_change = sorted(
            (changed, rank) for rank, changed in enumerate(catalogue.last_updated)
        )
        self.changes = [changed for changed, _ in self.by_change]
        self.words = sorted({
            w.lower() for name in catalogue.names for w in re.split(r"\W+", name) if len(w) > 2
        })  # fmt: skip
        self.kinds = [kind for kind, _ in SESSION_MIX]
        self.kind_weights = list(itertools.accumulate(share for _, share in SESSION_MIX))

    @staticmethod
    def favorites_of(user_index: int, count: int) -> list[int]:
        """Popularity ranks of the favorites an account has before the run (5 to 15)."""
        rng = random.Random(f"favorites {user_index}")
        return sorted({min(int(rng.paretovariate(0.6)) - 1, count - 1) for _ in range(15)})[:15]

    def session(self, index: int) -> Session:
        rng = random.Random(self.seed * 1_000_003 + index)
        kind = rng.choices(self.kinds, cum_weights=self.kind_weights)[0]
        language = "en"
        if rng.random() < OTHER_LANGUAGE_SHARE:
            language = rng.choice(self.catalogue.languages)
        if kind == "full fetch":
            return self._full_fetch(rng, language)
        if kind == "poller":
            return self._poller(rng, language)
        return self._person(rng, language)

    def _rank(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])

    def _full_fetch(self, rng: random.Random, language: str) -> Session:
        encoding = "gzip, deflate" if self.compression else ""
        session = Session("full fetch")
        add = _adder(session, language, encoding)
        add("login", "POST", "/login", body=b'{"apikey": "workload"}')
        rank = self._rank(rng)
        add("search", "GET", f"/search/series?name={quote(self._typed(rng, rank))}")
        self._whole_series(add, rank, images=True)
        return session

    def _whole_series(self, add: _Add, rank: int, *, images: bool) -> None:
        catalogue = self.catalogue
        series = f"/series/{catalogue.ids[rank]}"
        add("series", "GET", series)
        if images:
            add("images", "GET", f"{series}/images")
            for key_type in catalogue.key_types[rank]:
                add("images", "GET", f"{series}/images/query?keyType={key_type}")
            add("actors", "GET", f"{series}/actors")
        add("episodes page", "GET", f"{series}/episodes")
        for page in range(2, -(-catalogue.episodes[rank] // PAGE_SIZE) + 1):
            add("episodes page", "GET", f"{series}/episodes?page={page}")

    def _typed(self, rng: random.Random, rank: int) -> str:
        """What a person types to find this series: mostly words of its name, sometimes
        too little, sometimes a typo, sometimes nothing that exists."""
        name = self.catalogue.names[rank] or "untitled"
        words = [w for w in re.split(r"\W+", name) if w] or [name]
        draw = rng.random()
        if draw < 0.35:
            typed = name
        elif draw < 0.60:
            typed = rng.choice(words)
        elif draw < 0.80:
            word = rng.choice(words)
            typed = word[: rng.randint(min(2, len(word)), max(2, len(word)))]
        elif draw < 0.90:
            at = rng.randrange(len(name))
            typed = name[:at] + rng.choice(string.ascii_lowercase) + name[at + 1 :]
        else:  # a real-looking word that names nothing, or names another series
            typed = rng.choice(self.words) + rng.choice(("", "s", " the", " 2"))
        return typed.lower() if rng.random() < 0.5 else typed

    def _poller(self, rng: random.Random, language: str) -> Session:
        encoding = "gzip" if self.compression else ""
        session = Session("poller")
        add = _adder(session, language, encoding)
        add("login", "POST", "/login", body=b'{"apikey": "workload"}')
        # Its last poll: some time before a change of a series that people look at.
        anchor = self.catalogue.last_updated[self._rank(rng)] or self.changes[-1]
        since = anchor - rng.randint(600, 3 * 24 * 3600)
        add("updated", "GET", f"/updated/query?fromTime={since}")
        first = bisect.bisect_left(self.changes, since)
        last = bisect.bisect_right(self.changes, since + WEEK)
        changed = sorted(rank for _, rank in self.by_change[first:last])
        # The library holds popular series more often than others: the most popular first.
        for rank in changed[: rng.randint(1, 6)]:
            self._whole_series(add, rank, images=False)
        return session

    def _person(self, rng: random.Random, language: str) -> Session:
        encoding = "gzip, deflate, br" if self.compression else ""
        session = Session("person")
        user_index = rng.randrange(len(self.users))
        name, userkey = self.users[user_index]
        add = _adder(session, language, encoding, user=name)
        login = {"apikey": "workload", "username": name, "userkey": userkey}
        add("login", "POST", "/login", body=orjson.dumps(login))
        add("user reads", "GET", "/user")
        add("user reads", "GET", "/user/favorites")
        catalogue = self.catalogue
        favorites = self.favorites_of(user_index, len(catalogue.ids))
        for rank in rng.sample(favorites, min(len(favorites), rng.randint(1, 3))):
            add("series", "GET", f"/series/{catalogue.ids[rank]}")
            add("episodes page", "GET", f"/series/{catalogue.ids[rank]}/episodes")
        rank = self._rank(rng)
        while rank in favorites:
            rank = self._rank(rng)
        series_id = catalogue.ids[rank]
        add("series", "GET", f"/series/{series_id}")
        add("user writes", "PUT", f"/user/favorites/{series_id}")
        add("user writes", "PUT", f"/user/ratings/series/{series_id}/{rng.randint(1, 10)}")
        add("user reads", "GET", "/user/ratings")
        add("user writes", "DELETE", f"/user/favorites/{series_id}")
        return session


def _adder(session: Session, language: str, encoding: str, user: str = "") -> _Add:
    def add(route_class: str, method: str, target: str, *, body: bytes = b"") -> None:
        session.requests.append(Request(route_class, method, target, language, encoding, body,
                                        user))  # fmt: skip

    return add
