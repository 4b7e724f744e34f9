"""What the OpenAPI document says about each route: parameters, bodies and every answer.

Keyed by (method, path) exactly as in the route table; tvdbd.web.openapi refuses to build a
document when a served route has no entry here, or an entry names no served route.
Error texts are those of tvdbd.errors and docs/api-contract-decisions.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from tvdbd.records import artwork, episode, series
from tvdbd.web.assets import ASSET_NAMES, MEDIA_TYPES
from tvdbd.web.schemas import STRING, STRINGS, Schema, array_of, envelope, ref

# Tags in the order of the v2 documentation, then ours.
TAGS = [
    ("Authentication", "Obtaining and refreshing your JWT token"),
    ("Episodes", "Information about a specific episode"),
    ("Languages", "Available languages and information"),
    ("Search", "Search for a particular series"),
    ("Series", "Information about a specific series"),
    ("Updates", "Series that have been recently updated"),
    ("Users", "Routes for handling user data (a token from a login with username and userkey)"),
    ("Movies", "Movies (API 3.0.0): one record, and the ids changed since a time"),
    ("Banners", "Artwork files (no token)"),
    ("Documentation", "This page and the OpenAPI document (no token)"),
    ("Operations", "For the operator: health and metrics (no token)"),
    ("Edits", "Local edits (tvdbd extension; an editor's token): records, history, locks"),
]

# An error answer: (status, when, example text).
Error = tuple[int, str, str]

NOT_AUTHORIZED: Error = (401, "No, bad or expired token.", "Not authorized")
NO_USER: Error = (
    401,
    "No, bad or expired token, or a token without a user (log in with username and userkey).",
    "Not authorized",
)
BAD_PAGE: Error = (400, "`page` is not a whole number.", "Invalid page: abc")
PAST_LAST_PAGE: Error = (404, "`page` is past the last page.", "Resource not found")
NO_VALID_PARAMS = "No valid query params given"


def unknown_id(what: str) -> Error:
    return (
        404,
        f"Unknown {what} id; also a non-numeric id or one beyond 64 bits (repeated as typed).",
        "ID: 999999999 not found",
    )


@dataclass(frozen=True)
class Operation:
    """One method on one path."""

    tag: str
    summary: str
    # The 200 body (application/json unless `media`); None for a bodiless answer (HEAD).
    ok: Schema | None
    errors: tuple[Error, ...] = ()
    query: tuple[Schema, ...] = ()
    description: str = ""
    public: bool = False
    # Answers in the language of Accept-Language.
    language: bool = False
    # An API route: TheTVDB's headers, version negotiation by Accept, `{"Error": ...}` bodies.
    api: bool = True
    body: Schema | None = None
    body_media: tuple[str, ...] = ("application/json",)  # media types of the request body
    # Media types of a non-JSON 200 (pages, files).
    media: tuple[str, ...] = ("application/json",)
    # Examples of path parameters, for people and for the schemathesis run.
    path_examples: dict[str, Any] = field(default_factory=dict)
    ok_headers: tuple[str, ...] = ()
    conditional: bool = True  # GET: If-None-Match / If-Modified-Since may answer 304
    partial: bool = False  # Range: 206 Partial Content


def query(name: str, schema: Schema, description: str, **extra: Any) -> Schema:
    return {"name": name, "in": "query", "schema": schema, "description": description, **extra}


PAGE = query(
    "page",
    {"type": ["integer", "string"], "minimum": 0, "maxLength": 0},
    "Page of 100 (`links.last` is the last); absent, empty or 0 means 1.",
    example=1,
)
# The episode filters take up to 18 digits (a sign allowed); dvdEpisode may be decimal (4.1).
_WHOLE: Schema = {"type": "integer", "minimum": -(10**18 - 1), "maximum": 10**18 - 1}
_EPISODE_FILTERS: dict[str, Schema] = {
    "absoluteNumber": _WHOLE,
    "airedSeason": _WHOLE,
    "airedEpisode": _WHOLE,
    "dvdSeason": _WHOLE,
    "dvdEpisode": {"type": "string", "pattern": r"^\s*-?[0-9]{1,18}(\.[0-9]{1,18})?\s*$"},
    "imdbId": STRING,
    "firstAired": {"type": "string", "pattern": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$"},
}
_EPISODE_FILTER_EXAMPLES = {"airedSeason": 1, "airedEpisode": 1, "firstAired": "2001-10-02"}
# Unix time in seconds, as the server reads it (up to 12 digits).
_EPOCH: Schema = {"type": "integer", "minimum": 0, "maximum": 10**12 - 1}
_SEARCH_PARAM: Schema = {"type": "string", "pattern": r"\S"}
_ITEM_TYPES = ["series", "episode", "image", "banner"]

SERIES = {"id": 76156}
EPISODE = {"id": 184602}


def _data(schema: Schema, **kwargs: Any) -> Schema:
    return envelope(schema, **kwargs)


def _episode_filter(name: str, schema: Schema) -> Schema:
    example = _EPISODE_FILTER_EXAMPLES.get(name)
    extra = {} if example is None else {"example": example}
    return query(name, schema, "Only episodes with this value.", **extra)


def _episode_list(*, filters: bool) -> Operation:
    params = [PAGE]
    errors: list[Error] = [BAD_PAGE, NOT_AUTHORIZED, unknown_id("series"), PAST_LAST_PAGE]
    if filters:
        params += [_episode_filter(name, schema) for name, schema in _EPISODE_FILTERS.items()]
        errors += [
            (400, "A filter value of the wrong type.", "Invalid value for airedSeason: abc"),
            (404, "No episode matches the filters.", "Resource not found"),
        ]
    return Operation(
        "Series",
        "Episodes of a series matching the filters, 100 per page"
        if filters
        else "All episodes of a series, 100 per page, in id order",
        _data(
            array_of(ref("Episode"), maxItems=episode.PAGE_SIZE),
            paged=True,
            errors=("invalidLanguage", "invalidQueryParams"),
        ),
        tuple(errors),
        tuple(params),
        language=True,
        path_examples=SERIES,
        description="Names and overviews missing in the language are null, and "
        "`errors.invalidLanguage` says so when a name is missing.",
    )


_BANNER = Operation(
    "Banners",
    "An artwork file named by a record (`posters/76156-1.jpg`), or its thumbnail",
    {"type": "string", "contentMediaType": "image/*"},
    (
        (404, "No such file.", "Resource not found"),
        (
            416,
            "A Range past the end of the file (Content-Range names the size).",
            "Range not satisfiable",
        ),
    ),
    (
        {
            "name": "Range",
            "in": "header",
            "schema": STRING,
            "description": "`bytes=<first>-<last>`: 206 with that part; a malformed one is "
            "ignored.",
        },
        {
            "name": "If-Range",
            "in": "header",
            "schema": STRING,
            "description": "The ETag or Last-Modified of the file: Range applies only then.",
        },
    ),
    description="Thumbnails are `<name>_t.<ext>` (or legacy `_cache/<name>`), made on "
    "first request. Files never change, so any cache may keep them.",
    public=True,
    api=False,
    media=("image/jpeg", "image/png", "image/gif", "image/webp"),
    path_examples={"path": "posters/76156-1.jpg"},
    partial=True,
)


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("POST", "/login"): Operation(
        "Authentication",
        "Log in: a JWT for all other requests",
        ref("Token"),
        (
            (400, "The body is not JSON, or not a JSON object.", "Invalid JSON in request body"),
            (401, "No usable API key (or an unregistered one, by setting).", "Not Authorized"),
            (401, "`username`/`userkey` match no account.", "Valid User Account Required"),
            (
                400,
                "A body field holds NUL or another control character.",
                "Invalid character in field 'username'",
            ),
            (408, "The whole body did not arrive in time.", "Request timeout"),
            (413, "The body is larger than the server takes.", "Request body too large"),
            (
                429,
                "Too many failed logins from this client address (for this user name) lately, "
                "or its backoff pause after the last failure (with Retry-After).",
                "Too many failed logins; try again later",
            ),
        ),
        public=True,
        body=ref("Login"),
        description="Username and userkey are only needed for the /user routes.",
        conditional=False,
    ),
    ("GET", "/refresh_token"): Operation(
        "Authentication",
        "A new token for a still valid one",
        ref("Token"),
        (NOT_AUTHORIZED,),
    ),
    ("GET", "/episodes/{id}"): Operation(
        "Episodes",
        "One episode",
        _data(ref("Episode"), errors=("invalidLanguage",)),
        (NOT_AUTHORIZED, unknown_id("episode")),
        language=True,
        path_examples=EPISODE,
    ),
    ("GET", "/languages"): Operation(
        "Languages", "Every language", _data(array_of(ref("Language"))), (NOT_AUTHORIZED,)
    ),
    ("GET", "/languages/{id}"): Operation(
        "Languages",
        "One language",
        _data(ref("Language")),
        (NOT_AUTHORIZED, unknown_id("language")),
        path_examples={"id": 7},
    ),
    ("GET", "/search/series"): Operation(
        "Search",
        "Series by name, IMDb id, Zap2it id or slug, best first",
        _data(array_of(ref("SearchHit"), minItems=1, maxItems=100), errors=("invalidQueryParams",)),
        (
            (400, "None of name, imdbId, zap2itId, slug is given.", "No valid query params given"),
            NOT_AUTHORIZED,
            (404, "No series matches.", "Resource not found"),
        ),
        (
            query(
                "name",
                _SEARCH_PARAM,
                "Every word is a prefix of a word of a name or alias, "
                "in any language; case and punctuation are ignored.",
                example="scrubs",
            ),
            query("imdbId", _SEARCH_PARAM, "Exact IMDb id.", example="tt0285403"),
            query("zap2itId", _SEARCH_PARAM, "Exact Zap2it id."),
            query("slug", _SEARCH_PARAM, "Exact slug."),
        ),
        description="At least one of the parameters is required; each given one must match.",
        language=True,
    ),
    ("GET", "/search/series/params"): Operation(
        "Search",
        "The parameters /search/series takes",
        _data(
            {
                "type": "object",
                "properties": {"params": {**STRINGS, "example": series.SEARCH_PARAMS}},
                "required": ["params"],
                "additionalProperties": False,
            }
        ),
        (NOT_AUTHORIZED,),
    ),
    ("GET", "/series/{id}"): Operation(
        "Series",
        "One series",
        _data(ref("Series")),
        (NOT_AUTHORIZED, unknown_id("series")),
        language=True,
        path_examples=SERIES,
    ),
    ("HEAD", "/series/{id}"): Operation(
        "Series",
        "The headers of GET /series/{id}, with Last-Modified",
        None,
        (NOT_AUTHORIZED, unknown_id("series")),
        language=True,
        path_examples=SERIES,
        ok_headers=("Last-Modified",),
    ),
    ("GET", "/series/{id}/actors"): Operation(
        "Series",
        "Actors of a series, in catalogue order",
        _data(array_of(ref("Actor"))),
        (NOT_AUTHORIZED, unknown_id("series")),
        path_examples=SERIES,
    ),
    ("GET", "/series/{id}/episodes"): _episode_list(filters=False),
    ("GET", "/series/{id}/episodes/query"): _episode_list(filters=True),
    ("GET", "/series/{id}/episodes/query/params"): Operation(
        "Series",
        "The filters /series/{id}/episodes/query takes",
        _data({**STRINGS, "example": list(episode.QUERY_PARAMS)}),
        (NOT_AUTHORIZED, unknown_id("series")),
        path_examples=SERIES,
    ),
    ("GET", "/series/{id}/episodes/summary"): Operation(
        "Series",
        "Seasons and episode counts of a series",
        _data(ref("EpisodesSummary")),
        (NOT_AUTHORIZED, unknown_id("series")),
        path_examples=SERIES,
    ),
    ("GET", "/series/{id}/filter"): Operation(
        "Series",
        "Only some keys of a series",
        _data(ref("SeriesFilter"), errors=("invalidFilters", "invalidQueryParams")),
        (
            (400, "No `keys` parameter.", "The keys query parameter is required"),
            NOT_AUTHORIZED,
            unknown_id("series"),
        ),
        (
            query(
                "keys",
                STRING,
                "Comma-separated keys of the series record (see /filter/params).",
                required=True,
                example="seriesName,network",
            ),
        ),
        language=True,
        path_examples=SERIES,
    ),
    ("GET", "/series/{id}/filter/params"): Operation(
        "Series",
        "The keys /series/{id}/filter takes",
        _data(
            {
                "type": "object",
                "properties": {"params": {**STRINGS, "example": series.FILTER_KEYS}},
                "required": ["params"],
                "additionalProperties": False,
            }
        ),
        (NOT_AUTHORIZED, unknown_id("series")),
        path_examples=SERIES,
    ),
    ("GET", "/series/{id}/images"): Operation(
        "Series",
        "How many images of each key type a series has",
        _data(ref("ImageSummary")),
        (NOT_AUTHORIZED, unknown_id("series")),
        path_examples=SERIES,
    ),
    ("GET", "/series/{id}/images/query"): Operation(
        "Series",
        "Images of a series, in catalogue order",
        _data(array_of(ref("Image"), minItems=1), errors=("invalidQueryParams",)),
        (
            NOT_AUTHORIZED,
            unknown_id("series"),
            (404, "No image matches.", "Resource not found"),
        ),
        (
            query("keyType", STRING, f"One of {', '.join(artwork.KEY_TYPES)}.", example="poster"),
            query("resolution", STRING, "For example `680x1000`."),
            query("subKey", STRING, "For example `graphical`, or a season number."),
        ),
        path_examples=SERIES,
    ),
    ("GET", "/series/{id}/images/query/params"): Operation(
        "Series",
        "Key types, resolutions and sub keys of a series' images",
        _data(array_of(ref("ImageQueryParam"))),
        (NOT_AUTHORIZED, unknown_id("series")),
        language=True,
        path_examples=SERIES,
    ),
    ("GET", "/updated/query"): Operation(
        "Updates",
        "Series changed in a time window (at most one week)",
        _data(array_of(ref("Update")), errors=("invalidQueryParams",)),
        (
            (
                400,
                "No `fromTime`, or a time that is not a number.",
                "The fromTime query parameter is required",
            ),
            NOT_AUTHORIZED,
        ),
        (
            query("fromTime", _EPOCH, "Unix time (seconds).", required=True, example=1590000000),
            query(
                "toTime",
                {**_EPOCH, "type": ["integer", "string"], "maxLength": 0},
                "Unix time (seconds); default now, at most one week after fromTime; "
                "empty is ignored.",
            ),
        ),
    ),
    ("GET", "/updated/query/params"): Operation(
        "Updates",
        "The parameters /updated/query takes",
        _data({**STRINGS, "example": ["fromTime", "toTime"]}),
        (NOT_AUTHORIZED,),
    ),
    ("GET", "/user"): Operation("Users", "The logged-in user", _data(ref("User")), (NO_USER,)),
    ("GET", "/user/favorites"): Operation(
        "Users", "The user's favorite series", _data(ref("Favorites")), (NO_USER,)
    ),
    ("PUT", "/user/favorites/{id}"): Operation(
        "Users",
        "Add a series to the favorites",
        _data(ref("Favorites")),
        (NO_USER, unknown_id("series"), (409, "Already a favorite.", "Conflict")),
        path_examples=SERIES,
    ),
    ("DELETE", "/user/favorites/{id}"): Operation(
        "Users",
        "Remove a series from the favorites",
        _data(ref("Favorites")),
        (NO_USER, unknown_id("series"), (409, "Not a favorite.", "Conflict")),
        path_examples=SERIES,
    ),
    ("GET", "/user/ratings"): Operation(
        "Users",
        "The user's ratings, 100 per page",
        _data(array_of(ref("Rating"), maxItems=100), paged=True, errors=("invalidQueryParams",)),
        (BAD_PAGE, NO_USER, PAST_LAST_PAGE),
        (PAGE,),
    ),
    ("GET", "/user/ratings/query"): Operation(
        "Users",
        "The user's ratings of one item type, 100 per page",
        _data(array_of(ref("Rating"), maxItems=100), paged=True, errors=("invalidQueryParams",)),
        (
            BAD_PAGE,
            (400, "No or an unknown `itemType`.", "No valid query params given"),
            NO_USER,
            PAST_LAST_PAGE,
        ),
        (
            query(
                "itemType",
                {"type": "string", "enum": _ITEM_TYPES},
                "`banner` and `image` both mean image ratings.",
                required=True,
                example="series",
            ),
            PAGE,
        ),
    ),
    ("GET", "/user/ratings/query/params"): Operation(
        "Users",
        "The parameters /user/ratings/query takes",
        _data({**STRINGS, "example": ["itemType"]}),
        (NO_USER,),
    ),
    ("PUT", "/user/ratings/{itemType}/{itemId}/{itemRating}"): Operation(
        "Users",
        "Rate a series, an episode or an image",
        _data(array_of(ref("Rating"), minItems=1, maxItems=1)),
        (
            (400, "An unknown item type.", "Invalid itemType: movie"),
            NO_USER,
            unknown_id("item"),
            (409, "A rating that is not a whole number from 1 to 10.", "Conflict"),
        ),
        path_examples={"itemType": "series", "itemId": 76156, "itemRating": 9},
    ),
    ("DELETE", "/user/ratings/{itemType}/{itemId}"): Operation(
        "Users",
        "Remove a rating",
        _data(array_of(ref("Rating"), maxItems=0)),
        (
            (400, "An unknown item type.", "Invalid itemType: movie"),
            NO_USER,
            unknown_id("item"),
            (409, "The item is not rated.", "Conflict"),
        ),
        path_examples={"itemType": "series", "itemId": 76156},
    ),
    ("GET", "/movies/{id}"): Operation(
        "Movies",
        "One movie (snake_case keys, every translation)",
        _data(ref("Movie")),
        (NOT_AUTHORIZED, unknown_id("movie")),
        language=True,
        path_examples={"id": 107},
        description="Accept-Language changes nothing: the record carries all its "
        "translations (`is_primary` marks the original one).",
    ),
    ("GET", "/movieupdates"): Operation(
        "Movies",
        "Ids of the movies changed since a time",
        ref("MovieUpdates"),
        (
            NOT_AUTHORIZED,
            (405, "No `since` (or an empty one), as in the v3 swagger.", NO_VALID_PARAMS),
            (422, "`since` is not a Unix time in seconds.", NO_VALID_PARAMS),
        ),
        (query("since", _EPOCH, "Unix time (seconds).", required=True, example=1590969600),),
        description='A bare `{"movies": [...]}` (no `data`): every movie whose '
        "lastUpdated is `since` or later, oldest change first; `[]` when none.",
    ),
    ("GET", "/banners/{path}"): _BANNER,
    ("HEAD", "/banners/{path}"): replace(
        _BANNER, summary="The headers of GET /banners/{path} (size, type, validators)", ok=None
    ),
    ("GET", "/openapi.json"): Operation(
        "Documentation",
        "This OpenAPI document",
        {"type": "object", "required": ["openapi", "info", "paths"]},
        public=True,
        api=False,
    ),
    ("GET", "/"): Operation(
        "Documentation",
        "This page: Swagger UI on /openapi.json",
        {"type": "string"},
        public=True,
        api=False,
        media=("text/html",),
    ),
    ("GET", "/swagger"): Operation(
        "Documentation",
        "This page, also at /swagger",
        {"type": "string"},
        public=True,
        api=False,
        media=("text/html",),
    ),
    ("GET", "/swagger/{name}"): Operation(
        "Documentation",
        "A file of this page (Swagger UI is served from the pinned Python package)",
        {"type": "string"},
        ((404, "No such file.", "Resource not found"),),
        public=True,
        api=False,
        media=tuple(MEDIA_TYPES),
        path_examples={"name": "swagger-ui.css"},
    ),
    ("GET", "/health"): Operation(
        "Operations",
        "Whether the database (and Redis, when configured) answers and the schema is current",
        {
            "type": "object",
            "required": ["status", "database", "schema"],
            "properties": {
                "status": {"enum": ["ok", "degraded"]},
                "database": {"type": "string"},
                "schema": {"type": ["string", "null"]},
                "redis": {"type": "string"},
            },
        },
        (
            (
                503,
                "The database does not answer, or its schema is not the code's (with "
                "Retry-After; the body names the dependency).",
                "Service unavailable",
            ),
        ),
        public=True,
        api=False,
        conditional=False,
    ),
    ("GET", "/metrics"): Operation(
        "Operations",
        "Prometheus metrics: requests and latency per route, cache hits, feed lag",
        {"type": "string"},
        ((404, "Metrics are off (TVDBD_METRICS).", "Resource not found"),),
        public=True,
        api=False,
        media=("text/plain",),
        conditional=False,
    ),
}

# Path parameters by name: every `{id}` is a numeric id (anything else is 404 `ID: x not found`).
PATH_PARAMETERS: dict[str, Schema] = {
    "id": {"type": "integer", "minimum": 0},
    "itemId": {"type": "integer", "minimum": 0},
    "itemType": {"type": "string", "enum": _ITEM_TYPES},
    "itemRating": {"type": "integer", "minimum": 1, "maximum": 10},
    "imageId": {"type": "integer", "minimum": 0},
    "name": {"type": "string", "enum": ASSET_NAMES},
}
