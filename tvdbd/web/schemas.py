"""JSON Schemas (OpenAPI 3.1) of the wire records, generated from the field specs in tvdbd.records.

A key whose field is not required may be null on the wire: the importer stores a bundle's
null as NULL and the record serves it as null. Keys the server always fills in (derived
values, the per-request language, lists from their own tables) are listed as never null.
Records have exactly the keys of their wire order (``additionalProperties: false``), so a
key added to a record without a schema change is caught by the schemathesis run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tvdbd.records import artwork, episode, movie, series
from tvdbd.records.fields import Field, Kind

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
# Text a client may send as data: no NUL nor other control character but whitespace
# (tvdbd.http.text answers 400 for those).
TEXT_CHAR = r"[^\u0000-\u0008\u000e-\u001f\u007f]"
TEXT_PATTERN = f"^{TEXT_CHAR}*$"
INTEGER: Schema = {"type": "integer"}
STRINGS: Schema = {"type": "array", "items": STRING}

_KIND_TYPES = {
    Kind.INT: "integer",
    Kind.STR: "string",
    Kind.NUM: "number",
    Kind.LIST: "array",
    Kind.RATINGS: "object",
}
RATINGS_INFO: Schema = {
    "type": "object",
    "properties": {"average": {"type": "number"}, "count": INTEGER},
    "required": ["average", "count"],
    "additionalProperties": False,
}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """`schema` or null (a JSON Schema 2020-12 type list, as OpenAPI 3.1 writes it)."""
    kind = schema["type"]
    return {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}


def field_schema(f: Field, *, never_null: bool = False) -> Schema:
    """The wire value of one field; null is allowed unless the field can never be null."""
    schema: Schema = {"type": _KIND_TYPES[f.kind]}
    if f.kind is Kind.LIST:
        schema["items"] = STRING
    elif f.kind is Kind.RATINGS:
        schema = dict(RATINGS_INFO)
    if f.required or never_null:
        return schema
    return nullable(schema)


def record(
    fields: Sequence[Field],
    order: Sequence[str],
    *,
    never_null: Iterable[str] = (),
    extra: dict[str, Schema] | None = None,
    optional: Iterable[str] = (),
    description: str = "",
) -> Schema:
    """An object with exactly the keys of `order`, typed from `fields` (or `extra`)."""
    by_wire = {f.wire: f for f in fields}
    never = set(never_null)
    extra = extra or {}
    properties: dict[str, Schema] = {}
    for key in order:
        if key in extra:
            properties[key] = extra[key]
        else:
            properties[key] = field_schema(by_wire[key], never_null=key in never)
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": [k for k in order if k not in set(optional)],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


# Filled in per request or derived when a bundle leaves them out: never null.
_SERIES_EXTRA: dict[str, Schema] = {
    "aliases": STRINGS,
    "genre": STRINGS,
    "language": {**STRING, "description": "The language served (from Accept-Language)."},
}
_EPISODE_LANGUAGE: Schema = {
    "type": "object",
    "description": "The language of each translated field: always the requested one.",
    "properties": {"episodeName": STRING, "overview": STRING},
    "required": ["episodeName", "overview"],
    "additionalProperties": False,
}


def _search_hit(order: Sequence[str]) -> Schema:
    """A `/search/series` hit: keys alphabetical, artwork with the /banners/ prefix."""
    by_wire = series.BY_WIRE
    properties: dict[str, Schema] = {
        "aliases": STRINGS,
        "banner": nullable(STRING),
        "firstAired": {
            **nullable(STRING),
            "description": "Not zero-padded (`2001-10-2`); null when unknown.",
        },
        "id": field_schema(by_wire["id"]),
        "image": {**STRING, "description": f"Falls back to `{series.MISSING_SERIES_IMAGE}`."},
        "network": nullable(STRING),
        "overview": {
            **STRING,
            "minLength": 1,
            "description": "Left out when the series has no overview in the language.",
        },
        "poster": {**nullable(STRING), "description": "Null when the banner is null."},
        "seriesName": field_schema(by_wire["seriesName"]),
        "slug": field_schema(by_wire["slug"]),
        "status": field_schema(by_wire["status"]),
    }
    return {
        "type": "object",
        "properties": {key: properties[key] for key in order},
        "required": [key for key in order if key != "overview"],
        "additionalProperties": False,
    }


_SEARCH_ORDER_V3 = [
    "aliases", "banner", "firstAired", "id", "image", "network", "overview", "poster",
    "seriesName", "slug", "status",
]  # fmt: skip
_SEARCH_ORDER_V2 = [k for k in _SEARCH_ORDER_V3 if k not in ("image", "poster")]
_V2_NOTE = (
    "The 2.2.0 shape, served to `Accept: application/vnd.thetvdb.v2...` when the server has "
    "accept_version_negotiation on."
)


def component_schemas() -> dict[str, Schema]:
    """Every named schema of the document."""
    return {
        "Error": {
            "type": "object",
            "properties": {
                "Error": {**STRING, "minLength": 1},
                # Only the /edits/ routes add these (tvdbd.edits): the field a 400 or 409
                # is about, and on a 409 the field's current value.
                "field": {**STRING, "description": "/edits/ only: the field concerned."},
                "current": {"description": "/edits/ only, on 409: the current value."},
            },
            "required": ["Error"],
            "additionalProperties": False,
        },
        "Token": {
            "type": "object",
            "properties": {"token": {**STRING, "description": "A JWT for `Authorization`."}},
            "required": ["token"],
            "additionalProperties": False,
        },
        "Login": {
            "type": "object",
            "properties": {
                "apikey": {
                    **STRING,
                    "pattern": f"^{TEXT_CHAR}*(?=\\S){TEXT_CHAR}+$",
                    "description": "Any non-blank key (or a registered one, by setting).",
                },
                "username": {
                    **nullable(STRING),
                    "pattern": TEXT_PATTERN,
                    "description": "With `userkey`, for the /user routes; null or empty "
                    "for an API-key-only login.",
                },
                "userkey": {
                    **nullable(STRING),
                    "pattern": TEXT_PATTERN,
                    "description": "The account identifier.",
                },
            },
            "required": ["apikey"],
            "example": {"apikey": "demo"},
        },
        "Links": {
            "type": "object",
            "description": "Pages of 100; the key is `prev`, null at the edges.",
            "properties": {
                "first": {"const": 1},
                "last": {**INTEGER, "minimum": 1},
                "next": nullable({**INTEGER, "minimum": 2}),
                "prev": nullable({**INTEGER, "minimum": 1}),
            },
            "required": ["first", "last", "next", "prev"],
            "additionalProperties": False,
            "example": {"first": 1, "last": 3, "next": 2, "prev": None},
        },
        "Language": {
            "type": "object",
            "properties": {
                "id": {**nullable(INTEGER), "description": "Null for `yue`, as in 2020."},
                "abbreviation": STRING,
                "name": STRING,
                "englishName": STRING,
            },
            "required": ["id", "abbreviation", "name", "englishName"],
            "additionalProperties": False,
        },
        "Series": record(
            series.FIELDS,
            series.WIRE_ORDER_V3,
            never_null=["season"],
            extra=_SERIES_EXTRA,
        ),
        "SeriesV2": record(
            series.FIELDS, series.WIRE_ORDER_V2, extra=_SERIES_EXTRA, description=_V2_NOTE
        ),
        "SeriesFilter": {
            **record(
                series.FIELDS, series.WIRE_ORDER_V3, never_null=["season"], extra=_SERIES_EXTRA
            ),
            "required": [],
            "description": "Only the keys asked for in `keys`, in record order.",
        },
        "SearchHit": _search_hit(_SEARCH_ORDER_V3),
        "SearchHitV2": {**_search_hit(_SEARCH_ORDER_V2), "description": _V2_NOTE},
        "Episode": record(
            episode.FIELDS,
            episode.WIRE_ORDER_V3,
            never_null=["seriesId"],
            extra={"language": _EPISODE_LANGUAGE},
        ),
        "EpisodeV2": record(
            episode.FIELDS,
            episode.WIRE_ORDER_V2,
            never_null=["seriesId"],
            extra={
                "language": _EPISODE_LANGUAGE,
                "director": {**STRING, "description": "The first director, or empty."},
            },
            description=_V2_NOTE,
        ),
        "EpisodesSummary": {
            "type": "object",
            "description": "Counts and season numbers are strings.",
            "properties": {
                "airedSeasons": STRINGS,
                "airedEpisodes": STRING,
                "dvdSeasons": STRINGS,
                "dvdEpisodes": STRING,
            },
            "required": ["airedSeasons", "airedEpisodes", "dvdSeasons", "dvdEpisodes"],
            "additionalProperties": False,
        },
        "Actor": record(
            artwork.ACTOR_FIELDS, [f.wire for f in artwork.ACTOR_FIELDS], never_null=["seriesId"]
        ),
        "Image": record(
            artwork.IMAGE_FIELDS, artwork.IMAGE_WIRE_ORDER_V3, never_null=["thumbnail"]
        ),
        "ImageV2": record(
            artwork.IMAGE_FIELDS,
            artwork.IMAGE_WIRE_ORDER_V2,
            never_null=["thumbnail"],
            description=_V2_NOTE,
        ),
        "ImageSummary": {
            "type": "object",
            "description": "Images per key type; key types with no images are left out.",
            "properties": {key: {**INTEGER, "minimum": 1} for key in artwork.KEY_TYPES},
            "additionalProperties": {**INTEGER, "minimum": 1},
        },
        "ImageQueryParam": {
            "type": "object",
            "properties": {
                "keyType": STRING,
                "languageId": {**STRING, "description": "The requested language's id."},
                "resolution": STRINGS,
                "subKey": STRINGS,
            },
            "required": ["keyType", "languageId", "resolution", "subKey"],
            "additionalProperties": False,
        },
        "Update": {
            "type": "object",
            "properties": {"id": INTEGER, "lastUpdated": INTEGER},
            "required": ["id", "lastUpdated"],
            "additionalProperties": False,
        },
        "User": {
            "type": "object",
            "properties": {"favoritesDisplaymode": STRING, "language": STRING, "userName": STRING},
            "required": ["favoritesDisplaymode", "language", "userName"],
            "additionalProperties": False,
        },
        "Favorites": {
            "type": "object",
            "description": "Series ids as strings, in the order added; `[]` when none.",
            "properties": {"favorites": STRINGS},
            "required": ["favorites"],
            "additionalProperties": False,
        },
        **movie_schemas(),
        "Rating": {
            "type": "object",
            "properties": {
                "ratingType": {"type": "string", "enum": ["series", "episode", "image"]},
                "ratingItemId": INTEGER,
                "rating": {**INTEGER, "minimum": 1, "maximum": 10},
            },
            "required": ["ratingType", "ratingItemId", "rating"],
            "additionalProperties": False,
        },
    }


_MOVIE_TYPES = {movie.INT: "integer", movie.STR: "string", movie.BOOL: "boolean"}


def _movie_part(part: movie.Part) -> Schema:
    """An object of a movie's lists: exactly these keys, each value of its type or null."""
    return {
        "type": "object",
        "properties": {key: {"type": [_MOVIE_TYPES[kind], "null"]} for key, kind in part},
        "required": [key for key, _ in part],
        "additionalProperties": False,
    }


