"""Build the demo catalogue (bundle format, JSON Lines) from the recorded real API responses.

Usage (from the repository root):

    python scripts/build_demo_catalogue.py /work/shared/recorded-api tvdbd/data/demo-catalogue.jsonl

Facts (names, numbers, dates, ids, file names, credits, ratings) are taken from the recordings;
the movie lines (v3 `/movies/{id}`) come from the facts in scripts/demo_movies.json, which
says where they are from. Overview texts are NOT copied: every `overview` written here is null
or a one-line summary written for this project (see OWN_* below), and a self-check refuses
any output that shares a 40-character run with an overview found in the recordings.
Stdlib only; the output is deterministic.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Record = dict[str, Any]

# Wire order of the 3.0.0 series record (api-contract §3.1).
SERIES_KEYS = (
    "id",
    "seriesId",
    "seriesName",
    "aliases",
    "season",
    "poster",
    "banner",
    "fanart",
    "status",
    "firstAired",
    "network",
    "networkId",
    "runtime",
    "language",
    "genre",
    "overview",
    "lastUpdated",
    "airsDayOfWeek",
    "airsTime",
    "rating",
    "imdbId",
    "zap2itId",
    "added",
    "addedBy",
    "siteRating",
    "siteRatingCount",
    "slug",
)
# Wire order of the 3.0.0 episode record (api-contract §3.2), minus the per-request `language`.
EPISODE_KEYS = (
    "id",
    "airedSeason",
    "airedSeasonID",
    "airedEpisodeNumber",
    "episodeName",
    "firstAired",
    "guestStars",
    "directors",
    "writers",
    "overview",
    "productionCode",
    "showUrl",
    "lastUpdated",
    "dvdDiscid",
    "dvdSeason",
    "dvdEpisodeNumber",
    "dvdChapter",
    "absoluteNumber",
    "filename",
    "seriesId",
    "lastUpdatedBy",
    "airsAfterSeason",
    "airsBeforeSeason",
    "airsBeforeEpisode",
    "imdbId",
    "contentRating",
    "thumbAuthor",
    "thumbAdded",
    "thumbWidth",
    "thumbHeight",
    "siteRating",
    "siteRatingCount",
    "isMovie",
)
TRANSLATION_KEYS = ("seriesName", "overview", "aliases", "banner", "poster", "fanart")
IMAGE_KEY_TYPES = ("fanart", "poster", "season", "seasonwide", "series")

# Series with full recordings: the base (original-language) record is the `en` one.
FULL_SERIES = (76156, 73739, 78874)
# Series known only from search hits: id -> the recording whose hit supplies the English facts.
SEARCH_SERIES = {
    80288: "search_series_name_Firefly__91dd1fbd.json",
    105611: "search_series_name_Firefly__91dd1fbd.json",
    167151: "search_series_name_Scrubs__9efad0ef.json",
    274735: "search_series_name_Scrubs__9efad0ef.json",
    333690: "search_series_name_Firefly__91dd1fbd.json",
    368583: "search_series_name_Firefly__91dd1fbd.json",
}
# Spanish search response: its hit for 274735 carries the Spanish title.
SEARCH_ES = "search_series_name_scrubs__3dda1f26.json"
MISSING_IMAGE = "/banners/images/missing/series.jpg"
# The en /series/76156 record has `aliases: []` while every search hit lists German and Chinese
# aliases; the search aliases are used so that the catalogue carries aliases in several scripts.
ALIASES_FROM_SEARCH = {76156: "search_series_name_Scrubs__9efad0ef.json"}

# Our own one-line summaries (written for this project, not taken from any source).
OWN_SERIES_OVERVIEW: dict[int, str | None] = {
    73739: "Drama about the people left alive after an airliner comes down on a remote island.",
    76156: "A hospital sitcom about a young doctor, his best friend and their colleagues, "
    "from internship onward.",
    78874: "Science-fiction western about the crew of a small cargo ship working the edges "
    "of settled space.",
    80288: "Australian drama about a rural town and its volunteer firefighters.",
    105611: "Japanese romantic comedy about a young woman who would rather relax at home "
    "than date.",
    167151: "Observational documentary made inside a large London prison.",
    274735: "Reality show about nurses on short hospital contracts in Southern California.",
    333690: "Turkish romantic drama series broadcast on Star TV.",
    368583: None,
}
OWN_TRANSLATION_OVERVIEW: dict[tuple[int, str], str | None] = {
    (76156, "es"): "Comedia de hospital sobre un médico novato, su amigo cirujano y sus colegas.",
    (76156, "fr"): "Comédie hospitalière autour d'un interne, de son ami chirurgien et de "
    "leurs collègues.",
    (274735, "es"): "Telerrealidad sobre enfermeros con contratos temporales en el sur de "
    "California.",
}
OWN_EPISODE_OVERVIEW: dict[tuple[int, str], str] = {
    (184602, "en"): "Opening episode: a new intern and his surgeon friend start at the hospital.",
    (184602, "es"): "Primer episodio: un interno y su amigo cirujano empiezan en el hospital.",
    (184602, "fr"): "Premier épisode : un interne et son ami chirurgien arrivent à l'hôpital.",
    (127131, "en"): "First half of the two-part opening: the crash and the first day after it.",
    (297999, "en"): "The feature-length pilot that introduces the ship and the people aboard.",
}


OWN_MOVIE_OVERVIEW: dict[tuple[int, str], str | None] = {
    (74, "en"): "Final part of the fantasy trilogy: the war for Middle-earth comes to its end "
    "while two hobbits reach the mountain.",
    (74, "de"): "Letzter Teil der Fantasy-Trilogie: der Krieg um Mittelerde wird entschieden.",
    (107, "en"): "First part of the fantasy trilogy: a hobbit sets out with eight companions "
    "to destroy a dangerous ring.",
    (107, "de"): "Erster Teil der Fantasy-Trilogie: ein Hobbit bricht mit acht Gefährten auf.",
    (157, "en"): "Second part of the fantasy trilogy: the companions, scattered, fight on "
    "in three places at once.",
    (157, "de"): "Zweiter Teil der Fantasy-Trilogie: die getrennten Gefährten kämpfen weiter.",
}
MOVIE_FACTS = Path(__file__).with_name("demo_movies.json")
# Wire order of the movie record and of its parts (api-contract §3.12).
MOVIE_KEYS = (
    "id", "url", "runtime", "artworks", "genres", "people", "release_dates", "remoteids",
    "trailers", "translations",
)  # fmt: skip
PERSON_KEYS = (
    "id", "imdb_id", "is_featured", "name", "people_facebook", "people_id", "people_image",
    "people_instagram", "people_twitter", "role", "role_image",
)  # fmt: skip


def person(name: str, role: str | None = None) -> Record:
    """A credit: the name (and role) are facts; ids and links we do not have are null."""
    known = {"name": name, "role": role}
    return {key: known.get(key) for key in PERSON_KEYS}


def movie_line(facts: Record) -> Record:
    """A movie line of the bundle format: `{"movie": {...}, "lastUpdated": n}`."""
    movie_id = facts["id"]
    artworks = [
        {"id": None, "artwork_type": kind, "url": f"movies/{movie_id}/{folder}/{movie_id}.jpg",
         "thumb_url": f"movies/{movie_id}/{folder}/{movie_id}_t.jpg", "tags": None,
         "is_primary": True, "width": width, "height": height}
        for kind, folder, width, height in (
            ("poster", "posters", 680, 1000), ("background", "backgrounds", 1920, 1080))
    ]  # fmt: skip
    translations = [
        {"language_code": lang, "name": name, "overview": OWN_MOVIE_OVERVIEW.get((movie_id, lang)),
         "tagline": None, "is_primary": lang == "en"}
        for lang, name in facts["names"].items()
    ]  # fmt: skip
    movie = {
        "id": movie_id,
        "url": f"https://thetvdb.com/movies/{facts['slug']}",
        "runtime": facts["runtime"],
        "artworks": artworks,
        "genres": [{"id": None, "name": genre, "url": None} for genre in facts["genres"]],
        "people": {
            "actors": [person(name, role) for name, role in facts["actors"]],
            "directors": [person(name, "Director") for name in facts["directors"]],
            "producers": [person(name, "Producer") for name in facts["producers"]],
            "writers": [person(name, "Writer") for name in facts["writers"]],
        },
        "release_dates": [{"type": "theatrical", "date": facts["released"], "country": "us"}],
        "remoteids": [
            {
                "id": facts["imdb"],
                "source_id": None,
                "source_name": "IMDB",
                "source_url": "https://www.imdb.com",
                "url": f"https://www.imdb.com/title/{facts['imdb']}/",
            },
            {
                "id": facts["tmdb"],
                "source_id": None,
                "source_name": "TheMovieDB.com",
                "source_url": "https://www.themoviedb.org",
                "url": f"https://www.themoviedb.org/movie/{facts['tmdb']}",
            },
        ],
        "trailers": [],
        "translations": translations,
    }
    return {"movie": ordered(movie, MOVIE_KEYS), "lastUpdated": facts["lastUpdated"]}


def build_movies() -> list[Record]:
    """The movie lines, in movie id order."""
    facts = json.loads(MOVIE_FACTS.read_text(encoding="utf-8"))["movies"]
    return sorted((movie_line(f) for f in facts), key=lambda line: line["movie"]["id"])


def load(path: Path) -> Record:
    """One recording: {source, url, status, headers, body}."""
    with path.open(encoding="utf-8") as f:
        rec: Record = json.load(f)
    return rec


def recordings(src: Path, pattern: str) -> list[tuple[Path, Record]]:
    """The recordings whose file name matches the glob pattern, in file-name order."""
    return [(p, load(p)) for p in sorted(src.glob(pattern))]


def ordered(record: Record, keys: tuple[str, ...]) -> Record:
    """The record with its keys in wire order; refuses keys the wire order does not know."""
    unknown = set(record) - set(keys)
    assert not unknown, f"unexpected keys {sorted(unknown)}"
    return {k: record[k] for k in keys if k in record}


def series_records(src: Path, series_id: int) -> dict[str, Record]:
    """GET /series/{id} bodies of one series, by the language they were served in."""
    out: dict[str, Record] = {}
    for _, rec in recordings(src, f"series_{series_id}__*.json"):
        data = rec["body"]["data"]
        assert data["language"] not in out, f"two {data['language']} records of {series_id}"
        out[data["language"]] = data
    return out


def episode_pages(src: Path, series_id: int) -> dict[str, list[Record]]:
    """All recorded episodes of a series, by language (read from the episodes' `language`)."""
    out: dict[str, list[Record]] = {}
    for _, rec in recordings(src, f"series_{series_id}_episodes*.json"):
        for ep in rec["body"]["data"]:
            lang = ep["language"]["episodeName"]
            assert ep["language"]["overview"] == lang
            assert ep["seriesId"] == series_id
            out.setdefault(lang, []).append(ep)
    for lang, eps in out.items():
        eps.sort(key=lambda e: e["id"])
        ids = [e["id"] for e in eps]
        assert len(ids) == len(set(ids)), f"duplicate episodes of {series_id} in {lang}"
    return out


def base_series(record: Record, series_id: int) -> Record:
    """The original-language series record with our own overview in place of the recorded one."""
    s = dict(record)
    s["language"] = "en"
    s["overview"] = OWN_SERIES_OVERVIEW[series_id]
    return ordered(s, SERIES_KEYS)


def episode(record: Record, translations: dict[str, Record]) -> Record:
    """A bundle episode: recorded facts, no per-request `language`, our own (or null) overview."""
    ep = {k: v for k, v in record.items() if k != "language"}
    ep["overview"] = OWN_EPISODE_OVERVIEW.get((ep["id"], "en"))
    ep = ordered(ep, EPISODE_KEYS)
    if translations:
        ep["translations"] = translations
    return ep


def full_bundle(src: Path, series_id: int, hits: list[tuple[str, Record]]) -> Record:
    """A bundle for a series with recorded series, episode, actor and image responses."""
    records = series_records(src, series_id)
    series = base_series(records["en"], series_id)
    if series_id in ALIASES_FROM_SEARCH:
        hit = next(h for name, h in hits if name == ALIASES_FROM_SEARCH[series_id])
        series["aliases"] = list(hit["aliases"])
    bundle: Record = {"series": series}

    translations: Record = {}
    for lang in sorted(records):
        if lang == "en":
            continue
        rec = records[lang]
        tr: Record = {
            "seriesName": rec["seriesName"],
            "overview": OWN_TRANSLATION_OVERVIEW.get((series_id, lang)),
        }
        for key in ("aliases", "banner", "poster", "fanart"):
            if rec[key] != series[key] and rec[key] not in ("", []):
                tr[key] = rec[key]  # this language was served its own artwork / aliases
        translations[lang] = ordered(tr, TRANSLATION_KEYS)
    if translations:
        bundle["translations"] = translations

    pages = episode_pages(src, series_id)
    base_eps = pages.pop("en")
    for lang, eps in pages.items():
        assert [e["id"] for e in eps] == [e["id"] for e in base_eps], f"{lang} ids differ"
    by_lang = {lang: {e["id"]: e for e in eps} for lang, eps in sorted(pages.items())}
    bundle["episodes"] = [
        episode(
            ep,
            {
                lang: {
                    "episodeName": eps[ep["id"]]["episodeName"],
                    "overview": OWN_EPISODE_OVERVIEW.get((ep["id"], lang)),
                }
                for lang, eps in by_lang.items()
            },
        )
        for ep in base_eps
    ]

    actors = [
        a
        for _, rec in recordings(src, f"series_{series_id}_actors*.json")
        for a in rec["body"]["data"]
    ]
    if actors:
        bundle["actors"] = actors
    images: list[Record] = []
    for key_type in IMAGE_KEY_TYPES:
        for _, rec in recordings(src, f"series_{series_id}_images_query_keyType_{key_type}_*.json"):
            images.extend(rec["body"]["data"])
    if images:
        bundle["images"] = images
    return bundle


def search_hits(src: Path) -> dict[int, list[tuple[str, Record]]]:
    """Every recorded search hit, by series id, with the file it came from."""
    out: dict[int, list[tuple[str, Record]]] = {}
    for path, rec in recordings(src, "search_series_*.json"):
        for hit in rec["body"].get("data") or []:
            out.setdefault(hit["id"], []).append((path.name, hit))
    return out


def strip_banners(value: str | None) -> str | None:
    """Search hits carry a `/banners/` prefix that series records do not."""
    if value is None or value == "":
        return value
    assert value.startswith("/banners/"), value
    return value[len("/banners/") :]


def zero_pad(date: str | None) -> str:
    """Search `firstAired` is `2001-10-2`; series records use `2001-10-02`."""
    if not date:
        return ""
    y, m, d = date.split("-")
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def search_bundle(hits: list[tuple[str, Record]], series_id: int) -> Record:
    """A bundle for a series known only from search hits: facts only, unknown keys omitted."""
    facts = ("aliases", "banner", "firstAired", "image", "network", "poster", "slug", "status")
    first = hits[0][1]
    for name, hit in hits:  # the same facts whatever the language of the search
        for key in facts:
            assert hit.get(key) == first.get(key), f"{series_id} {key} differs in {name}"
    hit = next(h for name, h in hits if name == SEARCH_SERIES[series_id])
    image = hit["image"]
    series: Record = {
        "id": series_id,
        "seriesName": hit["seriesName"],
        "aliases": list(hit["aliases"]),
        # The hit's `image` is the poster (or the "missing" placeholder when there is none).
        "poster": "" if image == MISSING_IMAGE else strip_banners(image),
        # null stays null: the search rule serves banner/poster null exactly when it is null.
        "banner": strip_banners(hit["banner"]),
        "status": hit["status"],
        "firstAired": zero_pad(hit["firstAired"]),
        "network": hit["network"] or "",
        "language": "en",
        "overview": OWN_SERIES_OVERVIEW[series_id],
        "slug": hit["slug"],
    }
    bundle: Record = {"series": ordered(series, SERIES_KEYS)}
    translations: Record = {}
    for name, other in hits:
        if name == SEARCH_ES and other["seriesName"] != hit["seriesName"]:
            translations["es"] = {
                "seriesName": other["seriesName"],
                "overview": OWN_TRANSLATION_OVERVIEW.get((series_id, "es")),
            }
    if translations:
        bundle["translations"] = translations
    return bundle


def build(src: Path) -> list[Record]:
    """All bundles, in series id order."""
    hits = search_hits(src)
    bundles = [full_bundle(src, sid, hits.get(sid, [])) for sid in FULL_SERIES]
    bundles += [search_bundle(hits[sid], sid) for sid in SEARCH_SERIES]
    bundles.sort(key=lambda b: b["series"]["id"])
    return bundles


# ---------------------------------------------------------------- self-check


def walk(value: Any, key: str | None = None) -> Iterator[tuple[str | None, Any]]:
    """Every (key, value) pair in a JSON value, depth first."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield key, v
            yield from walk(v, key)


def norm(text: str) -> str:
    """Lower case, whitespace collapsed: so near-identical copies are caught too."""
    return re.sub(r"\s+", " ", text).strip().lower()


WINDOW = 40


def recorded_overviews(src: Path) -> list[str]:
    """Every overview text anywhere in the recordings, normalised."""
    texts = set()
    for _, rec in recordings(src, "*.json"):
        for k, v in walk(rec["body"]):
            if k == "overview" and isinstance(v, str) and v.strip():
                texts.add(norm(v))
    return sorted(texts)


def check_no_copied_overview(bundles: list[Record], src: Path) -> tuple[int, int]:
    """No string in the output repeats a recorded overview or 40 characters of one."""
    recorded = recorded_overviews(src)
    assert recorded, "no overview found in the recordings: wrong directory?"
    windows = {t[i : i + WINDOW] for t in recorded for i in range(max(1, len(t) - WINDOW + 1))}
    overviews = written = 0
    for bundle in bundles:
        for k, v in walk(bundle):
            overviews += k == "overview"
            if not isinstance(v, str):
                continue
            if k == "overview":
                written += 1
                assert "\n" not in v, f"overview is not one line: {v!r}"
            t = norm(v)
            if len(t) < WINDOW:
                # A short string may still be a verbatim piece of a recorded overview.
                if k == "overview" or len(t) >= 25:
                    assert not any(t in r for r in recorded), f"copied text in {k}: {v!r}"
                continue
            assert t not in recorded, f"recorded overview copied in {k}: {v[:60]!r}"
            for i in range(len(t) - WINDOW + 1):
                assert t[i : i + WINDOW] not in windows, (
                    f"copied text in {k}: {t[i : i + WINDOW]!r}"
                )
    return overviews, written


def self_check(bundles: list[Record], movies: list[Record], src: Path) -> str:
    """Assert the catalogue covers what the demo and the tests need; return a summary line."""
    ids = [b["series"]["id"] for b in bundles]
    assert len(ids) >= 5 and ids == sorted(set(ids)), ids
    episodes = [e for b in bundles for e in b.get("episodes", [])]
    for b in bundles:
        eps = b.get("episodes", [])
        assert [e["id"] for e in eps] == sorted({e["id"] for e in eps})
        for e in eps:
            assert "language" not in e and e["seriesId"] == b["series"]["id"]
            assert list(e)[: len(e) - ("translations" in e)] == [k for k in EPISODE_KEYS if k in e]
        assert list(b["series"]) == [k for k in SERIES_KEYS if k in b["series"]]
        assert isinstance(b["series"]["seriesName"], str) and b["series"]["seriesName"]
    assert any(len(b.get("episodes", [])) > 100 for b in bundles), "no series with >100 episodes"
    assert any(e["airedSeason"] == 0 for e in episodes), "no specials"
    assert any(
        (e["dvdEpisodeNumber"] is not None and e["dvdEpisodeNumber"] != e["airedEpisodeNumber"])
        or (e["absoluteNumber"] is not None and e["absoluteNumber"] != e["airedEpisodeNumber"])
        for e in episodes
    ), "no DVD/absolute order differing from aired"
    series_langs = {lang for b in bundles for lang in b.get("translations", {})}
    episode_langs = {lang for e in episodes for lang in e.get("translations", {})}
    assert len(series_langs - {"en"}) >= 2 and len(episode_langs - {"en"}) >= 2
    aliases = [a for b in bundles for a in b["series"]["aliases"]]
    assert aliases and any(not a.isascii() for a in aliases), "no aliases in other scripts"
    actors = [a for b in bundles for a in b.get("actors", [])]
    images = [i for b in bundles for i in b.get("images", [])]
    assert actors, "no actors"
    assert {i["keyType"] for i in images} == set(IMAGE_KEY_TYPES), "missing image key types"
    movie_ids = [m["movie"]["id"] for m in movies]
    assert len(movie_ids) >= 3 and movie_ids == sorted(set(movie_ids)), movie_ids
    for line in movies:
        m = line["movie"]
        assert list(line) == ["movie", "lastUpdated"] and list(m) == list(MOVIE_KEYS)
        assert sum(t["is_primary"] for t in m["translations"]) == 1, m["id"]
        assert all(list(p) == list(PERSON_KEYS) for ps in m["people"].values() for p in ps)
    overviews, written = check_no_copied_overview([*bundles, *movies], src)
    return (
        f"{len(bundles)} series, {len(episodes)} episodes "
        f"({sum(e['airedSeason'] == 0 for e in episodes)} specials), {len(actors)} actors, "
        f"{len(images)} images, {len(aliases)} aliases, translations "
        f"{'/'.join(sorted(series_langs))} (series) {'/'.join(sorted(episode_langs))} "
        f"(episodes), {len(movies)} movies, {overviews} overviews of which {written} own "
        f"one-liners, rest null "
        f"(none copied from the recordings)"
    )


def main(argv: list[str]) -> int:
    """Build, check, then write the catalogue."""
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print(f"usage: {argv[0]} RECORDED_API_DIR OUTPUT.jsonl", file=sys.stderr)
        return 2
    src, out = Path(argv[1]), Path(argv[2])
    bundles = build(src)
    movies = build_movies()
    summary = self_check(bundles, movies, src)
    lines = [
        json.dumps(b, separators=(",", ":"), ensure_ascii=False) + "\n" for b in [*bundles, *movies]
    ]
    out.write_text("".join(lines), encoding="utf-8")
    print(f"{out}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
