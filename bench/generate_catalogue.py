"""A deterministic catalogue generator: bundles at any scale, up to TheTVDB's full size.

    .venv/bin/python bench/generate_catalogue.py --series 170000 out.jsonl.gz
    .venv/bin/python bench/generate_catalogue.py --scale 0.01 out.jsonl.gz   # 1% of full size

Full size is about 170,000 series, 7 million episodes and 3.4 million images. Shapes are
drawn to look like the real catalogue: most series are short, a few long-running ones have
1,000+ episodes; specials (season 0), DVD and absolute orders that differ from aired ones,
aliases, names in several scripts, translations for about a third of the series, empty
fields. Series i is generated from its own seeded random stream, so any slice of the output
is the same whatever the scale, and the output is byte-identical from run to run.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

FULL_SERIES = 170_000
FIRST_SERIES_ID = 70_000
EPISODE_ID_BASE = 1_000_000
IMAGE_ID_BASE = 5_000_000

WORDS = [
    "lost", "night", "city", "house", "doctor", "blue", "river", "king", "queen", "star",
    "fire", "shadow", "dream", "law", "order", "family", "island", "secret", "road", "stone",
    "summer", "winter", "ghost", "hunter", "crown", "garden", "signal", "harbor", "echo",
    "frontier", "empire", "office", "kitchen", "station", "detective", "academy", "saga",
    "brothers", "sisters", "heart", "storm", "wolf", "journey", "legacy", "mystery", "planet",
]  # fmt: skip
FOREIGN = [
    "のんびり", "探偵", "東京", "物語", "Лес", "Тайна", "Город", "Café", "Mañana", "Über",
    "Été", "Straße", "Ñandú", "서울", "비밀", "夜", "花", "Ísland", "Øresund", "Zürich",
]  # fmt: skip
NETWORKS = ["NBC", "ABC (US)", "CBS", "FOX", "BBC One", "ITV1", "HBO", "NTV (JP)", "ZDF", ""]
GENRES = ["Drama", "Comedy", "Crime", "Science Fiction", "Documentary", "Animation", "Reality"]
STATUSES = ["Ended", "Continuing", "Upcoming", ""]
TRANSLATION_LANGUAGES = ["de", "fr", "es", "it", "ja", "ru", "pt", "nl", "sv", "zh", "ko", "pl"]
KEY_TYPES = [("fanart", "1920x1080"), ("poster", "680x1000"), ("season", "680x1000"),
             ("seasonwide", "758x140"), ("series", "758x140")]  # fmt: skip
BASE_TIME = 1_200_000_000  # 2008-01-10


def episode_count(rng: random.Random) -> int:
    """Heavy-tailed: mean about 41 (7M / 170k); about 1 series in 400 runs past 1,000."""
    roll = rng.random()
    if roll < 0.15:
        return 0
    if roll < 0.0025 + 0.15:
        return rng.randint(1000, 4000)
    return min(int(rng.paretovariate(1.6) * 17), 900)


def series_name(rng: random.Random) -> str:
    words = [rng.choice(WORDS).title() for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))]
    if rng.random() < 0.12:
        words.append(rng.choice(FOREIGN))
    name = " ".join(words)
    if rng.random() < 0.05:
        name = f"{name} ({rng.randint(1960, 2021)})"
    return name


def date(rng: random.Random, start_year: int = 1960) -> str:
    if rng.random() < 0.04:
        return ""
    return f"{rng.randint(start_year, 2021)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def make_series(index: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed * 1_000_003 + index)
    series_id = FIRST_SERIES_ID + index
    name = series_name(rng)
    updated = BASE_TIME + rng.randint(0, 400_000_000)
    record: dict[str, Any] = {
        "id": series_id,
        "seriesId": str(rng.randint(1, 99999)) if rng.random() < 0.3 else "",
        "seriesName": name,
        "aliases": [series_name(rng) for _ in range(rng.choice((0, 0, 0, 1, 2)))],
        "poster": f"posters/{series_id}-1.jpg" if rng.random() < 0.8 else "",
        "banner": f"graphical/{series_id}-g.jpg" if rng.random() < 0.7 else "",
        "fanart": f"fanart/original/{series_id}-1.jpg" if rng.random() < 0.6 else "",
        "status": rng.choice(STATUSES),
        "firstAired": date(rng),
        "network": rng.choice(NETWORKS),
        "networkId": str(rng.randint(1, 2000)),
        "runtime": str(rng.choice((22, 25, 30, 45, 60, 90))),
        "language": "en" if rng.random() < 0.85 else rng.choice(TRANSLATION_LANGUAGES),
        "genre": rng.sample(GENRES, rng.randint(0, 3)),
        "overview": f"Generated series {index}." if rng.random() < 0.7 else None,
        "lastUpdated": updated,
        "airsDayOfWeek": rng.choice(("Monday", "Thursday", "Sunday", "")),
        "airsTime": rng.choice(("8:00 PM", "9:00 PM", "")),
        "rating": rng.choice(("TV-PG", "TV-14", "TV-MA", None)),
        "imdbId": f"tt{rng.randint(100000, 9999999)}" if rng.random() < 0.6 else "",
        "zap2itId": f"EP{rng.randint(10**7, 10**8 - 1)}" if rng.random() < 0.3 else "",
        "added": "2008-02-04 00:00:00",
        "addedBy": rng.randint(1, 500000),
        "siteRating": rng.choice((0, round(rng.uniform(1, 10), 1), rng.randint(1, 10))),
        "siteRatingCount": rng.randint(0, 20000),
        "slug": f"{name.lower().replace(' ', '-')}-{series_id}",
    }
    bundle: dict[str, Any] = {"series": record}
    languages = []
    if rng.random() < 0.33:
        languages = rng.sample(TRANSLATION_LANGUAGES, rng.randint(1, 5))
        languages = [lang for lang in languages if lang != record["language"]]
        bundle["translations"] = {
            lang: {
                "seriesName": series_name(rng) if rng.random() < 0.8 else None,
                "overview": f"Translated summary {index} ({lang})." if rng.random() < 0.6 else None,
            }
            for lang in languages
        }
    episodes = list(make_episodes(rng, series_id, index, languages))
    if episodes:
        bundle["episodes"] = episodes
    if rng.random() < 0.5:
        bundle["actors"] = [
            {
                "id": series_id * 100 + n,
                "name": f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}",
                "role": rng.choice(WORDS).title(),
                "sortOrder": rng.randint(0, 3),
                "image": f"actors/{series_id * 100 + n}.jpg" if rng.random() < 0.7 else "",
                "imageAuthor": rng.randint(1, 9999),
                "imageAdded": "2010-03-03 13:23:45",
                "lastUpdated": "2010-03-03 13:23:45",
            }
            for n in range(rng.randint(1, 15))
        ]
    images = list(make_images(rng, series_id))
    if images:
        bundle["images"] = images
    return bundle


def make_episodes(
    rng: random.Random, series_id: int, index: int, languages: list[str]
) -> Iterator[dict[str, Any]]:
    total = episode_count(rng)
    per_season = rng.choice((6, 10, 13, 22, 24, 26)) if total < 1000 else rng.choice((150, 250))
    base_id = EPISODE_ID_BASE + index * 5000  # room for the longest generated series
    absolute = 0
    for n in range(total):
        special = rng.random() < 0.05
        season = 0 if special else n // per_season + 1
        number = (n % per_season) + 1
        absolute += 0 if special else 1
        translations = {}
        for lang in languages:
            if rng.random() < 0.7:
                translations[lang] = {
                    "episodeName": f"{rng.choice(WORDS).title()} {number}",
                    "overview": None,
                }
        dvd_shift = 1 if rng.random() < 0.1 else 0
        episode: dict[str, Any] = {
            "id": base_id + n,
            "airedSeason": season,
            "airedSeasonID": series_id * 100 + season,
            "airedEpisodeNumber": number,
            "episodeName": f"{rng.choice(WORDS).title()} {rng.choice(WORDS)}"
            if rng.random() < 0.97
            else None,
            "firstAired": date(rng),
            "guestStars": [rng.choice(WORDS).title() for _ in range(rng.randint(0, 4))],
            "directors": [rng.choice(WORDS).title()] if rng.random() < 0.8 else [],
            "writers": [rng.choice(WORDS).title() for _ in range(rng.randint(0, 2))],
            "overview": None,
            "productionCode": str(rng.randint(100, 999)) if rng.random() < 0.3 else "",
            "lastUpdated": BASE_TIME + rng.randint(0, 400_000_000),
            "dvdSeason": season if rng.random() < 0.6 else None,
            "dvdEpisodeNumber": number + dvd_shift if rng.random() < 0.6 else None,
            "absoluteNumber": absolute if not special and rng.random() < 0.5 else None,
            "filename": f"episodes/{series_id}/{base_id + n}.jpg" if rng.random() < 0.7 else "",
            "lastUpdatedBy": rng.randint(1, 500000),
            "airsBeforeSeason": 1 if special else None,
            "imdbId": "",
            "contentRating": "TV-14" if rng.random() < 0.5 else None,
            "siteRating": round(rng.uniform(0, 10), 1),
            "siteRatingCount": rng.randint(0, 3000),
        }
        if translations:
            episode["translations"] = translations
        yield episode


def make_images(rng: random.Random, series_id: int) -> Iterator[dict[str, Any]]:
    count = min(int(rng.expovariate(1 / 20)), 400)
    for n in range(count):
        key_type, resolution = rng.choice(KEY_TYPES)
        sub_key = str(rng.randint(0, 8)) if key_type in ("season", "seasonwide") else "graphical"
        folder = {"fanart": "fanart/original", "poster": "posters", "season": "seasons",
                  "seasonwide": "seasonswide", "series": "graphical"}[key_type]  # fmt: skip
        votes = rng.randint(0, 12)
        yield {
            "id": IMAGE_ID_BASE + series_id * 500 + n,
            "keyType": key_type,
            "subKey": sub_key,
            "fileName": f"{folder}/{series_id}-{n}.jpg",
            "resolution": resolution,
            "ratingsInfo": {"average": votes, "count": votes},
        }


def write(out: IO[bytes], series: int, seed: int) -> dict[str, int]:
    totals = {"series": 0, "episodes": 0, "images": 0}
    for index in range(series):
        bundle = make_series(index, seed)
        totals["series"] += 1
        totals["episodes"] += len(bundle.get("episodes", ()))
        totals["images"] += len(bundle.get("images", ()))
        out.write(orjson.dumps(bundle) + b"\n")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="file to write (.gz compresses; - for stdout)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--series", type=int, help="number of series")
    size.add_argument("--scale", type=float, help="fraction of full size (1.0 = 170,000 series)")
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args()
    series = args.series if args.series is not None else int(FULL_SERIES * (args.scale or 0.01))
    if args.output == "-":
        totals = write(sys.stdout.buffer, series, args.seed)
    elif args.output.endswith(".gz"):
        with gzip.open(Path(args.output), "wb", compresslevel=3) as out:
            totals = write(out, series, args.seed)  # type: ignore[arg-type]
    else:
        with Path(args.output).open("wb") as out:
            totals = write(out, series, args.seed)
    print(
        f"{totals['series']} series, {totals['episodes']} episodes, {totals['images']} images",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
