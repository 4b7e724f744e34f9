"""The OpenAPI 3.1 document of the server, generated from the routes it serves.

Every (method, path) of the app's routes must have an entry in tvdbd.web.operations and
every entry must name a served route, so the document cannot drift from the route table.
Record schemas come from tvdbd.records (see tvdbd.web.schemas).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
from starlette.routing import BaseRoute, Mount, Route

from tvdbd import __version__
from tvdbd.web.edit_operations import EDIT_OPERATIONS
from tvdbd.web.operations import OPERATIONS, PATH_PARAMETERS, TAGS, Error, Operation
from tvdbd.web.schemas import STRING, TEXT_PATTERN, Schema, component_schemas, ref

OPENAPI_VERSION = "3.1.0"
API_VERSION = "3.0.0"
_PATH_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?}")
_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")

RATE_LIMITED = (429, "Over a request-rate limit (with Retry-After).", "Too many requests")
DATABASE_DOWN = (
    503,
    "The database does not answer (with Retry-After); stored answers are still served.",
    "Service unavailable",
)
INVALID_TEXT = (
    400,
    "NUL or another control character (or invalid UTF-8) in the path or a query parameter.",
    "Invalid character in query parameter 'name'",
)

DESCRIPTION = f"""\
TheTVDB REST API v2, served by tvdbd {__version__} with the final legacy (3.0.0) record shapes.

**How to use this page.** You may browse every route without a token. To send requests:

1. Open `POST /login` under Authentication, press *Try it out*, send `{{"apikey": "demo"}}`
   (any non-empty key works unless the server only takes registered keys; add `username`
   and `userkey` for the /user routes).
2. Paste the token from the response into the **JWT Token** field at the top of the page and
   press **Add Token**.
3. Every *Try it out* now sends `Authorization: Bearer <token>` to this server.

**Language selection** is done with the `Accept-Language` header: one abbreviation (`en`, `de`,
...; the first entry of a browser-style list counts); unknown codes get English. See /languages.

**Versioning.** Every answer has the 3.0.0 shapes whatever `Accept` says (as the real API in
its last years; clients that send `application/vnd.thetvdb.v2.1.1` read the 3.0.0 fields). A
server started with `--accept-version-negotiation` (`TVDBD_ACCEPT_VERSION_NEGOTIATION=on`)
serves `Accept: application/vnd.thetvdb.v2` (or `...v2.1.1`, `...v2.2.0`) the 2.2.0 shapes
instead (the `*V2` schemas below; `X-Thetvdb-Api-Version: 2.2.0`). The header never causes a
406.

**Errors** are always JSON: `{{"Error": "<text>"}}`. A method a path does not have is answered
405 `{{"Error": "Method not allowed"}}` with an `Allow` header; an unknown path (or a trailing
slash) 404 `{{"Error": "Resource not found"}}`. Unknown query parameters never fail a request:
they are listed in `errors.invalidQueryParams` next to the data.

**Limits.** A client IP (and, by setting, an API key) may send so many requests a minute;
over that: 429 `{{"Error": "Too many requests"}}` with `Retry-After`. Failed logins are
counted per client address and user name (with backoff) and per client address, request
bodies are limited in size (413) and in time for the whole body (408), and so is the time to
send a request's headers. Whatever reaches the socket gets JSON: a malformed request 400, a
URL too long 414, headers too large 431, the HTTP/2 preface 505 (HTTP/1.1 only; WebSocket
upgrades are not negotiated); each of these closes the connection. While the database does
not answer, API routes are 503 `{{"Error": "Service unavailable"}}` with `Retry-After`.

**The legacy XML API (v1)** that thetvdb.com served before v2 is served too, by this server
on the same port, under `/api/` (`/api/<apikey>/series/<id>/all/en.zip`, `/api/GetSeries.php`,
`/api/Updates.php`, ... and the `User_*.php` routes, where `accountid` is your user key) and
`/banners/`, from the same catalogue: for pytvdbapi, tvdb_api 1.x, node-tvdb 2, old Kodi
scrapers. It is XML, not listed on this page; its API key follows the same key policy. Left
out: banner `Colors` (always empty), `tms_wanted_old`, `<Banner>` entries in the update files,
and every write but favorites and ratings (see the README and `docs/v1-decisions.md`).