def movie_schemas() -> dict[str, Schema]:
    """`Movie` (contract §3.12, snake_case keys) and the `/movieupdates` body."""
    properties: dict[str, Schema] = {
        "id": INTEGER,
        **{key: {"type": [_MOVIE_TYPES[kind], "null"]} for key, kind in movie.SCALARS},
        **{key: array_of(_movie_part(part)) for key, part in movie.LISTS.items()},
        "people": {
            "type": "object",
            "properties": {role: array_of(ref("MoviePerson")) for role in movie.PEOPLE_ROLES},
            "required": list(movie.PEOPLE_ROLES),
            "additionalProperties": False,
        },
    }
    return {
        "Movie": {
            "type": "object",
            "description": "A v3 movie: the same record in every language (all translations).",
            "properties": {key: properties[key] for key in movie.WIRE_ORDER},
            "required": list(movie.WIRE_ORDER),
            "additionalProperties": False,
        },
        "MoviePerson": _movie_part(movie.PERSON),
        "MovieUpdates": {
            "type": "object",
            "description": "Movie ids, oldest change first (no `data` wrapper).",
            "properties": {"movies": array_of(INTEGER)},
            "required": ["movies"],
            "additionalProperties": False,
        },
    }


def errors_object(*keys: str) -> Schema:
    """`errors`: present only when it has something, with only the keys that apply."""
    known: dict[str, Schema] = {
        "invalidFilters": {**STRINGS, "description": "Keys of `keys` that are not filters."},
        "invalidLanguage": {**STRING, "description": "An episode has no name in the language."},
        "invalidQueryParams": {**STRINGS, "description": "Query parameters not used."},
    }
    return {
        "type": "object",
        "properties": {key: known[key] for key in keys},
        "minProperties": 1,
        "additionalProperties": False,
    }


def envelope(data: Schema, *, errors: Sequence[str] = (), paged: bool = False) -> Schema:
    """`{"links"?, "data", "errors"?}` as served."""
    properties: dict[str, Schema] = {}
    if paged:
        properties["links"] = ref("Links")
    properties["data"] = data
    if errors:
        properties["errors"] = errors_object(*errors)
    return {
        "type": "object",
        "properties": properties,
        "required": ["links", "data"] if paged else ["data"],
        "additionalProperties": False,
    }


def array_of(schema: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": schema, **extra}
