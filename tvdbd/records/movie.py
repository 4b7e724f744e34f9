"""The v3 movie record (``GET /movies/{id}``, contract §3.12): snake_case keys, nested lists.

Unlike every other record it is stored whole, as the JSON text served (see
tvdbd.bundles.movies): nothing in it is per request, and no route filters inside it. This
module says which keys each part has, in wire order, and what type each value is; a bundle's
movie is checked against it key by key.
"""

from __future__ import annotations

from typing import Any

from tvdbd.errors import BundleError

# Scalar types; every scalar but the movie's own id may also be null (the real API's
# movie model declared them all optional, and its data had gaps).
INT, STR, BOOL = "int", "str", "bool"
Part = tuple[tuple[str, str], ...]

ARTWORK: Part = (
    ("id", STR), ("artwork_type", STR), ("url", STR), ("thumb_url", STR), ("tags", STR),
    ("is_primary", BOOL), ("width", INT), ("height", INT),
)  # fmt: skip
GENRE: Part = (("id", INT), ("name", STR), ("url", STR))
PERSON: Part = (
    ("id", STR), ("imdb_id", STR), ("is_featured", BOOL), ("name", STR),
    ("people_facebook", STR), ("people_id", STR), ("people_image", STR),
    ("people_instagram", STR), ("people_twitter", STR), ("role", STR), ("role_image", STR),
)  # fmt: skip
RELEASE_DATE: Part = (("type", STR), ("date", STR), ("country", STR))
REMOTE_ID: Part = (
    ("id", STR), ("source_id", INT), ("source_name", STR), ("source_url", STR), ("url", STR),
)  # fmt: skip
TRAILER: Part = (("name", STR), ("url", STR))
TRANSLATION: Part = (
    ("language_code", STR), ("name", STR), ("overview", STR), ("tagline", STR),
    ("is_primary", BOOL),
)  # fmt: skip

# The lists of the record, by key, in wire order (`people` sits between genres and
# release_dates and is an object of lists, see PEOPLE_ROLES).
LISTS: dict[str, Part] = {
    "artworks": ARTWORK,
    "genres": GENRE,
    "release_dates": RELEASE_DATE,
    "remoteids": REMOTE_ID,
    "trailers": TRAILER,
    "translations": TRANSLATION,
}
PEOPLE_ROLES = ("actors", "directors", "producers", "writers")
WIRE_ORDER = [
    "id", "url", "runtime", "artworks", "genres", "people", "release_dates", "remoteids",
    "trailers", "translations",
]  # fmt: skip
SCALARS: Part = (("url", STR), ("runtime", INT))

# Keys of a movie line in a bundle besides `movie`: when the movie last changed (the record
# itself has no such key, and /movieupdates needs one).
LINE_KEYS = ("movie", "lastUpdated")


def _fail(reason: str, where: str, movie_id: Any) -> BundleError:
    return BundleError(reason, field=where, movie_id=movie_id)


def _scalar(kind: str, value: Any, where: str, movie_id: Any) -> Any:
    if value is None:
        return None
    if kind == BOOL:
        if not isinstance(value, bool):
            raise _fail(f"must be true, false or null, got {value!r}", where, movie_id)
    elif kind == INT:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(f"must be an integer or null, got {value!r}", where, movie_id)
        if not -(2**63) <= value < 2**63:
            raise _fail("is outside the 64-bit range", where, movie_id)
    elif not isinstance(value, str):
        raise _fail(f"must be a string or null, got {value!r}", where, movie_id)
    return value


def _part(
    part: Part, record: Any, where: str, movie_id: Any, warnings: list[str]
) -> dict[str, Any]:
    """One object of a list, keys in wire order; a missing key is null."""
    if not isinstance(record, dict):
        raise _fail("must be a JSON object", where, movie_id)
    known = {key for key, _ in part}
    for key in record:
        if key not in known:
            warnings.append(f"movie {movie_id}: unknown key {where}.{key} ignored")
    return {key: _scalar(kind, record.get(key), f"{where}.{key}", movie_id) for key, kind in part}


def _list(
    part: Part, value: Any, where: str, movie_id: Any, warnings: list[str]
) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail("must be a list", where, movie_id)
    return [
        _part(part, item, f"{where}[{index}]", movie_id, warnings)
        for index, item in enumerate(value)
    ]


def check_movie(record: Any, warnings: list[str]) -> dict[str, Any]:
    """A bundle's movie record as served: every key in wire order, checked one by one.

    Missing lists are `[]`, missing `people` roles `[]`, missing scalars null; unknown keys
    are reported in ``warnings`` and left out. Raises BundleError naming the field.
    """
    if not isinstance(record, dict):
        raise BundleError("is required and must be an object", field="movie")
    movie_id = record.get("id")
    if not isinstance(movie_id, int) or isinstance(movie_id, bool):
        raise _fail(f"is required and must be an integer, got {movie_id!r}", "movie.id", None)
    if not 0 <= movie_id < 2**63:
        raise _fail("must be a whole number within 64 bits", "movie.id", movie_id)
    for key in record:
        if key not in WIRE_ORDER:
            warnings.append(f"movie {movie_id}: unknown key movie.{key} ignored")
    checked: dict[str, Any] = {"id": movie_id}
    for key, kind in SCALARS:
        checked[key] = _scalar(kind, record.get(key), f"movie.{key}", movie_id)
    for key, part in LISTS.items():
        checked[key] = _list(part, record.get(key), f"movie.{key}", movie_id, warnings)
    people = record.get("people")
    if people is None:
        people = {}
    if not isinstance(people, dict):
        raise _fail("must be an object of lists", "movie.people", movie_id)
    for role in people:
        if role not in PEOPLE_ROLES:
            warnings.append(f"movie {movie_id}: unknown key movie.people.{role} ignored")
    checked["people"] = {
        role: _list(PERSON, people.get(role), f"movie.people.{role}", movie_id, warnings)
        for role in PEOPLE_ROLES
    }
    return {key: checked[key] for key in WIRE_ORDER}


def primary_name(record: dict[str, Any]) -> str:
    """The name of the primary translation (else the first with a name), for people."""
    translations = record.get("translations") or []
    for translation in sorted(translations, key=lambda t: not t.get("is_primary")):
        if isinstance(translation.get("name"), str) and translation["name"]:
            return str(translation["name"])
    return ""
