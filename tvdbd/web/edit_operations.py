"""What the OpenAPI document says about the JSON edit API under /edits/ (tvdbd.edits.routes);
merged into tvdbd.web.operations.OPERATIONS by tvdbd.web.openapi."""

from __future__ import annotations

from typing import Any

from tvdbd.edits.targets import RECORDS
from tvdbd.web.operations import Error, Operation, query
from tvdbd.web.schemas import INTEGER, STRING, Schema, array_of, envelope

TAG = "Edits"
TAG_DESCRIPTION = (
    "Local edits (tvdbd extension): change records, with history, reverts and locks that "
    "keep a local value against every refresh. A token from a login with the username "
    "and userkey of an editor or admin account."
)

NO_EDITOR: Error = (
    401,
    "No, bad or expired token (log in with the username and userkey of an editor).",
    "Not authorized",
)
NOT_EDITOR: Error = (
    403,
    "The token's account is not an editor or admin (or the token has no user).",
    "Editing needs an account with the editor or admin role",
)
BAD_CHANGE: Error = (
    400,
    "A change names no editable field, or a value does not fit its field (`field` names it).",
    "episode 184602 field airedSeason: must be an integer, got 'x'",
)
STALE_BASE: Error = (
    409,
    "The field holds something else than the change's `base` (`current` is its value now).",
    'series 76156 field seriesName (en) changed since your base: it is now "Scrubs"',
)
TOO_LARGE: Error = (413, "The body is larger than the server takes.", "Request body too large")


def _missing(what: str) -> Error:
    return (404, f"No such {what}.", f"{what} 999999999 not found")


_VALUE: Schema = {"description": "Any JSON value of the field's type (null where allowed)."}
REVISION: Schema = {
    "type": "object",
    "description": "One change: who, when, which record and field, old and new value.",
    "properties": {
        "revision": INTEGER,
        "series": INTEGER,
        "record": {"type": "string", "enum": list(RECORDS)},
        "id": INTEGER,
        "field": {**STRING, "description": "A wire key of the record, or * for all of it."},
        "language": {**STRING, "description": "For translated fields; else empty."},
        "action": {"type": "string", "enum": ["set", "add", "remove", "lock", "unlock"]},
        "old": _VALUE,
        "new": _VALUE,
        "comment": {"type": ["string", "null"]},
        "editor": STRING,
        "via": {"type": "string", "enum": ["api", "cli", "pages", "import"]},
        "at": {**INTEGER, "description": "Unix time of the change."},
        "reverts": {"type": ["integer", "null"]},
    },
    "required": ["revision", "series", "record", "id", "field", "language", "action"],
}
LOCK: Schema = {
    "type": "object",
    "description": "A field kept at its local value; `upstream` is what the last refresh gave.",
    "properties": {
        "record": {"type": "string", "enum": list(RECORDS)},
        "id": INTEGER,
        "field": STRING,
        "language": STRING,
        "local": _VALUE,
        "upstream": _VALUE,
        "upstreamSeen": INTEGER,
        "lockedBy": STRING,
        "lockedAt": INTEGER,
    },
    "required": ["record", "id", "field", "language", "local", "lockedBy", "lockedAt"],
}
RESULT: Schema = envelope(
    {
        "type": "object",
        "properties": {
            "series": INTEGER,
            "lastUpdated": {
                "type": ["integer", "null"],
                "description": "The series' new lastUpdated (null: no value changed).",
            },
            "revisions": array_of(REVISION),
        },
        "required": ["series", "lastUpdated", "revisions"],
    }
)
_CHANGE: Schema = {
    "type": "object",
    "properties": {
        "record": {"type": "string", "enum": list(RECORDS), "default": "series"},
        "id": {**INTEGER, "description": "The record's id (default: the path's)."},
        "field": {**STRING, "example": "seriesName"},
        "language": {**STRING, "description": "Translated fields only (default: original)."},
        "value": _VALUE,
        "base": {"description": "The value you started from: 409 if it changed since."},
    },
    "required": ["field", "value"],
    "additionalProperties": False,
}
CHANGES: Schema = {
    "type": "object",
    "properties": {
        "changes": array_of(_CHANGE, minItems=1),
        "comment": STRING,
    },
    "required": ["changes"],
    "example": {
        "changes": [{"field": "seriesName", "value": "Scrubs", "language": "en"}],
        "comment": "typo",
    },
}
_LOCK_BODY: Schema = {
    "type": "object",
    "properties": {
        "record": {"type": "string", "enum": list(RECORDS)},
        "id": INTEGER,
        "field": {**STRING, "description": "A field, or * for a whole episode or image."},
        "language": STRING,
        "comment": STRING,
    },
    "required": ["field"],
}
_COMMENT = query("comment", STRING, "Why (kept with the revision).")
_PAGING = (
    query("before", INTEGER, "Only revisions older than this one (the next page)."),
    query("limit", {**INTEGER, "minimum": 1, "maximum": 1000}, "At most this many (100)."),
)
SERIES = {"id": 76156}
EPISODE = {"id": 184602}


def _op(summary: str, ok: Schema, *errors: Error, **extra: Any) -> Operation:
    return Operation(TAG, summary, ok, (NO_EDITOR, NOT_EDITOR, *errors), api=False, **extra)


