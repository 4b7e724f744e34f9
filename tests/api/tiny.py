"""A small hand-made catalogue for the cases the demo lacks (series ids 900000 and up).

Every text here is made up for the tests.
"""

from __future__ import annotations

from typing import Any

T0 = 1_000_000_000  # Sun, 09 Sep 2001 01:46:40 GMT
DAY = 86400

# Original language German, translated to en (complete), fr (no name), es (own aliases
# and banner); three episodes listed out of id order, one special without translations;
# two actors and three images, all out of id order.
GERMAN = 900001
# Nothing but a name: no episodes, actors or images; null banner, empty poster.
EMPTY = 900002
# 201 episodes (pages of 100, 100 and 1); episode LONG_UNNAMED on page 2 has no name.
LONG = 900003
LONG_FIRST_EPISODE = 920001
LONG_EPISODES = 201
LONG_UNNAMED = 920151
# Search cases of the contract (§7): `24` finds "24Seven", `lost` finds "Lostorage".
TWENTY_FOUR = 900004
LOSTORAGE = 900005
APOSTROPHE = 900006
# A name of ten words, for queries of many words.
TEN_WORDS = 900007
TEN_WORDS_NAME = "One Two Three Four Five Six Seven Eight Nine Ten"
# 101 series sharing the word "Centum": search answers at most 100.
CENTUM_FIRST = 950001
CENTUM_COUNT = 101


def german_show() -> dict[str, Any]:
    return {
        "series": {
            "id": GERMAN,
            "seriesId": "4711",
            "seriesName": "Kleine Serie",
            "aliases": ["Kleines Alias"],
            "poster": "posters/900001-1.jpg",
            "banner": "graphical/900001-g.jpg",
            "fanart": "fanart/original/900001-1.jpg",
            "status": "Continuing",
            "firstAired": "2001-01-05",
            "network": "ZDF",
            "networkId": "77",
            "runtime": "30",
            "language": "de",
            "genre": ["Drama", "Comedy"],
            "overview": "Eine kleine Serie.",
            "lastUpdated": T0,
            "airsDayOfWeek": "Friday",
            "airsTime": "8:15 PM",
            "rating": "TV-G",
            "imdbId": "tt9000001",
            "zap2itId": "EP9000001",
            "added": "2001-01-01 10:00:00",
            "addedBy": 42,
            "siteRating": 7.5,
            "siteRatingCount": 12,
            "slug": "kleine-serie",
        },
        "translations": {
            "en": {"seriesName": "Little Show", "overview": "A little show."},
            "fr": {"seriesName": None, "overview": "Une petite série."},
            "es": {
                "seriesName": "Serie Pequeña",
                "overview": None,
                "aliases": ["Alias Español"],
                "banner": "graphical/900001-es.jpg",
            },
        },
        "episodes": [
            {
                "id": 910002,
                "airedSeason": 1,
                "airedEpisodeNumber": 2,
                "episodeName": "Zweite Folge",
                "overview": "Die zweite.",
                "firstAired": "2001-01-12",
                "dvdSeason": 1,
                "dvdEpisodeNumber": 2,
                "absoluteNumber": 2,
                "translations": {
                    "en": {"episodeName": "Second Episode", "overview": "The second."}
                },
            },
            {
                "id": 910001,
                "airedSeason": 1,
                "airedEpisodeNumber": 1,
                "episodeName": "Erste Folge",
                "overview": "Die erste.",
                "firstAired": "2001-01-05",
                "directors": ["Anna Regie", "Bert Regie"],
                "dvdSeason": 1,
                "dvdEpisodeNumber": 1,
                "absoluteNumber": 1,
                "translations": {
                    "en": {"episodeName": "First Episode", "overview": None},
                    "fr": {"episodeName": None, "overview": "Le premier."},
                },
            },
            {
                "id": 910003,
                "airedSeason": 0,
                "airedEpisodeNumber": 1,
                "episodeName": "Spezial",
                "firstAired": "2001-12-24",
                "dvdSeason": 1,
                "dvdEpisodeNumber": 1.5,
            },
        ],
        "actors": [
            {"id": 5002, "name": "Zweite Person", "role": "Nachbar", "sortOrder": 1},
            {"id": 5001, "name": "Erste Person", "role": "Heldin", "sortOrder": 0},
        ],
        "images": [
            {
                "id": 7003,
                "keyType": "poster",
                "subKey": "graphical",
                "fileName": "posters/900001-2.jpg",
                "resolution": "680x1000",
                "ratingsInfo": {"average": 2, "count": 2},
            },
            {
                "id": 7001,
                "keyType": "fanart",
                "subKey": "graphical",
                "fileName": "fanart/original/900001-1.jpg",
                "resolution": "1920x1080",
            },
            {
                "id": 7002,
                "keyType": "poster",
                "subKey": "graphical",
                "fileName": "posters/900001-1.jpg",
                "resolution": "680x1000",
            },
        ],
    }


def empty_show() -> dict[str, Any]:
    return {
        "series": {
            "id": EMPTY,
            "seriesName": "Empty Show",
            "banner": None,
            "poster": "",
            "status": "Ended",
            "lastUpdated": T0 + 3 * DAY,
            "slug": "empty-show",
        }
    }


def long_show() -> dict[str, Any]:
    episodes = []
    for i in range(LONG_EPISODES):
        # Five specials, then seasons of 60 episodes (60, 60, 60, 16): four aired seasons.
        season = 0 if i < 5 else (i - 5) // 60 + 1
        episode: dict[str, Any] = {
            "id": LONG_FIRST_EPISODE + i,
            "airedSeason": season,
            "airedEpisodeNumber": i + 1 if i < 5 else (i - 5) % 60 + 1,
            "lastUpdated": T0,
        }
        if episode["id"] != LONG_UNNAMED:
            episode["episodeName"] = f"Episode {i + 1}"
        episodes.append(episode)
    return {
        "series": {
            "id": LONG,
            "seriesName": "Long Show",
            "lastUpdated": T0 + 10 * DAY,
            "slug": "long-show",
        },
        "episodes": episodes,
    }


def small_show(series_id: int, name: str) -> dict[str, Any]:
    return {"series": {"id": series_id, "seriesName": name, "slug": str(series_id)}}


def bundles() -> list[dict[str, Any]]:
    result = [
        german_show(),
        empty_show(),
        long_show(),
        small_show(TWENTY_FOUR, "24Seven"),
        small_show(LOSTORAGE, "Lostorage"),
        small_show(APOSTROPHE, "Grey's Anatomy"),
        small_show(TEN_WORDS, TEN_WORDS_NAME),
    ]
    result += [small_show(CENTUM_FIRST + n, f"Centum {n + 1}") for n in range(CENTUM_COUNT)]
    return result