**Data sources.** The catalogue holds what its operator imported, and series fetched from
live sources (unless the operator turned them off): metadata provided by
[TheTVDB](https://thetvdb.com) (API v4), and data from [TVmaze](https://www.tvmaze.com)
licensed under [CC BY-SA 4.0](https://creativecommons.org/licenses/by-sa/4.0/), mapped to
these v2 records by tvdbd. `tvdbd export` writes each series' source and licence with it.
A series from TVmaze differs from TheTVDB's own records: its episode, season, actor and
image ids are tvdbd's (2,000,000,000 and up), its episodes have no guest stars, directors or
writers, its `siteRating` is TVmaze's (with a count of 0), and its genres are TheTVDB's v2
names where v2 had one.
"""


# The v2 routes and the edit API under /edits/ (tvdbd.web.edit_operations).
ALL_OPERATIONS: dict[tuple[str, str], Operation] = {**OPERATIONS, **EDIT_OPERATIONS}


class UndocumentedRoute(Exception):
    """A served route without an entry in tvdbd.web.operations, or the other way round."""


def openapi_path(path: str) -> str:
    """`/banners/{path:path}` -> `/banners/{path}` (OpenAPI has no converters)."""
    return _PATH_PARAM.sub(r"{\1}", path)


def served_operations(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, OpenAPI path) of every route; HEAD only where OPERATIONS documents it.

    Starlette answers HEAD on every GET route; TheTVDB documented HEAD on /series/{id} only.
    Routes marked `include_in_schema = False` (the legacy XML API, tvdbd.v1: XML, not this
    JSON API; the description says where it is) are left out.
    """
    for route in routes:
        if not getattr(route, "include_in_schema", True):
            continue
        if isinstance(route, Route):
            path = openapi_path(prefix + route.path)
            methods = route.methods or set()
            for method in _METHODS:
                if method not in methods:
                    continue
                if method == "HEAD" and "GET" in methods and (method, path) not in ALL_OPERATIONS:
                    continue
                yield method, path
        elif isinstance(route, Mount):
            yield from served_operations(route.routes, prefix + route.path)
        else:
            raise UndocumentedRoute(f"cannot document a {type(route).__name__}: {route!r}")


def _error_responses(errors: Sequence[Error]) -> dict[str, Any]:
    """Every error goes through the one handler: TheTVDB's headers and `{"Error": ...}`."""
    by_status: dict[int, list[tuple[str, str]]] = {}
    for status, when, text in errors:
        by_status.setdefault(status, []).append((when, text))
    responses: dict[str, Any] = {}
    for status in sorted(by_status):
        cases = by_status[status]
        description = " ".join(f"{when} `{text}`" for when, text in cases)
        examples = {
            f"case{i}": {"summary": when, "value": {"Error": text}}
            for i, (when, text) in enumerate(cases, 1)
        }
        responses[str(status)] = {
            "description": description,
            "headers": _api_headers(),
            "content": {"application/json": {"schema": ref("Error"), "examples": examples}},
        }
    return responses


def _api_headers() -> dict[str, Any]:
    return {
        "X-Thetvdb-Api-Version": {"$ref": "#/components/headers/X-Thetvdb-Api-Version"},
        "Vary": {"$ref": "#/components/headers/Vary"},
        "Cache-Control": {"$ref": "#/components/headers/Cache-Control"},
        "ETag": {"$ref": "#/components/headers/ETag"},
    }


def _text_only(schema: Schema) -> Schema:
    """A free string parameter says it takes no control characters (tvdbd.http.text)."""
    if schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema:
        return {**schema, "pattern": TEXT_PATTERN}
    return schema


def _parameters(method: str, path: str, op: Operation) -> list[Schema]:
    params: list[Schema] = []
    for name in _PATH_PARAM.findall(path):
        param: Schema = {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _text_only(PATH_PARAMETERS.get(name, STRING)),
        }
        if name in op.path_examples:
            param["example"] = op.path_examples[name]
        params.append(param)
    for given in op.query:
        if "schema" in given:
            given = {**given, "schema": _text_only(given["schema"])}
        params.append(given)
    if op.language:
        params.append({"$ref": "#/components/parameters/Accept-Language"})
    if op.api:
        params.append({"$ref": "#/components/parameters/Accept"})
    if op.conditional and method in ("GET", "HEAD"):
        params.append({"$ref": "#/components/parameters/If-None-Match"})
        params.append({"$ref": "#/components/parameters/If-Modified-Since"})
    return params


def _operation(method: str, path: str, op: Operation) -> dict[str, Any]:
    ok_headers = _api_headers() if op.api else {}
    for name in op.ok_headers:
        ok_headers[name] = {"$ref": f"#/components/headers/{name}"}
    ok: dict[str, Any] = {"description": "OK", "headers": ok_headers}
    if op.ok is not None:
        ok["content"] = {media: {"schema": op.ok} for media in op.media}
    responses: dict[str, Any] = {"200": ok}
    if op.conditional and method in ("GET", "HEAD"):
        responses["304"] = {"$ref": "#/components/responses/NotModified"}
    if op.partial:
        responses["206"] = {
            "description": "Partial Content: the part named by Range.",
            "headers": {"Content-Range": {"schema": STRING, "required": True}},
            "content": {media: {"schema": op.ok} for media in op.media},
        }
    # Every request counts against the rate limits (tvdbd.http.limits), has its text checked
    # (tvdbd.http.text), and an API route may find the database down (tvdbd.api.envelope).
    errors = op.errors
    if not any(status == 429 for status, _, _ in errors):
        errors = (*errors, RATE_LIMITED)
    errors = (*errors, INVALID_TEXT)
    if op.api and not any(status == 503 for status, _, _ in errors):
        errors = (*errors, DATABASE_DOWN)
    responses.update(_error_responses(errors))
    if method == "HEAD":  # the GET's status and headers, never a body
        for response in responses.values():
            response.pop("content", None)
    operation: dict[str, Any] = {
        "tags": [op.tag],
        "summary": op.summary,
        "operationId": _operation_id(method, path),
        "parameters": _parameters(method, path, op),
        "responses": dict(sorted(responses.items())),
    }
    if op.description:
        operation["description"] = op.description
    if op.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {media: {"schema": op.body} for media in op.body_media},
        }
    if op.public:
        operation["security"] = []
    return operation


def _operation_id(method: str, path: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", openapi_path(path).replace("_", " ")) or ["root"]
    return method.lower() + "".join(w[:1].upper() + w[1:] for w in words)


def build_document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI document of `routes`; UndocumentedRoute when they and OPERATIONS differ."""
    served = list(served_operations(routes))
    missing = [f"{m} {p}" for m, p in served if (m, p) not in ALL_OPERATIONS]
    stale = [f"{m} {p}" for m, p in ALL_OPERATIONS if (m, p) not in set(served)]
    if missing or stale:
        raise UndocumentedRoute(
            f"served but not documented: {missing}; documented, not served: {stale}"
        )
    paths: dict[str, dict[str, Any]] = {}
    for method, path in served:
        item = paths.setdefault(path, {})
        item[method.lower()] = _operation(method, path, ALL_OPERATIONS[(method, path)])
    used_tags = {ALL_OPERATIONS[key].tag for key in served}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "TheTVDB API v2 (tvdbd)",
            "version": API_VERSION,
            "description": DESCRIPTION,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": [{"name": n, "description": d} for n, d in TAGS if n in used_tags],
        "paths": paths,
        "components": _components(),
        "security": [{"bearerAuth": []}],
    }


def _components() -> dict[str, Any]:
    return {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "The token from POST /login (24 hours; GET /refresh_token "
                "renews it).",
            }
        },
        "parameters": {
            "Accept-Language": {
                "name": "Accept-Language",
                "in": "header",
                "schema": STRING,
                "example": "en",
                "description": "One language abbreviation (see /languages); default `en`.",
            },
            "Accept": {
                "name": "Accept",
                "in": "header",
                "schema": STRING,
                "description": "Ignored by default (3.0.0 shapes); with the server's "
                "accept_version_negotiation setting on, `application/vnd.thetvdb.v2[.x.y]` "
                "gets the 2.2.0 shapes (never a 406).",
            },
            "If-None-Match": {
                "name": "If-None-Match",
                "in": "header",
                "schema": STRING,
                "description": "An ETag from an earlier answer: 304 when it still matches.",
            },
            "If-Modified-Since": {
                "name": "If-Modified-Since",
                "in": "header",
                "schema": STRING,
                "description": "An HTTP date: 304 when the series (or file) has not changed "
                "since (used without If-None-Match).",
            },
        },
        "headers": {
            "X-Thetvdb-Api-Version": {
                "required": True,
                "schema": {"type": "string", "enum": [API_VERSION, "2.2.0"]},
                "description": "The shape served (see Accept).",
            },
            "Vary": {
                "schema": STRING,
                "description": "`Accept-Language` (and `Accept-Encoding` on larger answers).",
            },
            "Cache-Control": {"schema": STRING, "description": "`private, max-age=86400`."},
            "ETag": {"schema": STRING, "description": "A strong validator of the body."},
            "Last-Modified": {
                "required": True,
                "schema": STRING,
                "description": "The series' `lastUpdated` as an HTTP date.",
            },
        },
        "responses": {
            "NotModified": {
                "description": "Not Modified: If-None-Match or If-Modified-Since matched; no body."
            },
            "MethodNotAllowed": {
                "description": "Any path, a method it does not have; `Allow` lists the methods.",
                "headers": {"Allow": {"schema": STRING}},
                "content": {
                    "application/json": {
                        "schema": ref("Error"),
                        "example": {"Error": "Method not allowed"},
                    }
                },
            },
        },
        "schemas": component_schemas(),
    }


def encoded_document(routes: Iterable[BaseRoute]) -> bytes:
    return orjson.dumps(build_document(routes))