EDIT_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("POST", "/edits/series/{id}"): _op(
        "Change fields of a series or of its episodes, actors or images",
        RESULT,
        BAD_CHANGE,
        _missing("series"),
        STALE_BASE,
        TOO_LARGE,
        body=CHANGES,
        path_examples=SERIES,
        description="Every change or none. Each becomes a revision and locks its field.",
    ),
    ("GET", "/edits/series/{id}/history"): _op(
        "The series' revisions (its own and its records'), newest first",
        envelope(array_of(REVISION)),
        (400, "`before` or `limit` is not a whole number in range.", "field limit: ..."),
        _missing("series"),
        query=_PAGING,
        path_examples=SERIES,
        conditional=False,
    ),
    ("GET", "/edits/series/{id}/locks"): _op(
        "The series' locked fields with their local and upstream values",
        envelope(array_of(LOCK)),
        _missing("series"),
        path_examples=SERIES,
        conditional=False,
    ),
    ("POST", "/edits/series/{id}/locks"): _op(
        "Lock a field at its current value (no change)",
        RESULT,
        BAD_CHANGE,
        _missing("series"),
        TOO_LARGE,
        body=_LOCK_BODY,
        path_examples=SERIES,
    ),
    ("POST", "/edits/series/{id}/unlock"): _op(
        "Unlock a field: it follows upstream again (its upstream value, if seen, is stored)",
        RESULT,
        BAD_CHANGE,
        (404, "No such series, or the field is not locked.", "... is not locked"),
        TOO_LARGE,
        body=_LOCK_BODY,
        path_examples=SERIES,
    ),
    ("POST", "/edits/series/{id}/episodes"): _op(
        "Add an episode (its id comes from the local block 1,900,000,000 to 1,999,999,999)",
        RESULT,
        BAD_CHANGE,
        _missing("series"),
        TOO_LARGE,
        body={
            "type": "object",
            "properties": {"episode": {"type": "object"}, "comment": STRING},
            "required": ["episode"],
            "example": {"episode": {"airedSeason": 1, "airedEpisodeNumber": 99}},
        },
        path_examples=SERIES,
    ),
    ("POST", "/edits/series/{id}/actors"): _op(
        "Add an actor (its id comes from the local block 1,900,000,000 to 1,999,999,999)",
        RESULT,
        BAD_CHANGE,
        _missing("series"),
        TOO_LARGE,
        body={
            "type": "object",
            "properties": {"actor": {"type": "object"}, "comment": STRING},
            "required": ["actor"],
            "example": {"actor": {"name": "Jane Doe", "role": "Dr. Jane", "sortOrder": 3}},
        },
        path_examples=SERIES,
    ),
    ("DELETE", "/edits/series/{id}/actors/{actorId}"): _op(
        "Remove an actor from the series (kept removed against every refresh)",
        RESULT,
        _missing("actor"),
        query=(_COMMENT,),
        path_examples={**SERIES, "actorId": 1},
    ),
    ("POST", "/edits/series/{id}/images"): _op(
        "Add an image: the body is the file, stored in the image store",
        RESULT,
        BAD_CHANGE,
        _missing("series"),
        TOO_LARGE,
        query=(
            query(
                "keyType",
                {"type": "string", "enum": ["fanart", "poster", "season", "seasonwide", "series"]},
                "The kind of artwork.",
                required=True,
            ),
            query("subKey", STRING, "The season for season artwork, else e.g. graphical."),
            query("language", STRING, "Its language (default: the series')."),
            query("resolution", STRING, "Default: the file's own, e.g. 680x1000."),
            _COMMENT,
        ),
        body={"type": "string", "format": "binary"},
        body_media=("application/octet-stream", "image/jpeg", "image/png", "image/webp"),
        path_examples=SERIES,
        description="Bodies are limited by TVDBD_MAX_BODY_BYTES; `tvdbd edit add-image` has "
        "no limit.",
    ),
    ("DELETE", "/edits/series/{id}/images/{imageId}"): _op(
        "Remove an image from the series (the file stays, for a revert)",
        RESULT,
        _missing("image"),
        query=(_COMMENT,),
        path_examples={**SERIES, "imageId": 1},
    ),
    ("POST", "/edits/episodes/{id}"): _op(
        "Change fields of an episode",
        RESULT,
        BAD_CHANGE,
        _missing("episode"),
        STALE_BASE,
        TOO_LARGE,
        body=CHANGES,
        path_examples=EPISODE,
    ),
    ("DELETE", "/edits/episodes/{id}"): _op(
        "Remove an episode (kept removed against every refresh)",
        RESULT,
        _missing("episode"),
        query=(_COMMENT,),
        path_examples=EPISODE,
    ),
    ("GET", "/edits/episodes/{id}/history"): _op(
        "The episode's revisions, newest first",
        envelope(array_of(REVISION)),
        (400, "`before` or `limit` is not a whole number in range.", "field limit: ..."),
        _missing("episode"),
        query=_PAGING,
        path_examples=EPISODE,
        conditional=False,
    ),
    ("GET", "/edits/revisions/{id}"): _op(
        "One revision",
        envelope(REVISION),
        _missing("revision"),
        path_examples={"id": 1},
        conditional=False,
    ),
    ("POST", "/edits/revisions/{id}/revert"): _op(
        "Revert a revision (a new revision); 409 if its field changed since, unless force",
        RESULT,
        (400, "The body is not a JSON object, or `force` is not a boolean.", "..."),
        _missing("revision"),
        (409, "The field changed since that revision (`current` is its value).", "..."),
        TOO_LARGE,
        body={
            "type": "object",
            "properties": {"comment": STRING, "force": {"type": "boolean"}},
        },
        path_examples={"id": 1},
    ),
}
