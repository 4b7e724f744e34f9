"""Genre names of the live sources -> the names TheTVDB's API v2 used (as spelled in 2020).

Clients filter and match on genre names (`"genre": ["Drama", "Science Fiction"]`), so a
series filled from TVmaze or TheTVDB v4 must carry the names TheTVDB's own v2 records
carried. docs/sources.md (*Genres*) has the table with where each list came from.

Genres with no v2 equivalent (TVmaze's `Legal`, v4's `Mystery`, ...) are kept as the source
spells them: a v2 `genre` is a free list of strings, a client that does not know a name
ignores it, and dropping it would lose what the source says about the series. A name a
source adds later, not in these tables, is kept as it is too (a v2 name in another case,
`science fiction`, is spelled as v2 did).
"""

from __future__ import annotations

from collections.abc import Iterable

# TheTVDB API v2's genres, in its spelling of 2020. The list of the v2 years is the one a
# v2 client matched on (nova-video-player/aos-MediaLib ShowScraper2.getLocalizedGenres,
# which still spelled `Science-Fiction`); TheTVDB's 2020 v2 records spell it `Science
# Fiction` (Lost and Firefly in ../shared/recorded-api/).
V2_GENRES = (
    "Action",
    "Adventure",
    "Animation",
    "Anime",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "Food",
    "Game Show",
    "Home and Garden",
    "Horror",
    "Mini-Series",
    "News",
    "Reality",
    "Romance",
    "Science Fiction",
    "Soap",
    "Special Interest",
    "Sport",
    "Suspense",
    "Talk Show",
    "Thriller",
    "Travel",
    "Western",
)
_V2 = frozenset(V2_GENRES)

# Every TVmaze genre (the filter list of https://www.tvmaze.com/shows, as listed in
# dot357/tv-explorer src/data/genres.ts) -> its v2 name; the ones mapped to themselves that
# are not in V2_GENRES have no v2 equivalent and are kept.
TVMAZE_GENRES = {
    "Action": "Action",
    "Adult": "Adult",
    "Adventure": "Adventure",
    "Anime": "Anime",
    "Children": "Children",
    "Comedy": "Comedy",
    "Crime": "Crime",
    "DIY": "Home and Garden",  # TVmaze's do-it-yourself shows: TheTVDB filed them there
    "Drama": "Drama",
    "Espionage": "Espionage",
    "Family": "Family",
    "Fantasy": "Fantasy",
    "Food": "Food",
    "History": "History",
    "Horror": "Horror",
    "Legal": "Legal",
    "Medical": "Medical",
    "Music": "Music",
    "Mystery": "Mystery",
    "Nature": "Nature",
    "Romance": "Romance",
    "Science-Fiction": "Science Fiction",
    "Sports": "Sport",
    "Supernatural": "Supernatural",
    "Thriller": "Thriller",
    "Travel": "Travel",
    "War": "War",
    "Western": "Western",
}

# Every TheTVDB v4 genre (GET /genres: `Soap` and `Science Fiction` in the recording
# tests/sources/recorded/tvdb-v4/fp-genres.json, the whole list of 34 as enumerated in
# comfy-devs/comfy-flutter lib/types/base_const.dart) -> its v2 name. v4 kept v2's names
# and added some; v2's `Anime` and `Special Interest` are not in v4's list but are mapped
# in case a record still carries them.
V4_GENRES = {
    "Action": "Action",
    "Adventure": "Adventure",
    "Animation": "Animation",
    "Anime": "Anime",
    "Awards Show": "Awards Show",
    "Children": "Children",
    "Comedy": "Comedy",
    "Crime": "Crime",
    "Documentary": "Documentary",
    "Drama": "Drama",
    "Family": "Family",
    "Fantasy": "Fantasy",
    "Food": "Food",
    "Game Show": "Game Show",
    "History": "History",
    "Home and Garden": "Home and Garden",
    "Horror": "Horror",
    "Indie": "Indie",
    "Martial Arts": "Martial Arts",
    "Mini-Series": "Mini-Series",
    "Musical": "Musical",
    "Mystery": "Mystery",
    "News": "News",
    "Podcast": "Podcast",
    "Reality": "Reality",
    "Romance": "Romance",
    "Science Fiction": "Science Fiction",
    "Soap": "Soap",
    "Special Interest": "Special Interest",
    "Sport": "Sport",
    "Suspense": "Suspense",
    "Talk Show": "Talk Show",
    "Thriller": "Thriller",
    "Travel": "Travel",
    "War": "War",
    "Western": "Western",
}

_V2_BY_FOLDED = {name.casefold(): name for name in V2_GENRES}


def no_v2_equivalent(table: dict[str, str]) -> list[str]:
    """The source genres of a table that are kept as they are (no v2 name)."""
    return [name for name, v2 in table.items() if v2 not in _V2]


def v2_genres(names: Iterable[object], table: dict[str, str]) -> list[str]:
    """A source's genre list in v2 names, in the source's order, each name once."""
    mapped: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        name = name.strip()
        v2 = table.get(name) or _V2_BY_FOLDED.get(name.casefold()) or name
        if v2 not in mapped:
            mapped.append(v2)
    return mapped
