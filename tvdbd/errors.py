"""One error hierarchy; each API error carries its HTTP status and TVDB's wire text.

Route code raises these; exactly one handler (``tvdbd.api.envelope``) renders them as
TheTVDB's ``{"Error": "..."}`` body.
"""

from __future__ import annotations


class TvdbdError(Exception):
    """Base of every error this package raises on purpose."""


class ApiError(TvdbdError):
    """An error answered on the wire as ``{"Error": message}`` with ``status``."""

    status = 500
    default_message = "Internal error"

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None):
        self.message = message or self.default_message
        self.headers = headers or {}
        # Keys the body carries beside "Error" (tvdbd extensions only, never on the v2 routes).
        self.details: dict[str, object] = {}
        super().__init__(self.message)


class BadRequest(ApiError):
    status = 400
    default_message = "Bad request"


class NotAuthorized(ApiError):
    """No, bad or expired token: the real API's text had a lower-case ``a``."""

    status = 401
    default_message = "Not authorized"


class LoginRefused(ApiError):
    """Login with a missing or unknown API key (tvdb_api compares this exact text)."""

    status = 401
    default_message = "Not Authorized"


class Forbidden(ApiError):
    """Signed in, but the account's role does not allow it (operator pages, edits)."""

    status = 403
    default_message = "Forbidden"


class NotFound(ApiError):
    status = 404
    default_message = "Resource not found"


class IdNotFound(NotFound):
    """Unknown series/episode/language id; repeats the id exactly as the client typed it."""

    def __init__(self, raw_id: str):
        super().__init__(f"ID: {raw_id} not found")


class MethodNotAllowed(ApiError):
    status = 405
    default_message = "Method not allowed"


class Conflict(ApiError):
    status = 409
    default_message = "Conflict"


class EditConflict(Conflict):
    """A local edit made from a base that is no longer current; the body names the current
    value (`{"Error": ..., "field": ..., "current": ...}`), so the editor can redo it."""

    def __init__(self, message: str, *, field: str, current: object):
        super().__init__(message)
        self.details = {"field": field, "current": current}


class RequestTimeout(ApiError):
    """A request body that did not arrive in time."""

    status = 408
    default_message = "Request timeout"


class PayloadTooLarge(ApiError):
    status = 413
    default_message = "Request body too large"


class TooManyRequests(ApiError):
    """Over a rate limit; carries Retry-After."""

    status = 429
    default_message = "Too many requests"


class ServiceUnavailable(ApiError):
    """A dependency (the database) does not answer; carries Retry-After."""

    status = 503
    default_message = "Service unavailable"


class Unprocessable(ApiError):
    """A query parameter that is there but unusable (`/movieupdates?since=abc`, v3 swagger)."""

    status = 422
    default_message = "No valid query params given"


class ConfigError(TvdbdError):
    """A setting has a value we cannot use; the message names the setting and the value."""


class BundleError(TvdbdError):
    """A bundle line that cannot be imported; names the line, series (or movie) id and field."""

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        series_id: object = None,
        movie_id: object = None,
    ):
        self.reason = reason
        self.field = field
        self.series_id = series_id
        self.movie_id = movie_id
        self.line: int | None = None
        super().__init__(reason)

    def __str__(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.series_id is not None:
            parts.append(f"series {self.series_id}")
        if self.movie_id is not None:
            parts.append(f"movie {self.movie_id}")
        if self.field:
            parts.append(f"field {self.field}")
        where = ", ".join(parts)
        return f"{where}: {self.reason}" if where else self.reason


class SourceError(TvdbdError):
    """A live source (TheTVDB v4, TVmaze, another v2 server) did not give what was asked."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class SourceUnavailable(SourceError):
    """The source did not answer in time, or kept answering 5xx/429 after every retry."""


class SourceRefused(SourceError):
    """The source refused our credentials (a wrong API key or PIN): retrying will not help."""


class SourceNotFound(SourceError):
    """The source has no such record (or it was deleted there)."""


class SourceDataError(SourceError):
    """The source answered something we cannot read (not JSON, or not the shape it documents)."""


class TlsError(TvdbdError):
    """The local certificate authority or a certificate cannot be made, read or used."""


class ListenError(TvdbdError):
    """An address and port the server was told to listen on cannot be bound; says why."""
